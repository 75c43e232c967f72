"""Every shared JPEG fixture through the whole container layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakemedia.formats.app11 import (
    app11_run_length,
    find_c2pa_store,
    insert_c2pa_store,
    remove_c2pa_store,
)
from fakemedia.formats.jpeg import Marker, parse_jpeg
from fakemedia.formats.jumbf import SuperBox, parse_superbox

from .helpers import fixture_bytes, fixture_params


def _strip_raw(box: SuperBox) -> None:
    box.raw = None
    for child in box.superboxes():
        _strip_raw(child)


@pytest.mark.parametrize("path", fixture_params())
def test_fixture_layers(path: Path) -> None:
    data = path.read_bytes()
    layout = parse_jpeg(data)
    assert b"".join(s.raw for s in layout.segments) + data[layout.scan_offset :] == data
    assert layout.segments[0].marker == Marker.SOI
    assert layout.segments[-1].marker == Marker.SOS
    loc = find_c2pa_store(data)
    if loc is None:
        assert remove_c2pa_store(data) == (data, None)
        return
    assert data[loc.offset : loc.offset + 2] == b"\xff\xeb"
    assert loc.length == app11_run_length(len(loc.jumbf), piece_size=loc.piece_size)
    store = parse_superbox(loc.jumbf)
    assert store.fourcc == "c2pa" and store.label == "c2pa"
    assert store.to_bytes() == loc.jumbf
    assert all(m.fourcc in ("c2ma", "c2um") for m in store.superboxes())
    # Re-serialised from the parsed model, not from raw: still byte-identical.
    _strip_raw(store)
    assert store.to_bytes() == loc.jumbf
    # Remove + re-insert is the identity.
    stripped, offset = remove_c2pa_store(data)
    assert offset == loc.offset
    assert len(stripped) == len(data) - loc.length
    assert find_c2pa_store(stripped) is None
    back = insert_c2pa_store(
        stripped, loc.jumbf, offset, instance=loc.instance, piece_size=loc.piece_size
    )
    assert back == data


@pytest.mark.parametrize(
    ("name", "segments", "length", "offset"),
    [("c2pa-rs/C.jpg", 1, 45884, 20), ("c2pa-rs/CA.jpg", 2, 117273, 20)],
)
def test_known_store_sizes(name: str, segments: int, length: int, offset: int) -> None:
    loc = find_c2pa_store(fixture_bytes(name))
    assert loc is not None
    assert (loc.segment_count, loc.length, loc.offset) == (segments, length, offset)
    assert loc.instance == 0x0211
    assert loc.piece_size == (64000 if segments > 1 else len(loc.jumbf))


def test_no_manifest() -> None:
    assert find_c2pa_store(fixture_bytes("c2pa-rs/no_manifest.jpg")) is None


def test_ca_manifest_tree() -> None:
    loc = find_c2pa_store(fixture_bytes("c2pa-rs/CA.jpg"))
    assert loc is not None
    store = parse_superbox(loc.jumbf)
    (manifest,) = store.superboxes()
    assert manifest.fourcc == "c2ma"
    assert [c.label for c in manifest.superboxes()] == [
        "c2pa.assertions",
        "c2pa.claim",
        "c2pa.signature",
    ]
    hash_data = manifest.resolve("c2pa.assertions/c2pa.hash.data")
    assert hash_data is not None and hash_data.fourcc == "cbor"
    assert [b.box_type for b in hash_data.content_boxes()] == [b"cbor"]
    # Each child keeps its own raw bytes, found verbatim in the store.
    assert hash_data.raw is not None and hash_data.raw in loc.jumbf
