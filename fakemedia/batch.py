"""The one worker pool: annotate or verify many images in parallel, never stopping at a bad one.

:func:`annotate_many` and :func:`verify_many` take paths, bytes or binary streams and yield one
:class:`BatchResult` per item, in input order; an item that fails carries its error instead of
raising. ``jobs > 1`` runs the work in a pool of ``spawn`` worker processes (no state shared with
the caller by accident), each loading the signer and, when detecting, the detector model once.
Key objects do not cross process boundaries: give an :class:`IdentityRef` (identity directory
and passphrase) for the workers to load the signer themselves.

The per-item functions (:func:`annotate_item`, :func:`annotate_file_item`, :func:`verify_item`)
are public, module-level and take only picklable values, so any other executor can run them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import multiprocessing
import os
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fakemedia import api
from fakemedia.errors import EXIT_INTERNAL, FakemediaError, InvalidRequest

if TYPE_CHECKING:
    from fakemedia.annotation.model import Annotation
    from fakemedia.cose.signer import Signer

__all__ = [
    "AnnotateJob",
    "BatchResult",
    "FileTask",
    "IdentityRef",
    "Input",
    "Item",
    "JsonlLog",
    "VerifyJob",
    "annotate_file",
    "annotate_file_item",
    "annotate_files",
    "annotate_item",
    "annotate_many",
    "annotate_on_cluster",
    "annotate_paths",
    "detect_on_cluster",
    "expand_inputs",
    "failure",
    "items",
    "log_record",
    "map_ordered",
    "plan_outputs",
    "prepare",
    "resolve_jobs",
    "run",
    "single",
    "verify_item",
    "verify_job",
    "verify_log_record",
    "verify_many",
    "verify_on_cluster",
    "verify_one",
    "verify_results",
]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class IdentityRef:
    """A signing identity by directory (see ``fakemedia keys init``) and its key's passphrase:
    what worker processes load the signer from."""

    directory: str
    passphrase: bytes | None = None

    def load(self) -> Signer:
        return _load_signer(self)


@functools.lru_cache(maxsize=4)
def _load_signer(ref: IdentityRef) -> Signer:
    return api.load_identity(ref.directory, ref.passphrase)


@dataclass(frozen=True)
class BatchResult:
    """One item of a batch: ``output`` (annotate) and/or ``report`` (both), else ``error``."""

    index: int
    source: str | None
    output: bytes | None = None
    report: api.VerificationReport | None = None
    error: str | None = None
    exit_code: int = 0
    seconds: float = 0.0
    #: annotate: the written file, the parent manifest's state, the detector's summary (or why
    #: it did not run) and the redacted URIs.
    written: str | None = None
    parent_state: str | None = None
    detection: dict[str, Any] | None = None
    detection_note: str | None = None
    redacted: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: annotate --repo: the repository entry and soft bindings made (Durability.to_dict()).
    durable: dict[str, Any] | None = None
    #: verify with a repository: the soft-binding look-up (an api.RecoveryResult), made when
    #: the image embeds no sound manifest.
    recovery: Any = None

    @property
    def ok(self) -> bool:
        return self.error is None


def resolve_jobs(jobs: int) -> int:
    """``0`` means every core; anything else is taken as given (at least 1)."""
    if jobs < 0:
        raise ValueError("jobs must be >= 0")
    return (os.cpu_count() or 1) if jobs == 0 else jobs


def map_ordered(func: Callable[[T], R], items: Iterable[T], *, jobs: int = 1,
                initializer: Callable[..., None] | None = None,
                initargs: Sequence[Any] = ()) -> Iterator[R]:
    """``func`` over ``items``, results in input order.

    ``jobs <= 1`` runs in this process (``initializer`` first). Otherwise a ``spawn`` process
    pool runs them with at most ``4 * jobs`` items in flight, so a long input stream is never
    read into memory at once. ``func`` and ``initializer`` must be picklable.
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
class Item:
    """One input: a path (read by the worker) or bytes, or the error reading it gave."""

    index: int
    name: str | None
    path: str | None = None
    data: bytes | None = None
    error: tuple[str, int] | None = None

    def read(self) -> api.Asset:
        if self.path is not None:
            asset = api.open_asset(self.path)
            return asset
        return api.parse_asset(self.data or b"", self.name)


