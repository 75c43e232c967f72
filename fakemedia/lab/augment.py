"""Training-time newsroom augmentation: seeded processed copies of the training images.

Each copy of an image applies, each with its own chance, a square crop keeping 70–100 % of the
side at a random position, a bicubic resize to 40–100 % and a JPEG re-save at quality 60–95 (at
least one of them), then is brought back to the training scale the way ``fakemedia detect``
brings any image there (:func:`fakemedia.detect.model.analysis_image`). Copies keep their
source's label and group, so group cross-validation never puts a copy and its source on both
sides of a fold. Only training images are augmented; test scenes stay as they are.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from fakemedia.detect.model import analysis_image
from fakemedia.lab.data import Dataset
from fakemedia.lab.processing import jpeg_resave

#: Chance of each step in one copy (crop, resize, JPEG re-save).
P_CROP, P_RESIZE, P_JPEG = 0.5, 0.6, 0.8
CROP_RANGE, RESIZE_RANGE, QUALITY_RANGE = (0.7, 1.0), (0.4, 1.0), (60, 95)


def newsroom_copy(img: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One processed copy of an H×W×3 uint8 image at its own side, and what was done to it."""
    size = img.shape[0]
    steps = rng.random(3) < (P_CROP, P_RESIZE, P_JPEG)
    if not steps.any():
        steps[rng.integers(3)] = True
    out, done = img, []
    if steps[0]:
        f = rng.uniform(*CROP_RANGE)
        side = max(16, round(min(out.shape[:2]) * f))
        top = int(rng.integers(out.shape[0] - side + 1))
        left = int(rng.integers(out.shape[1] - side + 1))
        out = np.ascontiguousarray(out[top : top + side, left : left + side])
        done.append(f"crop {f:.2f}")
    if steps[1]:
        f = rng.uniform(*RESIZE_RANGE)
        h, w = out.shape[:2]
        out = np.asarray(Image.fromarray(out).resize((max(16, round(w * f)), max(16, round(h * f))),
                                                     Image.Resampling.BICUBIC))  # fmt: skip
        done.append(f"resize {f:.2f}")
    if steps[2]:
        q = int(rng.integers(QUALITY_RANGE[0], QUALITY_RANGE[1] + 1))
        out = jpeg_resave(out, q)
        done.append(f"jpeg q{q}")
    back, _, _ = analysis_image(out, size)
    if back.shape[:2] != (size, size):  # a square stays square; guard rounding anyway
        back = np.asarray(Image.fromarray(back).resize((size, size), Image.Resampling.BICUBIC))
    return back, "+".join(done)


def augment_newsroom(
    ds: Dataset, images: np.ndarray, *, copies: int = 2, seed: int = 0
) -> tuple[Dataset, np.ndarray]:
    """``ds``/``images`` followed by ``copies`` processed copies of every image (same labels, groups).

    The copies carry no pasted-box annotation (a crop or resize moves it), so only the original
    images are fit for training the patch map; ``kinds`` of a copy end in ``+newsroom``.
    """
    rng = np.random.default_rng(seed)
    n = len(ds)
    out = [images]
    for _ in range(copies):
        out.append(np.stack([newsroom_copy(images[i], rng)[0] for i in range(n)]))
    idx = np.concatenate([np.arange(n)] * (copies + 1))
    aug = ds.subset(idx)
    if aug.kinds:
        aug.kinds = aug.kinds[:n] + [k + "+newsroom" for k in aug.kinds[n:]]
    if aug.boxes:
        aug.boxes = aug.boxes[:n] + [None] * (n * copies)
    aug.sizes = (list(ds.sizes) if ds.sizes else [images.shape[1]] * n) + [images.shape[1]] * (n * copies)
    return aug, np.concatenate(out)
