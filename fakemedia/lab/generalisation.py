"""Held-out evaluations: unseen generator families, newsroom processing, held-out calibration.

* :func:`leave_one_family_out` — for each family F of a family benchmark, a detector with the
  default model's setup is fitted on the training scenes' real images plus the fakes of the
  *other* families, then scored on the test scenes' real images and F's test fakes (also on F's
  fully generated images and on its splices apart); beside it the in-family figure (fitted on
  every family) and the shipped model's.
* :func:`robustness` — a model scored on a dataset's images after each processing of
  :data:`PROCESSINGS` (JPEG re-save, resize, crop): accuracy, ROC AUC, the share of real images
  called synthetic, and the share of real images that get any area under the area rule of
  :mod:`fakemedia.detection`.
* :func:`fit_probability_calibration` / :func:`crossfit_ece` — a Platt or isotonic map on
  held-out scores, and its ECE measured by leave-one-group-out cross-fitting;
  :func:`heldout_ece` — the fitted map's ECE on other images, which is what decides whether the
  probability is signed as calibrated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from fakemedia.lab.classifier import binary_metrics, expected_calibration_error
from fakemedia.lab.data import Dataset
from fakemedia.lab.family_bench import family_of
from fakemedia.lab.processing import jpeg_resave


def _jpeg(q: int) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        return jpeg_resave(img, q)

    return run


def _resize(f: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        size = (max(16, round(w * f)), max(16, round(h * f)))
        return np.asarray(Image.fromarray(img).resize(size, Image.Resampling.BICUBIC))

    return run


def _crop(f: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        ch, cw = max(16, round(h * f)), max(16, round(w * f))
        top, left = (h - ch) // 2, (w - cw) // 2
        return np.ascontiguousarray(img[top : top + ch, left : left + cw])

    return run


#: Newsroom processing: name → function on an H×W×3 uint8 image.
PROCESSINGS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda img: img,
    "jpeg-q90": _jpeg(90),
    "jpeg-q75": _jpeg(75),
    "jpeg-q60": _jpeg(60),
    "resize-75%": _resize(0.75),
    "resize-50%": _resize(0.5),
    "crop-centre-75%": _crop(0.75),
    "resize-50%+jpeg-q75": lambda img: _jpeg(75)(_resize(0.5)(img)),
}


def _rates(labels: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    """binary_metrics (at 0.5) plus the calls at ``threshold``: real called synthetic, fakes caught."""
    m = binary_metrics(labels, p)
    real = labels == 0
    m["real_called_synthetic"] = float((p[real] > threshold).mean()) if real.any() else float("nan")
    m["fake_recall"] = float((p[~real] > threshold).mean()) if (~real).any() else float("nan")
    m["accuracy_at_threshold"] = float(((p > threshold) == (labels == 1)).mean())
    return m


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC, NaN when only one class is present."""
    return float(binary_metrics(y, p)["roc_auc"])


def leave_one_family_out(
    train: Any, test: Any, *, search: bool = True, shipped: Any = None, calibration: str = "sigmoid"
) -> list[dict[str, Any]]:
    """One row per family: in-family and held-out-family metrics (see the module docstring).

    ``train``/``test`` are :class:`~fakemedia.lab.experiment.FeatureSource` of a family benchmark's
    splits; ``shipped`` an optional compiled model also scored on each family's test part.
    """
    from fakemedia.lab.experiment import DEFAULT_FEATURES, _fit

    fam_tr = np.array([family_of(k) for k in train.ds.kinds])
    fam_te = np.array([family_of(k) for k in test.ds.kinds])
    splice_te = np.array([k.startswith("composite-") for k in test.ds.kinds])
    families = [f for f in dict.fromkeys(fam_te.tolist()) if f != "real"]
    Xtr, Xte = train.features(DEFAULT_FEATURES), test.features(DEFAULT_FEATURES)
    ytr, yte, gtr = train.labels, test.labels, train.groups
    kw = {"search": search, "quick": True, "calibration": calibration}
    p_all = _fit(DEFAULT_FEATURES, "stack", Xtr, ytr, gtr, **kw).predict_proba(Xte)
    p_ship = shipped.predict_image(Xte) if shipped is not None else None
    rows = []
    for fam in families:
        keep = (fam_te == "real") | (fam_te == fam)
        use = fam_tr != fam
        fit = _fit(DEFAULT_FEATURES, "stack", Xtr[use], ytr[use], gtr[use], **kw)
        p_held = fit.predict_proba(Xte[keep])
        held = _rates(yte[keep], p_held)
        inf = _rates(yte[keep], p_all[keep])
        # A splice moves whole-image statistics little: the AUC on the family's fully generated
        # images and on its splices apart (each against the same real images) says which one fails.
        spliced = splice_te[keep]
        whole, pasted = ~spliced, (yte[keep] == 0) | spliced
        row = {
            "family": fam,
            "n_real": int((yte[keep] == 0).sum()),
            "n_fake": int((yte[keep] == 1).sum()),
            "n_train_fake": int(ytr[use].sum()),
            "in_family_auc": inf["roc_auc"],
            "in_family_accuracy": inf["accuracy"],
            "held_out_auc": held["roc_auc"],
            "held_out_accuracy": held["accuracy"],
            "held_out_fake_recall": held["fake_recall"],
            "held_out_real_called_synthetic": held["real_called_synthetic"],
            "held_out_auc_generated": _auc(yte[keep][whole], p_held[whole]),
            "held_out_auc_splices": _auc(yte[keep][pasted], p_held[pasted]),
        }
        if p_ship is not None:
            s = _rates(yte[keep], p_ship[keep])
            row.update(
                {
                    "shipped_auc": s["roc_auc"],
                    "shipped_accuracy": s["accuracy"],
                    "shipped_fake_recall": s["fake_recall"],
                }
            )
        rows.append(row)
    return rows


