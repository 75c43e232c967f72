"""Running jobs on a Dask cluster: ``annotate_on`` / ``verify_on`` / ``detect_on``.

The client lists the inputs (paths or fsspec URLs), groups them into tasks of ``batch_size``
items and keeps a bounded number of tasks in flight, yielding each item's result as its task
completes. Workers read and write the files themselves; only URLs and small result records
cross the network. A :class:`JobPlugin` sets the job up once per worker — again on a worker
the nanny restarted — and sets torch's threads there.

A worker that dies mid-task (out of memory, a crashing decoder) loses at most its task: Dask
retries it elsewhere, and once Dask gives up on it (``KilledWorker``) its items are retried one
per task, each alone up to :data:`SOLO_TRIES` times (a task queued behind the killer on the same
worker dies with it), so only the item that kills workers is reported, not its neighbours.
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import dask
from distributed import Client, KilledWorker, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from fakemedia import api
from fakemedia.annotation.model import Annotation
from fakemedia.cose.signer import LocalSigner
from fakemedia.distributed import _batch, jobs, storage
from fakemedia.distributed.jobs import AnnotateJob, DetectJob, Item, Job, ScaledResult, VerifyJob
from fakemedia.distributed.signing import WorkerKey
from fakemedia.errors import InvalidRequest

#: The nanny sets this for every worker; any malloc tunable turns off glibc's dynamic mmap
#: threshold (mallopt(3)), so each large buffer is mmap'd and unmapped on every allocation.
MALLOC_TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"

DEFAULT_BATCH_SIZE = 10
#: Tries of an item alone before it is reported as the one that kills workers: a worker may
#: hold a second task in its queue, and that one dies with it when the killer runs.
SOLO_TRIES = 2


class JobPlugin(WorkerPlugin):
    """Sets a job up on each worker when it starts (the model and signer load once)."""

    name = "fakemedia"

    def __init__(self, job: Job, threads: int = 1) -> None:
        self.job = job
        self.threads = threads

    def setup(self, worker: Any) -> None:
        jobs.prepare_worker(self.job, self.threads)


def cluster_client(spec: str) -> Client:
    """A client for ``tcp://HOST:PORT`` / ``tls://HOST:PORT`` (an existing scheduler), or
    ``local`` / ``local:N``: a cluster of N worker processes (default: one per core), one
    thread each, every server bound to 127.0.0.1, closed with the client."""
    if spec == "local" or spec.startswith("local:"):
        count = spec.partition(":")[2]
        if count and not (count.isdigit() and int(count) > 0):
            raise InvalidRequest(f"cluster {spec}: expected local or local:N with N >= 1")
        workers = int(count) if count else (os.cpu_count() or 1)
        with dask.config.set({MALLOC_TRIM_KEY: None}):  # read once per nanny, restarts included
            return Client(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, worker_dashboard_address=None,
                          set_as_default=False)
    if spec.startswith(("tcp://", "tls://", "ucx://", "ws://", "wss://")):
        return Client(spec, set_as_default=False)
    raise InvalidRequest(f"cluster {spec}: expected tcp://HOST:PORT, tls://HOST:PORT, local or local:N")


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _lost(item: Item, exc: BaseException) -> ScaledResult:
    why = f"{type(exc).__name__}: {exc}" if not isinstance(exc, KilledWorker) else \
        "the worker processing it died every time it was tried (KilledWorker)"
    return ScaledResult(item.index, storage.name_of(item.url), error=f"internal error: {why}",
                        exit_code=_batch.EXIT_INTERNAL, url=item.url, target=item.target)


def run_job(client: Client, job: Job, items: Iterable[Item], *, batch_size: int = DEFAULT_BATCH_SIZE,
            max_in_flight: int | None = None, threads_per_worker: int = 1) -> Iterator[ScaledResult]:
    """Every item of ``job`` on ``client``'s cluster, yielded in completion order."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    client.register_plugin(JobPlugin(job, threads_per_worker))
    window = max_in_flight or max(2, 2 * sum(client.nthreads().values()))
    chunks = _chunks(items, batch_size)
    pending: dict[str, list[Item]] = {}
    running = as_completed(loop=client.loop)
    serial = itertools.count()
    solo: dict[int, int] = {}  # KilledWorker count of each item tried on its own
    kind = type(job).__name__.removesuffix("Job").lower()

    def submit(chunk: list[Item]) -> None:
        key = f"fakemedia-{kind}-{job.token[:12]}-{next(serial)}"
        pending[key] = chunk
        running.add(client.submit(jobs.run_chunk, job, chunk, key=key, retries=0))

    def refill() -> None:
        while len(pending) < window and (chunk := next(chunks, None)) is not None:
            submit(chunk)

    refill()
    for future in running:
        chunk = pending.pop(future.key)
        try:
            results: list[ScaledResult] = future.result()
        except KilledWorker as exc:
            if len(chunk) > 1:  # find the item that kills workers: retry each on its own
                for item in chunk:
                    submit([item])
                continue
            alone = solo[chunk[0].index] = solo.get(chunk[0].index, 0) + 1
            if alone < SOLO_TRIES:  # a task queued beside the killer dies with its worker
                submit(chunk)
                continue
            results = [_lost(chunk[0], exc)]
        except Exception as exc:  # the task itself failed (it never raises for an item)
            results = [_lost(item, exc) for item in chunk]
        finally:
            future.release()
        yield from results
        refill()


