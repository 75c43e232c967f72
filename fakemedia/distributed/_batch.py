"""The one place this package touches :mod:`fakemedia.batch`: its result type and its per-item
work (set up once per process, then one call per item). Everything else here goes through
these names, so a change in the local batch is answered here alone.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from fakemedia import api, batch
from fakemedia.annotation.model import Annotation
from fakemedia.cose.signer import Signer

BatchResult = batch.BatchResult

#: Exit code of an item lost to something other than a deliberate error (a dead worker).
EXIT_INTERNAL = batch.EXIT_INTERNAL


def prepare_annotate(signer: Signer, annotation: Annotation, options: api.AnnotateOptions) -> None:
    # Not "in a pool": torch threads are set by the caller, once per worker process.
    batch._init_annotate(signer, annotation, options, False)


def prepare_verify(anchors: list[bytes], now: datetime | None,
                   keys: list[tuple[bytes, bytes | None]]) -> None:
    batch._init_verify(anchors, now, keys)


def annotate_item(index: int, name: str, data: bytes) -> Any:
    return batch._annotate_item((index, name, data))


def verify_item(index: int, name: str, data: bytes) -> Any:
    return batch._verify_item((index, name, data))


def failure(exc: Exception) -> tuple[str, int]:
    """(one-line message, exit code) for an exception, as the local batch reports it."""
    return batch._failure(exc)


def fields_of(result: Any) -> dict[str, Any]:
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
