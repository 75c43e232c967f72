"""A decision threshold chosen on the training scenes for a bounded rate of real called synthetic.

The whole training pipeline (the stack's search and its group-fold calibration) is refitted
once per left-out training group; the left-out group's images are scored by a fit that never
saw that group, which is how an unseen scene is scored. The threshold is the smallest value
≥ 0.5 at which at most ``max_real_fp`` of those out-of-fold real images are called synthetic.
The probability itself is not changed: the threshold moves the call, not the score.

With processed copies (JPEG re-saves of the real training images, scored by the same fits) the
bound must hold on them as well: re-compression raises a real photograph's score, and a newsroom
re-compresses every image it publishes.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def out_of_group_probabilities(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, fit: Any,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """P(synthetic) of each image from ``fit(X, y, groups)`` trained without its group, and of
    each ``extra`` image (features, groups: processed copies, never trained on) from the same
    fit without its group (empty without ``extra``)."""
    p = np.empty(len(y), dtype=np.float64)
    X2, g2 = extra if extra is not None else (np.empty((0, X.shape[1])), np.empty(0, dtype=groups.dtype))
    p2 = np.empty(len(g2), dtype=np.float64)
    for g in np.unique(groups):
        held, held2 = groups == g, g2 == g
        model = fit(X[~held], y[~held], groups[~held])
        p[held] = model.predict_proba(X[held])
        if held2.any():
            p2[held2] = model.predict_proba(X2[held2])
    return p, p2


def choose_threshold(
    p: np.ndarray, y: np.ndarray, max_real_fp: float, floor: float = 0.5, groups: np.ndarray | None = None
) -> float:
    """Smallest threshold ≥ ``floor`` (on the grid of out-of-fold scores) with real FP ≤ ``max_real_fp``.

    An image is called synthetic when its probability is strictly above the threshold (capped
    at 0.999, where the bound may then not hold: the report says what it gives). With
    ``groups`` the bound must hold in every group (the worst scene), not only pooled: scenes
    differ more than images of one scene do.
    """
    if groups is not None:
        per = [choose_threshold(p[groups == g], y[groups == g], max_real_fp, floor)
               for g in np.unique(groups)]
        return max(per)
    real = np.sort(np.asarray(p, dtype=np.float64)[np.asarray(y) == 0])
    if not len(real):
        return floor
    allowed = int(np.floor(max_real_fp * len(real)))  # real images that may stay above it
    t = real[len(real) - 1 - allowed] if allowed < len(real) else floor
    return float(min(max(floor, t), 0.999))


def threshold_report(
    p: np.ndarray, y: np.ndarray, t: float, groups: np.ndarray | None = None
) -> dict[str, Any]:
    """Out-of-fold rates at 0.5 and at ``t`` (and real FP per group at both)."""
    y = np.asarray(y)
    real, fake = p[y == 0], p[y == 1]
    per_group = {}
    if groups is not None:
        for g in np.unique(groups):
            r = p[(groups == g) & (y == 0)]
            per_group[str(g)] = [round(float((r > 0.5).mean()), 4), round(float((r > t).mean()), 4)]
    return {
        "oof_real_fp_per_group_at_0.5_and_t": per_group,
        "threshold": round(t, 4),
        "oof_real_fp_at_0.5": round(float((real > 0.5).mean()), 4),
        "oof_fake_recall_at_0.5": round(float((fake > 0.5).mean()), 4),
        "oof_real_fp": round(float((real > t).mean()), 4),
        "oof_fake_recall": round(float((fake > t).mean()), 4),
        "n_real": len(real),
        "n_fake": len(fake),
    }


#: Quality range of the processed copies (a newsroom's re-save).
PROCESSED_QUALITY = (60, 95)


def processed_reals(src: Any, copies: int, seed: int = 0) -> Any:
    """``copies`` JPEG re-saves of each real image of ``src`` (a FeatureSource), at seeded
    qualities in :data:`PROCESSED_QUALITY`, as a FeatureSource of their own (same groups)."""
    from fakemedia.lab.experiment import FeatureSource
    from fakemedia.lab.processing import jpeg_resave

    rng = np.random.default_rng([seed, copies])
    real = np.flatnonzero(np.asarray(src.labels) == 0)
    idx = np.repeat(real, copies)
    lo, hi = PROCESSED_QUALITY
    imgs = np.stack([jpeg_resave(src.images[i], int(rng.integers(lo, hi + 1))) for i in idx])
    return FeatureSource(src.ds.subset(idx), imgs, src.cache_dir, src.get_encoder())
