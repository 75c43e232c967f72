"""C2PA manifest stores carried in JPEG APP11 (JPEG XT, ISO/IEC 18477-3) packets; C2PA 2.2 §A.3.1.

Packet layout: ``FF EB``, Le (u16), CI ``JP``, En (u16), Z (u32), payload. The first
packet's payload is the start of the JUMBF stream; continuations first repeat the 8-byte
LBox/TBox of the top-level superbox. Detection follows c2pa-rs's JPEG reader, stricter where the spec
demands it (contiguous packets, Z from 1).
"""

from __future__ import annotations

import struct

from fakemedia import limits
from fakemedia._record import Frozen
from fakemedia.errors import LimitExceeded, MalformedBox, MalformedSegment
from fakemedia.formats.jpeg import JpegLayout, Marker, Segment, parse_jpeg

#: Le is a u16 that counts itself, so a segment carries at most 65533 content bytes.
MAX_LE = 0xFFFF
#: CI + En + Z.
_PACKET_HEADER = 8
#: Repeated top-level LBox/TBox in continuation packets.
_REPEAT = 8
#: Largest JUMBF slice per packet: first packet 65535-2-8, continuations 65535-2-8-8.
MAX_FIRST_PIECE = MAX_LE - 2 - _PACKET_HEADER
MAX_PIECE = MAX_FIRST_PIECE - _REPEAT
#: Smallest slice: a reader detects the store from content[24:28] of the first packet and needs
#: more than 28 content bytes there, i.e. at least 21 JUMBF bytes; round up.
MIN_PIECE = 32
#: c2pa-rs slices at 64000 bytes.
DEFAULT_PIECE = 64000
DEFAULT_INSTANCE = 0x0211


class StoreLocation(Frozen):
    """Where the C2PA APP11 run sits.

    ``offset`` is the first ``FF EB`` of the run, ``length`` spans through the end of its last
    segment (markers and Le included): exactly the data-hash exclusion (C2PA 2.2 §18.5.3).
    ``piece_size`` is the JUMBF bytes carried by the first packet, so the run can be rebuilt
    byte for byte with :func:`app11_segments`.
    """

    __slots__ = ("instance", "jumbf", "length", "offset", "piece_size", "segment_count")
    offset: int
    length: int
    jumbf: bytes
    segment_count: int
    instance: int
    piece_size: int

    def __init__(self, offset: int, length: int, jumbf: bytes, segment_count: int, instance: int,
                 piece_size: int = DEFAULT_PIECE) -> None:
        self._init(offset=offset, length=length, jumbf=jumbf, segment_count=segment_count, instance=instance,
                   piece_size=piece_size)


def _content(seg: Segment) -> bytes:
    return seg.payload


def _is_packet(seg: Segment) -> bool:
    # c2pa-rs only considers APP11 segments with more than 16 content bytes.
    return seg.marker == Marker.APP11 and len(seg.payload) > 16


def _starts_c2pa(content: bytes) -> bool:
    # content[24:28] is the start of the jumd type UUID: "c2pa" for a manifest store.
    return len(content) > 28 and content[24:28] == b"c2pa"


def _en_z(content: bytes) -> tuple[int, int]:
    en, z = struct.unpack_from(">HI", content, 2)
    return en, z


def _locate(data: bytes, layout: JpegLayout | None = None) -> tuple[StoreLocation, list[Segment]] | None:
    segments = (layout or parse_jpeg(data)).segments
    found: tuple[StoreLocation, list[Segment]] | None = None
    i = 0
    while i < len(segments):
        seg = segments[i]
        i += 1
        if not _is_packet(seg):
            continue
        content = _content(seg)
        en, z = _en_z(content)
        if not _starts_c2pa(content):
            if found is not None and en == found[0].instance and z > 1:
                raise MalformedSegment(
                    f"C2PA continuation packet Z={z} at offset {seg.marker_offset} "
                    "is not contiguous with its store"
                )
            continue
        if found is not None:
            raise MalformedSegment(
                f"more than one C2PA manifest store (second at offset {seg.marker_offset})"
            )
        if z != 1:
            raise MalformedSegment(
                f"C2PA store at offset {seg.marker_offset} starts with packet Z={z}, expected 1"
            )
        header = content[8:16]
        run = [seg]
        pieces = [content[8:]]
        total = len(pieces[0])
        while i < len(segments) and _is_packet(segments[i]):
            nxt = _content(segments[i])
            n_en, n_z = _en_z(nxt)
            if n_en != en:
                break
            where = segments[i].marker_offset
            if n_z != len(run) + 1:
                raise MalformedSegment(
                    f"C2PA packet at offset {where} has Z={n_z}, expected {len(run) + 1}"
                )
            if nxt[8:16] != header:
                raise MalformedSegment(
                    f"C2PA packet at offset {where} does not repeat the store's LBox/TBox"
                )
            run.append(segments[i])
            if len(run) > limits.MAX_APP11_PACKETS:
                raise LimitExceeded(f"more than {limits.MAX_APP11_PACKETS} APP11 packets")
            pieces.append(nxt[16:])
            total += len(pieces[-1])
            if total > limits.MAX_STORE_BYTES:
                raise LimitExceeded(
                    f"C2PA store at offset {seg.marker_offset} exceeds "
                    f"{limits.MAX_STORE_BYTES} bytes"
                )
            i += 1
        if total > limits.MAX_STORE_BYTES:
            raise LimitExceeded(f"C2PA store exceeds {limits.MAX_STORE_BYTES} bytes")
        start = seg.marker_offset
        loc = StoreLocation(
            offset=start,
            length=run[-1].end - start,
            jumbf=b"".join(pieces),
            segment_count=len(run),
            instance=en,
            piece_size=len(pieces[0]),
        )
        found = (loc, run)
    return found