@dataclass(frozen=True)
class FileTask:
    """One image of a command-line batch: where its signed copy and heat map go."""

    src: str
    target: str
    heatmap: str | None = None
    in_place: bool = False


@dataclass(frozen=True)
class AnnotateJob:
    """Everything the items of one annotate batch share; picklable."""

    annotation: Annotation
    signer: Any  # a Signer (in this process) or an IdentityRef (workers load it)
    options: api.AnnotateOptions = field(default_factory=api.AnnotateOptions)
    trust_anchors: tuple[bytes, ...] = ()

    def load_signer(self) -> Signer:
        return self.signer.load() if isinstance(self.signer, IdentityRef) else self.signer

    def trust(self) -> Any:
        return _trust(self.trust_anchors, None, None, ())


@dataclass(frozen=True)
class VerifyJob:
    """Everything the items of one verify batch share; picklable (keys travel as PEM)."""

    trust_anchors: tuple[bytes, ...] = ()
    now: datetime | None = None
    decrypt_keys: tuple[tuple[bytes, bytes | None], ...] = ()
    trust_config: str | None = None
    tsa_anchors: tuple[bytes, ...] = ()
    #: Keys already loaded in this process (a caller that holds key objects, not PEM).
    loaded_keys: tuple[Any, ...] = ()
    #: A manifest store file to validate the images against (else each one's .c2pa sidecar,
    #: when it embeds none).
    manifest_file: str | None = None
    #: A manifest repository (or a resolver's base URL) to look the pixels up in when no
    #: sound manifest is embedded.
    repository: str | None = None
    resolver: str | None = None


@functools.lru_cache(maxsize=8)
def _trust(anchors: tuple[bytes, ...], now: datetime | None, config: str | None,
           tsa: tuple[bytes, ...]) -> Any:
    return api.trust_settings(list(anchors), now=now, config=config, tsa_anchors=tsa)


@functools.lru_cache(maxsize=8)
def _keys(material: tuple[tuple[bytes, bytes | None], ...]) -> list[Any]:
    return [api.load_decrypt_key(pem, passphrase) for pem, passphrase in material]


def failure(exc: Exception) -> tuple[str, int]:
    """(one-line message, exit code) of an exception, as a batch reports it."""
    if isinstance(exc, FakemediaError):
        return str(exc), exc.exit_code
    return f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL


def prepare(job: AnnotateJob) -> None:
    """Per process: the signer and (when detecting) the model, loaded once (items call it too;
    a process that calls it first pays before its first item)."""
    job.load_signer()
    if api.wants_detection(job.annotation, job.options):
        api.preload_detector(job.options.model_path, required=job.options.detect is True)


def _init_pool(job: AnnotateJob | None) -> None:
    api.limit_threads(1)
    if job is not None:
        try:
            prepare(job)
        except FakemediaError:
            pass  # reported on each item: a pool initializer must not raise


def annotate_item(job: AnnotateJob, item: Item) -> BatchResult:
    """Sign ``job.annotation`` into one input; the signed bytes in ``output``."""
    start = time.perf_counter()
    try:
        if item.error is not None:  # the caller could not read the source
            return BatchResult(item.index, item.name, error=item.error[0], exit_code=item.error[1])
        asset = item.read()
        signed = api.annotate_asset(asset, job.annotation, job.load_signer(), job.options,
                                    trust=job.trust())
        return BatchResult(item.index, item.name or asset.name, output=signed.data, report=signed.report,
                           seconds=time.perf_counter() - start, parent_state=signed.parent_state,
                           detection_note=signed.detection_note, redacted=signed.redacted,
                           warnings=signed.warnings, durable=_durable(signed))
    except Exception as exc:  # one bad item never stops the batch
        message, code = failure(exc)
        return BatchResult(item.index, item.name, error=message, exit_code=code,
                           seconds=time.perf_counter() - start)


