"""A real two-worker LocalCluster (processes, loopback only), shared by the module's tests."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed", reason="the Dask backend needs the 'dask' extra: "
                                          "pip install 'fakemedia[dask]'")
pytest.importorskip("fsspec", reason="the Dask backend needs the 'dask' extra (fsspec)")

import dask

from fakemedia.identity import create_identity

from .support import PASSPHRASE_ENV, TOKEN_ENV


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_identity(tmp_path_factory.mktemp("dask") / "identity", valid_days=30).directory


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    from fakemedia.distributed import cluster_client

    # Workers inherit the environment at spawn: the token's *value* reaches them this way in
    # the tests (as a secret mount would in production), never through a task.
    os.environ[TOKEN_ENV] = secrets.token_hex(16)
    os.environ[PASSPHRASE_ENV] = secrets.token_hex(16)
    # Give up on an item that keeps killing workers after two tries (the default is four).
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        dask_client = cluster_client("local:2")
    try:
        dask_client.wait_for_workers(2, timeout=120)
        yield dask_client
    finally:
        dask_client.close()
