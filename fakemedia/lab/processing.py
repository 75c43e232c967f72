"""Image processing the lab applies as a newsroom would (numpy and Pillow only, so any lab module
can use it without the detector stack)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def jpeg_resave(rgb: np.ndarray, quality: int) -> np.ndarray:
    """``rgb`` saved as a baseline JPEG at ``quality`` and decoded again (RGB uint8)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="JPEG", quality=quality)
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        return np.asarray(im.convert("RGB"))
