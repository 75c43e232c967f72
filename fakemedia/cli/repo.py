"""``fakemedia recover`` and ``fakemedia repo``: durable credentials kept in a repository."""

from __future__ import annotations

from pathlib import Path

import click

from fakemedia.cli._options import (
    emit_json,
    json_option,
    repo_option,
    resolver_option,
    trust_anchors_option,
    trust_from,
)
from fakemedia.cli._safety import check_target, force_option, refuse_existing
from fakemedia.present import help as texts


def _need(repo: Path | None) -> Path:
    if repo is None:
        raise click.UsageError("no repository: give --repo DB or set FAKEMEDIA_REPO (recover and verify "
                               "also take --resolver URL)")
    return repo


@click.command("recover", help=texts.RECOVER, epilog=texts.RECOVER_EPILOG)
@click.argument("image", metavar="IMG", type=click.Path(dir_okay=False, path_type=Path))
@repo_option
@resolver_option
@click.option("-o", "--output", required=True, metavar="OUT", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write IMG with the recovered manifest store re-attached.")
@force_option
@trust_anchors_option
@json_option
def recover_cmd(image: Path, repo: Path | None, resolver: str | None, output: Path, force: bool,
                trust_anchors: tuple[Path, ...], as_json: bool) -> None:
    from fakemedia import api
    from fakemedia.present import json as documents
    from fakemedia.present import outcome, text

    check_target(output, image, parent=False)
    refuse_existing([output], force)
    trust = api.trust_settings(list(trust_from(trust_anchors).anchors))
    where = None if resolver else _need(repo)
    embedded, found = api.recover_file(image, output, where, trust, resolver=resolver)
    if as_json:
        emit_json({**documents.recovery_document(embedded, found),
                   "output": str(output) if found.state == "recovered" else None})
    else:
        click.echo(text.recovery_text(embedded, found))
        if found.state == "recovered":
            click.echo(f"Wrote {output}")
    problem = outcome.recovery_problem(str(image), found)
    if problem:
        raise problem


@click.group("repo", help=texts.REPO)
def repo_group() -> None:
    ...


@repo_group.command("add", epilog=texts.REPO_ADD_EPILOG)
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(dir_okay=False, path_type=Path))
@repo_option
@trust_anchors_option
@json_option
def repo_add(files: tuple[Path, ...], repo: Path | None, trust_anchors: tuple[Path, ...],
             as_json: bool) -> None:
    """Add the manifests of signed JPEGs (or .c2pa store files); each must validate."""
    from fakemedia import api
    from fakemedia.present import records

    trust = api.trust_settings(list(trust_from(trust_anchors).anchors))
    added = api.repository_add_files(_need(repo), files, trust=trust)
    emit_json(added) if as_json else click.echo("\n".join(records.added_line(item) for item in added))


@repo_group.command("list")
@repo_option
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="Newest entries shown.")
@json_option
def repo_list(repo: Path | None, limit: int, as_json: bool) -> None:
    """List the manifests kept, newest first."""
    from fakemedia import api
    from fakemedia.present import records

    listing = api.repository_listing(_need(repo), limit)
    emit_json(listing) if as_json else click.echo(records.listing_text(listing, repo))


@repo_group.command("show", epilog=texts.REPO_ENTRY_EPILOG)
@click.argument("manifest", metavar="ID")
@repo_option
@trust_anchors_option
@json_option
def repo_show(manifest: str, repo: Path | None, trust_anchors: tuple[Path, ...], as_json: bool) -> None:
    """Show one kept manifest (ID: its label, with or without 'urn:c2pa:'), validated."""
    from fakemedia import api
    from fakemedia.present import records

    entry = api.repository_entry(_need(repo), manifest)
    shown = api.entry_document(entry, api.trust_settings(list(trust_from(trust_anchors).anchors)))
    emit_json(shown) if as_json else click.echo(records.entry_text(shown))


@repo_group.command("remove", epilog=texts.REPO_ENTRY_EPILOG)
@click.argument("manifest", metavar="ID")
@repo_option
def repo_remove(manifest: str, repo: Path | None) -> None:
    """Remove a kept manifest and its soft bindings (its watermark key is never reused)."""
    from fakemedia import api

    click.echo(f"Removed {api.repository_remove(_need(repo), manifest)}")
