"""The authoring options of ``fakemedia annotate`` (safe outputs, ingredients from files,
thumbnails, manifest definitions, sidecar and remote manifests, external signers), kept in one
group apart from the annotation fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from fakemedia.cli._options import Parsed, flagged
from fakemedia.cli._safety import force_option

F = TypeVar("F", bound=Callable[..., Any])

#: The keyword arguments :func:`authoring_options` adds to a command.
AUTHORING_KEYS = ("force", "parent", "components", "thumbnail", "thumbnail_size",
                  "thumbnail_quality", "definition", "sidecar", "remote", "signer_cmd", "cert", "key")


def authoring_options(func: F) -> F:
    """Add the authoring group (applied last, so it shows as one block in --help)."""
    for option in reversed([
        click.option("--manifest", "definition", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="DEF.json",
                     help="c2patool-style manifest definition (title, claim_generator_info, "
                          "assertions, ingredients; our annotation under \"fakemedia\"); "
                          "see 'fakemedia schema manifest-definition'. Flags win over it."),
        click.option("--parent", "parent", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="FILE",
                     help="An earlier version of the image (signed or not) recorded as its "
                          "parentOf ingredient; its manifests are carried along."),
        click.option("--component", "components", multiple=True,
                     type=Parsed("FILE[:x,y,w,h]", "parse_component"),
                     help="A file the image was composed from, recorded as a componentOf "
                          "ingredient, optionally with the pixel rectangle it occupies "
                          "(repeatable)."),
        click.option("--thumbnail/--no-thumbnail", "thumbnail", default=True, show_default=True,
                     help="Store a claim thumbnail and ingredient thumbnails."),
        click.option("--thumbnail-size", "thumbnail_size", type=int, metavar="PX",
                     help="Longest side of thumbnails in pixels (16..4096, default 512)."),
        click.option("--thumbnail-quality", "thumbnail_quality", type=int, metavar="Q",
                     help="JPEG quality of thumbnails (1..95, default 80)."),
        click.option("--sidecar", "sidecar", is_flag=True,
                     help="Write the manifest store to OUT.c2pa beside the image instead of "
                          "embedding it (the image bytes are left as they are)."),
        click.option("--remote", "remote", metavar="URL",
                     help="The manifest will be served at URL: the image gets the XMP reference "
                          "to it and the store is written to OUT.c2pa, to upload there."),
        click.option("--signer-cmd", "signer_cmd", metavar='"CMD ARGS"',
                     help="Sign by running CMD (no shell): the bytes to sign on its stdin, the "
                          "signature on its stdout; needs --cert. The key stays with CMD."),
        click.option("--cert", "cert", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="CHAIN.pem", help="Certificate chain (PEM, leaf first or any order) "
                                               "to sign with, instead of --identity."),
        click.option("--key", "key", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="KEY.pem", help="Private key of --cert (encrypted: "
                                             "$FAKEMEDIA_KEY_PASSPHRASE)."),
    ]):
        func = option(func)
    return force_option(func)


def annotate_options(values: dict[str, Any]) -> dict[str, Any]:
    """The AnnotateOptions fields the authoring group sets; usage errors before any work."""
    from fakemedia import api

    if not values["thumbnail"] and (values["thumbnail_size"] is not None
                                    or values["thumbnail_quality"] is not None):
        raise click.UsageError("--thumbnail-size and --thumbnail-quality need thumbnails; "
                               "drop --no-thumbnail")
    with flagged():
        return api.authoring_fields(parent=values["parent"], components=values["components"],
                                    definition=values["definition"], thumbnail=values["thumbnail"],
                                    thumbnail_size=values["thumbnail_size"],
                                    thumbnail_quality=values["thumbnail_quality"],
                                    sidecar=values["sidecar"], remote=values["remote"])


def external_signer(values: dict[str, Any], identity: Path | None) -> Any:
    """The signer --signer-cmd or --cert/--key name, or None (then the identity signs)."""
    from fakemedia import api

    command, cert, key = values["signer_cmd"], values["cert"], values["key"]
    if command is None and cert is None and key is None:
        return None
    if identity is not None:
        raise click.UsageError("use either --identity or --signer-cmd/--cert/--key, not both")
    if cert is None:
        raise click.UsageError("--signer-cmd and --key need --cert (the certificate chain)")
    if command is not None and key is not None:
        raise click.UsageError("use either --signer-cmd or --key, not both")
    if command is not None:
        return api.command_signer(command, cert)
    if key is None:
        raise click.UsageError("--cert needs --key or --signer-cmd")
    return api.signer_files(cert, key)
