"""Writing the XMP dcterms:provenance reference (C2PA 2.1 §11.3.2)."""

from __future__ import annotations

import pytest

from fakemedia.errors import InvalidRequest
from fakemedia.formats import jpeg, xmp
from tests.conftest import make_jpeg

URL = "https://example.com/m.c2pa?a=1&b=2"


def test_added_to_an_existing_packet_keeping_its_content() -> None:
    data = make_jpeg()
    out = xmp.set_provenance(data, URL)
    assert xmp.provenance_url(out) == URL
    assert b"<dc:creator>fakemedia tests</dc:creator>" in xmp.xmp_packets(out)[0]
    assert len(xmp.xmp_packets(out)) == 1
    jpeg.parse_jpeg(out)
    assert jpeg.parse_jpeg(out).segments[-1].raw == jpeg.parse_jpeg(data).segments[-1].raw


def test_new_packet_when_there_is_none_and_replacement() -> None:
    data = make_jpeg(metadata=False)
    out = xmp.set_provenance(data, URL)
    assert xmp.provenance_url(out) == URL
    again = xmp.set_provenance(out, "https://example.com/other")
    assert xmp.provenance_url(again) == "https://example.com/other"
    assert xmp.xmp_packets(again)[0].count(b"dcterms:provenance") == 1


def test_element_form_replaced_and_removed() -> None:
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/">'
              b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description xmlns:dcterms="http://purl.org/dc/terms/">'
              b"<dcterms:provenance>https://old.example/x</dcterms:provenance></rdf:Description></rdf:RDF></x:xmpmeta>")
    data = make_jpeg(metadata=False)
    length = (len(xmp.XMP_HEADER) + len(packet) + 2).to_bytes(2, "big")
    segment = b"\xff\xe1" + length + xmp.XMP_HEADER + packet
    with_element = data[:2] + segment + data[2:]
    assert xmp.provenance_url(with_element) == "https://old.example/x"
    assert xmp.provenance_url(xmp.set_provenance(with_element, URL)) == URL
    removed = xmp.remove_provenance(with_element)
    assert xmp.provenance(removed) is None and xmp.remove_provenance(removed) == removed


def test_bad_reference_refused() -> None:
    with pytest.raises(InvalidRequest):
        xmp.set_provenance(make_jpeg(), "two\nlines")