def annotate_file(job: AnnotateJob, task: FileTask) -> BatchResult:
    """Sign one file and write its copy (and heat map); errors are raised."""
    start = time.perf_counter()
    src = Path(task.src)
    asset = api.open_asset(src)
    mode = src.stat().st_mode & 0o777
    signed = api.annotate_asset(asset, job.annotation, job.load_signer(), job.options, trust=job.trust())
    summary = None
    if signed.detection is not None:
        summary = api.detection_summary(asset.data, signed.detection)
        if task.heatmap is not None:
            drawn = api.draw_heatmap(asset.data, signed.detection, task.heatmap)
            summary["heatmap"] = task.heatmap if drawn else None
    target = api.output_path(src, task.target, task.in_place)
    target.parent.mkdir(parents=True, exist_ok=True)  # folder inputs keep their tree
    api.write_signed(target, signed, mode)
    return BatchResult(0, str(src), report=signed.report, seconds=time.perf_counter() - start,
                       written=str(target), parent_state=signed.parent_state, detection=summary,
                       detection_note=signed.detection_note, redacted=signed.redacted,
                       warnings=signed.warnings, durable=_durable(signed))


def _durable(signed: api.Signed) -> dict[str, Any] | None:
    return signed.durability.to_dict() if signed.durability is not None else None


def annotate_file_item(job: AnnotateJob, task: FileTask) -> BatchResult:
    """:func:`annotate_file`, its error returned as data (one bad file never stops a batch)."""
    start = time.perf_counter()
    src = Path(task.src)
    try:
        return annotate_file(job, task)
    except Exception as exc:
        message, code = failure(exc)
        if isinstance(exc, FakemediaError) and src.name not in message:
            message = f"{src}: {message}"
        return BatchResult(0, str(src), error=message, exit_code=code, seconds=time.perf_counter() - start)


def verify_one(job: VerifyJob, item: Item) -> BatchResult:
    """Verify one input, errors raised; an Invalid manifest is a report, not an error."""
    start = time.perf_counter()
    if item.error is not None:
        return BatchResult(item.index, item.name, error=item.error[0], exit_code=item.error[1])
    asset = api.with_external(item.read(), item.path, job.manifest_file)
    trust = _trust(job.trust_anchors, job.now, job.trust_config, job.tsa_anchors)
    keys = [*job.loaded_keys, *_keys(job.decrypt_keys)]
    report = api.verify_asset(asset, trust, decrypt_keys=keys,
                              time_requested=job.now is not None)
    found = None
    if (job.repository or job.resolver) and api.needs_recovery(report):
        found = api.recover_asset(asset, job.repository, trust, resolver=job.resolver)
    return BatchResult(item.index, item.name or asset.name, report=report,
                       seconds=time.perf_counter() - start, recovery=found)


def verify_item(job: VerifyJob, item: Item) -> BatchResult:
    """:func:`verify_one`, its error returned as data."""
    start = time.perf_counter()
    try:
        return verify_one(job, item)
    except Exception as exc:
        message, code = failure(exc)
        if isinstance(exc, FakemediaError) and item.path and Path(item.path).name not in message:
            message = f"{item.path}: {message}"
        return BatchResult(item.index, item.name, error=message, exit_code=code,
                           seconds=time.perf_counter() - start)


# --- caller side ------------------------------------------------------------------------------


def items(sources: Iterable[api.Source]) -> Iterator[Item]:
    """One :class:`Item` per source. Paths go to workers as strings (they read the file
    themselves); streams are read here, since an open stream cannot cross processes."""
    for index, source in enumerate(sources):
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            yield Item(index, Path(path).name, path=str(path))
            continue
        try:
            data, name = api.read_source(source)
        except FakemediaError as exc:
            yield Item(index, None, error=(str(exc), exc.exit_code))
            continue
        yield Item(index, name, data=data)


def _check_picklable(signer: Any) -> None:
    if isinstance(signer, IdentityRef):
        return
    try:
        pickle.dumps(signer)
    except Exception as exc:
        raise TypeError("jobs > 1 needs the signer as an IdentityRef (identity directory and "
                        "passphrase): key objects cannot be sent to worker processes") from exc


def _annotation(annotation: Annotation | Mapping[str, Any] | None) -> Annotation:
    from fakemedia.annotation.model import Annotation

    return annotation if isinstance(annotation, Annotation) else Annotation.from_dict(dict(annotation or {}))


def run(func: Callable[[Any, Any], R], job: Any, work: Iterable[Any], *, jobs: int = 1,
        setup: AnnotateJob | None = None) -> Iterator[R]:
    """``func(job, item)`` for every item, in input order, on ``jobs`` processes (``setup``:
    what each process loads once before its first item)."""
    jobs = resolve_jobs(jobs)
    if jobs <= 1:
        if setup is not None:
            prepare(setup)
        yield from (func(job, item) for item in work)
        return
    yield from map_ordered(functools.partial(func, job), work, jobs=jobs, initializer=_init_pool,
                           initargs=(setup,))


