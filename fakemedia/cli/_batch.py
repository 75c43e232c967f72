"""Running a command over several files: folders as inputs, parallel jobs, a progress bar, a
JSON-lines log; keep going past failures and summarise them at the end."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from fakemedia.errors import BatchError, FakemediaError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: More files than this get a progress bar (on a terminal only).
PROGRESS_MIN = 3
JPEG_SUFFIXES = (".jpg", ".jpeg")

LOG_HELP = ("Append one JSON object per input to FILE.jsonl: input, output, status (ok/error), "
            "exit_code, error, state, manifest, probability (when detected), seconds.")


def batch_options(func: F) -> F:
    """--recursive, --jobs and --log, shared by the commands that take several images."""
    func = click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
                        metavar="FILE.jsonl", help=LOG_HELP)(func)
    func = click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
                        help="Worker processes for several images (0: one per core).")(func)
    return click.option("-r", "--recursive", is_flag=True,
                        help="Also take the JPEGs in subfolders of a folder argument.")(func)


@dataclass(frozen=True)
class Input:
    """One image to process; ``rel`` is its path under the folder argument it came from."""

    path: Path
    rel: Path | None = None


def _visible(rel: Path) -> bool:
    # Dot files are temporaries (ours: .NAME.*.tmp) or OS litter (macOS ._photo.jpg).
    return not any(part.startswith(".") for part in rel.parts)


def expand_inputs(args: Sequence[Path], recursive: bool) -> list[Input]:
    """File arguments as given; a folder argument becomes its JPEGs (*.jpg, *.jpeg, any case),
    sorted. Other files in a folder are skipped; a named file that is no JPEG fails later."""
    out: list[Input] = []
    empty: list[str] = []
    for arg in args:
        if not arg.is_dir():
            out.append(Input(arg))
            continue
        candidates = arg.rglob("*") if recursive else arg.iterdir()
        found = sorted((p.relative_to(arg) for p in candidates
                        if p.suffix.lower() in JPEG_SUFFIXES and p.is_file()),
                       key=lambda rel: rel.parts)
        found = [rel for rel in found if _visible(rel)]
        if not found:
            hint = "" if recursive else " (--recursive descends into subfolders)"
            empty.append(f"{arg}: no JPEG files{hint}")
        out += [Input(arg / rel, rel) for rel in found]
    if not out:
        raise click.UsageError(empty[0] if len(empty) == 1 else "no JPEG files to process")
    for note in empty:
        click.echo(f"fakemedia: {note}", err=True)
    return out


@contextmanager
def progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A step function that advances a bar on stderr (a terminal, more than a few files)."""
    if total > PROGRESS_MIN and sys.stderr.isatty():
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield lambda: bar.update(1)
    else:
        yield lambda: None


class JsonlLog:
    """One JSON object per line, appended with a single write each: lines from several runs
    sharing a log never interleave, and a crash loses at most the line being written."""

    def __init__(self, path: Path | None) -> None:
        self._fd: int | None = None
        if path is not None:
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise click.BadParameter(f"cannot open {path} ({exc.strerror or exc})",
                                         param_hint="--log") from None

    def write(self, record: dict[str, Any]) -> None:
        if self._fd is not None:
            os.write(self._fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> JsonlLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def log_record(input: str, *, output: str | None = None, error: str | None = None,
               exit_code: int = 0, state: str | None = None, manifest: str | None = None,
               probability: float | None = None, seconds: float = 0.0) -> dict[str, Any]:
    return {"input": input, "output": output, "status": "error" if error else "ok",
            "exit_code": exit_code, "error": error, "state": state, "manifest": manifest,
            "probability": probability, "seconds": round(seconds, 4)}


def run_batch(paths: Sequence[Path], label: str,
              work: Callable[[Path], T]) -> tuple[list[tuple[Path, T]], list[tuple[Path, FakemediaError]]]:
    """``work`` on each path in this process; deliberate errors are collected, not raised."""
    done: list[tuple[Path, T]] = []
    failed: list[tuple[Path, FakemediaError]] = []
    with progress(len(paths), label) as step:
        for path in paths:
            try:
                done.append((path, work(path)))
            except FakemediaError as exc:
                failed.append((path, exc))
            step()
    return done, failed


def stepped(items: Iterable[T], step: Callable[[], None]) -> Iterator[T]:
    for item in items:
        yield item
        step()


def raise_if_failed(total: int, failures: Sequence[tuple[Path, str]]) -> None:
    """List each failure on stderr, then raise BatchError (exit 7) with a one-line summary."""
    if not failures:
        return
    for path, why in failures:
        click.echo(f"fakemedia: failed: {why if path.name in why else f'{path}: {why}'}", err=True)
    raise BatchError(f"{len(failures)} of {total} files failed")
