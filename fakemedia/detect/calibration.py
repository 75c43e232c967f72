"""Re-calibration of a model's whole-image probability, fitted on held-out data (numpy only).

A model's own calibration is fitted on folds of its training scenes; measured on scenes it never
saw it can still be off. ``fakemedia-lab calibrate-probability`` fits a second, monotone map on
held-out images and stores it in the model's JSON metadata under ``"probability_calibration"``:

* ``{"method": "platt", "a": A, "b": B, ...}`` — p' = σ(A·logit(p) + B) (Platt 1999, on the
  logit of the model's probability);
* ``{"method": "isotonic", "x": [...], "y": [...], ...}`` — p' = linear interpolation of the
  fitted isotonic steps (Zadrozny & Elkan 2002), constant beyond the ends.

The entry also records what it was fitted on and the ECE measured before and after. A model
without the entry is used as it is: :func:`calibrated_probability` returns ``p`` unchanged.

**Signed as calibrated only when measured.** A probability is recorded as ``calibrated`` only
when the entry records ``heldout_ece`` — the ECE of the stored map on images used neither to
train the model nor to fit the map (``--measure-on``) — and that ECE is at most
:data:`MAX_ECE`. The cross-fitted ``ece_after`` does not count: it measures maps fitted on
parts of the same images, not the stored one on unseen ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fakemedia.errors import DetectorError

META_KEY = "probability_calibration"
#: The largest held-out expected calibration error (15 bins) under which a model's probability
#: is signed as calibrated.
MAX_ECE = 0.05
_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def apply_calibration(p: np.ndarray | float, spec: Mapping[str, Any]) -> np.ndarray:
    """``spec`` applied to probabilities ``p`` (array or scalar); DetectorError on a bad spec."""
    arr = np.asarray(p, dtype=np.float64)
    method = spec.get("method")
    try:
        if method == "platt":
            a, b = float(spec["a"]), float(spec["b"])
            return 1.0 / (1.0 + np.exp(-(a * _logit(arr) + b)))
        if method == "isotonic":
            x = np.asarray(spec["x"], dtype=np.float64)
            y = np.asarray(spec["y"], dtype=np.float64)
            if x.ndim != 1 or x.shape != y.shape or len(x) < 2 or np.any(np.diff(x) < 0):
                raise ValueError("bad isotonic table")
            return np.clip(np.interp(arr, x, y), 0.0, 1.0)
    except (KeyError, TypeError, ValueError):
        raise DetectorError("model file: malformed probability calibration") from None
    raise DetectorError(f"model file: unknown probability calibration {method!r}")


def calibrated_probability(p: float, meta: Mapping[str, Any]) -> float:
    """The whole-image P(synthetic) after the model's held-out calibration, if it has one."""
    spec = meta.get(META_KEY)
    if not spec:
        return float(p)
    if not isinstance(spec, Mapping):
        raise DetectorError("model file: malformed probability calibration")
    return float(apply_calibration(float(p), spec))


def _entry(meta: Mapping[str, Any]) -> Mapping[str, Any] | None:
    spec = meta.get(META_KEY)
    return spec if isinstance(spec, Mapping) and spec else None


def heldout_ece(meta: Mapping[str, Any]) -> float | None:
    """The ECE after calibration measured on held-out images, as the model's entry records it.

    None when the model has no entry, the entry records no held-out ECE, or either is malformed
    (a map that cannot be applied, an ECE that is not a number in [0, 1]).
    """
    spec = _entry(meta)
    if spec is None:
        return None
    value = spec.get("heldout_ece")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    if not 0.0 <= value <= 1.0:  # NaN fails too
        return None
    try:
        apply_calibration(0.5, spec)
    except DetectorError:
        return None
    return value


def is_calibrated(meta: Mapping[str, Any]) -> bool:
    """True only when the model records a held-out ECE after calibration of at most MAX_ECE."""
    ece = heldout_ece(meta)
    return ece is not None and ece <= MAX_ECE
