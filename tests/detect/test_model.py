"""Model files: foreign and corrupt files are refused with one line; the shipped model is pinned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("safetensors")

from fakemedia.detect.calibration import META_KEY, apply_calibration
from fakemedia.detect.model import (
    DEFAULT_MODEL_SHA256,
    default_model_path,
    load_default_model,
    load_model,
    score_image,
)
from fakemedia.errors import DetectorError, WeightsMismatch

pytestmark = pytest.mark.detect


def test_corrupt_and_foreign_model_files(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    raw = default_model_path().read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 100)
    save_file({"w": np.zeros(3, np.float32)}, str(tmp_path / "foreign.safetensors"))
    (tmp_path / "pickle.pkl").write_bytes(b"\x80\x04\x95cos\nsystem\n")
    for name in ("cut.safetensors", "junk.safetensors", "foreign.safetensors", "pickle.pkl"):
        with pytest.raises(DetectorError, match="not a fakemedia detector model") as info:
            load_model(tmp_path / name)
        assert "\n" not in str(info.value)
    with pytest.raises(DetectorError, match="not found"):
        load_model(tmp_path / "missing.safetensors")


def test_a_pinned_digest_that_does_not_match_is_refused() -> None:
    with pytest.raises(WeightsMismatch):
        load_model(default_model_path(), expected_sha256="0" * 64)


def _forest_file(path: Path, right: list[int], n_features: int = 6,
                 meta: dict[str, Any] | None = None) -> Path:
    """A one-tree forest model: node 0 splits on feature 0 into ``right``'s child."""
    from safetensors.numpy import save_file

    arrays = {"t.roots": np.array([0], np.int32), "t.feature": np.array([0, 0, 0], np.int32),
              "t.threshold": np.zeros(3), "t.left": np.array([1, -1, -1], np.int32),
              "t.right": np.array(right, np.int32), "t.value": np.array([0.0, 0.2, 0.8]),
              "t.leaf": np.array([0, 1, 1], np.uint8), "t.nan_left": np.zeros(3, np.uint8)}  # fmt: skip
    keys = ("roots", "feature", "threshold", "left", "right", "value", "leaf", "nan_left")
    spec = {"type": "forest", "n_features": n_features, **{k: f"t.{k}" for k in keys}}
    header = {"format": "fakemedia-detector", "format_version": 1, "n_features": n_features,
              "features": {"kind": "spectral"}, "image_model": spec, "meta": meta or {}}  # fmt: skip
    save_file(arrays, str(path), metadata={"fakemedia": json.dumps(header)})
    return path


def test_a_tree_that_points_outside_its_arrays_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="inconsistent tree"):
        load_model(_forest_file(tmp_path / "bad.safetensors", [5, -1, -1]))
    with pytest.raises(DetectorError, match="inconsistent tree"):  # a child before its parent
        load_model(_forest_file(tmp_path / "loop.safetensors", [0, -1, -1]))
    good = load_model(_forest_file(tmp_path / "good.safetensors", [2, -1, -1]))
    assert good.predict_image(np.array([[-1.0, 0, 0, 0, 0, 0], [1.0, 0, 0, 0, 0, 0]])).tolist() == [0.2, 0.8]


def test_shipped_default_model_is_pinned_and_scores() -> None:
    pytest.importorskip("torch")
    m = load_default_model()
    assert m.sha256 == DEFAULT_MODEL_SHA256 and m.features.kind == "pooled+spectral"
    assert default_model_path().stat().st_size < 5 * 1024 * 1024
    res = score_image(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8), m)
    assert 0 <= res.probability <= 1 and res.patch_map is not None and res.patch_map.shape == (16, 16)


def test_the_map_covers_the_analysed_area_of_a_non_square_image() -> None:
    pytest.importorskip("torch")
    m = load_default_model()
    rgb = np.random.default_rng(3).integers(0, 256, (280, 400, 3), dtype=np.uint8)
    res = score_image(rgb, m)
    # shorter side 280 -> 256: 256×366 -> cropped to 256×352 -> 16×22 cells of 16·280/256 pixels
    assert res.patch_map is not None and res.patch_map.shape == (16, 22)
    assert res.cell_size == pytest.approx(16 * 280 / 256) and res.image_size == (400, 280)
    assert res.model_sha256 == m.sha256


#: A Platt map as ``calibrate-probability --out`` records it (figures are the test's own).
PLATT = {"method": "platt", "a": 2.0, "b": 0.5, "fitted_on": "a test set"}


def _spectral_model(tmp_path: Path, name: str, entry: dict[str, Any] | None) -> Any:
    """A spectral-only model (no encoder needed) whose one tree gives 0.2 or 0.8."""
    from fakemedia.detect.spectral import spectral_features

    n = spectral_features(np.zeros((1, 32, 32, 3), np.uint8)).shape[1]
    meta = {"image_size": 32} if entry is None else {"image_size": 32, META_KEY: entry}
    return load_model(_forest_file(tmp_path / name, [2, -1, -1], n, meta))


def test_the_result_is_calibrated_only_with_a_heldout_ece_within_the_target(tmp_path: Path) -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    plain = score_image(rgb, _spectral_model(tmp_path, "plain.safetensors", None))
    assert plain.probability in (0.2, 0.8) and plain.calibrated is False
    assert plain.to_dict()["calibrated"] is False
    cases = {"unmeasured": (PLATT, False), "measured": ({**PLATT, "heldout_ece": 0.03}, True),
             "too-far": ({**PLATT, "heldout_ece": 0.08}, False)}  # fmt: skip
    for name, (entry, calibrated) in cases.items():
        model = _spectral_model(tmp_path, f"{name}.safetensors", entry)
        res = score_image(rgb, model)
        # The map is applied exactly once, whatever the claim.
        assert res.probability == pytest.approx(float(apply_calibration(plain.probability, PLATT))), name
        assert res.calibrated is calibrated and model.calibrated is calibrated, name
        assert res.to_dict()["calibrated"] is calibrated
        raw = model.predict_image(np.zeros((1, model.n_features)))
        assert raw.tolist() in ([0.2], [0.8])  # predict_image stays the classifier's own


def test_a_model_with_a_map_that_cannot_be_applied_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="probability calibration"):
        _spectral_model(tmp_path, "bad.safetensors", {"method": "isotonic", "x": [0.9, 0.1], "y": [0, 1]})


def test_the_shipped_model_records_its_heldout_calibration() -> None:
    # Its map was fitted on some held-out scenes of its benchmark and measured on others, none a
    # training scene (models/README.md): the held-out ECE it records is within the target, so its
    # probability is signed as calibrated.
    pytest.importorskip("torch")
    m = load_default_model()
    entry = m.meta[META_KEY]
    assert m.calibrated is True and entry["heldout_ece"] <= 0.05
    trained = set(m.meta["training_data"]["groups"])
    measured = set(entry["measured_on"]["groups"])
    assert measured and not measured & trained and not measured & set(entry["fit_groups"])
    assert not set(entry["fit_groups"]) & trained
