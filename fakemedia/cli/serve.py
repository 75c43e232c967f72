"""``fakemedia serve``: the verify page and the HTTP API (needs ``fakemedia[serve]``)."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia.cli._options import (
    flagged,
    identity_option,
    resolve_identity,
    trust_anchors_option,
    trust_from,
    warn,
)
from fakemedia.present import help as texts


@click.command("serve", help=texts.SERVE, epilog=texts.SERVE_EPILOG)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (the default answers this machine only).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@trust_anchors_option
@click.option("--trust-config", "trust_config", metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="JSON trust settings: anchors, EKUs, end-entity allow-list, TSA anchors "
                   "(see keys/README.md).")
@click.option("--profile", "profiles", multiple=True, metavar="P.yml",
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="JPEG Trust profile evaluated on each image checked on the page (repeatable).")
@identity_option
@click.option("--token-file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding the bearer token /v1/annotate requires; without it annotate is off.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes verifying images.")
@click.option("--queue", default=16, show_default=True, type=click.IntRange(0, 10_000),
              help="Requests that may wait for a worker; beyond that the answer is 503.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds one request may take.")
@click.option("--max-upload-mb", default=None, type=click.FloatRange(0.001, None),
              help="Largest upload accepted (default: fakemedia's file limit, 512 MiB).")
@click.option("--repo", metavar="DB", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Also answer the Soft Binding Resolution API from this manifest repository, "
                   "read-only, under /sbr (the resolver URL is http://HOST:PORT/sbr).")
def serve_cmd(host: str, port: int, trust_anchors: tuple[Path, ...], trust_config: Path | None,
              profiles: tuple[Path, ...], identity: Path | None, token_file: Path | None, workers: int,
              queue: int, timeout: float, max_upload_mb: float | None, repo: Path | None = None) -> None:
    try:
        from fakemedia.serve.app import create_app, run, settings_for
    except ImportError:
        raise click.UsageError("serve needs its web stack: pip install 'fakemedia[serve]'") from None
    from fakemedia import batch
    from fakemedia.serve.service import read_token, trust_loader

    anchors = trust_from(trust_anchors).anchors
    loader = trust_loader(trust_config, profiles)
    identity_ref = token = None
    if token_file is not None:
        with flagged():
            token, shared = read_token(token_file)
        if shared:
            warn(f"warning: {shared}")
        directory, passphrase = resolve_identity(identity)
        identity_ref = batch.IdentityRef(str(directory.resolve()), passphrase)
        identity_ref.load()  # a wrong passphrase or broken identity fails here, once
    run(create_app(settings_for(anchors, loader, profiles, identity_ref, token, workers=workers, queue=queue,
                                timeout=timeout, max_upload_mb=max_upload_mb, repository=repo)), host, port)
