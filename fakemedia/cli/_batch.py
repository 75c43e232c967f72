"""Running a command over several files: keep going past failures, summarise them at the end."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click

from fakemedia.errors import BatchError, FakemediaError

T = TypeVar("T")

#: More files than this get a progress bar (on a terminal only).
PROGRESS_MIN = 3


@contextmanager
def _progress(paths: Sequence[Path], label: str) -> Iterator[Iterable[Path]]:
    if len(paths) > PROGRESS_MIN and sys.stderr.isatty():
        with click.progressbar(paths, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield paths


def run_batch(paths: Sequence[Path], label: str,
              work: Callable[[Path], T]) -> tuple[list[tuple[Path, T]], list[tuple[Path, FakemediaError]]]:
    """``work`` on each path; deliberate errors are collected, not raised."""
    done: list[tuple[Path, T]] = []
    failed: list[tuple[Path, FakemediaError]] = []
    with _progress(paths, label) as items:
        for path in items:
            try:
                done.append((path, work(path)))
            except FakemediaError as exc:
                failed.append((path, exc))
    return done, failed


def raise_if_failed(total: int, failures: Sequence[tuple[Path, str]]) -> None:
    """List each failure on stderr, then raise BatchError (exit 7) with a one-line summary."""
    if not failures:
        return
    for path, why in failures:
        click.echo(f"fakemedia: failed: {why if path.name in why else f'{path}: {why}'}", err=True)
    raise BatchError(f"{len(failures)} of {total} files failed")
