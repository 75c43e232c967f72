"""The ISCC image Content-Code: layout, robustness to recompression and resizing, separation of
different photographs, and clear refusals."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from fakemedia.errors import InputImageError
from fakemedia.softbinding import fingerprint
from tests.softbinding.conftest import photo


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=quality)
    return np.asarray(Image.open(out).convert("RGB"))


def test_fp_header_encodes_content_image_v0_and_length() -> None:
    # ISCC canonical form is base32 of header + body: image Content-Codes start "EEA…" (64 bit).
    assert fingerprint.header(64) == b"\x21\x01"
    assert fingerprint.header(256) == b"\x21\x07"
    unit = fingerprint.unit(bytes(8))
    assert base64.b32encode(unit).decode().rstrip("=") == "EEAQAAAAAAAAAAAA"


def test_fp_64_bits_is_the_prefix_of_256() -> None:
    pixels = photo("astronaut")
    full = fingerprint.content_code(pixels, 256)
    assert len(full) == 32
    assert fingerprint.content_code(pixels, 64) == full[:8]
    # median split: each 64-bit window has at most half its bits set
    assert all(bin(int.from_bytes(full[i:i + 8], "big")).count("1") <= 32 for i in range(0, 32, 8))


def test_fp_survives_jpeg_and_resize_but_separates_photos() -> None:
    names = ["astronaut", "coffee", "chelsea", "rocket"]
    codes = {n: fingerprint.content_code(photo(n)) for n in names}
    pixels = photo("astronaut")
    small = np.asarray(Image.fromarray(pixels).resize((256, 256), Image.Resampling.LANCZOS))
    for variant in (_jpeg(pixels, 50), small, _jpeg(small, 70)):
        assert fingerprint.hamming(fingerprint.content_code(variant), codes["astronaut"]) <= 12
    for a in names:
        for b in names:
            if a < b:
                assert fingerprint.hamming(codes[a], codes[b]) >= 64, (a, b)


def test_fp_uniform_border_is_trimmed() -> None:
    pixels = photo("coffee")
    framed = np.full((pixels.shape[0] + 40, pixels.shape[1] + 40, 3), 255, np.uint8)
    framed[20:-20, 20:-20] = pixels
    assert fingerprint.hamming(fingerprint.content_code(framed),
                               fingerprint.content_code(pixels)) <= 4


def test_fp_unit_round_trip_and_bad_units() -> None:
    body = fingerprint.content_code(photo("chelsea"))
    assert fingerprint.parse_unit(fingerprint.unit(body)) == body
    for bad in (b"", b"\x21", b"\x22\x07" + body, b"\x21\x07" + body[:-1], b"\x21\x01" + body):
        with pytest.raises(ValueError):
            fingerprint.parse_unit(bad)
    with pytest.raises(ValueError):
        fingerprint.content_code(photo("chelsea"), bits=100)


def test_fp_hamming_counts_differing_bits() -> None:
    assert fingerprint.hamming(b"\x00\xff", b"\x01\xff") == 1
    assert fingerprint.hamming(b"\xff" * 4, b"\x00" * 4) == 32
    assert fingerprint.prefix64(bytes(range(1, 33))) == int.from_bytes(bytes(range(1, 9)), "big")


def test_fp_refuses_a_single_colour_image() -> None:
    with pytest.raises(InputImageError, match="single-colour"):
        fingerprint.content_code(np.full((100, 100, 3), 77, np.uint8))
