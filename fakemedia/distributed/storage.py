"""Where items live: local paths or fsspec URLs (``file://``, ``memory://``, ``s3://`` …).

Plain paths and ``file://`` URLs are handled with the standard library (atomic writes through
:func:`fakemedia._io.write_atomic`), so workers of engines without fsspec can still run them;
any other protocol goes through fsspec, imported only then. Credentials are never part of a
URL or of ``storage_options``: fsspec file systems pickle their constructor arguments, so
workers rely on their own environment (instance roles, workload identity) instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from fakemedia import limits
from fakemedia._io import write_atomic
from fakemedia.errors import LimitExceeded, UnsupportedFormat

JPEG_SUFFIXES = (".jpg", ".jpeg")


@dataclass(frozen=True)
class Listed:
    """One input found: its URL (or path) and its path under the folder it came from."""

    url: str
    rel: str


def _local_path(url: str) -> str | None:
    """The file-system path of a plain path or ``file://`` URL; None for anything else."""
    if url.startswith("file://"):
        return url[len("file://"):]
    return None if "://" in url or "::" in url else url


def _fs(url: str) -> tuple[Any, str]:
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise UnsupportedFormat(f"{url}: URLs need fsspec: pip install 'fakemedia[dask]'") from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ValueError, ImportError) as exc:
        raise UnsupportedFormat(f"{url}: no file system for this URL ({exc})") from None


def name_of(url: str) -> str:
    return PurePosixPath(url.rstrip("/")).name


def _visible(rel: str) -> bool:
    # Dot files are temporaries (ours: .NAME.*.tmp) or OS litter (macOS ._photo.jpg).
    return not any(part.startswith(".") for part in PurePosixPath(rel).parts)


def _wanted(rel: str) -> bool:
    return rel.lower().endswith(JPEG_SUFFIXES) and _visible(rel)


def expand(inputs: Iterable[str | os.PathLike[str]], recursive: bool = False) -> Iterator[Listed]:
    """Each input as given; a folder becomes its JPEGs (*.jpg, *.jpeg, any case), sorted."""
    for given in inputs:
        url = os.fspath(given)
        local = _local_path(url)
        if local is not None:
            yield from _expand_local(url, Path(local), recursive)
        else:
            yield from _expand_fs(url, recursive)


def _expand_local(url: str, path: Path, recursive: bool) -> Iterator[Listed]:
    if not path.is_dir():
        yield Listed(url, path.name)
        return
    candidates = path.rglob("*") if recursive else path.iterdir()
    rels = sorted(p.relative_to(path).as_posix() for p in candidates if p.is_file())
    prefix = url.rstrip("/")
    for rel in filter(_wanted, rels):
        yield Listed(f"{prefix}/{rel}", rel)


def _expand_fs(url: str, recursive: bool) -> Iterator[Listed]:
    fs, root = _fs(url)
    if not fs.isdir(root):
        yield Listed(url, name_of(root))
        return
    root = root.rstrip("/")
    found = fs.find(root) if recursive else [e["name"] for e in fs.ls(root, detail=True)
                                             if e.get("type") == "file"]
    rels = sorted(PurePosixPath(str(p)).relative_to(root).as_posix() for p in found)
    prefix = url.rstrip("/")
    for rel in filter(_wanted, rels):
        yield Listed(f"{prefix}/{rel}", rel)


def join(folder: str, rel: str) -> str:
    return f"{os.fspath(folder).rstrip('/')}/{rel}"


def read_bytes(url: str) -> bytes:
    """The whole file, bounded by :data:`fakemedia.limits.MAX_FILE_BYTES`; one-line errors."""
    local = _local_path(url)
    try:
        if local is not None:
            size = os.stat(local).st_size
            if size > limits.MAX_FILE_BYTES:
                raise LimitExceeded(f"{name_of(url)}: {size} bytes exceeds the {limits.MAX_FILE_BYTES} limit")
            return Path(local).read_bytes()
        fs, path = _fs(url)
        size = fs.size(path)
        if size is not None and size > limits.MAX_FILE_BYTES:
            raise LimitExceeded(f"{name_of(url)}: {size} bytes exceeds the {limits.MAX_FILE_BYTES} limit")
        data = fs.cat_file(path)
        return bytes(data)
    except IsADirectoryError:
        raise UnsupportedFormat(f"{url}: is a directory, not a JPEG file") from None
    except OSError as exc:
        raise UnsupportedFormat(f"{url}: cannot read ({exc.strerror or exc})") from None


def exists(url: str) -> bool:
    local = _local_path(url)
    if local is not None:
        return os.path.isfile(local)
    fs, path = _fs(url)
    return bool(fs.isfile(path))


def write_bytes(url: str, data: bytes) -> None:
    """Write atomically: readers, and a re-run after a killed worker, see no file or a whole one.

    Local files: a temporary file beside the target, renamed over it; any temporary left by an
    earlier writer of the same target that was killed is removed once the target is in place.
    Other file systems: a hidden temporary object moved into place (single-request uploads to
    object stores are atomic on their own; the move keeps one code path for every protocol).
    """
    local = _local_path(url)
    if local is not None:
        target = Path(local)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        for stale in target.parent.glob(f".{target.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        return
    fs, path = _fs(url)
    parent, name = str(PurePosixPath(path).parent), PurePosixPath(path).name
    fs.makedirs(parent, exist_ok=True)
    temporary = f"{parent}/.{name}.{uuid.uuid4().hex}.tmp"
    try:
        fs.pipe_file(temporary, data)
        fs.mv(temporary, path)
    except BaseException:
        if fs.exists(temporary):
            fs.rm(temporary)
        raise
