"""JPEG segment walker: structure, fill bytes, standalone markers and hostile lengths."""

from __future__ import annotations

import pytest

from fakemedia import limits
from fakemedia.errors import LimitExceeded, MalformedSegment, TruncatedData, UnsupportedFormat
from fakemedia.formats.jpeg import MARKERS, Marker, iter_segments, parse_jpeg

from .helpers import APP0, SCAN, SOF0, SOI, SOS, mini_jpeg


def _joined(data: bytes) -> bytes:
    layout = parse_jpeg(data)
    return b"".join(s.raw for s in layout.segments) + data[layout.scan_offset :]


def test_mini_layout() -> None:
    data = mini_jpeg()
    layout = parse_jpeg(data)
    assert [s.marker for s in layout.segments] == [Marker.SOI, Marker.APP0, Marker.SOF0, Marker.SOS]
    assert [s.offset for s in layout.segments] == [0, 2, 20, 33]
    assert layout.scan_offset == len(data) - len(SCAN)
    app0 = layout.segments[1]
    assert app0.length == 16 and app0.payload == APP0[4:]
    assert _joined(data) == data


def test_marker_table() -> None:
    assert MARKERS[Marker.SOI].has_length is False
    assert MARKERS[Marker.TEM].has_length is False
    assert all(not MARKERS[0xD0 + i].has_length for i in range(8))
    assert MARKERS[Marker.APP11].has_length and MARKERS[Marker.APP11].name == "APP11"
    assert MARKERS[0xF3].name == "JPG3"


def test_fill_bytes_and_standalone_markers() -> None:
    # Two fill bytes before APP0, then a stray RST3 and TEM before SOF0: all kept verbatim.
    data = SOI + b"\xff\xff" + APP0 + b"\xff\xd3\xff\x01" + SOF0 + SOS + SCAN
    layout = parse_jpeg(data)
    app0 = layout.segments[1]
    assert app0.raw == b"\xff\xff" + APP0
    assert (app0.offset, app0.marker_offset, app0.fill) == (2, 4, 2)
    assert app0.length == 16 and app0.payload == APP0[4:]
    rst, tem = layout.segments[2], layout.segments[3]
    assert (rst.marker, rst.raw, rst.length, rst.payload) == (0xD3, b"\xff\xd3", 0, b"")
    assert tem.marker == Marker.TEM
    assert _joined(data) == data


def test_stops_after_sos() -> None:
    # Marker-like bytes inside the scan data are not parsed.
    data = mini_jpeg() + b"\xff\x00garbage"
    assert list(iter_segments(data))[-1].marker == Marker.SOS


@pytest.mark.parametrize("data", [b"", b"\xff", b"GIF89a", b"\xff\xd9\xff\xd8"])
def test_not_a_jpeg(data: bytes) -> None:
    with pytest.raises(UnsupportedFormat, match="not a JPEG"):
        parse_jpeg(data)


def test_truncated_everywhere() -> None:
    data = mini_jpeg()
    sos_end = len(data) - len(SCAN)
    for cut in range(2, sos_end):
        with pytest.raises(TruncatedData):
            parse_jpeg(data[:cut])


def test_lying_length() -> None:
    data = SOI + bytes.fromhex("FFE1 FFFF") + b"short"
    with pytest.raises(TruncatedData, match="offset 2 claims 65535"):
        parse_jpeg(data)


def test_length_below_two() -> None:
    with pytest.raises(MalformedSegment, match="length 1"):
        parse_jpeg(SOI + bytes.fromhex("FFE1 0001") + SOF0 + SOS)


@pytest.mark.parametrize("junk", [b"\x00\x00", b"AB", b"\xff\x00", b"\xff\xd8"])
def test_garbage_instead_of_marker(junk: bytes) -> None:
    with pytest.raises(MalformedSegment, match="offset 20"):
        parse_jpeg(SOI + APP0 + junk + SOF0 + SOS + SCAN)


def test_no_sos() -> None:
    with pytest.raises(TruncatedData, match="no SOS"):
        parse_jpeg(SOI + APP0 + b"\xff\xd9")


def test_segment_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SEGMENTS", 10)
    com = bytes.fromhex("FFFE 0003 00")
    parse_jpeg(SOI + com * 7 + SOS)  # 9 segments: fine
    with pytest.raises(LimitExceeded, match="more than 10"):
        parse_jpeg(SOI + com * 20 + SOS)


def test_file_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = mini_jpeg()
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(LimitExceeded, match="exceeds"):
        parse_jpeg(data)


def test_check_complete_refuses_scan_data_without_eoi() -> None:
    from fakemedia.errors import TruncatedData
    from fakemedia.formats.jpeg import check_complete

    whole = mini_jpeg()
    check_complete(whole)  # complete: no error
    with pytest.raises(TruncatedData, match="without its EOI"):
        check_complete(whole[:-2])
