"""XMP dcterms:provenance lookup (C2PA 2.2 §11.5)."""

from __future__ import annotations

import struct

import pytest

from fakemedia.formats.xmp import XMP_HEADER, provenance, provenance_url, xmp_packets

from .helpers import fixture_bytes, mini_jpeg


def _app1(packet: bytes) -> bytes:
    body = XMP_HEADER + packet
    return struct.pack(">HH", 0xFFE1, len(body) + 2) + body


def test_cloud_fixture() -> None:
    url = provenance_url(fixture_bytes("c2pa-rs/cloud.jpg"))
    assert url is not None
    assert url.startswith("https://cai-manifests.adobe.com/manifests/adobe-urn-uuid-")


def test_no_manifest_fixture() -> None:
    data = fixture_bytes("c2pa-rs/no_manifest.jpg")
    # Its XMP keeps a stale internal reference, which is not a remote manifest.
    assert (provenance(data) or "").startswith("self#jumbf=/c2pa/adobe:urn:uuid:")
    assert provenance_url(data) is None


@pytest.mark.parametrize(
    "packet",
    [
        b'<rdf:Description dcterms:provenance="https://x.test/m?a=1&amp;b=2"/>',
        b"<rdf:Description dcterms:provenance = 'https://x.test/m?a=1&amp;b=2'/>",
        b"<dcterms:provenance>https://x.test/m?a=1&amp;b=2</dcterms:provenance>",
    ],
)
def test_forms(packet: bytes) -> None:
    assert provenance_url(mini_jpeg(_app1(packet))) == "https://x.test/m?a=1&b=2"


def test_absent_and_non_xmp_app1() -> None:
    exif = struct.pack(">HH", 0xFFE1, 8) + b"Exif\x00\x00"
    data = mini_jpeg(exif, _app1(b"<x:xmpmeta/>"))
    assert len(xmp_packets(data)) == 1
    assert provenance(data) is None and provenance_url(data) is None
