"""JUMBF box model: round trips, description-box rules and hostile box structures."""

from __future__ import annotations

import struct
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakemedia import limits
from fakemedia.errors import FormatError, LimitExceeded, MalformedBox, TruncatedData
from fakemedia.formats.jumbf import (
    C2PA_UUIDS,
    CODESTREAM_UUID,
    EMBEDDED_FILE_UUID,
    REDACTION_UUID,
    ContentBox,
    DescriptionBox,
    SuperBox,
    box_header,
    c2pa_uuid,
    fourcc_of,
    parse_boxes,
    parse_superbox,
    salt_box,
)

CBOR_UUID = c2pa_uuid("cbor")


def _jumd(label: bytes = b"x\x00", toggles: int = 0x03, uuid: bytes = CBOR_UUID) -> bytes:
    payload = uuid + bytes([toggles]) + label
    return struct.pack(">I4s", 8 + len(payload), b"jumd") + payload


def _jumb(*children: bytes) -> bytes:
    body = b"".join(children)
    return struct.pack(">I4s", 8 + len(body), b"jumb") + body


# --- tables ----------------------------------------------------------------------------------


def test_uuid_tables() -> None:
    assert c2pa_uuid("c2pa").hex() == "63327061001100108000" "00aa00389b71"
    assert c2pa_uuid("c2cs").hex().startswith("63326373")
    assert set(C2PA_UUIDS) == set(
        "c2pa c2ma c2um c2cm c2md c2tm c2as c2cl c2cs c2vc c2db cbor json uuid".split()
    )
    assert all(fourcc_of(u) == cc for cc, u in C2PA_UUIDS.items())
    assert fourcc_of(EMBEDDED_FILE_UUID) is None and fourcc_of(b"short") is None
    assert EMBEDDED_FILE_UUID.hex().startswith("40cb0c32")
    assert CODESTREAM_UUID.hex().startswith("6579d6fb")
    assert REDACTION_UUID.hex().startswith("caa98eee")
    with pytest.raises(KeyError):
        c2pa_uuid("nope")


# --- property round trips --------------------------------------------------------------------

_labels = st.none() | st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)
_descriptions = st.builds(
    DescriptionBox,
    uuid=st.sampled_from([*C2PA_UUIDS.values(), EMBEDDED_FILE_UUID])
    | st.binary(min_size=16, max_size=16),
    label=_labels,
    toggles=st.integers(0, 255),
    box_id=st.none() | st.integers(0, 2**32 - 1),
    signature=st.none() | st.binary(min_size=32, max_size=32),
    private=st.none() | st.binary(min_size=16, max_size=32).map(salt_box),
)
_content = st.builds(
    ContentBox,
    box_type=st.sampled_from([b"cbor", b"json", b"uuid", b"bfdb", b"bidb", b"free", b"zz\x00!"]),
    payload=st.binary(max_size=40),
)
_trees = st.recursive(
    st.builds(SuperBox, _descriptions, st.lists(_content, max_size=3)),
    lambda kids: st.builds(SuperBox, _descriptions, st.lists(kids | _content, max_size=3)),
    max_leaves=12,
)


def _shape(box: SuperBox | ContentBox) -> object:
    if isinstance(box, ContentBox):
        return (box.box_type, box.payload)
    d = box.description
    desc = (d.uuid, d.label, d.effective_toggles, d.box_id, d.signature, d.private)
    return (desc, [_shape(c) for c in box.children])


@settings(max_examples=150, deadline=None)
@given(_trees)
def test_superbox_round_trip(tree: SuperBox) -> None:
    data = tree.to_bytes()
    parsed = parse_superbox(data)
    assert parsed.to_bytes() == data
    assert parsed.hash_input() == data[8:] == tree.hash_input()
    assert _shape(parsed) == _shape(tree)
    # Every child superbox's raw is the exact slice of its own bytes.
    for child in parsed.superboxes():
        assert child.raw is not None and child.raw in data
        child.raw = None
    assert parsed.to_bytes() == data  # raw unchanged at the top level
    parsed.raw = None
    assert parsed.to_bytes() == data  # and re-serialised from the model too


@settings(max_examples=100, deadline=None)
@given(_descriptions)
def test_description_round_trip(desc: DescriptionBox) -> None:
    raw = desc.to_bytes()
    back = DescriptionBox.parse(raw[8:])
    assert back.to_bytes() == raw
    assert back.toggles == desc.effective_toggles
    assert (back.label, back.box_id, back.signature, back.private) == (
        desc.label,
        desc.box_id,
        desc.signature,
        desc.private,
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(_content, max_size=5))
def test_content_sequence_round_trip(boxes: list[ContentBox]) -> None:
    data = b"".join(b.to_bytes() for b in boxes)
    assert parse_boxes(data) == boxes


# --- description box -------------------------------------------------------------------------


def test_toggles_follow_fields() -> None:
    assert DescriptionBox(CBOR_UUID, None).effective_toggles == 0x01
    assert DescriptionBox(CBOR_UUID, "a", toggles=0x00).effective_toggles == 0x02
    salted = DescriptionBox(CBOR_UUID, "a", private=salt_box(bytes(32)))
    assert salted.effective_toggles == 0x13 and salted.salt == bytes(32)
    assert DescriptionBox(CBOR_UUID, "a", box_id=7).to_bytes()[24] == 0x07


