"""The one place this package touches :mod:`fakemedia.batch`: its result type and its per-item
work (set up once per process, then one call per item). Everything else here goes through
these names, so a change in the local batch is answered here alone.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from fakemedia import api, batch, errors
from fakemedia.annotation.model import Annotation
from fakemedia.cose.signer import Signer

BatchResult = batch.BatchResult

#: Exit code of an item lost to something other than a deliberate error (a dead worker).
EXIT_INTERNAL = errors.EXIT_INTERNAL

_JOBS: dict[str, Any] = {}


def prepare_annotate(signer: Signer, annotation: Annotation, options: api.AnnotateOptions,
                     trust_anchors: tuple[bytes, ...] = ()) -> None:
    # Not "in a pool": torch threads are set by the caller, once per worker process.
    job = batch.AnnotateJob(annotation, signer, options, trust_anchors)
    batch.prepare(job)
    _JOBS["annotate"] = job


def prepare_verify(anchors: list[bytes], now: datetime | None, keys: list[tuple[bytes, bytes | None]],
                   trust_config: str | None = None, tsa_anchors: tuple[bytes, ...] = ()) -> None:
    # ``keys``: (PEM, passphrase) read on this worker; loaded once per process by the batch.
    _JOBS["verify"] = batch.VerifyJob(tuple(anchors), now, tuple(keys), trust_config, tsa_anchors)


def annotate_item(index: int, name: str, data: bytes) -> Any:
    return batch.annotate_item(_JOBS["annotate"], batch.Item(index, name, data=data))


def verify_item(index: int, name: str, data: bytes) -> Any:
    return batch.verify_item(_JOBS["verify"], batch.Item(index, name, data=data))


def failure(exc: Exception) -> tuple[str, int]:
    """(one-line message, exit code) for an exception, as the local batch reports it."""
    return batch.failure(exc)


def fields_of(result: Any) -> dict[str, Any]:
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
