"""A small, strict DER reader (ITU-T X.690 §8 and §10) for the certificate fields a verify needs.

No length is trusted: every item must lie inside the item that holds it, lengths are definite and
minimally encoded (§10.1), tags take the one-byte form, and every value is checked against the
rules DER adds to BER (booleans 00/FF, minimal integers, zero padding bits, times in the one form
RFC 5280 §4.1.2.5 allows). Any violation raises :class:`~fakemedia.errors.MalformedDer` with a
one-line reason; nothing here recurses.
"""

from __future__ import annotations

from datetime import datetime, timezone

from fakemedia.errors import MalformedDer

BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, NULL, OID = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
UTF8_STRING, PRINTABLE_STRING, IA5_STRING = 0x0C, 0x13, 0x16
UTC_TIME, GENERALIZED_TIME = 0x17, 0x18
SEQUENCE, SET = 0x30, 0x31
#: Items listed inside one constructed item at most (a certificate has a few dozen).
MAX_ITEMS = 1024
#: The largest item accepted (x5chain certificates are a few kB; RSA-16384 keys fit easily).
MAX_LENGTH = 1 << 20
_PRINTABLE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")

Item = tuple[int, int, int]  # (tag, content start, content end) within the buffer


def item(data: bytes, pos: int, end: int) -> Item:
    """The tag and content bounds of the item starting at ``pos``, which must end by ``end``."""
    if pos + 2 > end:
        raise MalformedDer("DER item truncated")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise MalformedDer("DER tag in the multi-byte form")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise MalformedDer("DER indefinite length")
    else:
        count = first & 0x7F
        if count > 3 or pos + count > end:
            raise MalformedDer("DER length field too long or truncated")
        length = int.from_bytes(data[pos:pos + count], "big")
        if length < 0x80 or data[pos] == 0:
            raise MalformedDer("DER length not minimally encoded")
        pos += count
    if length > MAX_LENGTH or pos + length > end:
        raise MalformedDer("DER item runs past its container")
    return tag, pos, pos + length


def single(data: bytes, tag: int) -> Item:
    """The one item ``data`` holds, of ``tag``; trailing bytes are refused."""
    found = item(data, 0, len(data))
    if found[0] != tag or found[2] != len(data):
        raise MalformedDer("DER data is not exactly one item of the expected type")
    return found


def children(data: bytes, parent: Item) -> list[Item]:
    """The items inside a constructed ``parent``, in order (bounded by :data:`MAX_ITEMS`)."""
    tag, pos, end = parent
    if not tag & 0x20:
        raise MalformedDer("DER primitive item where a constructed one belongs")
    out: list[Item] = []
    while pos < end:
        if len(out) >= MAX_ITEMS:
            raise MalformedDer(f"DER item holds more than {MAX_ITEMS} items")
        found = item(data, pos, end)
        out.append(found)
        pos = found[2]
    return out


def expect(found: Item, tag: int, what: str) -> Item:
    if found[0] != tag:
        raise MalformedDer(f"{what}: unexpected DER tag 0x{found[0]:02x}")
    return found


def content(data: bytes, found: Item) -> bytes:
    return data[found[1]:found[2]]


def integer(data: bytes, found: Item) -> int:
    value = content(data, expect(found, INTEGER, "INTEGER"))
    if not value:
        raise MalformedDer("DER INTEGER is empty")
    if len(value) > 1 and ((value[0] == 0 and value[1] < 0x80) or (value[0] == 0xFF and value[1] >= 0x80)):
        raise MalformedDer("DER INTEGER not minimally encoded")
    return int.from_bytes(value, "big", signed=True)


def boolean(data: bytes, found: Item) -> bool:
    value = content(data, expect(found, BOOLEAN, "BOOLEAN"))
    if value not in (b"\x00", b"\xff"):
        raise MalformedDer("DER BOOLEAN is not 00 or FF")
    return value == b"\xff"


