"""Pipelines: annotate or verify many images, in parallel, without stopping at a bad one.

:func:`annotate_many` and :func:`verify_many` take paths, bytes or binary streams and yield one
:class:`BatchResult` per item, in input order; an item that fails carries its error instead of
raising. ``jobs > 1`` runs the work in a pool of worker processes (``spawn``: no state shared
with the caller by accident), each loading the signer and, when detecting, the detector model
once. Key objects do not cross process boundaries: give an :class:`IdentityRef` (identity
directory and passphrase) for the workers to load the signer themselves.

:func:`map_ordered` is the pool runner the command line uses too.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fakemedia import api
from fakemedia.annotation.model import Annotation
from fakemedia.cose.signer import Signer
from fakemedia.errors import FakemediaError

__all__ = ["BatchResult", "IdentityRef", "annotate_many", "limit_torch_threads", "map_ordered",
           "resolve_jobs", "verify_many"]

T = TypeVar("T")
R = TypeVar("R")

#: Exit code for an unexpected error in one item (the command line's "internal error").
EXIT_INTERNAL = 70


@dataclass(frozen=True)
class IdentityRef:
    """A signing identity by directory (see ``fakemedia keys init``) and its key's passphrase:
    what worker processes load the signer from."""

    directory: str
    passphrase: bytes | None = None

    def load(self) -> Signer:
        from fakemedia.identity import load_identity

        return load_identity(Path(self.directory), self.passphrase)


@dataclass(frozen=True)
class BatchResult:
    """One item of a batch: ``output`` (annotate) or ``report`` (verify), else ``error``."""

    index: int
    source: str | None
    output: bytes | None = None
    report: api.VerificationReport | None = None
    error: str | None = None
    exit_code: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def resolve_jobs(jobs: int) -> int:
    """``0`` means every core; anything else is taken as given (at least 1)."""
    if jobs < 0:
        raise ValueError("jobs must be >= 0")
    return (os.cpu_count() or 1) if jobs == 0 else jobs


def limit_torch_threads() -> None:
    """One intra-op thread per worker: N workers x N torch threads would oversubscribe the cores."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


def map_ordered(func: Callable[[T], R], items: Iterable[T], *, jobs: int = 1,
                initializer: Callable[..., None] | None = None,
                initargs: Sequence[Any] = ()) -> Iterator[R]:
    """``func`` over ``items``, results in input order.

    ``jobs <= 1`` runs in this process (``initializer`` first). Otherwise a ``spawn`` process
    pool runs them with at most ``4 * jobs`` items in flight, so a long input stream is never
    read into memory at once. ``func`` and ``initializer`` must be module-level functions.
    """
    if jobs <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(func, items)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=initializer,
                             initargs=tuple(initargs)) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= 4 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@dataclass(frozen=True)
class _ReadError:
    """A source the caller's process could not read (exceptions are not sent to workers)."""

    message: str
    exit_code: int


Payload = tuple[int, str | None, "bytes | str | _ReadError"]


# --- worker side ------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_annotate(signer: Signer | IdentityRef, annotation: Annotation,
                   options: api.AnnotateOptions, in_pool: bool) -> None:
    _WORKER.clear()
    _WORKER.update(signer=signer.load() if isinstance(signer, IdentityRef) else signer,
                   annotation=annotation, options=options)
    if api.wants_detection(annotation, options):
        if in_pool:
            limit_torch_threads()
        api.preload_detector(options.model_path, required=options.detect is True)


def _init_verify(anchors: Sequence[bytes], now: datetime | None,
                 keys: Sequence[tuple[bytes, bytes | None]]) -> None:
    _WORKER.clear()
    _WORKER.update(anchors=list(anchors), now=now,
                   keys=[api.load_decrypt_key(pem, passphrase) for pem, passphrase in keys])


def _failure(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, FakemediaError):
        return str(exc), exc.exit_code
    return f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL


