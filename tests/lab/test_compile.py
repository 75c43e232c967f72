"""Fitted scikit-learn estimators compiled to a model file evaluate as scikit-learn does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("safetensors")

from fakemedia.detect.features import FeatureConfig
from fakemedia.detect.model import load_model
from fakemedia.lab.classifier import fit_classifier
from fakemedia.lab.compile import build_model, save_model

pytestmark = pytest.mark.detect


def test_compiled_model_matches_sklearn(tmp_path: Path) -> None:
    r = np.random.default_rng(0)
    X = r.normal(size=(120, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * r.normal(size=120) > 0).astype(int)
    g = np.arange(120) % 6
    for kind, cal in (("hgb", "isotonic"), ("rf", "sigmoid"), ("logreg", "isotonic")):
        fit = fit_classifier(X, y, g, kind, search=False, calibration=cal)
        m = build_model(FeatureConfig("spectral"), fit.estimator, 6)
        save_model(m, tmp_path / f"{kind}.safetensors")
        back = load_model(tmp_path / f"{kind}.safetensors")
        assert np.allclose(back.predict_image(X), fit.predict_proba(X), atol=1e-6), kind


def test_compiled_trees_follow_missing_values_and_stop_at_uneven_depths(tmp_path: Path) -> None:
    """Gradient-boosted trees trained on data with missing values: NaNs go the side each split
    learnt, and paths of very different lengths end where sklearn's do."""
    r = np.random.default_rng(2)
    X = r.normal(size=(400, 6)).astype(np.float32)
    y = ((X[:, 0] > 0) ^ (X[:, 1] * X[:, 2] > 0.5)).astype(int)
    X[r.random(X.shape) < 0.15] = np.nan
    fit = fit_classifier(X, y, np.arange(400) % 8, "hgb", search=False, calibration="isotonic")
    path = tmp_path / "nan.safetensors"
    save_model(build_model(FeatureConfig("spectral"), fit.estimator, 6), path)
    probe = r.normal(size=(300, 6)).astype(np.float32)
    probe[r.random(probe.shape) < 0.3] = np.nan
    assert np.allclose(load_model(path).predict_image(probe), fit.predict_proba(probe), atol=1e-6)


def test_a_tree_that_points_backwards_is_refused_at_load(tmp_path: Path) -> None:
    # A tree whose child points backwards would loop forever: rejected at load.
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    from fakemedia.errors import DetectorError

    r = np.random.default_rng(1)
    X = r.normal(size=(60, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    fit = fit_classifier(X, y, np.arange(60) % 6, "hgb", search=False, calibration="isotonic")
    path = tmp_path / "hgb.safetensors"
    save_model(build_model(FeatureConfig("spectral"), fit.estimator, 6), path)
    arrays = load_file(str(path))
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
    key = next(k for k in arrays if k.endswith(".left") and arrays[k].max() > 0)
    arrays[key] = np.where(arrays[key] > 0, 0, arrays[key]).astype(np.int32)
    save_file(arrays, str(tmp_path / "loop.safetensors"), metadata=meta)
    with pytest.raises(DetectorError, match="inconsistent tree"):
        load_model(tmp_path / "loop.safetensors")