def oid(data: bytes, found: Item) -> str:
    """The dotted form of an OBJECT IDENTIFIER (X.690 §8.19)."""
    value = content(data, expect(found, OID, "OBJECT IDENTIFIER"))
    known = _OIDS.get(value)
    if known is not None:
        return known
    dotted = _dotted(value)
    if len(_OIDS) < _MAX_OIDS:  # a certificate names the same few dozen OIDs over and over
        _OIDS[value] = dotted
    return dotted


_OIDS: dict[bytes, str] = {}
_MAX_OIDS = 4096


def _dotted(value: bytes) -> str:
    if not value or value[-1] & 0x80:
        raise MalformedDer("DER OBJECT IDENTIFIER is empty or truncated")
    arcs: list[int] = []
    current = 0
    fresh = True
    for byte in value:
        if fresh and byte == 0x80:
            raise MalformedDer("DER OBJECT IDENTIFIER arc not minimally encoded")
        current = current << 7 | byte & 0x7F
        fresh = not byte & 0x80
        if fresh:
            arcs.append(current)
            current = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - 40 * first, *arcs[1:]))


def bit_string(data: bytes, found: Item) -> bytes:
    """The bits of a BIT STRING (padding bits must be zero, X.690 §11.2.1), as octets."""
    value = content(data, expect(found, BIT_STRING, "BIT STRING"))
    if not value or value[0] > 7 or (len(value) == 1 and value[0]):
        raise MalformedDer("DER BIT STRING has a bad unused-bits count")
    if value[0] and value[-1] & ((1 << value[0]) - 1):
        raise MalformedDer("DER BIT STRING padding bits are not zero")
    return value[1:]


def whole_octets(data: bytes, found: Item) -> bytes:
    """A BIT STRING that carries octets (a key or a signature): no unused bits."""
    value = content(data, expect(found, BIT_STRING, "BIT STRING"))
    if not value or value[0] != 0:
        raise MalformedDer("DER BIT STRING of octets has unused bits")
    return value[1:]


def time(data: bytes, found: Item) -> datetime:
    """UTCTime ``YYMMDDHHMMSSZ`` (years 1950-2049) or GeneralizedTime ``YYYYMMDDHHMMSSZ``
    (RFC 5280 §4.1.2.5.1-2), as an aware UTC datetime."""
    tag = found[0]
    text = content(data, found)
    size = {UTC_TIME: 13, GENERALIZED_TIME: 15}.get(tag)
    if size is None:
        raise MalformedDer(f"time: unexpected DER tag 0x{tag:02x}")
    if len(text) != size or text[-1:] != b"Z" or not text[:-1].isdigit():
        raise MalformedDer("DER time is not in the RFC 5280 form")
    digits = text[:-1].decode("ascii")
    if tag == UTC_TIME:
        year = int(digits[:2])
        year += 1900 if year >= 50 else 2000
        rest = digits[2:]
    else:
        year, rest = int(digits[:4]), digits[4:]
    try:
        return datetime(year, int(rest[0:2]), int(rest[2:4]), int(rest[4:6]), int(rest[6:8]),
                        int(rest[8:10]), tzinfo=timezone.utc)
    except ValueError:
        raise MalformedDer("DER time names no valid moment") from None


def text(data: bytes, found: Item) -> str:
    """A UTF8String, PrintableString or IA5String (the string types of everyday names)."""
    tag = found[0]
    value = content(data, found)
    if tag == PRINTABLE_STRING:
        if not _PRINTABLE.issuperset(value):
            raise MalformedDer("DER PrintableString holds a character it may not")
        return value.decode("ascii")
    if tag == IA5_STRING:
        if any(b > 0x7F for b in value):
            raise MalformedDer("DER IA5String holds a non-ASCII byte")
        return value.decode("ascii")
    if tag == UTF8_STRING:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedDer("DER UTF8String is not UTF-8") from None
    raise MalformedDer(f"string: DER tag 0x{tag:02x} is not a supported string type")
