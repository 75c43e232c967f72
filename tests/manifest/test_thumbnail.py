"""Thumbnails: made with a size and quality, read back within limits, bombs refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fakemedia.errors import InputImageError, InvalidRequest
from fakemedia.formats import app11
from fakemedia.manifest import builder, thumbnail
from fakemedia.manifest.store import parse_store
from tests.conftest import make_jpeg


def test_size_and_quality_are_applied() -> None:
    small = thumbnail.make_thumbnail(make_jpeg(400, 200), thumbnail.ThumbnailOptions(size=100, quality=30))
    large = thumbnail.make_thumbnail(make_jpeg(400, 200), thumbnail.ThumbnailOptions(size=100, quality=95))
    assert (small.width, small.height) == (100, 50)
    assert small.media_type == "image/jpeg" and len(small.data) < len(large.data)
    with Image.open(io.BytesIO(small.data)) as im:
        assert im.format == "JPEG"


def test_bad_options_and_undecodable_input() -> None:
    with pytest.raises(InvalidRequest, match="size"):
        thumbnail.ThumbnailOptions(size=8)
    with pytest.raises(InvalidRequest, match="quality"):
        thumbnail.ThumbnailOptions(quality=0)
    with pytest.raises(InputImageError, match="thumbnail"):
        thumbnail.make_thumbnail(b"\xff\xd8\xff garbage")
    assert thumbnail.claim_thumbnail(make_jpeg(), thumbnail.ThumbnailOptions(enabled=False)) is None


def _bomb_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_read_back_and_bomb_refused(es256) -> None:  # type: ignore[no-untyped-def]
    spec = thumbnail.claim_thumbnail(make_jpeg(), thumbnail.ThumbnailOptions(size=32))
    bomb = builder.AssertionSpec("c2pa.thumbnail.ingredient",
                                 builder.EmbeddedFile("image/png", _bomb_png(6000)))
    signed = builder.build(builder.BuildRequest(make_jpeg(), [spec, bomb], es256.signer))
    active = parse_store(app11.find_c2pa_store(signed).jumbf).active  # type: ignore[union-attr]
    assert active is not None
    shown, why = thumbnail.read_thumbnail(active, thumbnail.CLAIM_LABEL)
    assert shown is not None and why == "" and max(shown.width or 0, shown.height or 0) == 32
    refused, why = thumbnail.read_thumbnail(active, "c2pa.thumbnail.ingredient")
    assert refused is None and "decompression bomb" in why
    too_big, why = thumbnail.read_thumbnail(active, thumbnail.CLAIM_LABEL, max_bytes=10)
    assert too_big is None and "byte limit" in why
    missing = thumbnail.read_thumbnail(active, "c2pa.thumbnail.none")
    assert missing == (None, "no thumbnail c2pa.thumbnail.none")
