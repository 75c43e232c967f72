"""Reading an upload: the request body, bounded, kept in memory, never written to disk.

Two shapes are accepted: the image as the whole body (any content type but multipart), or
``multipart/form-data`` with the image in the ``file`` part (what the page's form sends) and
small text fields beside it (for ``/v1/annotate``: ``annotation``, a JSON object).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

__all__ = ["BadUpload", "TooLarge", "Upload", "parse_upload", "read_body"]

#: Multipart framing (boundaries, part headers, small fields) allowed on top of the image.
_FRAMING_BYTES = 64 * 1024
_MAX_FIELD_BYTES = 64 * 1024
_MAX_PARTS = 8


class BadUpload(Exception):
    """The request body is not a usable upload (empty, malformed multipart, no image part)."""


class TooLarge(Exception):
    """The body exceeds the upload limit."""


@dataclass
class Upload:
    data: bytes
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


async def read_body(chunks: AsyncIterator[bytes], declared: str | None, limit: int) -> bytes:
    """The whole body, refusing it as soon as it is known to exceed ``limit`` bytes (from its
    Content-Length, or while it streams in)."""
    if declared is not None:
        try:
            if int(declared) > limit:
                raise TooLarge(f"upload of {int(declared)} bytes exceeds the {limit}-byte limit")
        except ValueError:
            raise BadUpload("invalid Content-Length") from None
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"upload exceeds the {limit}-byte limit")
    return bytes(body)


def upload_limit(image_limit: int, content_type: str) -> int:
    return image_limit + _FRAMING_BYTES if content_type.startswith("multipart/") else image_limit


def parse_upload(body: bytes, content_type: str, image_limit: int) -> Upload:
    if content_type.lower().startswith("multipart/form-data"):
        upload = _multipart(body, content_type)
    else:
        upload = Upload(body)
    if not upload.data:
        raise BadUpload("no image in the request (send the JPEG as the body, or as the 'file' part "
                        "of a multipart form)")
    if len(upload.data) > image_limit:
        raise TooLarge(f"image of {len(upload.data)} bytes exceeds the {image_limit}-byte limit")
    return upload


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


def _multipart(body: bytes, content_type: str) -> Upload:
    _kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise BadUpload("multipart request without a boundary")
    parts: list[_Part] = []
    header: list[bytes] = [b"", b""]

    def on_part_begin() -> None:
        if len(parts) >= _MAX_PARTS:
            raise BadUpload(f"more than {_MAX_PARTS} parts in the form")
        parts.append(_Part())

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        parts[-1].headers[header[0].lower()] = header[1]
        header[0] = header[1] = b""

    finished: list[bool] = []
    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_part_data": on_part_data,
        "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_end": lambda: finished.append(True),
    })
    try:
        parser.write(body)
        parser.finalize()
    except BadUpload:
        raise
    except Exception as exc:  # the parser's own errors: a malformed body
        raise BadUpload(f"malformed multipart body ({' '.join(str(exc).split()) or type(exc).__name__})"
                        ) from None
    if not finished:
        raise BadUpload("malformed multipart body (no closing boundary)")
    return _gather(parts)


def _gather(parts: list[_Part]) -> Upload:
    upload = Upload(b"")
    for part in parts:
        disposition = part.headers.get(b"content-disposition")
        if disposition is None:
            raise BadUpload("malformed multipart body (a part has no Content-Disposition)")
        _value, params = parse_options_header(disposition)
        name = params.get(b"name", b"").decode("utf-8", "replace")
        if name == "file":
            upload.data = bytes(part.data)
            raw = params.get(b"filename")
            upload.filename = raw.decode("utf-8", "replace") if raw else None
        elif len(part.data) > _MAX_FIELD_BYTES:
            raise BadUpload(f"form field {name!r} exceeds {_MAX_FIELD_BYTES} bytes")
        else:
            upload.fields[name] = part.data.decode("utf-8", "replace")
    return upload
