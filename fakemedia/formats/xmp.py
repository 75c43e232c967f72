"""XMP packets in JPEG APP1: only what C2PA needs, the remote-manifest reference (c2pa-digest §10).

A JPEG with no embedded store may point at an external manifest through ``dcterms:provenance``
in its XMP. We only find the URL; nothing is ever fetched.
"""

from __future__ import annotations

import re

from fakemedia.formats.jpeg import Marker, iter_segments

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
# Attribute form (what c2pa-rs writes) or element form.
_PROVENANCE = re.compile(
    rb'dcterms:provenance\s*=\s*["\']([^"\']{1,2048})["\']'
    rb"|<dcterms:provenance>\s*([^<]{1,2048}?)\s*</dcterms:provenance>")


def xmp_packets(data: bytes) -> list[bytes]:
    """The XMP packets of a JPEG (standard APP1 XMP only)."""
    return [seg.payload[len(XMP_HEADER):] for seg in iter_segments(data)
            if seg.marker == Marker.APP1 and seg.payload.startswith(XMP_HEADER)]


def provenance_url(data: bytes) -> str | None:
    """The external manifest URL from XMP ``dcterms:provenance``, if any."""
    for packet in xmp_packets(data):
        match = _PROVENANCE.search(packet)
        if match:
            raw = match.group(1) or match.group(2)
            return raw.decode("utf-8", "replace").strip()
    return None
