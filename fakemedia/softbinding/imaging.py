"""Pixels in and out of files for the soft bindings: decoding, checks and re-encoding."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from fakemedia.errors import InputImageError

#: Below this many pixels on the short side neither binding carries information.
MIN_SIDE = 64
#: A per-channel standard deviation below this (on a 64×64 copy) is a single-colour image.
MIN_SPREAD = 1.5


def load_rgb(data: bytes, *, max_side: int | None = None) -> np.ndarray:
    """Decode image bytes to an H×W×3 uint8 RGB array, EXIF orientation applied.

    ``max_side`` lets JPEG decode at a reduced scale (Pillow's ``draft``): both bindings read
    a 256 px or 32 px copy, so a 12 MP decode at full size would be wasted work.
    """
    try:
        opened = Image.open(io.BytesIO(data))
        if max_side is not None and opened.format == "JPEG":
            opened.draft("RGB", (max_side, max_side))
        return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputImageError(f"cannot decode the image: {exc}") from None


def check_usable(pixels: np.ndarray, purpose: str) -> None:
    """Refuse arrays that are not RGB, too small, or a single colour, with a one-line reason."""
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
        raise InputImageError(f"{purpose} needs an RGB image (H×W×3, 8 bits), got shape "
                              f"{tuple(pixels.shape)} of {pixels.dtype}")
    height, width = pixels.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise InputImageError(f"image of {width}×{height} px is too small for {purpose} "
                              f"(at least {MIN_SIDE} px on each side)")
    step_y, step_x = max(1, height // 64), max(1, width // 64)
    sample = pixels[::step_y, ::step_x].reshape(-1, 3).astype(np.float32)
    if float(sample.std(axis=0).max()) < MIN_SPREAD:
        raise InputImageError(f"a single-colour image is unfit for {purpose}: nothing in it to mark "
                              "or to recognise")


def encode_jpeg(pixels: np.ndarray, *, like: bytes | None = None, quality: int = 92) -> bytes:
    """JPEG bytes of ``pixels``; EXIF, ICC profile and XMP copied from the file ``like``.

    The orientation tag is reset: :func:`load_rgb` already applied it to the pixels.
    """
    image = Image.fromarray(pixels, "RGB")
    options: dict[str, object] = {"quality": quality}
    if like is not None:
        try:
            source = Image.open(io.BytesIO(like))
        except (UnidentifiedImageError, OSError) as exc:
            raise InputImageError(f"cannot read the original image: {exc}") from None
        exif = source.getexif()
        if exif:
            exif.pop(0x0112, None)  # Orientation
            options["exif"] = exif.tobytes()
        for key in ("icc_profile", "xmp"):
            if source.info.get(key):
                options[key] = source.info[key]
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()
