"""Fuzz: mutated and truncated real files may only ever raise FormatError subclasses."""

from __future__ import annotations

import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakemedia.errors import FormatError
from fakemedia.formats.app11 import find_c2pa_store, remove_c2pa_store
from fakemedia.formats.jpeg import parse_jpeg
from fakemedia.formats.jumbf import DescriptionBox, parse_boxes, parse_superbox

from .helpers import fixture_bytes

# Small fixtures with one and with several APP11 packets.
_NAMES = ["peer/signed-es256.jpg", "c2pa-rs/no_alg.jpg", "c2pa-rs/CA.jpg"]
_INTERESTING = [0, 1, 2, 7, 8, 9, 16, 0x7FFFFFFF, 0xFFFFFFFF]


@pytest.fixture(scope="module")
def samples() -> list[tuple[bytes, int]]:
    """(file bytes, end of its header) for each sample; mutations target the header."""
    out = []
    for name in _NAMES:
        data = fixture_bytes(name)
        out.append((data, parse_jpeg(data).scan_offset))
    return out


def _pipeline(data: bytes) -> None:
    start = time.perf_counter()
    try:
        parse_jpeg(data)
        loc = find_c2pa_store(data)
        if loc is not None:
            store = parse_superbox(loc.jumbf)
            assert store.to_bytes() == loc.jumbf
            stripped, offset = remove_c2pa_store(data)
            assert offset == loc.offset and len(stripped) == len(data) - loc.length
    except FormatError as exc:
        assert "\n" not in str(exc) and str(exc)
    assert time.perf_counter() - start < 1.0


_fuzz = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_fuzz
@given(st.data())
def test_byte_mutations(samples: list[tuple[bytes, int]], data: st.DataObject) -> None:
    raw, header_end = data.draw(st.sampled_from(samples))
    buf = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8))):
        pos = data.draw(st.integers(0, header_end - 1))
        buf[pos] = data.draw(st.integers(0, 255))
    _pipeline(bytes(buf))


@_fuzz
@given(st.data())
def test_length_field_mutations(samples: list[tuple[bytes, int]], data: st.DataObject) -> None:
    # Hostile 16/32-bit values dropped anywhere in the header: lying Le, LBox, XLBox, Z, En.
    raw, header_end = data.draw(st.sampled_from(samples))
    buf = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, header_end - 4))
        value = data.draw(st.sampled_from(_INTERESTING) | st.integers(0, 2**32 - 1))
        if data.draw(st.booleans()):
            buf[pos : pos + 4] = struct.pack(">I", value)
        else:
            buf[pos : pos + 2] = struct.pack(">H", value & 0xFFFF)
    _pipeline(bytes(buf))


@_fuzz
@given(st.data())
def test_truncations(samples: list[tuple[bytes, int]], data: st.DataObject) -> None:
    raw, header_end = data.draw(st.sampled_from(samples))
    cut = data.draw(st.integers(0, header_end + 16))
    _pipeline(raw[:cut])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(blob: bytes) -> None:
    for parse in (parse_superbox, parse_boxes, DescriptionBox.parse):
        try:
            parse(blob)
        except FormatError:
            pass
    _pipeline(b"\xff\xd8" + blob)
