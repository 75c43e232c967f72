"""A model's recorded decision threshold moves detect's call, not the probability."""

from __future__ import annotations

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
