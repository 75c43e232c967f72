"""``fakemedia verify``, ``fakemedia history`` and ``fakemedia report``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fakemedia.cli._options import (
    batch_options,
    cluster_option,
    decrypt_key_material,
    decrypt_key_option,
    emit_json,
    expand_inputs,
    flagged,
    json_option,
    progress,
    raise_if_failed,
    repo_option,
    resolver_option,
    trust_anchors_option,
    trust_from,
    verification_options,
)
from fakemedia.cli._safety import check_target
from fakemedia.present import help as texts

if TYPE_CHECKING:
    from fakemedia.api import Trust


def _run(images: Sequence[Path], trust: Trust, decrypt_keys: Sequence[Path], *, history: bool,
         as_json: bool, tree: bool, label: str, recursive: bool, jobs: int, log_path: Path | None,
         cluster: str | None = None, manifest_file: Path | None = None, repo: Path | None = None,
         resolver: str | None = None) -> None:
    """Verify every image, print each, then exit by the verdicts."""
    from fakemedia import batch
    from fakemedia.present import outcome

    inputs = expand_inputs(images, recursive)
    job = batch.verify_job(trust, decrypt_key_material(decrypt_keys), manifest_file=manifest_file,
                           repository=repo, resolver=resolver)
    one = batch.single(images, inputs) and not cluster
    judged = []
    with batch.JsonlLog(log_path) as log, progress(0 if one else len(inputs), label) as step:
        for item in batch.verify_paths(job, inputs, judge=outcome.result_problem, single=one, jobs=jobs,
                                       cluster=cluster, log=log):
            judged.append(item)
            step()
    results = [r for r, _ in judged]
    if one:
        (result, problem), = judged
        assert result.report is not None  # one file's error was raised
        out = outcome.shown(result.report, history=history, as_json=as_json, tree=tree, found=result.recovery)
        emit_json(out) if as_json else click.echo(out)
        if problem:
            raise problem
        return
    out = outcome.shown_many(results, history=history, as_json=as_json, tree=tree)
    emit_json(out) if as_json else click.echo(out)
    raise_if_failed(len(inputs), [(Path(source), why) for source, why in outcome.failures_of(judged)])


@click.command("verify", help=texts.VERIFY, epilog=texts.VERIFY_EPILOG)
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@verification_options
@batch_options
@json_option
@cluster_option
@repo_option
@resolver_option
# External manifests (sidecar and store files).
@click.option("--manifest-file", "manifest_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="F.c2pa", help="Validate against this manifest store file (default: IMG.c2pa "
                                     "beside an image that embeds none).")
def verify_cmd(images: tuple[Path, ...], trust: Trust, decrypt_keys: tuple[Path, ...], as_json: bool,
               **options: Any) -> None:
    _run(images, trust, decrypt_keys, history=False, as_json=as_json, tree=False, label="Verifying",
         **options)


@click.command("history", help=texts.HISTORY, epilog=texts.HISTORY_EPILOG)
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@verification_options
@json_option
@batch_options
@click.option("--tree", is_flag=True,
              help="Also draw the ingredient tree (automatic when a manifest has several ingredients).")
def history_cmd(images: tuple[Path, ...], trust: Trust, decrypt_keys: tuple[Path, ...], as_json: bool,
                tree: bool, **options: Any) -> None:
    _run(images, trust, decrypt_keys, history=True, as_json=as_json, tree=tree, label="Reading history",
         **options)


@click.command("report", help=texts.REPORT, epilog=texts.REPORT_EPILOG)
@click.argument("image", metavar="IMG", type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", metavar="OUT.html", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the page. Default: <stem>.report.html beside IMG.")
@trust_anchors_option
@decrypt_key_option
@json_option
@click.option("--profile", metavar="P.yml",
              help="Also show a JPEG Trust profile's verdicts (a file or a shipped profile's name: "
                   "newsroom, wire-intake, ai-label); its exit status is not the page's.")
def report_cmd(image: Path, output: Path | None, trust_anchors: tuple[Path, ...],
               decrypt_keys: tuple[Path, ...], as_json: bool, profile: str | None = None) -> None:
    from fakemedia import api
    from fakemedia.present import html, text
    from fakemedia.present.outcome import problem_of

    target = output or image.with_name(f"{image.stem}.report.html")
    check_target(target, image)
    trust = trust_from(trust_anchors)
    keys = [api.load_decrypt_key(pem, pw) for pem, pw in decrypt_key_material(decrypt_keys)]
    with flagged():
        report = html.write_report_page(image, target, api.trust_settings(list(trust.anchors)), keys, profile)
    if as_json:
        emit_json({"output": str(target), "state": report.state, "manifest_found": report.manifest_found})
    else:
        click.echo(text.verdict(report))
        click.echo(f"Wrote {target}")
    problem = problem_of(report)
    if problem:
        raise problem
