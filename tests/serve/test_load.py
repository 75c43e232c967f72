"""Bounded concurrency: a burst beyond workers + queue gets 503 with Retry-After, never a crash;
a request past the time limit gets 504 and its stuck worker is replaced."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import HOSTILE, Reply, Server, peer, start_server


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One worker, one queued request, a 3-second limit; annotate off."""
    yield from start_server(tmp_path_factory.mktemp("tight"),
                            ["--workers", "1", "--queue", "1", "--timeout", "3"])


def _slow_file() -> bytes:
    """A file that takes a worker a noticeable while (hundreds of chained manifests)."""
    path = HOSTILE / "history-chain-350.jpg"
    return path.read_bytes() if path.is_file() else peer("two-step-history.jpg").read_bytes()


def test_burst_beyond_the_queue_gets_503(tight: Server) -> None:
    data = _slow_file()

    def call(_i: int) -> Reply:
        return tight.post_image("/v1/history", data, timeout=120)

    with ThreadPoolExecutor(16) as clients:
        replies = list(clients.map(call, range(16)))
    statuses = Counter(r.status for r in replies)
    assert statuses[200] >= 1 and statuses[503] >= 1, statuses
    assert set(statuses) <= {200, 503}, statuses
    for reply in replies:
        if reply.status == 503:
            assert int(reply.headers["retry-after"]) >= 1
            assert reply.json()["error"]["code"] == 75 and reply.json()["error"]["type"] == "Busy"
    assert tight.process.poll() is None
    assert tight.post_image("/v1/verify", peer("signed-es256.jpg").read_bytes()).status == 200
    assert tight.request("GET", "/v1/health").json()["pools"]["verify"]["pending"] == 0


@pytest.fixture(scope="module")
def hasty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A 0.1-second limit: a file with hundreds of manifests cannot make it."""
    yield from start_server(tmp_path_factory.mktemp("hasty"), ["--workers", "1", "--timeout", "0.1"])


def test_time_limit_replaces_the_stuck_worker(hasty: Server) -> None:
    path = HOSTILE / "history-chain-350.jpg"  # ~0.2 s of validation even on a fast core
    if not path.is_file():
        pytest.skip("shared hostile fixtures not present")
    reply = hasty.post_image("/v1/verify", path.read_bytes(), timeout=60)
    assert reply.status == 504 and reply.json()["error"]["type"] == "TimedOut"
    assert reply.json()["error"]["code"] == 75
    assert hasty.request("GET", "/v1/health").json()["pools"]["verify"]["restarts"] >= 1
    small = peer("signed-es256.jpg").read_bytes()
    deadline = time.monotonic() + 30
    while (again := hasty.post_image("/v1/verify", small)).status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)  # the replacement worker is still starting
    assert again.status == 200 and again.json()["state"] == "Valid"
    assert hasty.process.poll() is None


def test_annotate_is_off_without_a_token_file(tight: Server) -> None:
    reply = tight.post_image("/v1/annotate", Path(peer("unsigned.jpg")).read_bytes(),
                             Authorization="Bearer anything-at-all-really")
    assert reply.status == 403 and "disabled" in reply.json()["error"]["message"]
