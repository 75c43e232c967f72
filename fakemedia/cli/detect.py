"""``fakemedia detect``: the detector's P(synthetic) for images (training and research commands
are ``fakemedia-lab``'s). The detector stack loads only when the command runs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fakemedia.cli._options import cluster_option, flagged
from fakemedia.errors import BatchError
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
    from fakemedia import batch
    from fakemedia.cli._options import expand_inputs
    from fakemedia.present import records

    inputs = expand_inputs(images, recursive)
    paths = [str(item.path) for item in inputs]
    failed: list[str] = []
    model = str(model_path) if model_path else None
    with flagged():
        for result in batch.detect_paths(paths, model_path=model, heatmap=heatmap,
                                         single=batch.single(images, inputs), cluster=cluster):
            if result.detection is None:
                failed.append(str(result.source))
                click.echo(f"{result.source}: error: {result.error}", err=True)
                continue
            found = {**result.detection, "file": result.source}
            click.echo(json.dumps(found) if as_json else records.detection_line(result.source, found))
    if failed:
        raise BatchError(f"{len(failed)} of {len(paths)} images failed: {', '.join(failed)}")
