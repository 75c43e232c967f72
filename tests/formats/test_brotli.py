"""Bounded Brotli for c2cm/brob (C2PA 2.2 §11.1.3.2): round trips, bombs, corrupt streams."""

from __future__ import annotations

import os
import time
import tracemalloc

import brotli
import pytest

from fakemedia.errors import LimitExceeded, MalformedBox
from fakemedia.formats.jumbf import brotli_compress, brotli_decompress

_BOMB_SIZE = 200 * 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """200 MB of zeros, compressed in 1 MB steps so building it stays cheap."""
    comp = brotli.Compressor(quality=1)
    zeros = bytes(1024 * 1024)
    parts = [comp.process(zeros) for _ in range(_BOMB_SIZE // len(zeros))]
    parts.append(comp.finish())
    return b"".join(parts)


@pytest.mark.parametrize("size", [0, 1, 1000, 300_000])
def test_round_trip(size: int) -> None:
    data = os.urandom(size // 2) + b"ab" * (size // 4)
    assert brotli_decompress(brotli_compress(data)) == data


def test_exact_limit() -> None:
    data = b"x" * 5000
    packed = brotli_compress(data)
    assert brotli_decompress(packed, limit=5000) == data
    with pytest.raises(LimitExceeded, match="4999-byte limit"):
        brotli_decompress(packed, limit=4999)


def test_bomb_is_bounded(bomb: bytes) -> None:
    assert len(bomb) < 200_000  # tiny payload, huge output
    limit = 2 * 1024 * 1024
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(LimitExceeded, match="limit"):
            brotli_decompress(bomb, limit=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 3 * limit  # never near the 200 MB it would inflate to


def test_default_limit_stops_bomb(bomb: bytes) -> None:
    with pytest.raises(LimitExceeded, match="33554432-byte limit"):
        brotli_decompress(bomb)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ends early"),
        (b"not brotli at all", "invalid Brotli"),
        (brotli.compress(os.urandom(5000))[:-10], "ends early"),
        (brotli.compress(b"hello") + b"trailing", "invalid Brotli|trailing"),
    ],
)
def test_invalid(data: bytes, message: str) -> None:
    with pytest.raises(MalformedBox, match=message):
        brotli_decompress(data)


def test_trailing_after_large_stream() -> None:
    # The stream ends in an early input chunk; bytes in a later chunk are refused.
    packed = brotli.compress(os.urandom(100_000), quality=1)
    with pytest.raises(MalformedBox):
        brotli_decompress(packed + bytes(200_000))
