from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fakemedia import limits
from fakemedia.detect.imageio import crop_to_16, load_rgb
from fakemedia.errors import InputImageError


def _rgb(h: int = 40, w: int = 50) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_grey_and_alpha_and_cmyk(tmp_path: Path) -> None:
    Image.fromarray(_rgb()[..., 0]).save(tmp_path / "g.png")
    g = load_rgb(tmp_path / "g.png")
    assert g.shape == (40, 50, 3) and (g[..., 0] == g[..., 2]).all()
    Image.fromarray(np.dstack([_rgb(), np.full((40, 50), 7, np.uint8)])).save(tmp_path / "a.png")
    assert load_rgb(tmp_path / "a.png").shape == (40, 50, 3)
    Image.fromarray(_rgb()).convert("CMYK").save(tmp_path / "c.jpg")
    c = load_rgb(tmp_path / "c.jpg")
    assert c.shape == (40, 50, 3) and c.dtype == np.uint8


def test_16bit_png_scaled(tmp_path: Path) -> None:
    arr = np.full((32, 32), 65535, dtype=np.uint16)
    arr[:16] = 257 * 100
    Image.fromarray(arr).save(tmp_path / "d.png")
    out = load_rgb(tmp_path / "d.png")
    assert out[20, 0, 0] == 255 and out[0, 0, 1] == 100


def test_too_small_and_not_image(tmp_path: Path) -> None:
    Image.fromarray(_rgb(15, 40)).save(tmp_path / "s.png")
    with pytest.raises(InputImageError, match="16x16"):
        load_rgb(tmp_path / "s.png")
    (tmp_path / "t.txt").write_text("hello")
    with pytest.raises(InputImageError, match="not a readable image"):
        load_rgb(tmp_path / "t.txt")


def _png_with_size(path: Path, w: int, h: int) -> None:
    Image.fromarray(_rgb(16, 16)).save(path)
    raw = bytearray(path.read_bytes())
    ihdr = raw[12:29]  # "IHDR" + 13 bytes of header data
    ihdr[4:12] = struct.pack(">II", w, h)
    raw[12:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    path.write_bytes(bytes(raw))


def test_bomb_header_refused_before_decoding(tmp_path: Path) -> None:
    _png_with_size(tmp_path / "b.png", 30000, 30000)
    assert 30000 * 30000 > limits.MAX_DECODE_PIXELS
    with pytest.raises(InputImageError):
        load_rgb(tmp_path / "b.png")


def test_large_jpeg_downscaled(tmp_path: Path) -> None:
    big = np.zeros((1200, 1600, 3), np.uint8)
    big[::7] = 200
    Image.fromarray(big).save(tmp_path / "big.jpg", quality=80)
    out = load_rgb(tmp_path / "big.jpg", max_pixels=200_000)
    assert out.shape[0] * out.shape[1] <= 200_000 and out.shape[1] > out.shape[0]


def test_crop_to_16() -> None:
    c, (top, left) = crop_to_16(_rgb(40, 50))
    assert c.shape == (32, 48, 3) and (top, left) == (4, 1)
