"""``fakemedia detect``: the detector's P(synthetic) for images (training and research commands
are ``fakemedia-lab``'s). The detector stack loads only when the command runs."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia.cli._options import cluster_option, flagged
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
    from fakemedia.present import outcome

    inputs = expand_inputs(images, recursive)
    failed: list[str] = []
    with flagged():
        run = batch.detect_paths([str(item.path) for item in inputs], heatmap=heatmap, cluster=cluster,
                                 model_path=str(model_path) if model_path else None,
                                 single=batch.single(images, inputs))
        for line, error in outcome.detect_lines(run, as_json=as_json, failed=failed):
            click.echo(line, err=error)
    problem = outcome.detect_problem(failed, len(inputs))
    if problem:
        raise problem
