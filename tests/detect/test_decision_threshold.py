"""A model's recorded decision threshold moves detect's call, not the probability."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("safetensors")  # the detect/lab stack: skipped on a base install

from fakemedia.detect.model import DetectionResult, load_default_model
from fakemedia.errors import DetectorError


def _res(p: float, t: float) -> DetectionResult:
    return DetectionResult(p, None, 16.0, (0.0, 0.0), (256, 256), "m", "1", "0" * 64, "f", threshold=t)


def test_label_uses_threshold() -> None:
    assert _res(0.6, 0.5).label == "synthetic"
    assert _res(0.6, 0.7).label == "real"
    d = _res(0.6, 0.7).to_dict()
    assert d["probability_synthetic"] == 0.6 and d["decision_threshold"] == 0.7


def test_model_threshold_default_and_checked() -> None:
    m = load_default_model()
    assert m.decision_threshold == (m.meta.get("decision_threshold") or 0.5)
    m.meta["decision_threshold"] = 1.5
    with pytest.raises(DetectorError):
        _ = m.decision_threshold


def test_an_image_below_the_models_floor_is_scored_but_not_assessed() -> None:
    import numpy as np

    from fakemedia.detect.model import score_image

    base = load_default_model()
    assert base.min_side == base.image_size  # no meta["min_side"]: never enlarge for a claim
    rng = np.random.default_rng(0)
    small = score_image(rng.integers(0, 256, (120, 300, 3), dtype=np.uint8), base)
    assert small.label == "not assessed" and not small.assessed and "300×120" in str(small.not_assessed)
    assert 0.0 <= small.probability <= 1.0  # computed, kept for research, never a finding
    lower = replace(base, meta={**base.meta, "min_side": 96})
    assert score_image(rng.integers(0, 256, (120, 300, 3), dtype=np.uint8), lower).assessed
    for bad in (8, base.image_size + 1, 100.0, True, "96"):
        with pytest.raises(DetectorError):
            _ = replace(base, meta={**base.meta, "min_side": bad}).min_side


def test_the_shipped_threshold_was_chosen_on_recompressed_reals_too_and_sits_on_the_maps_scale() -> None:
    from fakemedia.detect.calibration import apply_calibration

    m = load_default_model()
    sel = m.meta["threshold_selection"]
    # The bound held out of scene on the training reals as they are and on their JPEG re-saves.
    assert sel["oof_real_fp"] <= sel["max_real_fp"] and sel["processed"]["oof_real_fp"] <= sel["max_real_fp"]
    assert sel["processed"]["n"] == sel["processed"]["copies_per_real"] * sel["n_real"] > 0
    # The call compares the mapped probability, so the recorded threshold is the chosen one mapped.
    chosen = sel["threshold_before_map"]
    mapped = float(apply_calibration(chosen, m.meta["probability_calibration"]))
    assert m.decision_threshold == pytest.approx(mapped, abs=1e-3)