def annotate_many(sources: Iterable[api.Source],
                  annotation: Annotation | Mapping[str, Any] | None,
                  signer: Signer | IdentityRef, options: api.AnnotateOptions | None = None, *,
                  jobs: int = 1, trust_anchors: Sequence[bytes] = ()) -> Iterator[BatchResult]:
    """Sign ``annotation`` into every source; yields a :class:`BatchResult` per source (signed
    bytes in ``output``, or ``error`` and ``exit_code``), in input order. Detection follows
    :func:`fakemedia.api.wants_detection`, with the model loaded once per process."""
    if resolve_jobs(jobs) > 1:
        _check_picklable(signer)
    job = AnnotateJob(_annotation(annotation), signer, options or api.AnnotateOptions(),
                      tuple(bytes(a) for a in trust_anchors))
    return run(annotate_item, job, items(sources), jobs=jobs, setup=job)


def annotate_files(tasks: Sequence[FileTask], job: AnnotateJob, *, jobs: int = 1) -> Iterator[BatchResult]:
    """:func:`annotate_file_item` over ``tasks``; results in order."""
    if resolve_jobs(jobs) > 1:
        _check_picklable(job.signer)
    return run(annotate_file_item, job, tasks, jobs=min(resolve_jobs(jobs), len(tasks)), setup=job)


def verify_many(sources: Iterable[api.Source], *, trust_anchors: bytes | Sequence[bytes] | None = None,
                now: datetime | None = None,
                decrypt_keys: Sequence[tuple[bytes, bytes | None]] = (),
                jobs: int = 1, trust_config: str | None = None,
                tsa_anchors: Sequence[bytes] = ()) -> Iterator[BatchResult]:
    """Verify every source; yields a :class:`BatchResult` per source (``report``, or ``error``
    for an unreadable one), in input order. ``decrypt_keys``: (PEM, passphrase) pairs, loaded
    in each worker. An Invalid manifest is a report, not an error: check ``report.state``."""
    anchors = [trust_anchors] if isinstance(trust_anchors, (bytes, bytearray)) else list(trust_anchors or [])
    job = VerifyJob(tuple(bytes(a) for a in anchors), now, tuple(decrypt_keys), trust_config,
                    tuple(tsa_anchors))
    return run(verify_item, job, items(sources), jobs=jobs)


# --- on a Dask cluster (the ``dask`` extra) ---------------------------------------------------


@contextmanager
def _cluster(spec: str) -> Iterator[Any]:
    try:
        from fakemedia.distributed import cluster
    except ImportError as exc:
        raise InvalidRequest(f"a cluster needs Dask: pip install 'fakemedia[dask]' ({exc})") from None
    client = cluster.cluster_client(spec)
    try:
        yield client
    finally:
        client.close()


def _scaled_results(spec: str, job: Any, work: Sequence[Any], sources: Sequence[str],
                    annotating: bool = False) -> Iterator[BatchResult]:
    """``job`` over ``work`` (distributed items) on the cluster, each result turned back into
    this module's :class:`BatchResult` (``source``: the input as given), in completion order."""
    from fakemedia.distributed.cluster import run_job

    with _cluster(spec) as client:
        for result in run_job(client, job, work):
            values = {f.name: getattr(result, f.name) for f in dataclasses.fields(BatchResult)}
            values["source"] = sources[result.index]
            if annotating and result.ok:
                values["written"] = result.target
                if result.skipped and result.target:  # a re-run: the target holds a signed copy
                    values["report"] = api.verify_asset(api.open_asset(result.target))
            yield BatchResult(**values)


