"""Thumbnails: the claim thumbnail of a new manifest and the thumbnails of its ingredients.

C2PA 2.1 §9.2 (thumbnails) stores a thumbnail as an embedded-file assertion: a superbox with
the embedded-file UUID holding a ``bfdb`` box (the media type) and a ``bidb`` box (the image
bytes). Claims v2 use the labels ``c2pa.thumbnail.claim`` and ``c2pa.thumbnail.ingredient``
(the format is in the ``bfdb`` box; v1 claims appended it, ``….claim.jpeg``, and both are
read). An ingredient names its thumbnail with a hashed URI (``thumbnail``, §18.11).

Thumbnails in other people's files are untrusted: :func:`read_thumbnail` bounds the stored
size and the decoded pixel count before Pillow decodes anything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from fakemedia import limits
from fakemedia.errors import InputImageError, InvalidRequest
from fakemedia.formats import jumbf
from fakemedia.manifest.store import Manifest

CLAIM_LABEL = "c2pa.thumbnail.claim"
INGREDIENT_LABEL = "c2pa.thumbnail.ingredient"
JPEG = "image/jpeg"

DEFAULT_SIZE = 512
DEFAULT_QUALITY = 80
#: Media types a thumbnail may be read as (Pillow decodes all of them).
_READABLE = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff"}


@dataclass(frozen=True)
class ThumbnailOptions:
    """How thumbnails are made: the longest side in pixels and the JPEG quality (1-95);
    ``enabled`` False makes none (``--no-thumbnail``)."""

    size: int = DEFAULT_SIZE
    quality: int = DEFAULT_QUALITY
    enabled: bool = True

    def __post_init__(self) -> None:
        if not 16 <= self.size <= 4096:
            raise InvalidRequest(f"thumbnail size: {self.size} is outside 16..4096 pixels")
        if not 1 <= self.quality <= 95:
            raise InvalidRequest(f"thumbnail quality: {self.quality} is outside 1..95")


@dataclass(frozen=True)
class Thumbnail:
    """A thumbnail image: its media type, its bytes and (when decoded) its pixel size."""

    media_type: str
    data: bytes
    width: int | None = None
    height: int | None = None


def make_thumbnail(image: bytes, options: ThumbnailOptions | None = None) -> Thumbnail:
    """A JPEG thumbnail of ``image`` (any format Pillow reads), longest side ``options.size``,
    EXIF orientation applied; :class:`InputImageError` when the image cannot be decoded or is
    larger than the decode limit."""
    from PIL import Image, ImageOps

    options = options or ThumbnailOptions()
    try:
        with Image.open(io.BytesIO(image)) as im:
            _check_pixels(im.size)
            im.draft("RGB", (options.size, options.size))  # JPEG: decode at a reduced scale
            picture = ImageOps.exif_transpose(im).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputImageError(f"cannot make a thumbnail: {_reason(exc)}") from None
    picture.thumbnail((options.size, options.size))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=options.quality, optimize=True)
    return Thumbnail(JPEG, out.getvalue(), picture.width, picture.height)


def claim_thumbnail(image: bytes, options: ThumbnailOptions | None = None) -> Any:
    """The ``c2pa.thumbnail.claim`` assertion (a :class:`~fakemedia.manifest.builder.AssertionSpec`)
    for the asset being signed, or None when thumbnails are off. Pass the image as it will be
    published (after any pixel change), so the thumbnail shows this version."""
    from fakemedia.manifest.builder import AssertionSpec, EmbeddedFile

    options = options or ThumbnailOptions()
    if not options.enabled:
        return None
    made = make_thumbnail(image, options)
    return AssertionSpec(CLAIM_LABEL, EmbeddedFile(made.media_type, made.data))


def read_thumbnail(manifest: Manifest, label: str,
                   max_bytes: int = limits.MAX_THUMBNAIL_BYTES,
                   max_pixels: int = limits.MAX_THUMBNAIL_PIXELS) -> tuple[Thumbnail | None, str]:
    """The thumbnail assertion ``label`` of ``manifest``, checked: ``(thumbnail, "")``, or
    ``(None, why)`` when it is absent, not an embedded file, over ``max_bytes``, over
    ``max_pixels`` once decoded (a decompression bomb) or not an image at all."""
    assertion = manifest.assertion(label)
    if assertion is None:
        return None, f"no thumbnail {label}"
    return thumbnail_from_box(assertion.box, max_bytes, max_pixels)


def thumbnail_from_box(box: jumbf.SuperBox, max_bytes: int = limits.MAX_THUMBNAIL_BYTES,
                       max_pixels: int = limits.MAX_THUMBNAIL_PIXELS) -> tuple[Thumbnail | None, str]:
    """Like :func:`read_thumbnail`, for an embedded-file superbox found by other means."""
    from PIL import Image

    if box.uuid != jumbf.EMBEDDED_FILE_UUID:
        return None, "thumbnail is not an embedded file"
    contents = {b.box_type: b for b in box.content_boxes()}
    described, data = contents.get(b"bfdb"), contents.get(b"bidb")
    if described is None or data is None:
        return None, "thumbnail lacks its bfdb or bidb box"
    media_type = embedded_media_type(described.payload)
    if media_type not in _READABLE:
        return None, f"thumbnail media type {media_type!r} is not an image type we read"
    if len(data.payload) > max_bytes:
        return None, f"thumbnail of {len(data.payload)} bytes exceeds the {max_bytes}-byte limit"
    try:
        with Image.open(io.BytesIO(data.payload)) as im:
            width, height = im.size
            if width * height > max_pixels:
                return None, (f"thumbnail of {width}x{height} pixels exceeds the "
                              f"{max_pixels}-pixel limit (a decompression bomb?)")
            im.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        return None, f"thumbnail does not decode: {_reason(exc)}"
    return Thumbnail(media_type, data.payload, width, height), ""


def embedded_file(media_type: str, data: bytes, label: str,
                  private: bytes | None = None) -> jumbf.SuperBox:
    """An embedded-file superbox (``bfdb`` + ``bidb``, ISO/IEC 19566-5 §B) under ``label``."""
    description = jumbf.DescriptionBox(uuid=jumbf.EMBEDDED_FILE_UUID, label=label, private=private)
    # bfdb: a toggle byte (0: no file name, the data is in the bidb box) and the media type.
    bfdb = b"\x00" + media_type.encode("ascii") + b"\x00"
    return jumbf.SuperBox(description, [jumbf.ContentBox(b"bfdb", bfdb),
                                        jumbf.ContentBox(b"bidb", bytes(data))])


def embedded_media_type(bfdb: bytes) -> str | None:
    if len(bfdb) < 2:
        return None
    text = bfdb[1:].split(b"\x00", 1)[0]
    try:
        return text.decode("ascii")
    except UnicodeDecodeError:
        return None


def _check_pixels(size: tuple[int, int]) -> None:
    if size[0] * size[1] > limits.MAX_DECODE_PIXELS:
        raise InputImageError(f"image of {size[0]}x{size[1]} pixels exceeds the decode limit")


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
