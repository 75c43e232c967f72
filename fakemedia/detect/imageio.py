"""Robust image input for the detector: any Pillow-readable file → RGB uint8.

Rules (documented here because the detector's numbers depend on them):

* **Modes.** Greyscale (``1``, ``L``, ``LA``, ``I``, ``I;16*``, ``F``) becomes 3 equal channels;
  16-bit and 32-bit samples are scaled to 8 bits (``v * 255 / 65535``); CMYK, YCbCr, LAB, HSV and
  palette images are converted by Pillow; alpha is dropped (not composited). EXIF orientation is
  applied. Multi-frame files use their first frame.
* **Size bounds.** Pillow's decompression-bomb guard is set to :data:`fakemedia.limits.MAX_DECODE_PIXELS`
  and any image whose header announces more pixels is refused before decoding. An image with more
  than :data:`fakemedia.limits.MAX_DETECT_PIXELS` pixels is downscaled (box filter) to fit; JPEGs are
  first decoded at a reduced DCT scale with ``draft()`` so a large JPEG never occupies full-size memory.
* **Too small.** Fewer than 16 pixels on either side → :class:`~fakemedia.errors.InputImageError`
  (the encoder downsamples by 16, so such an image has no latent position at all).
* **Multiples of 16.** :func:`crop_to_16` centre-crops to the largest multiple of 16 on each side
  (losing at most 15 pixels per axis) and returns the offset so maps can be drawn on the original.
  Cropping rather than padding avoids inventing border pixels that would look synthetic.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fakemedia import limits
from fakemedia.errors import InputImageError

#: Smallest side accepted (one latent position needs 16×16 pixels).
MIN_SIDE = 16

ImageSource = str | Path | bytes | BinaryIO


def _open(source: ImageSource) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = limits.MAX_DECODE_PIXELS
    try:
        if isinstance(source, bytes):
            return Image.open(io.BytesIO(source))
        return Image.open(source)
    except FileNotFoundError as exc:
        raise InputImageError(f"image not found{_named(source)}") from exc
    except IsADirectoryError as exc:
        raise InputImageError(f"not an image file (a directory){_named(source)}") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise InputImageError(f"not a readable image{_named(source)}") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputImageError(f"cannot open the image{_named(source)}: {exc}") from exc


def _named(source: ImageSource) -> str:
    """``: NAME`` for a file; nothing for bytes (the caller, who knows the file, adds it)."""
    return "" if isinstance(source, bytes) else f": {getattr(source, 'name', source)}"


def _to_rgb_array(im: Image.Image) -> np.ndarray:
    mode = im.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(im)
        if mode == "F":
            arr = arr.astype(np.float64)
            top = 1.0 if np.nanmax(arr) <= 1.0 else 255.0
            arr = np.nan_to_num(arr) * (255.0 / top)
        else:
            # 16-bit data in a 32-bit container: scale the 16-bit range down to 8 bits.
            arr = arr.astype(np.float64) * (255.0 / 65535.0)
        grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode == "RGB":
        return np.asarray(im, dtype=np.uint8)
    if mode in ("P", "PA"):
        im = im.convert("RGBA")
    return np.asarray(im.convert("RGB"), dtype=np.uint8)


def load_rgb(source: ImageSource, *, max_pixels: int | None = None) -> np.ndarray:
    """Decode ``source`` into an H×W×3 uint8 array following the module's rules."""
    max_pixels = limits.MAX_DETECT_PIXELS if max_pixels is None else max_pixels
    im = _open(source)
    name = _named(source)
    try:
        w, h = im.size
        if w * h > limits.MAX_DECODE_PIXELS:
            raise InputImageError(
                f"the image{name} is {w}x{h}; more than {limits.MAX_DECODE_PIXELS} pixels refused"
            )
        if w < MIN_SIDE or h < MIN_SIDE:
            raise InputImageError(f"the image{name} is {w}x{h}; at least 16x16 pixels are needed")
        if im.format == "JPEG" and w * h > max_pixels:
            # draft() picks a DCT scale ≥ the requested size, so memory stays ~ max_pixels.
            f = math.sqrt(max_pixels / (w * h))
            im.draft("RGB", (max(MIN_SIDE, int(w * f)), max(MIN_SIDE, int(h * f))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on EXIF oddities; they are harmless here
            im.load()
            im = ImageOps.exif_transpose(im) or im
        w, h = im.size
        if w * h > max_pixels:
            f = math.sqrt(max_pixels / (w * h))
            nw, nh = max(MIN_SIDE, int(w * f)), max(MIN_SIDE, int(h * f))
            if im.mode not in ("RGB", "L"):
                im = Image.fromarray(_to_rgb_array(im))
            im = im.resize((nw, nh), Image.Resampling.BOX)
        rgb = _to_rgb_array(im)
    except InputImageError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InputImageError(f"cannot decode the image{name}: {exc}") from exc
    finally:
        im.close()
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputImageError(f"image {name} has an unsupported layout {rgb.shape}")
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise InputImageError(f"image {name} is too small after decoding: {rgb.shape[1]}x{rgb.shape[0]}")
    return np.ascontiguousarray(rgb)


def crop_to_16(rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Centre-crop to multiples of 16; returns the crop and its (top, left) offset."""
    h, w = rgb.shape[:2]
    if h < MIN_SIDE or w < MIN_SIDE:
        raise InputImageError(f"image is {w}x{h}; at least 16x16 pixels are needed")
    nh, nw = h - h % 16, w - w % 16
    top, left = (h - nh) // 2, (w - nw) // 2
    return rgb[top : top + nh, left : left + nw], (top, left)


def resize_rgb(rgb: np.ndarray, size: int) -> np.ndarray:
    """Square bicubic resize used by the dataset readers (same rule for both classes)."""
    if rgb.shape[0] == size and rgb.shape[1] == size:
        return rgb
    im = Image.fromarray(rgb).resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(im, dtype=np.uint8)


def centre_square(rgb: np.ndarray) -> np.ndarray:
    """Largest centred square of ``rgb``."""
    h, w = rgb.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    return rgb[top : top + s, left : left + s]