def annotate_on_cluster(spec: str, tasks: Sequence[FileTask], job: AnnotateJob, *,
                        passphrase_env: str | None = None) -> Iterator[BatchResult]:
    """:func:`annotate_files` on a Dask cluster (``tcp://HOST:PORT`` or ``local[:N]``).

    The workers load the signer from the identity directory themselves, its passphrase from
    their own environment variable ``passphrase_env``: no key or passphrase enters a task.
    Heat maps and --in-place are local-only. A target that already holds a sound signed copy
    of its input is skipped; one holding anything else is an item error, never overwritten.
    """
    from fakemedia import distributed

    if not isinstance(job.signer, IdentityRef):
        raise TypeError("a cluster needs the signer as an IdentityRef: keys do not travel")
    if any(t.heatmap or t.in_place for t in tasks):
        raise InvalidRequest("heat maps and in-place writing are not available on a cluster")
    remote = distributed.AnnotateJob(distributed.WorkerIdentity(job.signer.directory, passphrase_env),
                                     job.annotation, job.options, trust_anchors=job.trust_anchors)
    work = [distributed.Item(i, t.src, t.target) for i, t in enumerate(tasks)]
    return _scaled_results(spec, remote, work, [t.src for t in tasks], annotating=True)


def verify_on_cluster(spec: str, job: VerifyJob, work: Sequence[Item]) -> Iterator[BatchResult]:
    """:func:`verify_item` over path items on a Dask cluster, in completion order.
    Decryption keys are not sent to a cluster (see :class:`fakemedia.distributed.WorkerKey`)."""
    from fakemedia import distributed

    if job.decrypt_keys or job.loaded_keys:
        raise InvalidRequest("decryption keys are not sent to a cluster: use "
                             "fakemedia.distributed.verify_on with WorkerKey files on the workers")
    remote = distributed.VerifyJob(job.trust_anchors, job.now, trust_config=job.trust_config,
                                   tsa_anchors=job.tsa_anchors)
    sources = [str(item.path) for item in work]
    return _scaled_results(spec, remote, [distributed.Item(i, s) for i, s in enumerate(sources)], sources)


def detect_paths(paths: Sequence[str], *, model_path: str | None = None, heatmap: Path | None = None,
                 single: bool = False, cluster: str | None = None) -> Iterator[BatchResult]:
    """The detector over ``paths``: each finding is ``detection`` (the detector's ``to_dict()``
    with ``file`` and, where drawn, ``heatmap``), or ``error``. Here in order, the model loaded
    once; on a cluster in completion order. ``single``: one file named alone, whose error is
    raised. Several images' heat maps are numbered ``OUT-1.png``, ``OUT-2.png``, …"""
    if cluster:
        if heatmap is not None:
            raise InvalidRequest("heat maps are not drawn on a cluster", about="heatmap")
        yield from detect_on_cluster(cluster, paths, model_path)
        return
    api.limit_threads()
    for i, path in enumerate(paths):
        try:
            found = api.detect_image(path, model_path=model_path)
            out = {**found.to_dict(), "file": path}
            if heatmap is not None and found.patch_map is not None:
                target = heatmap if single else heatmap.with_name(f"{heatmap.stem}-{i + 1}{heatmap.suffix}")
                api.draw_patch_map(path, found, target)
                out["heatmap"] = str(target)
        except FakemediaError as exc:
            if single:
                raise
            yield BatchResult(i, path, error=str(exc), exit_code=exc.exit_code)
            continue
        yield BatchResult(i, path, detection=out)


def detect_on_cluster(spec: str, paths: Sequence[str],
                      model_path: str | None = None) -> Iterator[BatchResult]:
    """The detector over ``paths`` on a Dask cluster (model loaded once per worker); each
    finding is ``detection`` (the detector's ``to_dict()``), in completion order."""
    from fakemedia import distributed

    work = [distributed.Item(i, p) for i, p in enumerate(paths)]
    return _scaled_results(spec, distributed.DetectJob(model_path), work, list(paths))


# --- the JSON-lines log -------------------------------------------------------------------------


class JsonlLog:
    """One JSON object per line, appended with a single write each: lines from several runs
    sharing a log never interleave, and a crash loses at most the line being written."""

    def __init__(self, path: Path | None) -> None:
        self._fd: int | None = None
        if path is not None:
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InvalidRequest(f"cannot open the log {path} ({exc.strerror or exc})") from None

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


