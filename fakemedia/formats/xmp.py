"""The XMP ``dcterms:provenance`` pointer to a remote manifest (C2PA 2.2 §11.5).

Only the standard XMP packet (APP1 with the ``http://ns.adobe.com/xap/1.0/`` namespace header)
is read. Like c2pa-rs, matching goes by the literal ``dcterms:`` prefix, as an attribute of
``rdf:Description`` or as an element; a full RDF parse is not needed for one property.
"""

from __future__ import annotations

import re

from fakemedia.errors import InvalidRequest
from fakemedia.formats.jpeg import JpegLayout, Marker, parse_jpeg

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"

_ATTRIBUTE = re.compile(rb"""dcterms:provenance\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ELEMENT = re.compile(rb"<dcterms:provenance\s*>([^<]*)</dcterms:provenance\s*>")


def xmp_packets(data: bytes, layout: JpegLayout | None = None) -> list[bytes]:
    """The standard XMP packets in the JPEG header, in file order (``layout``: ``data``'s
    header walk, when the caller has it)."""
    return [
        seg.payload[len(XMP_HEADER) :]
        for seg in (layout or parse_jpeg(data)).segments
        if seg.marker == Marker.APP1 and seg.payload.startswith(XMP_HEADER)
    ]


def provenance(data: bytes, layout: JpegLayout | None = None) -> str | None:
    """The raw ``dcterms:provenance`` value of the first XMP packet carrying one."""
    for packet in xmp_packets(data, layout):
        match = _ATTRIBUTE.search(packet) or _ELEMENT.search(packet)
        if match:
            import html  # its entity table only when a provenance value is there

            value = next(g for g in match.groups() if g is not None)
            text = html.unescape(value.decode("utf-8", errors="replace")).strip()
            if text:
                return text
    return None


def provenance_url(data: bytes, layout: JpegLayout | None = None) -> str | None:
    """The remote-manifest URL, or None. ``self#jumbf=`` values point inside the file (C2PA 2.2 §8.4)
    and are left over by editors after a store is stripped (no_manifest.jpg has one), so they
    are not a remote manifest."""
    value = provenance(data, layout)
    if value is None or value.startswith("self#"):
        return None
    return value


# --- writing the reference (C2PA 2.1 §11.3.2) ---------------------------------------------------

DCTERMS_NS = "http://purl.org/dc/terms/"
#: An APP1 segment carries at most 65533 payload bytes (Le counts itself).
_MAX_APP1_PAYLOAD = 0xFFFF - 2
_DESCRIPTION = re.compile(rb"<rdf:Description\b")
_RDF_CLOSE = re.compile(rb"</rdf:RDF\s*>")
_EMPTY_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta>'
    b'<?xpacket end="w"?>'
)


def set_provenance(data: bytes, url: str) -> bytes:
    """The JPEG with ``dcterms:provenance`` set to ``url`` in its standard XMP packet: an
    existing value is replaced, a packet without one gains the attribute, a file without XMP
    gains a packet (after its JFIF/Exif segments). Nothing else in the file changes."""
    if not url or any(c in url for c in "\x00\r\n"):
        raise InvalidRequest("the provenance reference must be one line of text")
    import html

    value = html.escape(url, quote=True).encode("utf-8")
    found = _first_xmp_segment(data)
    if found is None:
        from fakemedia.formats.app11 import default_insert_offset

        packet = _add_reference(_EMPTY_PACKET, value)
        offset = default_insert_offset(data)
        return data[:offset] + _app1(packet) + data[offset:]
    start, end, packet = found
    return data[:start] + _app1(_with_reference(packet, value)) + data[end:]


def remove_provenance(data: bytes) -> bytes:
    """The JPEG without a ``dcterms:provenance`` property in its XMP (unchanged when none)."""
    found = _first_xmp_segment(data)
    if found is None or provenance(data) is None:
        return data
    start, end, packet = found
    packet = _ATTRIBUTE.sub(b"", packet, count=1)
    packet = _ELEMENT.sub(b"", packet, count=1)
    return data[:start] + _app1(packet) + data[end:]


def _first_xmp_segment(data: bytes) -> tuple[int, int, bytes] | None:
    for seg in parse_jpeg(data).segments:
        if seg.marker == Marker.APP1 and seg.payload.startswith(XMP_HEADER):
            return seg.offset, seg.offset + len(seg.raw), seg.payload[len(XMP_HEADER):]
    return None


def _with_reference(packet: bytes, value: bytes) -> bytes:
    if _ATTRIBUTE.search(packet):
        return _ATTRIBUTE.sub(lambda _m: b'dcterms:provenance="' + value + b'"', packet, count=1)
    if _ELEMENT.search(packet):
        return _ELEMENT.sub(lambda _m: b"<dcterms:provenance>" + value + b"</dcterms:provenance>",
                            packet, count=1)
    return _add_reference(packet, value)


def _add_reference(packet: bytes, value: bytes) -> bytes:
    namespace = b"" if b'xmlns:dcterms="' in packet else (
        b' xmlns:dcterms="' + DCTERMS_NS.encode() + b'"')
    attribute = namespace + b' dcterms:provenance="' + value + b'"'
    match = _DESCRIPTION.search(packet)
    if match:
        return packet[:match.end()] + attribute + packet[match.end():]
    close = _RDF_CLOSE.search(packet)
    if close is None:
        raise InvalidRequest("the XMP packet has no rdf:RDF element to hold the reference")
    description = b'<rdf:Description rdf:about=""' + attribute + b"/>"
    return packet[:close.start()] + description + packet[close.start():]


def _app1(packet: bytes) -> bytes:
    payload = XMP_HEADER + packet
    if len(payload) > _MAX_APP1_PAYLOAD:
        raise InvalidRequest("the XMP packet would exceed one APP1 segment")
    return bytes([0xFF, Marker.APP1]) + (len(payload) + 2).to_bytes(2, "big") + payload