def robustness(
    model: Any, ds: Dataset, *, size: int | None = None, processings: tuple[str, ...] = tuple(PROCESSINGS),
    scores: dict[str, np.ndarray] | None = None,
) -> list[dict[str, Any]]:
    """One row per processing: ``model`` scored like ``fakemedia detect`` on processed images.

    ``scores``, when given, receives each processing's per-image probabilities.
    """
    from fakemedia.detect.encoder import load_encoder
    from fakemedia.detect.model import score_images
    from fakemedia.detection import detected_regions

    images = ds.load_images(size or model.image_size)
    encoder = load_encoder(None)
    rows = []
    for name in processings:
        fn = PROCESSINGS[name]
        probs, areas = [], []
        for img in images:
            res = score_images([fn(img)], model, encoder=encoder)[0]
            probs.append(res.probability)
            areas.append(len(detected_regions(res)) > 0)
        p, a, real = np.asarray(probs), np.asarray(areas), ds.labels == 0
        if scores is not None:
            scores[name] = p
        m = _rates(ds.labels, p, model.decision_threshold)
        rows.append(
            {
                "processing": name,
                "n_real": int(real.sum()),
                "n_fake": int((~real).sum()),
                "accuracy": m["accuracy"],
                "roc_auc": m["roc_auc"],
                "ece": m["ece"],
                "threshold": model.decision_threshold,
                "accuracy_at_threshold": m["accuracy_at_threshold"],
                "real_called_synthetic": m["real_called_synthetic"],
                "fake_recall": m["fake_recall"],
                "real_with_area": float(a[real].mean()),
                "fake_with_area": float(a[~real].mean()),
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# Held-out calibration of the whole-image probability


def fit_probability_calibration(p: np.ndarray, y: np.ndarray, method: str = "platt") -> dict[str, Any]:
    """A monotone map from the model's probability to a calibrated one (see detect.calibration)."""
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    from fakemedia.detect.calibration import _logit

    p, y = np.asarray(p, dtype=np.float64), np.asarray(y).astype(int)
    if method == "platt":
        lr = LogisticRegression(C=1e4, max_iter=1000).fit(_logit(p)[:, None], y)
        return {"method": "platt", "a": float(lr.coef_[0, 0]), "b": float(lr.intercept_[0])}
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y)
        return {
            "method": "isotonic",
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        }
    from fakemedia.errors import DetectorError

    raise DetectorError(f"calibration method must be platt or isotonic, not {method!r}")


def crossfit_ece(p: np.ndarray, y: np.ndarray, groups: np.ndarray, method: str) -> dict[str, float]:
    """ECE before and after calibration, each image calibrated by a map fitted without its group."""
    from fakemedia.detect.calibration import apply_calibration

    p, y = np.asarray(p, dtype=np.float64), np.asarray(y).astype(int)
    out = np.empty_like(p)
    for g in np.unique(groups):
        held = groups == g
        if len(np.unique(y[~held])) < 2:
            out[held] = p[held]
            continue
        out[held] = apply_calibration(p[held], fit_probability_calibration(p[~held], y[~held], method))
    return {
        "ece_before": expected_calibration_error(y, p),
        "ece_after": expected_calibration_error(y, out),
        "accuracy_before": float(((p > 0.5) == y).mean()),
        "accuracy_after": float(((out > 0.5) == y).mean()),
    }


def heldout_ece(spec: dict[str, Any], p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """ECE and accuracy on images not used to fit ``spec``, before and after applying it.

    This is the figure :func:`fakemedia.detect.calibration.is_calibrated` reads: the stored map
    itself, measured on unseen images (unlike :func:`crossfit_ece`, whose maps are fitted on
    parts of the same images).
    """
    from fakemedia.detect.calibration import apply_calibration

    p, y = np.asarray(p, dtype=np.float64), np.asarray(y).astype(int)
    out = apply_calibration(p, spec)
    return {
        "heldout_ece_before": expected_calibration_error(y, p),
        "heldout_ece": expected_calibration_error(y, out),
        "heldout_accuracy_before": float(((p > 0.5) == y).mean()),
        "heldout_accuracy": float(((out > 0.5) == y).mean()),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of ``rows`` (floats to 3 places)."""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append(
            "| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()) + " |"
        )
    return "\n".join(lines)