def annotate_log_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-lines entry of one annotated file, from its printed record."""
    found = record.get("detection") or {}
    return log_record(str(record["input"]), output=record.get("output"), error=record.get("error"),
                      exit_code=record.get("exit_code", 0), state=record.get("state"),
                      manifest=record.get("manifest"), probability=found.get("probability"),
                      seconds=record.get("seconds", 0.0), parent_state=record.get("parent_state"))


def annotate_paths(paths: Sequence[Path], targets: Sequence[Path], annotation: Annotation,
                   options: api.AnnotateOptions, signer: Any, *, anchors: Sequence[bytes] = (),
                   identity: IdentityRef | None = None, heatmap: Path | None = None,
                   in_place: bool = False, jobs: int = 1, cluster: str | None = None,
                   single: bool = False, log: JsonlLog | None = None) -> Iterator[BatchResult]:
    """Annotate each of ``paths`` into its target (see :func:`plan_outputs`): in input order, on
    a cluster in completion order. Workers load the signer from ``identity`` (the identity
    ``signer`` was loaded from): key objects are not sent to them, so any other signer signs in
    this process. ``single``: one file named alone, whose error is logged, then raised naming
    the file, instead of yielded."""
    maps = heatmap_paths(paths, heatmap)
    tasks = [FileTask(str(p), str(t), str(maps[p]) if p in maps else None, in_place)
             for p, t in zip(paths, targets, strict=True)]
    workers = min(resolve_jobs(jobs), len(tasks)) if identity is not None else 1
    ref = identity if (workers > 1 or cluster) and identity is not None else signer
    job = AnnotateJob(annotation, ref, options, tuple(anchors))
    if cluster:  # a cluster's workers read the passphrase from their own environment
        wanted = identity is not None and identity.passphrase is not None
        env = api.ENV_PASSPHRASE if wanted else None
        yield from annotate_on_cluster(cluster, tasks, job, passphrase_env=env)
    elif single:
        with api.naming(paths[0]):
            try:
                result = annotate_file(job, tasks[0])
            except FakemediaError as exc:
                if log is not None:
                    log.write(log_record(str(paths[0]), error=str(exc), exit_code=exc.exit_code))
                raise
        yield result
    else:
        yield from annotate_files(tasks, job, jobs=workers)


def verify_job(trust: api.Trust, decrypt_keys: tuple[tuple[bytes, bytes | None], ...] = (), *,
               manifest_file: Path | None = None, repository: Path | None = None,
               resolver: str | None = None) -> VerifyJob:
    """The job of a verify over files from checked trust options; a resolver URL, when given,
    is asked instead of the local repository."""
    return VerifyJob(trust.anchors, trust.at, decrypt_keys, trust.config, trust.tsa_anchors,
                     manifest_file=str(manifest_file) if manifest_file else None,
                     repository=str(repository) if repository and not resolver else None,
                     resolver=resolver)


def verify_results(job: VerifyJob, work: Sequence[Item], *, jobs: int = 1,
                   cluster: str | None = None) -> Iterator[BatchResult]:
    """:func:`verify_item` over ``work``: in ``jobs`` processes (input order) or on a cluster
    (completion order)."""
    if cluster:
        return verify_on_cluster(cluster, job, work)
    return run(verify_item, job, work, jobs=min(resolve_jobs(jobs), len(work)))


#: How a verified result becomes the error its verdict exits with (the presentation's rule).
Judge = Callable[[BatchResult], "FakemediaError | None"]


def verify_paths(job: VerifyJob, inputs: Sequence[Input], *, judge: Judge, single: bool = False,
                 jobs: int = 1, cluster: str | None = None,
                 log: JsonlLog | None = None) -> Iterator[tuple[BatchResult, FakemediaError | None]]:
    """Each input verified, with the error ``judge`` finds in its verdict, logged as it comes.

    ``single`` (one file named alone): it is verified here and its error is raised, as one
    file's error is; otherwise each runs through :func:`verify_results` and failures are yielded.
    """
    work = [Item(i, str(item.path), path=str(item.path)) for i, item in enumerate(inputs)]
    if single and not cluster:
        name, start = str(inputs[0].path), time.perf_counter()
        try:
            with api.naming(inputs[0].path):
                result = verify_one(job, work[0])
        except FakemediaError as exc:
            if log is not None:
                log.write(verify_log_record(name, BatchResult(0, None), exc, time.perf_counter() - start))
            raise
        problem = judge(result)
        if log is not None:
            log.write(verify_log_record(name, result, problem, time.perf_counter() - start))
        yield result, problem
        return
    for result in verify_results(job, work, jobs=jobs, cluster=cluster):
        problem = judge(result) if result.report is not None else None
        if log is not None:
            log.write(verify_log_record(str(result.source), result, problem, result.seconds))
        yield result, problem


def verify_log_record(source: str, result: BatchResult, problem: FakemediaError | None,
                      seconds: float) -> dict[str, Any]:
    """The JSON-lines entry of one verified file; ``problem``: the error its verdict exits with."""
    report = result.report
    return log_record(source, error=str(problem) if problem else result.error,
                      exit_code=problem.exit_code if problem else result.exit_code,
                      state=report.state if report else None,
                      manifest=report.active_manifest if report else None, seconds=seconds)


def heatmap_paths(images: Sequence[Path], heatmap: Path | None) -> dict[Path, Path]:
    """Where each image's heat map goes: ``heatmap`` itself for one, numbered for several."""
    if heatmap is None:
        return {}
    if len(images) == 1:
        return {images[0]: heatmap}
    return {src: heatmap.with_name(f"{heatmap.stem}-{i}{heatmap.suffix}") for i, src in enumerate(images, 1)}


