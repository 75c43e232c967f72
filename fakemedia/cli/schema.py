"""``fakemedia schema`` (the JSON Schemas) and ``fakemedia strip`` (remove a manifest)."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia.cli._options import emit_json, json_option
from fakemedia.cli._safety import check_target, force_option, refuse_existing
from fakemedia.present import help as texts

SCHEMAS = ("annotation", "report", "history", "manifest-definition")


@click.command("schema", help=texts.SCHEMA)
@click.argument("name", type=click.Choice(SCHEMAS), default="annotation", required=False)
def schema_cmd(name: str) -> None:
    from fakemedia import api

    emit_json(api.load_schema(name))


@click.command("strip", help=texts.STRIP, epilog=texts.STRIP_EPILOG)
@click.argument("image", metavar="IMG", type=click.Path(dir_okay=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), metavar="OUT",
              help="Where to write the image without its manifest.")
@force_option
@json_option
def strip_cmd(image: Path, output: Path, force: bool, as_json: bool) -> None:
    from fakemedia import api

    check_target(output, image)
    refuse_existing([output], force)
    stripped = api.strip(image)
    api.write_atomic(output, stripped)
    if as_json:
        emit_json({"input": str(image), "output": str(output),
                   "removed_bytes": image.stat().st_size - len(stripped)})
    else:
        click.echo(f"Wrote {output} (manifest removed)")