def _annotate_item(item: Payload) -> BatchResult:
    index, name, payload = item
    start = time.perf_counter()
    try:
        if isinstance(payload, _ReadError):  # the caller could not read the source
            return BatchResult(index, name, error=payload.message, exit_code=payload.exit_code)
        data, read_name = api.read_source(payload) if isinstance(payload, str) else (payload, name)
        out = api.annotate_bytes(data, _WORKER["annotation"], _WORKER["signer"], _WORKER["options"],
                                 source=name or read_name)
        return BatchResult(index, name or read_name, output=out, seconds=time.perf_counter() - start)
    except Exception as exc:  # one bad item never stops the batch
        message, code = _failure(exc)
        return BatchResult(index, name, error=message, exit_code=code,
                           seconds=time.perf_counter() - start)


def _verify_item(item: Payload) -> BatchResult:
    index, name, payload = item
    start = time.perf_counter()
    try:
        if isinstance(payload, _ReadError):
            return BatchResult(index, name, error=payload.message, exit_code=payload.exit_code)
        data, read_name = api.read_source(payload) if isinstance(payload, str) else (payload, name)
        report = api.verify_bytes(data, trust_anchors=_WORKER["anchors"], now=_WORKER["now"],
                                  source=name or read_name, decrypt_keys=_WORKER["keys"])
        return BatchResult(index, name or read_name, report=report, seconds=time.perf_counter() - start)
    except Exception as exc:
        message, code = _failure(exc)
        return BatchResult(index, name, error=message, exit_code=code,
                           seconds=time.perf_counter() - start)


# --- caller side ------------------------------------------------------------------------------


def _payloads(sources: Iterable[api.Source]) -> Iterator[Payload]:
    """(index, name, bytes or path) per source. Paths go to workers as strings (they read the
    file themselves); streams are read here, since an open stream cannot cross processes."""
    for index, source in enumerate(sources):
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            yield index, Path(path).name, str(path)
            continue
        try:
            data, name = api.read_source(source)
        except FakemediaError as exc:
            yield index, None, _ReadError(str(exc), exc.exit_code)
            continue
        yield index, name, data


def _check_picklable(signer: Signer | IdentityRef) -> None:
    if isinstance(signer, IdentityRef):
        return
    try:
        pickle.dumps(signer)
    except Exception as exc:
        raise TypeError("jobs > 1 needs the signer as an IdentityRef (identity directory and "
                        "passphrase): key objects cannot be sent to worker processes") from exc


def annotate_many(sources: Iterable[api.Source],
                  annotation: Annotation | Mapping[str, Any] | None,
                  signer: Signer | IdentityRef, options: api.AnnotateOptions | None = None, *,
                  jobs: int = 1) -> Iterator[BatchResult]:
    """Sign ``annotation`` into every source; yields a :class:`BatchResult` per source (signed
    bytes in ``output``, or ``error`` and ``exit_code``), in input order. Detection follows
    :func:`fakemedia.api.wants_detection`, with the model loaded once per process."""
    jobs = resolve_jobs(jobs)
    options = options or api.AnnotateOptions()
    declared = annotation if isinstance(annotation, Annotation) else \
        Annotation.from_dict(dict(annotation or {}))
    if jobs > 1:
        _check_picklable(signer)
    initargs = (signer, declared, options, jobs > 1)
    return map_ordered(_annotate_item, _payloads(sources), jobs=jobs,
                       initializer=_init_annotate, initargs=initargs)


def verify_many(sources: Iterable[api.Source], *, trust_anchors: bytes | Sequence[bytes] | None = None,
                now: datetime | None = None,
                decrypt_keys: Sequence[tuple[bytes, bytes | None]] = (),
                jobs: int = 1) -> Iterator[BatchResult]:
    """Verify every source; yields a :class:`BatchResult` per source (``report``, or ``error``
    for an unreadable one), in input order. ``decrypt_keys``: (PEM, passphrase) pairs, loaded
    in each worker. An Invalid manifest is a report, not an error: check ``report.state``."""
    jobs = resolve_jobs(jobs)
    anchors = [trust_anchors] if isinstance(trust_anchors, (bytes, bytearray)) else list(trust_anchors or [])
    initargs = ([bytes(a) for a in anchors], now, list(decrypt_keys))
    return map_ordered(_verify_item, _payloads(sources), jobs=jobs,
                       initializer=_init_verify, initargs=initargs)
