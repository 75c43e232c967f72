"""``fakemedia verify`` and ``fakemedia history``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from fakemedia.cli import _render
from fakemedia.cli._batch import raise_if_failed, run_batch
from fakemedia.cli._common import (
    decrypt_key_option,
    emit_json,
    json_option,
    load_decrypt_keys,
    naming,
    read_trust_anchors,
    trust_anchors_option,
)
from fakemedia.errors import FakemediaError, ManifestNotFound, VerificationError
from fakemedia.manifest.reader import VerificationReport

_VERIFY_EPILOG = """\b
Exit codes: 0 Valid or Trusted, 1 Invalid, 2 usage error, 3 unreadable file (missing, not a
JPEG, truncated), 4 no embedded manifest (a remote one is reported but never fetched),
5 a --decrypt-key cannot be loaded (wrong passphrase, not a recipient key), 7 several files
given and some were not Valid/Trusted. Whether restricted fields decrypt never changes the
exit code: a key that is not a recipient is noted on the manifest it does not open.
"""


def _check(report: VerificationReport) -> FakemediaError | None:
    """The error matching a report's verdict (None for Valid and Trusted)."""
    name = report.source or "input"
    if not report.manifest_found:
        if report.remote_url:
            return ManifestNotFound(f"{name}: only a remote manifest reference "
                                    f"({report.remote_url}); it was not fetched")
        return ManifestNotFound(f"{name}: no C2PA manifest (no Content Credentials)")
    if report.state in ("Valid", "Trusted"):
        return None
    codes = [c for c in report.failures() if c != "signingCredential.untrusted"] or ["unknown"]
    return VerificationError(f"{name}: Invalid: {_render.explain(codes[0])} ({codes[0]})")


def _local_anchor(report: VerificationReport) -> str | None:
    """The local identity's trust-anchor file when it signed the active manifest."""
    from cryptography import x509

    from fakemedia.cose.identity import IdentityPaths, default_identity_dir

    active = report.manifest(report.active_manifest)
    if active is None or not active.signer:
        return None
    paths = IdentityPaths.of(default_identity_dir())
    try:
        cert = x509.load_pem_x509_certificate(paths.signer_cert.read_bytes())
    except (OSError, ValueError):
        return None
    if active.signer.get("serial_number") != str(cert.serial_number):
        return None
    return str(paths.trust_anchors)


def _verify(path: Path, anchors: Sequence[bytes], keys: Sequence[Any]) -> VerificationReport:
    from fakemedia import api

    with naming(path):
        return api.verify(path, trust_anchors=list(anchors), decrypt_keys=keys)


def _run(images: Sequence[Path], trust_anchors: Sequence[Path], decrypt_keys: Sequence[Path],
         as_json: bool, show: Any, label: str) -> None:
    """Verify every image, print each with ``show``, then exit by the verdicts."""
    anchors = read_trust_anchors(trust_anchors)
    keys = load_decrypt_keys(decrypt_keys)
    if len(images) == 1:
        report = _verify(images[0], anchors, keys)
        show(report)
        problem = _check(report)
        if problem:
            raise problem
        return
    done, failed = run_batch(images, label, lambda p: _verify(p, anchors, keys))
    problems = [(p, str(e)) for p, e in failed]
    for path, report in done:
        problem = _check(report)
        if problem:
            problems.append((path, str(problem)))
    if as_json:
        items: list[Any] = [show(r, collect=True) for _, r in done]
        items += [{"source": str(p), "error": str(e), "exit_code": e.exit_code} for p, e in failed]
        emit_json(items)
    else:
        for i, (_, report) in enumerate(done):
            if i:
                click.echo("")
            show(report)
    raise_if_failed(len(images), sorted(problems, key=lambda x: images.index(x[0])))


@click.command("verify", epilog=_VERIFY_EPILOG)
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@trust_anchors_option
@decrypt_key_option
@json_option
def verify_cmd(images: tuple[Path, ...], trust_anchors: tuple[Path, ...],
               decrypt_keys: tuple[Path, ...], as_json: bool) -> None:
    """Check the Content Credentials (C2PA manifests) of JPEG images.

    The first line is the verdict: Trusted (valid, and the signer is in your trust list),
    Valid (intact, signer not trusted), Invalid (something changed after signing) or no
    Content Credentials. --json prints the full report (see 'fakemedia schema report').
    Restricted annotation fields are shown only with a recipient's --decrypt-key.
    """

    def show(report: VerificationReport, collect: bool = False) -> Any:
        if as_json:
            if collect:
                return report.to_dict()
            emit_json(report.to_dict())
            return None
        anchor = _local_anchor(report) if report.state == "Valid" else None
        click.echo(_render.report_text(report, local_anchor=anchor))
        return None

    _run(list(images), trust_anchors, decrypt_keys, as_json, show, "Verifying")


@click.command("history", epilog=_VERIFY_EPILOG.replace("0 Valid", "0 the newest step is Valid"))
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@trust_anchors_option
@decrypt_key_option
@json_option
@click.option("--tree", is_flag=True,
              help="Also draw the ingredient tree (automatic when a manifest has several ingredients).")
def history_cmd(images: tuple[Path, ...], trust_anchors: tuple[Path, ...],
                decrypt_keys: tuple[Path, ...], as_json: bool, tree: bool) -> None:
    """Show the provenance chain of JPEG images, oldest step first.

    Each step says who signed, when, with which tool, what was modified, why, how likely the
    image is to be modified (and how that changed along the chain), and whether the step
    validates. --json prints the history (see 'fakemedia schema history').
    """

    def show(report: VerificationReport, collect: bool = False) -> Any:
        history = report.history()
        if as_json:
            if collect:
                return history
            emit_json(history)
            return None
        click.echo(_render.history_text(report, history, tree=tree or _render.needs_tree(report)))
        return None

    _run(list(images), trust_anchors, decrypt_keys, as_json, show, "Reading history")
