"""A test-only worker plugin that kills its worker process at chosen points of an item."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class CrashPlugin(WorkerPlugin):
    """``die_writing_once``: the first worker to flush that file's output to disk dies before
    renaming it into place (a marker file remembers it, so the retry succeeds).
    ``die_reading``: every worker that reads that input dies (a "poison" file)."""

    name = "fakemedia-test-crash"

    def __init__(self, marker_dir: str, die_writing_once: str | None = None,
                 die_reading: str | None = None) -> None:
        self.marker_dir = marker_dir
        self.die_writing_once = die_writing_once
        self.die_reading = die_reading
        self._originals: dict[str, Any] = {}

    def setup(self, worker: Any) -> None:
        from fakemedia.distributed import storage

        fsync, read = os.fsync, storage.read_bytes
        self._originals = {"fsync": fsync, "read": read}
        plugin = self

        def dying_fsync(fd: int) -> None:
            name = os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
            if plugin.die_writing_once and plugin.die_writing_once in name:
                marker = Path(plugin.marker_dir) / f"{plugin.die_writing_once}.died"
                if not marker.exists():
                    marker.write_text(str(os.getpid()))
                    os._exit(1)  # the temporary file is written, the target not yet renamed
            fsync(fd)

        def dying_read(url: str) -> bytes:
            if plugin.die_reading and url.endswith(plugin.die_reading):
                os._exit(1)
            return read(url)

        os.fsync = dying_fsync  # type: ignore[assignment]
        storage.read_bytes = dying_read  # type: ignore[assignment]

    def teardown(self, worker: Any) -> None:
        from fakemedia.distributed import storage

        if self._originals:
            os.fsync = self._originals["fsync"]
            storage.read_bytes = self._originals["read"]


def worker_pid() -> int:
    return os.getpid()


def malloc_trim_setting() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")
