"""APP11 packetising, detection rules (as c2pa-rs reads them) and placement (C2PA 2.2 §A.3.1)."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakemedia import limits
from fakemedia.errors import LimitExceeded, MalformedBox, MalformedSegment, TruncatedData
from fakemedia.formats.app11 import (
    DEFAULT_INSTANCE,
    MAX_FIRST_PIECE,
    MAX_PIECE,
    MIN_PIECE,
    app11_run_length,
    app11_segments,
    default_insert_offset,
    find_c2pa_store,
    free_instance,
    insert_c2pa_store,
    remove_c2pa_store,
    used_instances,
)
from fakemedia.formats.jpeg import Marker, parse_jpeg

from .helpers import APP0, SCAN, SOF0, SOI, SOS, mini_jpeg, store_jumbf

APP1 = bytes.fromhex("FFE1 0008 45786966 0000")  # "Exif\0\0"
DQT = bytes.fromhex("FFDB 0004 0000")


def _packet(en: int, z: int, body: bytes) -> bytes:
    return struct.pack(">HH2sHI", 0xFFEB, 10 + len(body), b"JP", en, z) + body


def _split(data: bytes) -> list[bytes]:
    return [s.raw for s in parse_jpeg(data).segments if s.marker == Marker.APP11]


@settings(max_examples=40, deadline=None)
@given(
    filler=st.integers(min_value=0, max_value=200_000),
    piece_size=st.sampled_from([MIN_PIECE, 1000, 4096, 64000, MAX_PIECE]),
    instance=st.integers(min_value=0, max_value=0xFFFF),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_packetise_round_trip(filler: int, piece_size: int, instance: int, seed: int) -> None:
    filler %= piece_size * 4000  # stay under MAX_APP11_PACKETS
    jumbf = bytearray(store_jumbf(filler))
    rnd = random.Random(seed)
    tail = len(jumbf) - filler
    jumbf[tail:] = rnd.randbytes(filler)  # random payload, so pieces cannot be mixed up
    jumbf = bytes(jumbf)
    segs = app11_segments(jumbf, instance=instance, piece_size=piece_size)
    k = -(-len(jumbf) // piece_size)
    assert len(segs) == app11_run_length(len(jumbf), piece_size=piece_size)
    data = mini_jpeg(segs)
    packets = _split(data)
    assert len(packets) == k
    for z, raw in enumerate(packets, start=1):
        le, ci, en, zz = struct.unpack_from(">H2sHI", raw, 2)
        assert (le, ci, en, zz) == (len(raw) - 2, b"JP", instance, z) and le <= 0xFFFF
        if z > 1:
            assert raw[12:20] == jumbf[:8]  # repeated top-level LBox/TBox
    loc = find_c2pa_store(data)
    assert loc is not None
    assert (loc.jumbf, loc.segment_count, loc.instance) == (jumbf, k, instance)
    assert (loc.offset, loc.length) == (20, len(segs))


def test_run_length_formula() -> None:
    assert app11_run_length(45872) == 45884
    assert app11_run_length(117241) == 117273
    assert app11_run_length(64000) == 64012
    assert app11_run_length(64001) == 64001 + 24 + 8


def test_max_piece_sizes() -> None:
    one = store_jumbf(MAX_FIRST_PIECE - len(store_jumbf()))
    assert len(one) == MAX_FIRST_PIECE
    assert struct.unpack(">H", app11_segments(one, piece_size=MAX_FIRST_PIECE)[2:4]) == (0xFFFF,)
    two = store_jumbf(2 * MAX_PIECE - len(store_jumbf()))
    segs = app11_segments(two, piece_size=MAX_PIECE)
    assert [struct.unpack(">H", r[2:4])[0] for r in _split(mini_jpeg(segs))] == [0xFFF7, 0xFFFF]


@pytest.mark.parametrize("piece_size", [0, -1, MIN_PIECE - 1, MAX_FIRST_PIECE + 1, MAX_PIECE + 1])
def test_bad_piece_size(piece_size: int) -> None:
    with pytest.raises(ValueError, match="piece_size"):
        app11_segments(store_jumbf(70_000), piece_size=piece_size)


def test_bad_jumbf_and_instance() -> None:
    with pytest.raises(MalformedBox, match="jumb"):
        app11_segments(b"\x00\x00\x00\x10free" + bytes(8))
    with pytest.raises(ValueError, match="shorter"):
        app11_segments(b"abc")
    with pytest.raises(ValueError, match="u16"):
        app11_segments(store_jumbf(), instance=0x10000)


def test_other_jumbf_ignored_and_kept() -> None:
    # A non-C2PA JUMBF box (different UUID) on En 1 must survive removal untouched.
    other = store_jumbf(50).replace(b"c2pa\x00\x11", b"xxxx\x00\x11", 1)
    foreign = app11_segments(other, instance=1)
    store = app11_segments(store_jumbf(10))
    data = mini_jpeg(foreign, store)
    loc = find_c2pa_store(data)
    assert loc is not None and loc.offset == 20 + len(foreign)
    stripped, offset = remove_c2pa_store(data)
    assert stripped == mini_jpeg(foreign) and offset == loc.offset
    assert insert_c2pa_store(stripped, loc.jumbf, offset) == data


def test_two_stores() -> None:
    a = app11_segments(store_jumbf(1), instance=1)
    b = app11_segments(store_jumbf(2), instance=2)
    with pytest.raises(MalformedSegment, match="more than one C2PA manifest store"):
        find_c2pa_store(mini_jpeg(a, b))


def test_non_contiguous_continuation() -> None:
    first, second = _split(mini_jpeg(app11_segments(store_jumbf(3000), piece_size=2000)))
    with pytest.raises(MalformedSegment, match="not contiguous"):
        find_c2pa_store(mini_jpeg(first, DQT, second))


def test_z_rules() -> None:
    jumbf = store_jumbf(3000)
    first, second = _split(mini_jpeg(app11_segments(jumbf, piece_size=2000)))
    bad_start = first[:8] + b"\x00\x00\x00\x02" + first[12:]
    with pytest.raises(MalformedSegment, match="Z=2, expected 1"):
        find_c2pa_store(mini_jpeg(bad_start))
    gap = second[:8] + b"\x00\x00\x00\x03" + second[12:]
    with pytest.raises(MalformedSegment, match="Z=3, expected 2"):
        find_c2pa_store(mini_jpeg(first, gap))
    no_repeat = second[:12] + b"XXXXXXXX" + second[20:]
    with pytest.raises(MalformedSegment, match="repeat"):
        find_c2pa_store(mini_jpeg(first, no_repeat))


def test_app11_lying_le() -> None:
    seg = bytearray(app11_segments(store_jumbf(100)))
    seg[2:4] = b"\xff\xf0"
    with pytest.raises(TruncatedData, match="APP11 at offset 20"):
        find_c2pa_store(mini_jpeg(bytes(seg)))


def test_store_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = mini_jpeg(app11_segments(store_jumbf(5000), piece_size=1000))
    monkeypatch.setattr(limits, "MAX_STORE_BYTES", 3000)
    with pytest.raises(LimitExceeded, match="3000"):
        find_c2pa_store(data)


def test_packet_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = mini_jpeg(app11_segments(store_jumbf(500), piece_size=100))
    monkeypatch.setattr(limits, "MAX_APP11_PACKETS", 3)
    with pytest.raises(LimitExceeded, match="APP11 packets"):
        find_c2pa_store(data)


def test_short_app11_not_a_packet() -> None:
    # APP11 with <= 16 content bytes is not considered (as in c2pa-rs).
    tiny = _packet(0x0211, 1, b"12345678")
    assert find_c2pa_store(mini_jpeg(tiny)) is None


def test_default_insert_offset() -> None:
    assert default_insert_offset(mini_jpeg()) == 20  # after SOI + APP0
    assert default_insert_offset(mini_jpeg(APP1, APP1, DQT)) == 20 + 2 * len(APP1)
    assert default_insert_offset(SOI + DQT + APP0 + SOF0 + SOS + SCAN) == 2


def test_insert_checks() -> None:
    data = mini_jpeg(APP1)
    jumbf = store_jumbf(10)
    with pytest.raises(ValueError, match="not a segment boundary"):
        insert_c2pa_store(data, jumbf, 3)
    with pytest.raises(ValueError, match="not a segment boundary"):
        insert_c2pa_store(data, jumbf, 0)
    offset = default_insert_offset(data)
    out = insert_c2pa_store(data, jumbf, offset)
    assert out == SOI + APP0 + APP1 + app11_segments(jumbf) + SOF0 + SOS + SCAN
    with pytest.raises(MalformedSegment, match="already has"):
        insert_c2pa_store(out, jumbf, offset)
    foreign = app11_segments(store_jumbf(5).replace(b"c2pa\x00", b"zzzz\x00", 1))
    with pytest.raises(ValueError, match="already used"):
        insert_c2pa_store(mini_jpeg(foreign), jumbf, 20, instance=DEFAULT_INSTANCE)


def test_insert_picks_a_free_instance() -> None:
    # Another JUMBF box (not C2PA) already uses the default En 0x0211: the store takes En 1.
    foreign = app11_segments(store_jumbf(5).replace(b"c2pa\x00", b"zzzz\x00", 1))
    data = mini_jpeg(foreign)
    assert used_instances(data) == {DEFAULT_INSTANCE}
    assert free_instance(data) == 1
    out = insert_c2pa_store(data, store_jumbf(10), 20)
    loc = find_c2pa_store(out)
    assert loc is not None and loc.instance == 1 and loc.jumbf == store_jumbf(10)
    assert free_instance(mini_jpeg()) == DEFAULT_INSTANCE
