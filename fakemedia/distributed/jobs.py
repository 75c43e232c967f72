"""Jobs and the per-item function: engine-neutral, picklable, no Dask needed.

A job (:class:`AnnotateJob`, :class:`VerifyJob`, :class:`DetectJob`) is a small frozen record of
*what* to do — references to keys, never keys. :func:`process` runs one item of a job in the
calling process, setting the job up there on first use (signer, detector model) and reusing
it for every later item of the same job; any engine that can call a function on a worker can
run it (Dask bags, Spark ``mapPartitions``, Ray tasks). :func:`run_chunk` is the same over a
list of items: what one Dask task does.

A result is a :class:`ScaledResult`: the local batch's result with the input's URL, the
output written (annotate) and the detector's finding (detect). An item never raises.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from fakemedia import api
from fakemedia.annotation.model import Annotation
from fakemedia.distributed import _batch, storage
from fakemedia.distributed.signing import WorkerKey
from fakemedia.errors import FakemediaError, InvalidRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScaledResult(_batch.BatchResult):
    """One item: as the local batch reports it, plus where it came from and went to.

    ``skipped``: the target already held a sound signed copy of this input (a re-run).
    ``output`` holds the signed bytes only when no target was given.
    """

    url: str | None = None
    target: str | None = None
    skipped: bool = False
    detection: dict[str, Any] | None = None


@dataclass(frozen=True)
class Item:
    """One input of a job: its position, its URL or path, and (annotate) where to write it."""

    index: int
    url: str
    target: str | None = None


def _token() -> str:
    return uuid.uuid4().hex


class Job(Protocol):
    @property
    def token(self) -> str: ...

    @property
    def uses_detector(self) -> bool: ...

    def prepare(self) -> None: ...

    def run(self, item: Item) -> ScaledResult: ...


def _error(item: Item, exc: Exception, start: float, **extra: Any) -> ScaledResult:
    message, code = _batch.failure(exc)
    return ScaledResult(item.index, storage.name_of(item.url), error=message, exit_code=code,
                        seconds=time.perf_counter() - start, url=item.url, **extra)


def _scaled(result: Any, item: Item, **changes: Any) -> ScaledResult:
    values = _batch.fields_of(result)
    values.update(changes)
    return ScaledResult(**values, url=item.url)


def is_signed_copy(existing: bytes, data: bytes) -> bool:
    """Whether ``existing`` is a sound signed image of ``data``: its new manifest verifies and,
    without the manifest store, it is the input's image byte for byte."""
    try:
        api.check_signed(existing)
        return api.strip_manifest(existing) == api.strip_manifest(data)
    except FakemediaError:
        return False


@dataclass(frozen=True)
class AnnotateJob:
    """Sign ``annotation`` into each item. ``signer``: a reference loaded on the worker
    (:class:`~fakemedia.distributed.signing.WorkerIdentity`) or a key-less
    :class:`~fakemedia.cose.signer.Signer` such as
    :class:`~fakemedia.distributed.signing.RemoteSigner`. ``output``: the folder that bare
    URLs given to :func:`process` are written to (under their file name)."""

    signer: Any
    annotation: Annotation
    options: api.AnnotateOptions = field(default_factory=api.AnnotateOptions)
    output: str | None = None
    token: str = field(default_factory=_token)
    #: Anchors (PEM) the parent manifest is judged against.
    trust_anchors: tuple[bytes, ...] = ()

    @property
    def uses_detector(self) -> bool:
        return api.wants_detection(self.annotation, self.options)

    def prepare(self) -> None:
        loader = getattr(self.signer, "load", None)
        signer = loader() if callable(loader) else self.signer
        _batch.prepare_annotate(signer, self.annotation, self.options, self.trust_anchors)

    def run(self, item: Item) -> ScaledResult:
        start = time.perf_counter()
        name = storage.name_of(item.url)
        try:
            data = storage.read_bytes(item.url)
            target = item.target
            if target is not None and storage.exists(target):
                if is_signed_copy(storage.read_bytes(target), data):
                    return ScaledResult(item.index, name, seconds=time.perf_counter() - start,
                                        url=item.url, target=target, skipped=True)
                raise InvalidRequest(f"{target} exists and is not a signed copy of {name}; "
                                     "not overwritten")
            result = _batch.annotate_item(item.index, name, data)
            if not result.ok or target is None:
                return _scaled(result, item, target=target)
            api.check_signed(result.output)  # never write an output that does not verify
            storage.write_bytes(target, result.output)
            return _scaled(result, item, output=None, target=target,
                           seconds=time.perf_counter() - start)
        except Exception as exc:  # one bad item never stops the job
            return _error(item, exc, start, target=item.target)


