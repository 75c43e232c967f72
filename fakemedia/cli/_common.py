"""Options and helpers shared by the commands: JSON output, trust anchors, signing identity."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from fakemedia.errors import CertificateError, FakemediaError, SigningError

F = TypeVar("F", bound=Callable[..., Any])

ENV_PASSPHRASE = "FAKEMEDIA_KEY_PASSPHRASE"
ENV_DECRYPT_PASSPHRASE = "FAKEMEDIA_DECRYPT_PASSPHRASE"
ENV_TRUST_ANCHORS = "FAKEMEDIA_TRUST_ANCHORS"
ANCHORS_FILE = "trust-anchors.pem"


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON on stdout instead of text.")(func)


def trust_anchors_option(func: F) -> F:
    return click.option(
        "--trust-anchors", "trust_anchors", multiple=True, metavar="PEM",
        type=click.Path(dir_okay=True, path_type=Path),
        help=f"PEM file of trusted root certificates (repeatable; a directory means its "
             f"{ANCHORS_FILE}). Default: ${ENV_TRUST_ANCHORS}, else none: signers are untrusted.",
    )(func)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def warn(message: str) -> None:
    click.echo(f"fakemedia: {message}", err=True)


def anchor_paths(given: Sequence[Path]) -> list[Path]:
    """The anchor files to use: the option's, else $FAKEMEDIA_TRUST_ANCHORS, else none."""
    if given:
        return list(given)
    env = os.environ.get(ENV_TRUST_ANCHORS)
    return [Path(part) for part in env.split(os.pathsep) if part] if env else []


def read_trust_anchors(given: Sequence[Path]) -> list[bytes]:
    """PEM bytes of every anchor file; a missing or unreadable one is a usage error (exit 2)."""
    out: list[bytes] = []
    for path in anchor_paths(given):
        file = path / ANCHORS_FILE if path.is_dir() else path
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {file} ({exc.strerror or exc})",
                                     param_hint="--trust-anchors") from None
        from fakemedia.cose import certs

        try:
            certs.load_certificates(data)
        except CertificateError:
            raise click.BadParameter(f"{file} holds no readable certificate",
                                     param_hint="--trust-anchors") from None
        out.append(data)
    return out


# --- signing identity ------------------------------------------------------------------------


def identity_option(func: F) -> F:
    return click.option(
        "--identity", "identity", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
        help="Signing identity directory (see 'fakemedia keys init'). Default: the local one "
             "under $FAKEMEDIA_HOME or ~/.config/fakemedia, created on first use.",
    )(func)


def _key_is_encrypted(directory: Path) -> bool:
    from fakemedia.identity import IdentityPaths

    try:
        head = IdentityPaths.of(directory).signer_key.read_bytes()
    except OSError:
        return False
    return b"ENCRYPTED" in head


def passphrase_for(directory: Path) -> bytes | None:
    """$FAKEMEDIA_KEY_PASSPHRASE, else a hidden prompt on a terminal when the key needs one."""
    if not _key_is_encrypted(directory):
        return None  # a passphrase in the environment is for encrypted keys only
    env = os.environ.get(ENV_PASSPHRASE)
    if env:
        return env.encode()
    if sys.stdin.isatty():
        value = click.prompt(f"Passphrase for {directory}", hide_input=True, err=True)
        return str(value).encode()
    raise SigningError(f"the signing key in {directory} is encrypted: set {ENV_PASSPHRASE} "
                       "or run on a terminal to be prompted")


def resolve_identity(identity: Path | None) -> tuple[Path, bytes | None]:
    """The identity directory (with none given, the default local one, created with a one-time
    notice on stderr when it does not exist yet) and its key's passphrase."""
    from fakemedia import identity as ident

    directory = identity
    if directory is None:
        directory = ident.default_identity_dir()
        if not ident.identity_exists(directory):
            paths = ident.create_identity(directory)
            warn(f"created a local, untrusted test identity in {paths.directory}")
            warn("its manifests verify as Valid, not Trusted; to make them Trusted run: "
                 f"fakemedia verify --trust-anchors {paths.trust_anchors} IMG")
    return directory, passphrase_for(directory)


def load_signer(identity: Path | None) -> Any:
    """The signer of ``identity`` (see :func:`resolve_identity`)."""
    from fakemedia import identity as ident

    return ident.load_identity(*resolve_identity(identity))


# --- recipient keys for restricted annotation fields -----------------------------------------


def decrypt_key_option(func: F) -> F:
    return click.option(
        "--decrypt-key", "decrypt_keys", multiple=True, metavar="KEY.pem",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Recipient private key that reads restricted annotation fields (repeatable; see "
             f"'fakemedia keys recipient'). An encrypted key's passphrase: ${ENV_DECRYPT_PASSPHRASE}, "
             "else a prompt on a terminal.",
    )(func)


def on_terminal() -> bool:
    return sys.stdin.isatty()


def _decrypt_passphrase(path: Path, pem: bytes) -> bytes | None:
    """$FAKEMEDIA_DECRYPT_PASSPHRASE, else a hidden prompt on a terminal, for an encrypted key."""
    if b"ENCRYPTED" not in pem:
        return None
    env = os.environ.get(ENV_DECRYPT_PASSPHRASE)
    if env:
        return env.encode()
    if on_terminal():
        value = click.prompt(f"Passphrase for {path}", hide_input=True, err=True)
        return str(value).encode()
    raise SigningError(f"{path}: the decryption key is encrypted: set {ENV_DECRYPT_PASSPHRASE} "
                       "or run on a terminal to be prompted")


def decrypt_key_material(paths: Sequence[Path]) -> list[tuple[bytes, bytes | None]]:
    """(PEM, passphrase) of every --decrypt-key, each checked to load: unreadable file exit 2,
    bad key or passphrase exit 5 (the message names the file, never the key or the passphrase).
    Worker processes load the keys again from these (key objects do not cross processes)."""
    if not paths:
        return []
    from fakemedia import api
    from fakemedia.cose.recipients import MAX_KEY_FILE_BYTES

    material = []
    for path in paths:
        try:
            with path.open("rb") as handle:
                pem = handle.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise click.BadParameter(f"cannot read {path} ({exc.strerror or exc})",
                                     param_hint="--decrypt-key") from None
        if len(pem) > MAX_KEY_FILE_BYTES:
            raise click.BadParameter(f"{path} is larger than any key file",
                                     param_hint="--decrypt-key")
        passphrase = _decrypt_passphrase(path, pem)
        try:
            api.load_decrypt_key(pem, passphrase)
        except SigningError as exc:
            raise SigningError(f"{path}: {exc}") from None
        material.append((pem, passphrase))
    return material


def load_decrypt_keys(paths: Sequence[Path]) -> list[Any]:
    """The recipient private keys of --decrypt-key (see :func:`decrypt_key_material`)."""
    from fakemedia import api

    return [api.load_decrypt_key(pem, passphrase) for pem, passphrase in decrypt_key_material(paths)]


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """Prefix errors about one file with its path when the library's message lacks it."""
    try:
        yield
    except FakemediaError as exc:
        if path.name not in str(exc):
            exc.args = (f"{path}: {exc}", *exc.args[1:])
        raise
