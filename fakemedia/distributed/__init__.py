"""Scale out: annotate, verify and detect on a Dask cluster, or through any engine that can call
one function per item.

* :func:`annotate_on`, :func:`verify_on`, :func:`detect_on` take a ``dask.distributed.Client``
  and yield one :class:`ScaledResult` per input in completion order; :func:`cluster_client`
  makes that client from ``tcp://…`` or ``local``. These need the ``dask`` extra
  (``pip install 'fakemedia[dask]'``).
* :func:`process` (one item) and :func:`run_chunk` (a list of items) run a job
  (:class:`AnnotateJob`, :class:`VerifyJob`, :class:`DetectJob`) in the calling process:
  for ``dask.bag``, Spark or Ray. They need neither Dask nor fsspec for local paths.
* Keys stay with the signer: :class:`WorkerIdentity` (loaded on each worker from its own
  files and environment) or :class:`RemoteSigner` talking to a :class:`SigningService`.
"""

from __future__ import annotations

from typing import Any

from fakemedia.distributed.jobs import (
    AnnotateJob,
    DetectJob,
    Item,
    ScaledResult,
    VerifyJob,
    process,
    run_chunk,
    worker_state,
)
from fakemedia.distributed.signing import RemoteSigner, SigningService, WorkerIdentity, WorkerKey

__all__ = [
    "AnnotateJob", "DetectJob", "Item", "JobPlugin", "RemoteSigner", "ScaledResult", "SigningService",
    "VerifyJob", "WorkerIdentity", "WorkerKey", "annotate_on", "cluster_client", "detect_on",
    "process", "run_chunk", "run_job", "verify_on", "worker_state",
]

_NEEDS_DASK = {"JobPlugin", "annotate_on", "cluster_client", "detect_on", "run_job", "verify_on"}


def __getattr__(name: str) -> Any:
    # The Dask side is imported on first use, so the per-item function works without Dask.
    if name not in _NEEDS_DASK:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        from fakemedia.distributed import cluster
    except ImportError as exc:
        if exc.name not in ("dask", "distributed"):
            raise
        raise ImportError(f"fakemedia.distributed.{name} needs Dask: pip install 'fakemedia[dask]'",
                          name=exc.name) from None
    return getattr(cluster, name)
