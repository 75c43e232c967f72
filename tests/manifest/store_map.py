"""Where each part of a signed JPEG lies, as file offsets, found by parsing the store.

The JUMBF store is split over APP11 packets (ISO/IEC 18477-3), so a byte at JUMBF offset ``j`` is
mapped to the file through the packets of the run: the first carries 8 header bytes (CI, En,
Z) before its piece, continuations 16 (the header plus the repeated LBox/TBox).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from fakemedia.cose import sign1
from fakemedia.formats import app11, jpeg
from fakemedia.formats.app11 import StoreLocation
from fakemedia.formats.jumbf import SuperBox
from fakemedia.manifest.store import Manifest, parse_store


def jumbf_to_file(data: bytes, loc: StoreLocation) -> list[int]:
    """File offset of every byte of ``loc.jumbf``, in order."""
    offsets: list[int] = []
    pos = loc.offset
    for z in range(1, loc.segment_count + 1):
        assert data[pos:pos + 2] == b"\xff\xeb", f"APP11 packet {z} not at {pos}"
        (le,) = struct.unpack_from(">H", data, pos + 2)
        skip = 4 + 8 + (8 if z > 1 else 0)
        offsets.extend(range(pos + skip, pos + 2 + le))
        pos += 2 + le
    assert len(offsets) == len(loc.jumbf)
    return offsets


@dataclass(frozen=True)
class Regions:
    """File offsets (lists of single-byte positions) of the parts a tamper test flips."""

    scan: list[int]
    claim: list[int]
    assertions: dict[str, list[int]]
    signature: list[int]
    certificate: list[int]
    store: list[int]


def _inside(haystack: bytes, needle: bytes, base: int = 0) -> int:
    at = haystack.find(needle, base)
    assert at >= 0, "part not found where the store says it is"
    assert haystack.find(needle, at + 1) < 0 or len(needle) < 8, "ambiguous part"
    return at


def _payload_span(jumbf_bytes: bytes, box: SuperBox, payload: bytes, base: int) -> tuple[int, int]:
    """(start, end) in the JUMBF of ``payload`` inside ``box``, the box searched from ``base``."""
    box_at = _inside(jumbf_bytes, box.to_bytes(), base)
    raw = box.to_bytes()
    start = box_at + raw.rfind(payload)
    return start, start + len(payload)


def active_manifest(data: bytes) -> tuple[StoreLocation, Manifest]:
    loc = app11.find_c2pa_store(data)
    assert loc is not None, "no C2PA store"
    store = parse_store(loc.jumbf)
    assert store.active is not None and not store.active.compressed
    return loc, store.active


def regions(data: bytes) -> Regions:
    """Scan data, claim CBOR, each assertion's content payload, the raw COSE signature value
    and the leaf certificate of the active (uncompressed) manifest."""
    loc, m = active_manifest(data)
    to_file = jumbf_to_file(data, loc)
    jb = loc.jumbf
    base = _inside(jb, m.box.to_bytes())

    def span(box: SuperBox, payload: bytes) -> list[int]:
        start, end = _payload_span(jb, box, payload, base)
        return to_file[start:end]

    claim_box = next(b for b in m.box.superboxes() if b.fourcc == "c2cl")
    sig_box = next(b for b in m.box.superboxes() if b.fourcc == "c2cs")
    assert m.claim_bytes is not None and m.signature_bytes is not None
    cose = sign1.decode_sign1(m.signature_bytes)
    sig_span = span(sig_box, m.signature_bytes)
    sig_offset = m.signature_bytes.rfind(cose.signature)
    cert_offset = _inside(m.signature_bytes, cose.x5chain[0])
    assertions = {}
    for a in m.assertions():
        payload = a.box.content_boxes()[0].payload
        assertions[a.label] = span(a.box, payload)
    layout = jpeg.parse_jpeg(data)
    scan_end = data.rfind(b"\xff\xd9")
    scan = [i for i in range(layout.scan_offset, scan_end)
            if data[i] not in (0x00, 0xFF, 0xFE) and data[i - 1] != 0xFF]
    return Regions(
        scan=scan,
        claim=span(claim_box, m.claim_bytes),
        assertions=assertions,
        signature=sig_span[sig_offset:sig_offset + len(cose.signature)],
        certificate=sig_span[cert_offset:cert_offset + len(cose.x5chain[0])],
        store=list(range(loc.offset, loc.offset + loc.length)),
    )


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    out = bytearray(data)
    out[offset] ^= mask
    return bytes(out)