def _check_signer(signer: Any) -> None:
    if isinstance(signer, LocalSigner):
        raise TypeError("a key does not travel to workers: give a WorkerIdentity (loaded on each "
                        "worker) or a RemoteSigner (a signing service)")
    if getattr(signer, "passphrase", None) is not None:
        raise TypeError("a passphrase does not travel to workers: give "
                        "WorkerIdentity(directory, passphrase_env=NAME)")
    try:
        pickle.dumps(signer)
    except Exception as exc:
        raise TypeError(f"the signer cannot be sent to workers ({type(exc).__name__}: {exc})") from exc


def _listed(inputs: Iterable[str | os.PathLike[str]], recursive: bool,
            exclude: str | None = None) -> Iterator[storage.Listed]:
    prefix = exclude.rstrip("/") + "/" if exclude else None
    for listed in storage.expand(inputs, recursive):
        if prefix is None or not listed.url.startswith(prefix):  # never re-sign our own outputs
            yield listed


def annotate_on(client: Client, inputs: Iterable[str | os.PathLike[str]],
                annotation: Annotation | Mapping[str, Any] | None, signer: Any,
                options: api.AnnotateOptions | None = None, *, output: str | os.PathLike[str],
                recursive: bool = False, batch_size: int = DEFAULT_BATCH_SIZE,
                max_in_flight: int | None = None, threads_per_worker: int = 1) -> Iterator[ScaledResult]:
    """Sign ``annotation`` into every input on the cluster, writing ``output/<path under its
    folder>`` (atomically). Re-running skips targets that already hold a sound signed copy of
    their input; a target holding anything else is an item error, never overwritten.

    ``signer``: :class:`~fakemedia.distributed.signing.WorkerIdentity` or
    :class:`~fakemedia.distributed.signing.RemoteSigner` (key objects never leave this process).
    """
    _check_signer(signer)
    declared = annotation if isinstance(annotation, Annotation) else \
        Annotation.from_dict(dict(annotation or {}))
    out = os.fspath(output)
    job = AnnotateJob(signer, declared, options or api.AnnotateOptions(), out)
    items = (Item(i, listed.url, storage.join(out, listed.rel))
             for i, listed in enumerate(_listed(inputs, recursive, exclude=out)))
    return run_job(client, job, items, batch_size=batch_size, max_in_flight=max_in_flight,
                   threads_per_worker=threads_per_worker)


def verify_on(client: Client, inputs: Iterable[str | os.PathLike[str]], *,
              trust_anchors: bytes | Sequence[bytes] | None = None, now: datetime | None = None,
              decrypt_keys: Sequence[WorkerKey] = (), recursive: bool = False,
              batch_size: int = DEFAULT_BATCH_SIZE,
              max_in_flight: int | None = None) -> Iterator[ScaledResult]:
    """Verify every input on the cluster; results carry ``report`` (an Invalid manifest is a
    report, not an error)."""
    anchors = [trust_anchors] if isinstance(trust_anchors, (bytes, bytearray)) else list(trust_anchors or [])
    job = VerifyJob(tuple(bytes(a) for a in anchors), now, tuple(decrypt_keys))
    items = (Item(i, listed.url) for i, listed in enumerate(_listed(inputs, recursive)))
    return run_job(client, job, items, batch_size=batch_size, max_in_flight=max_in_flight)


def detect_on(client: Client, inputs: Iterable[str | os.PathLike[str]], *,
              model_path: str | None = None, recursive: bool = False,
              batch_size: int = DEFAULT_BATCH_SIZE, max_in_flight: int | None = None,
              threads_per_worker: int = 1) -> Iterator[ScaledResult]:
    """The detector's finding for every input (``detection``), the model loaded once per worker."""
    job = DetectJob(model_path)
    items = (Item(i, listed.url) for i, listed in enumerate(_listed(inputs, recursive)))
    return run_job(client, job, items, batch_size=batch_size, max_in_flight=max_in_flight,
                   threads_per_worker=threads_per_worker)