def find_c2pa_store(data: bytes, layout: JpegLayout | None = None) -> StoreLocation | None:
    """Locate and reassemble the C2PA manifest store; None if the JPEG has none. ``layout``:
    ``data``'s header walk, when the caller has it (the header is then not walked again)."""
    found = _locate(data, layout)
    return found[0] if found else None


def remove_c2pa_store(data: bytes) -> tuple[bytes, int | None]:
    """Cut the C2PA APP11 run out (§1.4); return the new bytes and where the run was."""
    loc = find_c2pa_store(data)
    if loc is None:
        return data, None
    view = memoryview(data)
    return b"".join((view[: loc.offset], view[loc.offset + loc.length :])), loc.offset


def default_insert_offset(data: bytes, layout: JpegLayout | None = None) -> int:
    """Right after SOI and the leading APP0/APP1 run: keeps JFIF/Exif/XMP first (C2PA 2.2 §A.3.1)."""
    segments = (layout or parse_jpeg(data)).segments
    offset = segments[0].end
    for seg in segments[1:]:
        if seg.marker not in (Marker.APP0, Marker.APP1):
            break
        offset = seg.end
    return offset


def _check_piece_size(jumbf_size: int, piece_size: int) -> None:
    if jumbf_size < 8:
        raise ValueError(f"JUMBF of {jumbf_size} bytes is shorter than a box header")
    if not MIN_PIECE <= piece_size <= MAX_FIRST_PIECE:
        raise ValueError(f"piece_size {piece_size} outside {MIN_PIECE}..{MAX_FIRST_PIECE}")
    if piece_size > MAX_PIECE and jumbf_size > piece_size:
        # Continuations carry 8 more header bytes, so only a lone packet may use the maximum.
        raise ValueError(f"piece_size {piece_size} > {MAX_PIECE} needs more than one packet")


def app11_run_length(jumbf_size: int, *, piece_size: int = DEFAULT_PIECE) -> int:
    """Bytes the APP11 run occupies on disk: N + 12·k + 8·(k−1)."""
    _check_piece_size(jumbf_size, piece_size)
    k = -(-jumbf_size // piece_size)
    return jumbf_size + 12 * k + 8 * (k - 1)


def app11_segments(
    jumbf: bytes, *, instance: int = DEFAULT_INSTANCE, piece_size: int = DEFAULT_PIECE
) -> bytes:
    """Packetise one JUMBF superbox into APP11 segments (ISO/IEC 18477-3), Z counting from 1."""
    _check_piece_size(len(jumbf), piece_size)
    if not 0 <= instance <= 0xFFFF:
        raise ValueError(f"instance {instance} is not a u16")
    if jumbf[4:8] != b"jumb":
        raise MalformedBox("APP11 payload must be a JUMBF superbox (TBox 'jumb' at offset 4)")
    if len(jumbf) > limits.MAX_STORE_BYTES:
        raise LimitExceeded(f"JUMBF of {len(jumbf)} bytes exceeds {limits.MAX_STORE_BYTES}")
    k = -(-len(jumbf) // piece_size)
    if k > limits.MAX_APP11_PACKETS:
        raise LimitExceeded(f"{k} APP11 packets exceed {limits.MAX_APP11_PACKETS}")
    repeat = jumbf[:8]
    out = bytearray()
    for z in range(1, k + 1):
        piece = jumbf[(z - 1) * piece_size : z * piece_size]
        extra = b"" if z == 1 else repeat
        le = 2 + _PACKET_HEADER + len(extra) + len(piece)
        out += struct.pack(">BBH2sHI", 0xFF, Marker.APP11, le, b"JP", instance, z)
        out += extra
        out += piece
    return bytes(out)


def used_instances(data: bytes, layout: JpegLayout | None = None) -> set[int]:
    """En values of the APP11 JUMBF packets already in ``data``."""
    return {_en_z(seg.payload)[0] for seg in (layout or parse_jpeg(data)).segments if _is_packet(seg)}


def free_instance(data: bytes, preferred: int = DEFAULT_INSTANCE,
                  layout: JpegLayout | None = None) -> int:
    """``preferred`` when no other APP11 JUMBF box uses it, else the lowest free En from 1:
    each JUMBF box in a file needs its own (ISO/IEC 18477-3)."""
    used = used_instances(data, layout)
    if preferred not in used:
        return preferred
    # At most MAX_SEGMENTS packets exist, so a free value is always found.
    return next(en for en in range(1, 0x10000) if en not in used)


def insert_c2pa_store(
    data: bytes,
    jumbf: bytes,
    offset: int,
    *,
    instance: int | None = None,
    piece_size: int = DEFAULT_PIECE,
) -> bytes:
    """Insert ``jumbf`` as APP11 packets at ``offset``, a segment boundary before SOS.

    Refuses a file that already carries a store (remove it first). ``instance`` None picks
    a free En (:func:`free_instance`); an explicit one already used by another APP11 JUMBF box
    is refused.
    """
    layout = parse_jpeg(data)
    boundaries = {seg.offset for seg in layout.segments[1:]}
    if offset not in boundaries:
        raise ValueError(f"offset {offset} is not a segment boundary between SOI and SOS")
    if find_c2pa_store(data, layout) is not None:
        raise MalformedSegment("file already has a C2PA manifest store; remove it first")
    if instance is None:
        instance = free_instance(data, layout=layout)
    elif instance in used_instances(data, layout):
        raise ValueError(f"APP11 instance 0x{instance:04X} is already used by another JUMBF box")
    view = memoryview(data)  # one copy of the image, not three
    return b"".join((view[:offset], app11_segments(jumbf, instance=instance, piece_size=piece_size),
                     view[offset:]))
