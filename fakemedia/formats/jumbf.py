"""JUMBF boxes (ISO/IEC 19566-5) as used by C2PA: the store layout and compression of C2PA 2.2 §11.1.

Parsed superboxes keep their exact bytes in ``raw`` and :meth:`SuperBox.to_bytes` re-emits them,
so copying an ingredient manifest or hashing a box (``hash_input``, C2PA 2.2 §8.4.2) never
depends on re-serialisation. After editing a parsed box, set ``raw = None`` to re-serialise it.
"""

from __future__ import annotations

import struct

from fakemedia import limits
from fakemedia._record import Record
from fakemedia.errors import LimitExceeded, MalformedBox, TruncatedData
from fakemedia.formats.brob import brotli_compress, brotli_decompress

__all__ = [
    "C2PA_UUIDS",
    "CODESTREAM_UUID",
    "EMBEDDED_FILE_UUID",
    "REDACTION_UUID",
    "ContentBox",
    "DescriptionBox",
    "SuperBox",
    "box_header",
    "brotli_compress",
    "brotli_decompress",
    "c2pa_uuid",
    "fourcc_of",
    "parse_boxes",
    "parse_superbox",
    "salt_box",
]

# --- §2.4 type UUIDs -------------------------------------------------------------------------

#: Fixed tail of every C2PA 4CC-based UUID.
C2PA_UUID_TAIL = bytes.fromhex("00110010800000AA00389B71")
_C2PA_FOURCCS = (
    "c2pa", "c2ma", "c2um", "c2cm", "c2md", "c2tm", "c2as", "c2cl", "c2cs", "c2vc", "c2db",
    "cbor", "json", "uuid",
)  # fmt: skip
#: C2PA superbox type UUIDs keyed by 4-character code (C2PA 2.2 §11.1).
C2PA_UUIDS: dict[str, bytes] = {cc: cc.encode("ascii") + C2PA_UUID_TAIL for cc in _C2PA_FOURCCS}
_FOURCC_BY_UUID: dict[bytes, str] = {u: cc for cc, u in C2PA_UUIDS.items()}

EMBEDDED_FILE_UUID = bytes.fromhex("40CB0C32BB8A489DA70B2AD6F47F4369")
CODESTREAM_UUID = bytes.fromhex("6579D6FBDBA2446BB2AC1B82FEEB89D1")
#: ID inside an all-zero ``uuid`` content box that marks a redacted assertion.
REDACTION_UUID = bytes.fromhex("CAA98EEE9D4DF80E86AD4DFFCA263973")

# jumd toggle bits (ISO/IEC 19566-5; C2PA requires 0x03).
REQUESTABLE = 0x01
HAS_LABEL = 0x02
HAS_ID = 0x04
HAS_SIGNATURE = 0x08
HAS_PRIVATE = 0x10
_FIELD_BITS = HAS_LABEL | HAS_ID | HAS_SIGNATURE | HAS_PRIVATE


def c2pa_uuid(fourcc: str) -> bytes:
    """UUID for a C2PA 4CC (KeyError for an unknown code)."""
    return C2PA_UUIDS[fourcc]


def fourcc_of(uuid: bytes) -> str | None:
    """The 4CC of a C2PA type UUID, or None for any other UUID."""
    return _FOURCC_BY_UUID.get(bytes(uuid))


# --- §2.1 box header -------------------------------------------------------------------------


def box_header(box_type: bytes, payload_size: int) -> bytes:
    """LBox/TBox, with XLBox only when the box would not fit a u32."""
    if len(box_type) != 4:
        raise ValueError(f"box type must be 4 bytes, got {box_type!r}")
    if payload_size + 8 <= 0xFFFFFFFF:
        return struct.pack(">I4s", payload_size + 8, box_type)
    return struct.pack(">I4sQ", 1, box_type, payload_size + 16)


def _read_header(data: bytes, pos: int, end: int) -> tuple[bytes, int, int]:
    """(TBox, header size, box size) of the box at ``pos``; never trusts LBox past ``end``."""
    if end - pos < 8:
        raise TruncatedData(f"box header at offset {pos} needs 8 bytes, {end - pos} left")
    lbox, tbox = struct.unpack_from(">I4s", data, pos)
    header = 8
    if lbox == 1:
        if end - pos < 16:
            raise TruncatedData(f"XLBox at offset {pos} needs 16 bytes, {end - pos} left")
        (lbox,) = struct.unpack_from(">Q", data, pos + 8)
        header = 16
    elif lbox == 0:
        # "Extends to the end" is legal ISO BMFF but c2pa-rs never accepts it (§2.1).
        raise MalformedBox(f"box at offset {pos} has LBox 0 (to end), not supported")
    if lbox < header:
        raise MalformedBox(f"box at offset {pos} has length {lbox} < its {header}-byte header")
    if lbox > end - pos:
        raise TruncatedData(f"box {tbox!r} at offset {pos} claims {lbox} bytes, {end - pos} left")
    return tbox, header, lbox


# --- §2.2 description box --------------------------------------------------------------------


