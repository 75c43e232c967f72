"""Atomic file writes, shared by every layer (nothing is lost when a write is interrupted).

Data goes to a temporary file in the target's directory, is flushed to disk, and is renamed over
the target: readers see the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: str | os.PathLike[str], data: bytes, mode: int | None = None,
                 check: Callable[[bytes], None] | None = None) -> None:
    """Write ``data`` to ``path`` atomically.

    ``mode``: the file's permissions, set before any byte is written (0o600 for keys). None keeps
    an existing file's mode, or gives a new one the usual ``0o666 & ~umask``; ``mkstemp``'s 0600
    would otherwise make a signed image less readable than its input.
    ``check``: called with the bytes read back from the temporary file before the rename; if it
    raises, the temporary file is removed and the target is left as it was.
    """
    import tempfile  # only when something is written: the read path never pays for it

    target = Path(path)
    if mode is None:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if check is not None:
            check(Path(tmp).read_bytes())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
