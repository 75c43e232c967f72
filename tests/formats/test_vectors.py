"""Hand-written spec vectors (ISO/IEC 18477-3, ISO/IEC 19566-5, C2PA 2.2 §11.1), one comment per field."""

from __future__ import annotations

import hashlib

from fakemedia.formats.app11 import app11_segments, find_c2pa_store
from fakemedia.formats.jpeg import Marker, parse_jpeg
from fakemedia.formats.jumbf import (
    ContentBox,
    DescriptionBox,
    SuperBox,
    c2pa_uuid,
    parse_superbox,
    salt_box,
)

from .helpers import mini_jpeg

C2PA_TAIL = "0011 0010 8000 00AA 0038 9B71"

# A minimal manifest store: a jumb containing only its jumd (ISO/IEC 19566-5; C2PA 2.2 §11.1).
STORE_HEX = (
    "0000 0026 6A756D62"  # LBox 38, TBox 'jumb'
    "0000 001E 6A756D64"  # LBox 30 = 8 + 16 + 1 + 5, TBox 'jumd'
    f"63327061 {C2PA_TAIL}"  # type UUID: c2pa (manifest store)
    "03"  # toggles: requestable | label present
    "63327061 00"  # label "c2pa" + NUL
)
STORE = bytes.fromhex(STORE_HEX)

# The same store in one APP11 packet (ISO/IEC 18477-3).
APP11_HEX = (
    "FFEB"  # marker APP11
    "0030"  # Le = 2 (Le) + 8 (CI/En/Z) + 38 (JUMBF) = 48
    "4A50"  # CI 'JP'
    "0211"  # En: box instance 0x0211 (what c2pa-rs writes)
    "00000001"  # Z: first packet
    + STORE_HEX  # payload: the JUMBF stream from its first byte
)

# A jumd for a salted CBOR assertion (ISO/IEC 19566-5; C2PA 2.2 §11.1).
SALTED_JUMD_HEX = (
    "0000 0041 6A756D64"  # LBox 65, TBox 'jumd'
    f"63626F72 {C2PA_TAIL}"  # type UUID: cbor assertion
    "13"  # toggles: requestable | label | private box
    "63 32 70 61 2E 61 63 74 69 6F 6E 73 2E 76 32 00"  # "c2pa.actions.v2" + NUL
    "0000 0018 63327368"  # private box: LBox 24, TBox 'c2sh'
    "000102030405060708090A0B0C0D0E0F"  # 16-byte salt
)


def test_app11_packet_vector() -> None:
    assert len(STORE) == 0x26
    seg = bytes.fromhex(APP11_HEX)
    assert app11_segments(STORE) == seg
    data = mini_jpeg(seg)
    layout = parse_jpeg(data)
    app11 = [s for s in layout.segments if s.marker == Marker.APP11]
    assert len(app11) == 1
    assert app11[0].length == 0x30
    assert app11[0].payload == seg[4:]
    loc = find_c2pa_store(data)
    assert loc is not None
    assert (loc.offset, loc.length, loc.segment_count, loc.instance) == (20, 50, 1, 0x0211)
    assert loc.jumbf == STORE


def test_salted_jumd_vector() -> None:
    raw = bytes.fromhex(SALTED_JUMD_HEX)
    desc = DescriptionBox.parse(raw[8:])
    assert desc.uuid == c2pa_uuid("cbor")
    assert desc.label == "c2pa.actions.v2"
    assert desc.toggles == 0x13
    assert desc.box_id is None and desc.signature is None
    assert desc.salt == bytes(range(16))
    assert desc.private == salt_box(bytes(range(16)))
    assert desc.to_bytes() == raw
    built = DescriptionBox(c2pa_uuid("cbor"), "c2pa.actions.v2", private=salt_box(bytes(range(16))))
    assert built.to_bytes() == raw


def test_tiny_store_vector() -> None:
    store = parse_superbox(STORE)
    assert store.fourcc == "c2pa" and store.label == "c2pa"
    assert store.children == []
    assert store.hash_input() == STORE[8:]
    assert SuperBox(DescriptionBox(c2pa_uuid("c2pa"), "c2pa")).to_bytes() == STORE


def test_nested_store_vector() -> None:
    # store > manifest > assertion store > cbor assertion {} (C2PA 2.2 §11.1), built then parsed.
    assertion = SuperBox(
        DescriptionBox(c2pa_uuid("cbor"), "c2pa.hash.data"), [ContentBox(b"cbor", b"\xa0")]
    )
    assertions = SuperBox(DescriptionBox(c2pa_uuid("c2as"), "c2pa.assertions"), [assertion])
    manifest = SuperBox(DescriptionBox(c2pa_uuid("c2ma"), "urn:c2pa:1234"), [assertions])
    data = SuperBox(DescriptionBox(c2pa_uuid("c2pa"), "c2pa"), [manifest]).to_bytes()
    # The innermost box: jumb header, jumd (8+16+1+15), cbor box (8+1).
    inner = bytes.fromhex(
        "0000 0039 6A756D62"  # LBox 57 'jumb'
        f"0000 0028 6A756D64 63626F72 {C2PA_TAIL} 03"  # jumd, cbor UUID, toggles 03
        "63 32 70 61 2E 68 61 73 68 2E 64 61 74 61 00"  # "c2pa.hash.data" + NUL
        "0000 0009 63626F72 A0"  # cbor box holding {}
    )
    assert data.endswith(inner)
    store = parse_superbox(data)
    found = store.resolve("urn:c2pa:1234/c2pa.assertions/c2pa.hash.data")
    assert found is not None and found.raw == inner
    assert hashlib.sha256(found.hash_input()).digest() == hashlib.sha256(inner[8:]).digest()
    assert store.resolve("/c2pa/urn:c2pa:1234/c2pa.assertions") is not None
    assert store.resolve("/other/urn:c2pa:1234") is None
    assert store.resolve("urn:c2pa:1234/../urn:c2pa:1234") is None
    assert store.resolve("urn:c2pa:1234/missing") is None
