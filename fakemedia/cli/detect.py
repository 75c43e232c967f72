"""``fakemedia detect``: the detector's P(synthetic) for images (training and research commands
are ``fakemedia-lab``'s). The detector stack loads only when the command runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fakemedia.cli._options import cluster_option
from fakemedia.errors import BatchError, FakemediaError, InvalidRequest
from fakemedia.present import help as texts


def _use_encoder_weights(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        from fakemedia import api

        api.use_encoder_weights(value)
    return value


#: ``--encoder-weights PATH``: other weights for the JPEG AI-style encoder. Models record the
#: encoder's SHA-256, so a model trained with these weights must be run with them too.
encoder_weights_option = click.option(
    "--encoder-weights", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_use_encoder_weights, expose_value=False, is_eager=True, metavar="PATH",
    help="Encoder weights to use instead of the shipped ones (models record which they need).")


@click.command("detect", help=texts.DETECT, epilog=texts.DETECT_EPILOG)
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=Path))
@click.option("-r", "--recursive", is_flag=True,
              help="Also take the JPEGs in subfolders of a folder argument.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Detector model file (.safetensors); default: the shipped model.")
@click.option("--heatmap", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the image with its per-patch probability map over it (PNG). With several "
                   "images, -1, -2, … is added before the suffix.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per image.")
@encoder_weights_option
@cluster_option
def detect_cmd(images: tuple[Path, ...], recursive: bool, model_path: Path | None,
               heatmap: Path | None, as_json: bool, cluster: str | None = None) -> None:
    from fakemedia import api, batch
    from fakemedia.cli._options import expand_inputs
    from fakemedia.present import records

    inputs = expand_inputs(images, recursive)
    several = not batch.single(images, inputs)
    paths = [item.path for item in inputs]
    if cluster:
        return _detect_on_cluster(cluster, tuple(paths), model_path, heatmap, as_json)
    api.limit_threads()
    failed: list[str] = []
    for i, path in enumerate(paths):
        try:
            res = api.detect_image(path, model_path=model_path)
            out = res.to_dict()
            out["file"] = str(path)
            if heatmap is not None and res.patch_map is not None:
                target = heatmap if not several else \
                    heatmap.with_name(f"{heatmap.stem}-{i + 1}{heatmap.suffix}")
                api.draw_patch_map(path, res, target)
                out["heatmap"] = str(target)
        except FakemediaError as exc:
            if not several:
                raise
            failed.append(str(path))
            click.echo(f"{path}: error: {exc}", err=True)
            continue
        click.echo(json.dumps(out) if as_json else records.detection_line(path, out))
    if failed:
        raise BatchError(f"{len(failed)} of {len(paths)} images failed: {', '.join(failed)}")


def _detect_on_cluster(cluster: str, images: tuple[Path, ...], model_path: Path | None,
                       heatmap: Path | None, as_json: bool) -> None:
    """The same lines as a local run, in completion order; failures listed, then exit 7."""
    from fakemedia import batch
    from fakemedia.present import records

    if heatmap is not None:
        raise InvalidRequest("--heatmap is not available with --cluster")
    failed: list[str] = []
    for result in batch.detect_on_cluster(cluster, [str(p) for p in images],
                                          str(model_path) if model_path else None):
        found = result.detection
        if found is None:
            failed.append(str(result.source))
            click.echo(f"{result.source}: error: {result.error}", err=True)
        else:
            click.echo(json.dumps({**found, "file": result.source}) if as_json
                       else records.detection_line(result.source, found))
    if failed:
        raise BatchError(f"{len(failed)} of {len(images)} images failed: {', '.join(failed)}")
