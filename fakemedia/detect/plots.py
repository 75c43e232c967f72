"""The probability heat map over an image (PNG), drawn with Pillow alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def _colormap(p: np.ndarray) -> np.ndarray:
    """Blue (real) → red (synthetic) for probabilities in [0, 1]."""
    p = np.clip(p, 0, 1)[..., None]
    blue, red = np.array([40, 90, 255.0]), np.array([255, 40, 30.0])
    return (blue * (1 - p) + red * p).astype(np.uint8)


def heatmap_png(
    rgb: np.ndarray,
    patch_map: np.ndarray,
    cell_size: float,
    offset: tuple[float, float],
    out: str | Path,
    alpha: float = 0.45,
) -> None:
    """The image with the per-patch probability map blended over the analysed area."""
    base = Image.fromarray(np.asarray(rgb, dtype=np.uint8)).convert("RGB")
    h, w = patch_map.shape
    top, left = offset
    box_w, box_h = max(1, round(w * cell_size)), max(1, round(h * cell_size))
    colour = Image.fromarray(_colormap(patch_map)).resize((box_w, box_h), Image.Resampling.NEAREST)
    region = (round(left), round(top), round(left) + box_w, round(top) + box_h)
    under = base.crop(region)
    base.paste(Image.blend(under, colour.resize(under.size), alpha), region[:2])
    base.save(out, format="PNG")
