"""``fakemedia keys``: create and inspect local signing identities."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from fakemedia.cli._common import emit_json, json_option
from fakemedia.errors import IdentityError

ALGORITHMS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")

_EPILOG = """\b
A local identity is a private root CA plus a C2PA signing certificate it issued. Its manifests
verify as Valid everywhere, and as Trusted where its trust-anchors.pem is given to
'fakemedia verify --trust-anchors'. Exit codes: 0 ok, 2 usage, 5 identity problem.
"""


@click.group("keys", epilog=_EPILOG)
def keys_group() -> None:
    """Create and inspect local signing identities."""


def _describe(directory: Path) -> dict[str, Any]:
    from cryptography import x509

    from fakemedia.cose import certs
    from fakemedia.cose.identity import IdentityPaths, identity_exists

    paths = IdentityPaths.of(directory)
    if not identity_exists(directory):
        raise IdentityError(f"no identity at {directory} (run: fakemedia keys init {directory})")
    try:
        cert = x509.load_pem_x509_certificate(paths.signer_cert.read_bytes())
    except (OSError, ValueError):
        raise IdentityError(f"unreadable signer certificate: {paths.signer_cert}") from None
    try:
        algorithm = json.loads(paths.metadata.read_text())["algorithm"]
    except (OSError, ValueError, KeyError, TypeError):
        algorithm = None
    key_head = paths.signer_key.read_bytes()[:64]
    return {
        "directory": str(paths.directory),
        "signer": certs.describe(cert),
        "algorithm": algorithm,
        "encrypted": b"ENCRYPTED" in key_head,
        "signer_key": str(paths.signer_key),
        "certificate_chain": str(paths.chain),
        "trust_anchors": str(paths.trust_anchors) if paths.trust_anchors.is_file() else None,
    }


def _show_text(info: dict[str, Any]) -> str:
    signer = info["signer"]
    return "\n".join([
        f"Identity in {info['directory']}",
        f"  signer:        {signer.get('common_name')} ({signer.get('organization')})",
        f"  issued by:     {signer.get('issuer_common_name')}",
        f"  algorithm:     {info['algorithm'] or 'unknown'}",
        f"  valid:         {signer.get('not_before')} to {signer.get('not_after')}",
        f"  key:           {info['signer_key']}{' (encrypted)' if info['encrypted'] else ''}",
        f"  trust anchor:  {info['trust_anchors'] or 'none (not a local identity)'}",
        "  (a local test identity: verify with --trust-anchors <trust anchor> to see Trusted)",
    ])


@keys_group.command("init")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--algorithm", type=click.Choice(ALGORITHMS), default="es256", show_default=True,
              help="Signature algorithm.")
@click.option("--passphrase-env", metavar="VAR",
              help="Encrypt the private keys with the passphrase in environment variable VAR.")
@click.option("--force", is_flag=True, help="Replace an existing identity in DIR.")
@click.option("--organization", metavar="O", default="fakemedia local test identity", show_default=True,
              help="Organization (O) in the certificates.")
@click.option("--common-name", metavar="CN", default="fakemedia local signer", show_default=True,
              help="Common name (CN) of the signer.")
@json_option
def init_cmd(directory: Path, algorithm: str, passphrase_env: str | None, force: bool,
             organization: str, common_name: str, as_json: bool) -> None:
    """Create a local signing identity (root CA + signer) in DIR."""
    from fakemedia.cose.identity import create_identity

    passphrase = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if not value:
            raise click.BadParameter(f"environment variable {passphrase_env} is unset or empty",
                                     param_hint="--passphrase-env")
        passphrase = value.encode()
    create_identity(directory, algorithm=algorithm, passphrase=passphrase, organization=organization,
                    common_name=common_name, force=force)
    info = _describe(directory)
    if as_json:
        emit_json(info)
    else:
        click.echo(_show_text(info).replace("Identity in", "Created identity in", 1))


@keys_group.command("show")
@click.argument("directory", metavar="[DIR]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@json_option
def show_cmd(directory: Path | None, as_json: bool) -> None:
    """Describe the identity in DIR (default: the local default identity)."""
    from fakemedia.cose.identity import default_identity_dir

    info = _describe(directory or default_identity_dir())
    if as_json:
        emit_json(info)
    else:
        click.echo(_show_text(info))
