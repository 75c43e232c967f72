"""JPEG marker-segment walker (ITU-T T.81 §B.1), from SOI up to and including the SOS header.

Only the header is parsed: C2PA lives in APP11 segments that must precede the image data
(C2PA 2.2 §A.3.1), so the entropy-coded scan is carried along untouched. No length field is trusted;
every read is bounds-checked and every failure is a :class:`~fakemedia.errors.FormatError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from enum import IntEnum

from fakemedia import limits
from fakemedia._record import Frozen
from fakemedia.errors import LimitExceeded, MalformedSegment, TruncatedData, UnsupportedFormat


class Marker(IntEnum):
    """Second byte of a JPEG marker (the first is always 0xFF)."""

    TEM = 0x01
    SOF0 = 0xC0
    SOF1 = 0xC1
    SOF2 = 0xC2
    SOF3 = 0xC3
    DHT = 0xC4
    SOF5 = 0xC5
    SOF6 = 0xC6
    SOF7 = 0xC7
    JPG = 0xC8
    SOF9 = 0xC9
    SOF10 = 0xCA
    SOF11 = 0xCB
    DAC = 0xCC
    SOF13 = 0xCD
    SOF14 = 0xCE
    SOF15 = 0xCF
    RST0 = 0xD0
    RST1 = 0xD1
    RST2 = 0xD2
    RST3 = 0xD3
    RST4 = 0xD4
    RST5 = 0xD5
    RST6 = 0xD6
    RST7 = 0xD7
    SOI = 0xD8
    EOI = 0xD9
    SOS = 0xDA
    DQT = 0xDB
    DNL = 0xDC
    DRI = 0xDD
    DHP = 0xDE
    EXP = 0xDF
    APP0 = 0xE0
    APP1 = 0xE1
    APP2 = 0xE2
    APP3 = 0xE3
    APP4 = 0xE4
    APP5 = 0xE5
    APP6 = 0xE6
    APP7 = 0xE7
    APP8 = 0xE8
    APP9 = 0xE9
    APP10 = 0xEA
    APP11 = 0xEB
    APP12 = 0xEC
    APP13 = 0xED
    APP14 = 0xEE
    APP15 = 0xEF
    COM = 0xFE


class MarkerInfo(Frozen):
    __slots__ = ("has_length", "name")
    name: str
    has_length: bool

    def __init__(self, name: str, has_length: bool) -> None:
        self._init(name=name, has_length=has_length)


def _build_table() -> dict[int, MarkerInfo]:
    # T.81 Table B.1: only TEM, RSTn, SOI and EOI stand alone; every other marker (including the
    # reserved JPGn/RES ranges) is followed by a 2-byte length, so it can be skipped safely.
    table: dict[int, MarkerInfo] = {}
    for code in range(0x02, 0xFF):
        table[code] = MarkerInfo(f"RES{code:02X}", True)
    for m in Marker:
        table[m.value] = MarkerInfo(m.name, True)
    for code in range(0xF0, 0xFE):
        table[code] = MarkerInfo(f"JPG{code - 0xF0}", True)
    for m in (Marker.TEM, *(Marker(0xD0 + i) for i in range(8)), Marker.SOI, Marker.EOI):
        table[m.value] = MarkerInfo(m.name, False)
    return table


#: Marker code -> (name, has a length field). 0x00 and 0xFF are not markers.
MARKERS: dict[int, MarkerInfo] = _build_table()


def marker_name(code: int) -> str:
    info = MARKERS.get(code)
    return info.name if info else f"0x{code:02X}"


class Segment(Frozen):
    """One marker segment exactly as stored: ``data[offset:offset + len(raw)] == raw``.

    ``raw`` starts with any 0xFF fill bytes that preceded the marker (T.81 §B.1.1.2), so
    concatenating segments reproduces the file byte for byte.
    """

    __slots__ = ("marker", "offset", "raw")
    marker: int
    offset: int
    raw: bytes

    def __init__(self, marker: int, offset: int, raw: bytes) -> None:
        self._init(marker=marker, offset=offset, raw=raw)

    @property
    def fill(self) -> int:
        """Number of 0xFF fill bytes before the marker."""
        n = 0
        while self.raw[n + 1] == 0xFF:
            n += 1
        return n

    @property
    def marker_offset(self) -> int:
        """File offset of the ``FF xx`` marker itself (after fill bytes)."""
        return self.offset + self.fill

    @property
    def has_length(self) -> bool:
        return MARKERS[self.marker].has_length

    @property
    def length(self) -> int:
        """The Le field (counts itself and the payload); 0 for standalone markers."""
        if not self.has_length:
            return 0
        start = self.fill + 2
        return int.from_bytes(self.raw[start : start + 2], "big")

    @property
    def payload(self) -> bytes:
        """The bytes after the 2-byte length field (empty for standalone markers)."""
        if not self.has_length:
            return b""
        return self.raw[self.fill + 4 :]

    @property
    def end(self) -> int:
        return self.offset + len(self.raw)


def iter_segments(data: bytes) -> Iterator[Segment]:
    """Yield SOI, every marker segment, and finally the SOS segment header, then stop.

    An EOI before SOS (tables-only stream) is yielded and ends the walk.
    """
    if len(data) < 2 or data[0] != 0xFF or data[1] != Marker.SOI:
        head = bytes(data[:2]).hex() or "nothing"
        raise UnsupportedFormat(f"not a JPEG file (offset 0: {head}, expected ffd8)")
    if len(data) > limits.MAX_FILE_BYTES:
        raise LimitExceeded(f"JPEG of {len(data)} bytes exceeds {limits.MAX_FILE_BYTES}")
    yield Segment(int(Marker.SOI), 0, bytes(data[:2]))
    pos = 2
    count = 1
    size = len(data)
    while True:
        start = pos
        if pos >= size:
            raise TruncatedData(f"JPEG ends at offset {pos} before the SOS segment")
        if data[pos] != 0xFF:
            raise MalformedSegment(
                f"expected a JPEG marker at offset {pos}, found 0x{data[pos]:02X}"
            )
        # Any number of 0xFF fill bytes may precede a marker (T.81 §B.1.1.2).
        while pos + 1 < size and data[pos + 1] == 0xFF:
            pos += 1
        if pos + 1 >= size:
            raise TruncatedData(f"JPEG ends inside a marker at offset {pos}")
        code = data[pos + 1]
        if code == 0x00 or code == Marker.SOI:
            raise MalformedSegment(f"invalid marker FF{code:02X} at offset {pos}")
        count += 1
        if count > limits.MAX_SEGMENTS:
            raise LimitExceeded(f"more than {limits.MAX_SEGMENTS} JPEG segments (offset {pos})")
        if not MARKERS[code].has_length:
            end = pos + 2
        else:
            if pos + 4 > size:
                raise TruncatedData(
                    f"JPEG ends inside the length of {marker_name(code)} at offset {pos}"
                )
            (le,) = struct.unpack_from(">H", data, pos + 2)
            if le < 2:
                raise MalformedSegment(f"{marker_name(code)} at offset {pos} has length {le} < 2")
            end = pos + 2 + le
            if end > size:
                raise TruncatedData(
                    f"{marker_name(code)} at offset {pos} claims {le} bytes, "
                    f"only {size - pos - 2} left"
                )
        yield Segment(code, start, bytes(data[start:end]))
        if code in (Marker.SOS, Marker.EOI):
            return
        pos = end


class JpegLayout(Frozen):
    """Header segments (SOI .. SOS inclusive) and where the entropy-coded data starts.

    Invariant: ``b"".join(s.raw for s in segments) + data[scan_offset:] == data``.
    """

    __slots__ = ("scan_offset", "segments")
    segments: tuple[Segment, ...]
    scan_offset: int

    def __init__(self, segments: tuple[Segment, ...], scan_offset: int) -> None:
        self._init(segments=segments, scan_offset=scan_offset)


def parse_jpeg(data: bytes) -> JpegLayout:
    """Walk the JPEG header; a stream without SOS raises :class:`TruncatedData`."""
    segments = tuple(iter_segments(data))
    last = segments[-1]
    if last.marker != Marker.SOS:
        raise TruncatedData(f"no SOS segment: image data missing (EOI at offset {last.offset})")
    return JpegLayout(segments, last.end)


def check_complete(data: bytes, layout: JpegLayout | None = None) -> None:
    """Raise :class:`TruncatedData` when no EOI marker follows the scan data.

    Inside entropy-coded data every 0xFF byte is stuffed (FF 00) or a restart marker (FF D0–D7),
    so any FF D9 after the first SOS is the end of the image. Decoders often show a truncated
    file anyway; we refuse to sign one, since the signature would vouch for a damaged picture.
    """
    layout = layout or parse_jpeg(data)
    # Searched from the end: EOI normally closes the file, so the scan data is not walked.
    if data.rfind(b"\xff\xd9", layout.scan_offset) < 0:
        raise TruncatedData(f"JPEG ends at offset {len(data)} without its EOI marker (truncated?)")