def test_description_build_errors() -> None:
    with pytest.raises(ValueError, match="NUL"):
        DescriptionBox(CBOR_UUID, "a\x00b").to_bytes()
    with pytest.raises(ValueError, match="16 bytes"):
        DescriptionBox(b"short", "a").to_bytes()
    with pytest.raises(ValueError, match="shorter than 16"):
        salt_box(bytes(8))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (CBOR_UUID[:10], "needs at least 17"),
        (CBOR_UUID + b"\x03abc", "not NUL-terminated"),
        (CBOR_UUID + b"\x03\xff\xfe\x00", "not UTF-8"),
        (CBOR_UUID + b"\x03a\x00extra", "5 bytes beyond"),
        (CBOR_UUID + b"\x01junk", "4 bytes beyond"),
        (CBOR_UUID + b"\x07a\x00\x00\x01", "ID at offset"),
        (CBOR_UUID + b"\x0ba\x00" + bytes(31), "signature at offset"),
        (CBOR_UUID + b"\x13a\x00\x00\x00\x00\x20c2sh" + bytes(4), "private box"),
        (CBOR_UUID + b"\x13a\x00\x00\x00\x00\x02c2sh", "< its 8-byte header"),
    ],
)
def test_description_parse_errors(payload: bytes, message: str) -> None:
    with pytest.raises(MalformedBox, match=message):
        DescriptionBox.parse(payload)


# --- superbox navigation ---------------------------------------------------------------------


def test_find_and_accessors() -> None:
    a = SuperBox(DescriptionBox(c2pa_uuid("cbor"), "a"), [ContentBox(b"cbor", b"\xa0")])
    b = SuperBox(DescriptionBox(c2pa_uuid("json"), "b"), [ContentBox(b"json", b"{}")])
    store_desc = DescriptionBox(c2pa_uuid("c2as"), "c2pa.assertions")
    top = SuperBox(store_desc, [a, ContentBox(b"free", b""), b])
    parsed = parse_superbox(top.to_bytes())
    assert parsed.fourcc == "c2as" and parsed.uuid == c2pa_uuid("c2as")
    assert [s.label for s in parsed.superboxes()] == ["a", "b"]
    assert [c.box_type for c in parsed.content_boxes()] == [b"free"]
    found = parsed.find("b")
    assert found is not None and found.content_boxes()[0].payload == b"{}"
    assert parsed.find("c") is None
    assert parsed.resolve("") is parsed and parsed.resolve("a") is parsed.find("a")


def test_xlbox_header() -> None:
    assert box_header(b"free", 10) == b"\x00\x00\x00\x12free"
    assert box_header(b"free", 2**32) == b"\x00\x00\x00\x01free" + (2**32 + 16).to_bytes(8, "big")
    # A box written with an XLBox header parses, and hash_input skips all 16 header bytes.
    body = _jumd(b"c2pa\x00", uuid=c2pa_uuid("c2pa"))
    data = struct.pack(">I4sQ", 1, b"jumb", 16 + len(body)) + body
    box = parse_superbox(data)
    assert box.header_size == 16 and box.hash_input() == body and box.label == "c2pa"


# --- hostile structures ----------------------------------------------------------------------


def test_deep_nesting_fails_fast() -> None:
    # 10 000 nested superboxes, built inside out without recursion.
    jumd = _jumd()
    data = b""
    for _ in range(10_000):
        data = _jumb(jumd, data)
    start = time.perf_counter()
    with pytest.raises(LimitExceeded, match="nesting deeper than"):
        parse_superbox(data)
    assert time.perf_counter() - start < 1.0


def test_depth_limit_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b""
    for _ in range(limits.MAX_BOX_DEPTH):
        data = _jumb(_jumd(), data)
    assert parse_superbox(data).label == "x"
    with pytest.raises(LimitExceeded):
        parse_superbox(_jumb(_jumd(), data))
    with pytest.raises(LimitExceeded):
        parse_boxes(data, depth=1)


def test_box_count_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_BOXES", 50)
    free = box_header(b"free", 0)
    parse_superbox(_jumb(_jumd(), free * 48))
    with pytest.raises(LimitExceeded, match="more than 50 JUMBF boxes"):
        parse_superbox(_jumb(_jumd(), free * 49))


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        # 4 GB LBox on a 40-byte buffer: refused at once, nothing allocated.
        (b"\xff\xff\xff\xffjumb" + bytes(32), TruncatedData, "claims 4294967295"),
        (struct.pack(">I4sQ", 1, b"jumb", 2**62) + bytes(32), TruncatedData, "claims"),
        (struct.pack(">I4sQ", 1, b"jumb", 8), MalformedBox, "< its 16-byte header"),
        (b"\x00\x00\x00\x01jumb\x00", TruncatedData, "XLBox"),
        (b"\x00\x00\x00\x00jumb", MalformedBox, "LBox 0"),
        (b"\x00\x00\x00\x04jumb", MalformedBox, "< its 8-byte header"),
        (b"\x00\x00\x00\x08jumb", MalformedBox, "no description box"),
        (b"\x00\x00\x00", TruncatedData, "needs 8 bytes"),
        (_jumb(box_header(b"cbor", 0), _jumd()), MalformedBox, "not 'jumd'"),
        (_jumb(_jumd()) + b"x", MalformedBox, "1 bytes follow"),
        (box_header(b"free", 0), MalformedBox, "expected a 'jumb'"),
        (_jumb(_jumd(), b"\x00\x00\x00\x10cbor"), TruncatedData, "claims 16 bytes, 8 left"),
    ],
)
def test_bad_boxes(data: bytes, error: type[FormatError], message: str) -> None:
    start = time.perf_counter()
    with pytest.raises(error, match=message):
        parse_superbox(data)
    assert time.perf_counter() - start < 0.5


def test_lying_child_inside_parent() -> None:
    # A child that fits the file but not its parent is caught at the parent boundary.
    inner = _jumb(_jumd(), box_header(b"cbor", 100))
    with pytest.raises(TruncatedData, match="offset 70 claims 108"):
        parse_superbox(_jumb(_jumd(), inner + bytes(100)))