def salt_box(salt: bytes) -> bytes:
    """A ``c2sh`` private box for a jumd (C2PA uses 16- or 32-byte salts, §2.2)."""
    if len(salt) < 16:
        raise ValueError(f"salt of {len(salt)} bytes is shorter than 16")
    return box_header(b"c2sh", len(salt)) + bytes(salt)


class DescriptionBox(Record):
    """A ``jumd`` box. Field-presence bits of ``toggles`` follow the fields on output."""

    __slots__ = ("box_id", "label", "private", "signature", "toggles", "uuid")
    uuid: bytes
    label: str | None
    toggles: int
    box_id: int | None
    signature: bytes | None
    private: bytes | None

    def __init__(self, uuid: bytes, label: str | None, toggles: int = REQUESTABLE | HAS_LABEL,
                 box_id: int | None = None, signature: bytes | None = None,
                 private: bytes | None = None) -> None:
        self.uuid = uuid
        self.label = label
        self.toggles = toggles
        self.box_id = box_id
        self.signature = signature
        self.private = private

    @property
    def effective_toggles(self) -> int:
        bits = self.toggles & ~_FIELD_BITS & 0xFF
        bits |= HAS_LABEL if self.label is not None else 0
        bits |= HAS_ID if self.box_id is not None else 0
        bits |= HAS_SIGNATURE if self.signature is not None else 0
        bits |= HAS_PRIVATE if self.private is not None else 0
        return bits

    @property
    def requestable(self) -> bool:
        return bool(self.toggles & REQUESTABLE)

    @property
    def salt(self) -> bytes | None:
        """Salt bytes if the private box is a ``c2sh`` box."""
        if self.private is not None and self.private[4:8] == b"c2sh":
            return self.private[8:]
        return None

    def payload_bytes(self) -> bytes:
        if len(self.uuid) != 16:
            raise ValueError(f"jumd type UUID must be 16 bytes, got {len(self.uuid)}")
        out = bytearray(self.uuid)
        out.append(self.effective_toggles)
        if self.label is not None:
            if "\x00" in self.label:
                raise ValueError(f"jumd label {self.label!r} contains NUL")
            out += self.label.encode("utf-8") + b"\x00"
        if self.box_id is not None:
            out += struct.pack(">I", self.box_id)
        if self.signature is not None:
            if len(self.signature) != 32:
                raise ValueError("jumd signature must be 32 bytes (SHA-256)")
            out += self.signature
        if self.private is not None:
            out += self.private
        return bytes(out)

    def to_bytes(self) -> bytes:
        """The complete ``jumd`` box, header included."""
        payload = self.payload_bytes()
        return box_header(b"jumd", len(payload)) + payload

    @classmethod
    def parse(cls, payload: bytes, *, offset: int = 0) -> DescriptionBox:
        """Parse a jumd payload (after its header); every field must fit exactly.

        ``offset`` is the payload's position in the file, used in error messages only.
        """
        n = len(payload)
        if n < 17:
            raise MalformedBox(f"jumd at offset {offset} is {n} bytes, needs at least 17")
        uuid = bytes(payload[:16])
        toggles = payload[16]
        pos = 17
        label = None
        if toggles & HAS_LABEL:
            nul = payload.find(b"\x00", pos)
            if nul < 0:
                raise MalformedBox(f"jumd label at offset {offset + pos} is not NUL-terminated")
            try:
                label = bytes(payload[pos:nul]).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedBox(f"jumd label at offset {offset + pos} is not UTF-8") from exc
            pos = nul + 1
        box_id = None
        if toggles & HAS_ID:
            if n - pos < 4:
                raise MalformedBox(f"jumd ID at offset {offset + pos} runs past the box")
            (box_id,) = struct.unpack_from(">I", payload, pos)
            pos += 4
        signature = None
        if toggles & HAS_SIGNATURE:
            if n - pos < 32:
                raise MalformedBox(f"jumd signature at offset {offset + pos} runs past the box")
            signature = bytes(payload[pos : pos + 32])
            pos += 32
        private = None
        if toggles & HAS_PRIVATE:
            try:
                _, _, size = _read_header(payload, pos, n)
            except TruncatedData as exc:
                raise MalformedBox(
                    f"jumd private box at offset {offset + pos} runs past the jumd"
                ) from exc
            private = bytes(payload[pos : pos + size])
            pos += size
        if pos != n:
            raise MalformedBox(
                f"jumd at offset {offset} has {n - pos} bytes beyond its fields "
                f"(toggles 0x{toggles:02X})"
            )
        return cls(uuid, label, toggles, box_id, signature, private)


# --- content and super boxes -----------------------------------------------------------------


class ContentBox(Record):
    """Any non-``jumb`` box (cbor, json, uuid, bfdb, bidb, brob, unknown types pass through)."""

    __slots__ = ("box_type", "payload")
    box_type: bytes
    payload: bytes

    def __init__(self, box_type: bytes, payload: bytes) -> None:
        self.box_type = box_type
        self.payload = payload

    def to_bytes(self) -> bytes:
        return box_header(self.box_type, len(self.payload)) + self.payload

    @property
    def type_name(self) -> str:
        return self.box_type.decode("latin-1")


