"""``fakemedia schema`` (the JSON Schemas) and ``fakemedia strip`` (remove a manifest)."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia.cli._common import emit_json

SCHEMAS = ("annotation", "report", "history")


@click.command("schema")
@click.argument("name", type=click.Choice(SCHEMAS), default="annotation", required=False)
def schema_cmd(name: str) -> None:
    """Print a JSON Schema (annotation, report or history).

    annotation: the input of 'annotate --annotation'; report: 'verify --json';
    history: 'history --json'. All are JSON Schema 2020-12.
    """
    from fakemedia.annotation.schema import load_schema

    emit_json(load_schema(name))


@click.command("strip", epilog="Exit codes: 0 written, 2 usage, 3 unreadable input, 4 no manifest.")
@click.argument("image", metavar="IMG", type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="OUT",
              help="Where to write the image without its manifest.")
def strip_cmd(image: Path, output: Path) -> None:
    """Write a copy of IMG without its C2PA manifest."""
    from fakemedia import api
    from fakemedia.errors import ManifestNotFound
    from fakemedia.formats import app11, jpeg

    if output.exists() and output.resolve() == image.resolve():
        raise click.BadParameter("the output would overwrite the input", param_hint="-o/--output")
    if not output.parent.is_dir():
        raise click.BadParameter(f"directory {output.parent} does not exist", param_hint="-o/--output")
    data, name = api.read_source(image)
    jpeg.parse_jpeg(data)  # a clear format error first
    if app11.find_c2pa_store(data) is None:
        raise ManifestNotFound(f"{name}: no C2PA manifest to strip")
    api.write_atomic(output, api.strip_manifest(data))
    click.echo(f"Wrote {output} (manifest removed)")
