"""``fakemedia schema`` (the JSON Schemas) and ``fakemedia strip`` (remove a manifest)."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia import errors
from fakemedia.cli._options import emit_json

SCHEMAS = ("annotation", "report", "history")


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMAS), default="annotation", required=False)
def schema_cmd(name: str) -> None:
    """Print a JSON Schema (annotation, report or history).

    annotation: the input of 'annotate --annotation'; report: 'verify --json';
    history: 'history --json'. All are JSON Schema 2020-12.
    """
    from fakemedia import api

    emit_json(api.load_schema(name))


@click.command("strip", epilog=errors.exit_code_epilog((0, 2, 3, 4)))
@click.argument("image", metavar="IMG", type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="OUT",
              help="Where to write the image without its manifest.")
def strip_cmd(image: Path, output: Path) -> None:
    """Write a copy of IMG without its C2PA manifest."""
    from fakemedia import api

    if output.exists() and output.resolve() == image.resolve():
        raise click.BadParameter("the output would overwrite the input", param_hint="-o/--output")
    if not output.parent.is_dir():
        raise click.BadParameter(f"directory {output.parent} does not exist", param_hint="-o/--output")
    api.write_atomic(output, api.strip(image))
    click.echo(f"Wrote {output} (manifest removed)")
