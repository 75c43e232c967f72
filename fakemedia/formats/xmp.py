"""The XMP ``dcterms:provenance`` pointer to a remote manifest (digest §10).

Only the standard XMP packet (APP1 with the ``http://ns.adobe.com/xap/1.0/`` namespace header)
is read. Like c2pa-rs, matching goes by the literal ``dcterms:`` prefix, as an attribute of
``rdf:Description`` or as an element; a full RDF parse is not needed for one property.
"""

from __future__ import annotations

import html
import re

from fakemedia.formats.jpeg import Marker, parse_jpeg

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"

_ATTRIBUTE = re.compile(rb"""dcterms:provenance\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ELEMENT = re.compile(rb"<dcterms:provenance\s*>([^<]*)</dcterms:provenance\s*>")


def xmp_packets(data: bytes) -> list[bytes]:
    """The standard XMP packets in the JPEG header, in file order."""
    return [
        seg.payload[len(XMP_HEADER) :]
        for seg in parse_jpeg(data).segments
        if seg.marker == Marker.APP1 and seg.payload.startswith(XMP_HEADER)
    ]


def provenance(data: bytes) -> str | None:
    """The raw ``dcterms:provenance`` value of the first XMP packet carrying one."""
    for packet in xmp_packets(data):
        match = _ATTRIBUTE.search(packet) or _ELEMENT.search(packet)
        if match:
            value = next(g for g in match.groups() if g is not None)
            text = html.unescape(value.decode("utf-8", errors="replace")).strip()
            if text:
                return text
    return None


def provenance_url(data: bytes) -> str | None:
    """The remote-manifest URL, or None. ``self#jumbf=`` values point inside the file (§3.2)
    and are left over by editors after a store is stripped (no_manifest.jpg has one), so they
    are not a remote manifest."""
    value = provenance(data)
    if value is None or value.startswith("self#"):
        return None
    return value
