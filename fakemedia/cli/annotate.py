"""``fakemedia annotate``: sign a JPEG Fake Media annotation into JPEGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from fakemedia.annotation.model import MODIFICATION_TYPES, PURPOSES, Annotation
from fakemedia.cli._options import (
    Parsed,
    batch_options,
    cluster_option,
    emit_json,
    expand_inputs,
    flagged,
    identity_option,
    json_option,
    progress,
    raise_if_failed,
    repo_option,
    resolve_identity,
    trust_anchors_option,
    trust_from,
    warn,
)
from fakemedia.cli._safety import FiniteFloat, refuse_existing
from fakemedia.cli.authoring import AUTHORING_KEYS, annotate_options, authoring_options, external_signer
from fakemedia.present import help as texts

REDACTION_REASONS = ("c2pa.PII.present", "c2pa.invalid.data", "c2pa.trade-secret.present",
                     "c2pa.government.confidential")


def build_annotation(options: dict[str, Any]) -> Annotation:
    """The annotation from --annotation FILE with the command-line fields laid over it (every
    other option of the annotation group is an api.build_annotation keyword of the same name)."""
    from fakemedia import api

    given = dict(options)
    regions = [*given.pop("regions"), *given.pop("regions_percent")]
    with flagged():
        return api.build_annotation(api.read_annotation_file(given.pop("annotation_file")), regions=regions,
                                    **given)


@click.command("annotate", help=texts.ANNOTATE, epilog=texts.ANNOTATE_EPILOG)
@click.argument("images", nargs=-1, required=True, metavar="IMG...",
                type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="OUT",
              help="Output file, or directory (several images; created for a folder argument). "
                   "Default: <stem>.signed.jpg beside the input.")
@click.option("--in-place", is_flag=True, help="Replace the input file itself (atomically).")
@click.option("--type", "types", multiple=True, type=click.Choice(MODIFICATION_TYPES),
              help="Modification type (repeatable).")
@click.option("--purpose", type=click.Choice(PURPOSES), help="Why the image was modified.")
@click.option("--purpose-text", metavar="TEXT", help="Purpose in free text (needed for 'other').")
@click.option("--probability", type=FiniteFloat(0, 1), metavar="P",
              help="Probability (0..1) that the image is synthetic/modified.")
@click.option("--method", type=click.Choice(["algorithmic", "human"]),
              help="How the probability was estimated (default: algorithmic).")
@click.option("--method-name", metavar="NAME", help="Detector name (algorithmic method).")
@click.option("--assessor", metavar="WHO", help="Who judged the probability (human method).")
@click.option("--region", "regions", multiple=True, type=Parsed("x,y,w,h", "parse_region", "pixel"),
              help="Modified rectangle in pixels, x,y,width,height (repeatable).")
@click.option("--region-percent", "regions_percent", multiple=True,
              type=Parsed("x,y,w,h", "parse_region", "percent"),
              help="Modified rectangle in percent of the image size (repeatable).")
@click.option("--author", metavar="NAME", help="Who made the modification or annotation.")
@click.option("--description", metavar="TEXT", help="Free-text description of the modification.")
@click.option("--reference", "references", multiple=True, metavar="URL",
              help="URL of an external description (repeatable).")
@click.option("--reference-sha256", "reference_sha256", multiple=True, metavar="HEX",
              help="SHA-256 of the n-th --reference's content (paired by order).")
@click.option("--annotation", "annotation_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.json",
              help="Annotation JSON (see 'fakemedia schema'); flags override its fields.")
@identity_option
@click.option("--compress", is_flag=True, help="Store the manifest Brotli-compressed (C2PA 2.x).")
@click.option("--title", metavar="TITLE", help="Title recorded in the manifest (default: file name).")
@click.option("--restrict", "restrict", multiple=True, type=Parsed("FIELD[,FIELD]", "parse_field_list"),
              help="Encrypt these annotation fields for the --recipient keys only (repeatable, "
                   "comma-separated; e.g. author,regions). The modification type stays public.")
@click.option("--recipient", "recipients", multiple=True, metavar="PUB.pem",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Public key or certificate (PEM/DER) of who may read --restrict fields "
                   "(repeatable; see 'fakemedia keys recipient').")
@click.option("--redact", "redact", multiple=True, metavar="LABEL",
              help="Remove an assertion of the image's manifest (LABEL), of an earlier one "
                   "(MANIFEST/LABEL) or by JUMBF URI; recorded as a c2pa.redacted action "
                   "(repeatable).")
@click.option("--redaction-reason", type=click.Choice(REDACTION_REASONS),
              help="Why --redact removed it (default: c2pa.PII.present).")
@click.option("--detect/--no-detect", "detect", default=None,
              help="Run the detector and record its probability and areas (default: only when "
                   "no --type is declared).")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Detector model file (default: the shipped model); implies --detect.")
@click.option("--heatmap", type=click.Path(dir_okay=False, path_type=Path), metavar="OUT.png",
              help="Write the image with the detector's patch map and detected areas over it "
                   "(several images: OUT-1.png, OUT-2.png, ...).")
@click.option("--tsa-url", "tsa_url", metavar="URL",
              help="RFC 3161 time-stamp authority: the signature stays verifiable after the "
                   "certificate expires (default: the identity's tsa_url, if any).")
@repo_option
@click.option("--watermark", is_flag=True,
              help="Durable credentials: hide a repository key in the pixels (an invisible "
                   "watermark, before signing) and keep the manifest in --repo, so a stripped "
                   "copy finds it again. --repo alone keeps a fingerprint only.")
@trust_anchors_option
@batch_options
@json_option
@cluster_option
@authoring_options
def annotate_cmd(images: tuple[Path, ...], output: Path | None, in_place: bool, identity: Path | None,
                 compress: bool, title: str | None, restrict: tuple[tuple[str, ...], ...],
                 recipients: tuple[Path, ...], redact: tuple[str, ...], redaction_reason: str | None,
                 detect: bool | None, model_path: Path | None, heatmap: Path | None,
                 trust_anchors: tuple[Path, ...], recursive: bool, jobs: int, log_path: Path | None,
                 as_json: bool, tsa_url: str | None = None, cluster: str | None = None,
                 repo: Path | None = None, watermark: bool = False, **fields: Any) -> None:
    from fakemedia import api, batch
    from fakemedia.present import outcome

    authoring = {key: fields.pop(key) for key in AUTHORING_KEYS}
    annotation = build_annotation(fields)
    inputs = expand_inputs(images, recursive)
    paths = [i.path for i in inputs]
    if in_place and output is not None:
        raise click.UsageError("use either -o/--output or --in-place, not both")
    with flagged():
        targets = batch.plan_outputs(inputs, output, in_place)
    anchors = trust_from(trust_anchors).anchors
    with flagged():
        private = api.restriction_request(restrict, recipients, redact, redaction_reason)
    if model_path is not None and detect is False:
        raise click.UsageError("--model is only used with detection; drop --no-detect")
    if heatmap is not None and detect is False:
        raise click.UsageError("--heatmap needs detection; drop --no-detect")
    if watermark and repo is None:
        raise click.UsageError("--watermark needs --repo DB (or FAKEMEDIA_REPO): the repository "
                               "holds the key the watermark carries")
    signer = external_signer(authoring, identity)
    directory, passphrase = resolve_identity(identity) if signer is None else (None, None)
    if signer is None and directory is not None:
        signer = api.load_identity(directory, passphrase)  # a wrong passphrase fails here, once
    # An explicit --model means the user wants detection: a bad file fails instead of skipping.
    options = api.AnnotateOptions(compress=compress, title=title, **private,
                                  **annotate_options(authoring),
                                  detect=True if model_path is not None and detect is None else detect,
                                  model_path=str(model_path) if model_path else None,
                                  tsa_url=tsa_url or (api.identity_tsa_url(directory) if directory else None),
                                  repository=str(repo) if repo else None, watermark=watermark)
    # A cluster run resumes: it skips outputs that are sound signed copies of their input and
    # reports any other existing file as an item error, so it never overwrites either.
    if not in_place and not cluster:
        refuse_existing([p for t in targets for p in api.outputs_of(t, options)], authoring["force"])
    detecting = api.wants_detection(annotation, options)
    if heatmap is not None and not detecting:
        raise click.UsageError("--heatmap needs detection: add --detect (a --type turns it off)")
    unnoted = detecting and options.detect is None and not api.detector_available()
    ref = batch.IdentityRef(str(directory), passphrase) if directory is not None else None
    results = []
    with batch.JsonlLog(log_path) as log, progress(len(paths), "Annotating") as step:
        run = batch.annotate_paths(paths, targets, annotation, options, signer, anchors=anchors, identity=ref,
                                   heatmap=heatmap, in_place=in_place, jobs=jobs, cluster=cluster,
                                   single=batch.single(images, inputs), log=log)
        restricted = tuple(private.get("restrict", ()))
        for record, notes in outcome.annotate_records(run, annotation.to_dict(), restricted, detecting,
                                                      unnoted=unnoted):
            for note in notes:
                warn(note)
            log.write(batch.annotate_log_record(record))
            results.append(record)
            step()
    one = batch.single(images, inputs) and not cluster
    out, failures, problem = outcome.annotate_shown(results, single=one, as_json=as_json)
    if as_json:
        emit_json(out)
    elif out:  # nothing written: the failures alone, on stderr
        click.echo(out)
    raise_if_failed(len(paths), [(Path(source), why) for source, why in failures])
    if problem:
        raise problem
