"""The ISCC image Content-Code, version 0 (ISO 24138:2024, International Standard Content Code).

Normalise: EXIF orientation applied, a uniform border trimmed, greyscale (ITU-R 601 luma),
resampled to 32×32 (bicubic). Then a 2-D DCT-II (unscaled, rows then columns), and from four
8×8 windows of the low frequencies — at (col, row) offsets (0,0), (1,0), (0,1), (1,1) — one bit
per coefficient: 1 when it is above its window's median. 64 bits is the first window alone; 256
bits is all four, so a 64-bit code is always the prefix of the 256-bit one.

A code travels as an ISCC unit: a two-byte header (MainType CONTENT, SubType IMAGE, version 0,
length) and the body. Similar images have codes a small Hamming distance apart.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageChops

from fakemedia.errors import InputImageError

_WINDOWS = ((0, 0), (1, 0), (0, 1), (1, 1))
_MAIN_TYPE_CONTENT = 2
_SUB_TYPE_IMAGE = 1
_VERSION = 0
BITS = (64, 128, 192, 256)


@functools.lru_cache(maxsize=1)
def _dct_matrix(n: int = 32) -> np.ndarray:
    """Rows k of the unscaled DCT-II: X_k = Σ x_i cos(π/n (i + ½) k)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return np.cos(np.pi / n * (i + 0.5) * k)


def normalise(image: Image.Image) -> np.ndarray:
    """The 32×32 grey pixels the code is computed on (orientation is the caller's job)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent areas read as mid-grey, as ISCC prescribes for alpha.
        background = Image.new("RGBA", image.size, (126, 126, 126, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    rgb = image.convert("RGB")
    corner = rgb.getpixel((0, 0))
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, corner)).getbbox()
    if box is None:
        raise InputImageError("a single-colour image has no fingerprint")
    if box != (0, 0, *rgb.size):
        rgb = rgb.crop(box)
    grey = rgb.convert("L").resize((32, 32), Image.Resampling.BICUBIC)
    return np.asarray(grey, dtype=np.float64)


def content_code(image: Image.Image | np.ndarray, bits: int = 256) -> bytes:
    """The code's body (``bits`` / 8 bytes) for a Pillow image or an H×W×3 uint8 array."""
    if bits not in BITS:
        raise ValueError(f"an image Content-Code has one of {BITS} bits")
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    pixels = normalise(image)
    matrix = _dct_matrix()
    coefficients = matrix @ pixels @ matrix.T  # [vertical frequency, horizontal frequency]
    out = bytearray()
    for col, row in _WINDOWS[: bits // 64]:
        window = coefficients[row:row + 8, col:col + 8].ravel()
        above = window > np.median(window)
        out += np.packbits(above).tobytes()
    return bytes(out)


def header(bits: int) -> bytes:
    """The ISCC header of an image Content-Code of ``bits`` bits (one nibble per field)."""
    length = bits // 32 - 1
    return bytes([(_MAIN_TYPE_CONTENT << 4) | _SUB_TYPE_IMAGE, (_VERSION << 4) | length])


def unit(body: bytes) -> bytes:
    """Header + body: the binary ISCC unit, the form a soft-binding value carries."""
    return header(len(body) * 8) + body


def parse_unit(value: bytes) -> bytes:
    """The body of a binary image Content-Code unit; ``ValueError`` when it is not one."""
    if len(value) < 2:
        raise ValueError("too short for an ISCC unit")
    bits = ((value[1] & 0x0F) + 1) * 32
    if value[:2] != header(bits) or bits not in BITS or len(value) != 2 + bits // 8:
        raise ValueError("not an ISCC image Content-Code v0 unit")
    return value[2:]


def prefix64(body: bytes) -> int:
    """The first 64 bits of a code as an unsigned integer (the repository's search key)."""
    return int.from_bytes(body[:8], "big")


def hamming(a: bytes, b: bytes) -> int:
    """Bits that differ between two codes, over the length they share."""
    n = min(len(a), len(b))
    return (int.from_bytes(a[:n], "big") ^ int.from_bytes(b[:n], "big")).bit_count()