def log_record(input: str, *, output: str | None = None, error: str | None = None,
               exit_code: int = 0, state: str | None = None, manifest: str | None = None,
               probability: float | None = None, seconds: float = 0.0,
               parent_state: str | None = None) -> dict[str, Any]:
    return {"input": input, "output": output, "status": "error" if error else "ok",
            "exit_code": exit_code, "error": error, "state": state, "parent_state": parent_state,
            "manifest": manifest, "probability": probability, "seconds": round(seconds, 4)}


# --- inputs and outputs of a run over files ------------------------------------------------------

JPEG_SUFFIXES = (".jpg", ".jpeg")


@dataclass(frozen=True)
class Input:
    """One image to process; ``rel`` is its path under the folder argument it came from."""

    path: Path
    rel: Path | None = None


def _visible(rel: Path) -> bool:
    # Dot files are temporaries (ours: .NAME.*.tmp) or OS litter (macOS ._photo.jpg).
    return not any(part.startswith(".") for part in rel.parts)


def expand_inputs(args: Sequence[Path], recursive: bool) -> tuple[list[Input], list[Path]]:
    """File arguments as given; a folder argument becomes its JPEGs (*.jpg, *.jpeg, any case),
    sorted, and, with ``recursive``, those of its subfolders. Other files in a folder are
    skipped; a named file that is no JPEG fails later. Also: the folders without a JPEG."""
    out: list[Input] = []
    empty: list[Path] = []
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
            empty.append(arg)
        out += [Input(arg / rel, rel) for rel in found]
    return out, empty


def single(args: Sequence[Path], inputs: Sequence[Input]) -> bool:
    """One file named (not a folder): its errors are raised, not listed."""
    return len(args) == 1 and len(inputs) == 1 and inputs[0].rel is None


def plan_outputs(inputs: Sequence[Input], output: Path | None, in_place: bool) -> list[Path]:
    """Where each image's signed copy goes; every check happens before anything is written.
    With a folder argument, ``output`` names a directory (created if missing) and each image
    keeps its path under the folder there. Refusals are InvalidRequest about "output"."""
    if in_place:
        return [i.path for i in inputs]
    from_folder = any(i.rel is not None for i in inputs)
    as_dir = output is not None and (output.is_dir() or (from_folder and not output.exists()))
    if output is not None and not as_dir and (len(inputs) > 1 or from_folder):
        raise InvalidRequest(f"{output} must be a directory when several images or a folder "
                             "are given", "output")
    targets = []
    for item in inputs:
        src = item.path
        if output is None:
            target = src.with_name(f"{src.stem}.signed.jpg")
        elif as_dir:
            target = output / (item.rel or src.name)
        else:
            target = output
            if not target.parent.is_dir():
                raise InvalidRequest(f"directory {target.parent} does not exist", "output")
        if target.resolve() == src.resolve():
            raise InvalidRequest(f"{target} would overwrite the input", "in_place")
        targets.append(target)
    seen: set[Path] = set()
    for target in targets:
        if target.resolve() in seen:
            raise InvalidRequest(f"two inputs would both be written to {target}", "output")
        seen.add(target.resolve())
    return targets