class SuperBox(Record):
    """A ``jumb`` superbox: one description box, then child boxes."""

    __slots__ = ("children", "description", "header_size", "raw")
    description: DescriptionBox
    children: list[SuperBox | ContentBox]
    raw: bytes | None
    header_size: int

    def __init__(self, description: DescriptionBox, children: list[SuperBox | ContentBox] | None = None,
                 raw: bytes | None = None, header_size: int = 8) -> None:
        self.description = description
        self.children = children if children is not None else []
        self.raw = raw
        self.header_size = header_size

    def to_bytes(self) -> bytes:
        """``raw`` if parsed (byte-identical copies), else a fresh serialisation."""
        if self.raw is not None:
            return self.raw
        body = self.description.to_bytes() + b"".join(c.to_bytes() for c in self.children)
        return box_header(b"jumb", len(body)) + body

    def hash_input(self) -> bytes:
        """The box without its own header: what C2PA hashed URIs hash (§4.3, §13 item 1)."""
        data = self.to_bytes()
        header = 16 if data[:4] == b"\x00\x00\x00\x01" else 8
        return data[header:]

    @property
    def label(self) -> str | None:
        return self.description.label

    @property
    def uuid(self) -> bytes:
        return self.description.uuid

    @property
    def fourcc(self) -> str | None:
        return fourcc_of(self.description.uuid)

    def superboxes(self) -> list[SuperBox]:
        return [c for c in self.children if isinstance(c, SuperBox)]

    def content_boxes(self) -> list[ContentBox]:
        return [c for c in self.children if isinstance(c, ContentBox)]

    def find(self, label: str) -> SuperBox | None:
        """First direct child superbox with this label."""
        for child in self.superboxes():
            if child.label == label:
                return child
        return None

    def resolve(self, path: str) -> SuperBox | None:
        """Follow "a/b/c" labels from here (C2PA 2.2 §8.4). A leading "/" names this box's own label
        first, so the store resolves "/c2pa/<manifest>/..." too. ".." is never followed."""
        node: SuperBox | None = self
        parts = path.split("/")
        if path.startswith("/"):
            if len(parts) < 2 or parts[1] != self.label:
                return None
            parts = parts[2:]
        for part in parts:
            if part == "":
                continue
            if part == ".." or node is None:
                return None
            node = node.find(part)
        return node


# --- parsing ---------------------------------------------------------------------------------


class _Parser:
    """Shares the box counter across one parse; recursion is bounded by MAX_BOX_DEPTH."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.count = 0

    def boxes(self, start: int, end: int, depth: int) -> list[SuperBox | ContentBox]:
        out: list[SuperBox | ContentBox] = []
        pos = start
        while pos < end:
            tbox, header, size = _read_header(self.data, pos, end)
            self._count(pos)
            if tbox == b"jumb":
                out.append(self.superbox(pos, header, size, depth + 1))
            else:
                out.append(ContentBox(tbox, bytes(self.data[pos + header : pos + size])))
            pos += size
        return out

    def superbox(self, pos: int, header: int, size: int, depth: int) -> SuperBox:
        # Checked before descending, so a 10 000-deep nest fails at level MAX_BOX_DEPTH + 1.
        if depth > limits.MAX_BOX_DEPTH:
            raise LimitExceeded(f"JUMBF nesting deeper than {limits.MAX_BOX_DEPTH} at offset {pos}")
        end = pos + size
        body = pos + header
        if body == end:
            raise MalformedBox(f"superbox at offset {pos} has no description box")
        dtype, dheader, dsize = _read_header(self.data, body, end)
        if dtype != b"jumd":
            raise MalformedBox(f"superbox at offset {pos} starts with {dtype!r}, not 'jumd'")
        self._count(body)
        desc = DescriptionBox.parse(
            bytes(self.data[body + dheader : body + dsize]), offset=body + dheader
        )
        children = self.boxes(body + dsize, end, depth)
        return SuperBox(desc, children, bytes(self.data[pos:end]), header)

    def _count(self, pos: int) -> None:
        self.count += 1
        if self.count > limits.MAX_BOXES:
            raise LimitExceeded(f"more than {limits.MAX_BOXES} JUMBF boxes (offset {pos})")


def parse_boxes(data: bytes, *, depth: int = 0) -> list[SuperBox | ContentBox]:
    """Parse a sequence of boxes filling ``data`` exactly; ``depth`` = enclosing superboxes."""
    return _Parser(data).boxes(0, len(data), depth)


def parse_superbox(data: bytes) -> SuperBox:
    """Parse ``data`` as exactly one ``jumb`` box (e.g. a reassembled manifest store)."""
    tbox, header, size = _read_header(data, 0, len(data))
    if tbox != b"jumb":
        raise MalformedBox(f"expected a 'jumb' superbox at offset 0, found {tbox!r}")
    if size != len(data):
        raise MalformedBox(f"superbox is {size} bytes but {len(data) - size} bytes follow it")
    parser = _Parser(data)
    parser._count(0)
    return parser.superbox(0, header, size, 1)