@dataclass(frozen=True)
class VerifyJob:
    """Verify each item. ``trust_anchors``: PEM (public); ``decrypt_keys``: key files the
    workers read themselves."""

    trust_anchors: tuple[bytes, ...] = ()
    now: datetime | None = None
    decrypt_keys: tuple[WorkerKey, ...] = ()
    token: str = field(default_factory=_token)
    #: A trust settings file and time-stamp authority anchors (PEM), as ``verify`` takes them.
    trust_config: str | None = None
    tsa_anchors: tuple[bytes, ...] = ()

    @property
    def uses_detector(self) -> bool:
        return False

    def prepare(self) -> None:
        _batch.prepare_verify(list(self.trust_anchors), self.now, [k.load() for k in self.decrypt_keys],
                              self.trust_config, self.tsa_anchors)

    def run(self, item: Item) -> ScaledResult:
        start = time.perf_counter()
        try:
            data = storage.read_bytes(item.url)
            return _scaled(_batch.verify_item(item.index, storage.name_of(item.url), data), item)
        except Exception as exc:
            return _error(item, exc, start)


@dataclass(frozen=True)
class DetectJob:
    """Score each item with the detector (``model_path``: None for the shipped model)."""

    model_path: str | None = None
    token: str = field(default_factory=_token)

    @property
    def uses_detector(self) -> bool:
        return True

    def prepare(self) -> None:
        api.preload_detector(self.model_path, required=True)

    def run(self, item: Item) -> ScaledResult:
        start = time.perf_counter()
        name = storage.name_of(item.url)
        try:
            data = storage.read_bytes(item.url)
            found = api.detect_bytes(data, model_path=self.model_path, required=True)
            return ScaledResult(item.index, name, seconds=time.perf_counter() - start, url=item.url,
                                detection=found.to_dict())
        except Exception as exc:
            return _error(item, exc, start)


# --- the worker side: one job set up per process ----------------------------------------------

_STATE: dict[str, Any] = {"token": None, "prepares": 0, "threads": None}


def limit_threads(threads: int) -> None:
    """torch threads for this process, set once: N workers x all-core torch pools would
    oversubscribe the machine (and spin at OpenMP barriers when they cannot all run)."""
    if _STATE["threads"] is not None:
        return
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # torch already ran parallel work in this process: keep its pool
        pass
    _STATE["threads"] = threads


def prepare_worker(job: Job, threads: int = 1) -> None:
    """Set ``job`` up in this process now (what the worker plugin calls at worker start)."""
    if job.uses_detector:
        limit_threads(threads)
    if os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        log.warning("MALLOC_TRIM_THRESHOLD_ is set on this worker: large buffers are mmap'd "
                    "on every allocation, which can halve throughput")
    ensure(job)


def ensure(job: Job) -> None:
    if _STATE["token"] == job.token:
        return
    if job.uses_detector:
        limit_threads(1)
    _STATE["token"] = None
    job.prepare()
    _STATE["token"] = job.token
    _STATE["prepares"] += 1


def worker_state() -> dict[str, Any]:
    """How this process is set up: jobs prepared so far, torch threads (None: torch not loaded)."""
    torch = sys.modules.get("torch")
    return {"prepares": _STATE["prepares"], "token": _STATE["token"],
            "torch_threads": torch.get_num_threads() if torch is not None else None}


def _as_item(item: Item | str | os.PathLike[str], job: Job) -> Item:
    if isinstance(item, Item):
        return item
    url = os.fspath(item)
    output = getattr(job, "output", None)
    return Item(0, url, storage.join(output, storage.name_of(url)) if output else None)


def process(item: Item | str | os.PathLike[str], job: Job) -> ScaledResult:
    """Run one item of ``job`` here: the per-item function for any engine (see the module
    docstring). ``item``: an :class:`Item`, or a bare URL (index 0; annotate writes it to
    ``job.output``)."""
    return run_chunk(job, [_as_item(item, job)])[0]


def run_chunk(job: Job, items: Sequence[Item]) -> list[ScaledResult]:
    """Every item of ``items``, in order; a job that cannot be set up fails each item."""
    start = time.perf_counter()
    try:
        ensure(job)
    except Exception as exc:
        return [_error(item, exc, start) for item in items]
    return [job.run(item) for item in items]
