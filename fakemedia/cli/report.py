"""``fakemedia report``: a self-contained HTML page about one image's Content Credentials."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from fakemedia.cli._common import (
    decrypt_key_option,
    emit_json,
    json_option,
    load_decrypt_keys,
    naming,
    read_trust_anchors,
    trust_anchors_option,
)

_EPILOG = """\b
Exit codes (as verify; the page is written in each of these cases): 0 Valid or Trusted,
1 Invalid, 4 no embedded manifest. Also 2 usage error (bad option, output path, trust-anchor
file), 3 unreadable image (missing, not a JPEG, truncated), 5 a --decrypt-key cannot be loaded.
"""


@click.command("report", epilog=_EPILOG)
@click.argument("image", metavar="IMG", type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", metavar="OUT.html", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the page. Default: <stem>.report.html beside IMG.")
@trust_anchors_option
@decrypt_key_option
@json_option
def report_cmd(image: Path, output: Path | None, trust_anchors: tuple[Path, ...],
               decrypt_keys: tuple[Path, ...], as_json: bool) -> None:
    """Write an HTML page about the Content Credentials of IMG, for people to read.

    One self-contained file (no network, no scripts): the verdict, the image with the modified
    regions outlined, the history oldest step first with each step's validation, and every
    annotation field. Fields restricted to recipients appear in clear only with a fitting
    --decrypt-key (the page is then readable by its owner only). --json prints
    {"output": PATH, "state": ...}.
    """
    from fakemedia import api
    from fakemedia.cli.verify import _check
    from fakemedia.present import text as _render
    from fakemedia.present.html import render_report

    target = output or image.with_name(f"{image.stem}.report.html")
    if target.exists() and target.resolve() == image.resolve():
        raise click.BadParameter("the output would overwrite the input", param_hint="-o/--output")
    if not target.parent.is_dir():
        raise click.BadParameter(f"directory {target.parent} does not exist", param_hint="-o/--output")
    anchors = read_trust_anchors(trust_anchors)
    keys = load_decrypt_keys(decrypt_keys)
    with naming(image):
        data, name = api.read_source(image)
        report = api.verify_bytes(data, trust_anchors=anchors, source=name, decrypt_keys=keys)
    page = render_report(report, data, generated=datetime.now(timezone.utc))
    # Decrypted restricted fields are secrets of their recipient: keep such a page private.
    decrypted = any((m.annotation.get("restricted") or {}).get("decrypted") for m in report.manifests)
    try:
        api.write_atomic(target, page.encode("utf-8"), 0o600 if decrypted else None)
    except OSError as exc:
        raise click.BadParameter(f"cannot write {target} ({exc.strerror or exc})",
                                 param_hint="-o/--output") from None
    if as_json:
        emit_json({"output": str(target), "state": report.state,
                   "manifest_found": report.manifest_found})
    else:
        click.echo(_render.verdict(report))
        click.echo(f"Wrote {target}")
    problem = _check(report)
    if problem:
        raise problem
