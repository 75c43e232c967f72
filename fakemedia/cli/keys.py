"""``fakemedia keys``: create and inspect local signing identities and recipient keys."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia.cli._options import emit_json, flagged, json_option
from fakemedia.present import help as texts

RECIPIENT_KINDS = ("x25519", "p256", "p384", "rsa")
ALGORITHMS = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")


@click.group("keys", epilog=texts.KEYS_EPILOG)
def keys_group() -> None:
    """Create and inspect local signing identities and recipient keys."""


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
    from fakemedia import api
    from fakemedia.present import records

    with flagged():
        passphrase = api.env_passphrase(passphrase_env)
    api.create_identity(directory, algorithm=algorithm, passphrase=passphrase, organization=organization,
                        common_name=common_name, force=force)
    info = api.describe_identity(directory)
    if as_json:
        emit_json(info)
    else:
        click.echo(records.identity_text(info).replace("Identity in", "Created identity in", 1))


@keys_group.command("show")
@click.argument("directory", metavar="[DIR]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@json_option
def show_cmd(directory: Path | None, as_json: bool) -> None:
    """Describe the identity in DIR (default: the local default identity)."""
    from fakemedia import api
    from fakemedia.present import records

    info = api.describe_identity(directory or api.default_identity_dir())
    emit_json(info) if as_json else click.echo(records.identity_text(info))


@keys_group.command("recipient", help=texts.KEYS_RECIPIENT)
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(RECIPIENT_KINDS), default="x25519", show_default=True,
              help="Key type: X25519 or EC P-256/P-384 (ECDH-ES + A256KW), or RSA-3072 (RSA-OAEP-256).")
@click.option("--name", default="recipient", show_default=True, metavar="NAME",
              help="File names: NAME.key.pem (private, 0600) and NAME.pub.pem (public).")
@click.option("--passphrase-env", metavar="VAR",
              help="Encrypt the private key with the passphrase in environment variable VAR.")
@click.option("--force", is_flag=True, help="Replace existing key files of that name.")
@json_option
def recipient_cmd(directory: Path, kind: str, name: str, passphrase_env: str | None, force: bool,
                  as_json: bool) -> None:
    from fakemedia import api
    from fakemedia.present import records

    with flagged():
        passphrase = api.env_passphrase(passphrase_env)
    written = api.write_recipient_key(directory, kind=kind, passphrase=passphrase, name=name, force=force)
    info = {"kind": kind, "key_id": written["key_id"], "private_key": str(written["private_key"]),
            "public_key": str(written["public_key"]), "encrypted": passphrase is not None}
    emit_json(info) if as_json else click.echo(records.recipient_text(info))
