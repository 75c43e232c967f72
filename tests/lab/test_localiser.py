"""The localisation map: its training composites, the cells a box covers, and a fit end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")
pytest.importorskip("sklearn")

from fakemedia.errors import DetectorError
from fakemedia.lab.localiser import box_cells, defocus, training_composites

pytestmark = pytest.mark.detect


def test_box_cells_takes_the_cells_whose_centre_is_inside() -> None:
    m = box_cells((16, 0, 40, 20), (3, 4), 16.0)
    # centres at 8, 24, 40, 56 (x) and 8, 24, 40 (y): x in [16, 40) → column 1; y in [0, 20) → row 0
    expected = np.zeros((3, 4), bool)
    expected[0, 1] = True
    np.testing.assert_array_equal(m, expected)
    assert not box_cells(None, (2, 2), 16.0).any()


def test_defocus_blurs_one_part_and_leaves_the_rest() -> None:
    rng = np.random.default_rng(3)
    sharp = rng.integers(0, 256, size=(96, 96, 3), dtype=np.uint8)
    for seed in range(8):
        out = defocus(sharp, np.random.default_rng(seed))
        assert out.shape == sharp.shape and out.dtype == np.uint8
        changed = np.abs(out.astype(int) - sharp).max(axis=2) > 8
        # some of the frame is blurred (noise loses its contrast), and some is left as it was
        assert 0.1 < changed.mean() < 0.95
        rough = lambda a: np.abs(np.diff(a.astype(int), axis=1)).mean()  # noqa: E731
        assert rough(out) < rough(sharp)


def test_training_composites_keep_reals_and_composites_and_add_splices_per_fake() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 64, 64, 3), dtype=np.uint8)
    labels = np.array([0, 0, 1, 1, 1, 0])
    groups = np.array(["a", "b", "a", "b", "a", "a"])
    boxes = [None, None, (8.0, 8.0, 40.0, 30.0), None, None, None]
    made = training_composites(images, labels, groups, boxes, splices=3, seed=1)
    imgs, out_boxes, out_groups, counts = made
    extra = counts.pop("defocused_real")  # a defocused copy of some reals, each also a real
    assert counts == {"real": 3, "benchmark_composites": 1, "new_splices": 6} and 0 <= extra <= 3
    n_real, n = 3 + extra, 3 + extra + 7
    assert imgs.shape == (n, 64, 64, 3) and len(out_boxes) == n and len(out_groups) == n
    assert out_boxes[:n_real] == [None] * n_real and out_boxes[n_real] == (8, 8, 40, 30)
    assert set(out_groups[:n_real]) <= {"a", "b"}
    for b in out_boxes[n_real + 1 :]:
        assert b is not None
        x0, y0, x1, y1 = b
        assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64
        assert (x1 - x0) >= 0.15 * 64 - 1 and (x1 - x0) <= 0.7 * 64 + 1
    # each splice is pasted into a real image of the fake's own scene
    assert list(out_groups[n_real + 1 :]) == ["b", "a"] * 3
    again = training_composites(images, labels, groups, boxes, splices=3, seed=1)
    np.testing.assert_array_equal(again[0], imgs)
    with pytest.raises(DetectorError, match="real training images"):
        training_composites(images, np.ones(6, int), groups, boxes, splices=1, seed=0)


def test_train_localiser_replaces_the_patch_map_and_drops_the_area_rule(
    small_bench: Path, tiny_model: Path, tmp_path: Path
) -> None:
    pytest.importorskip("sklearn")
    from click.testing import CliRunner

    from fakemedia.detect.model import load_model, score_image
    from fakemedia.lab.cli import lab

    base = load_model(tiny_model)
    out = tmp_path / "loc.safetensors"
    args = ["train-localiser", str(small_bench), "--model", str(tiny_model), "--out", str(out),
            "--splices", "1", "--positions", "8", "--model-version", "9", "--json"]  # fmt: skip
    r = CliRunner().invoke(lab, args)
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["images"]["new_splices"] > 0 and report["inside_box"] > 0
    model = load_model(out)
    assert model.version == "9" and model.area_rule is None and "area_calibration" not in model.meta
    assert model.patch_features is not None and model.patch_features.context == "local"
    assert model.meta["localiser"]["images"] == report["images"]
    # the image classifier is untouched; the map is new and scores every position
    assert model.image_spec == base.image_spec
    for k, v in base.arrays.items():
        if k.startswith("image"):
            np.testing.assert_array_equal(model.arrays[k], v)
    rgb = np.random.default_rng(0).integers(0, 256, size=(64, 96, 3), dtype=np.uint8)
    a, b = score_image(rgb, base), score_image(rgb, model)
    assert a.probability == b.probability
    assert b.patch_map is not None and b.patch_map.shape == (4, 6)
    assert np.isfinite(b.patch_map).all() and ((b.patch_map >= 0) & (b.patch_map <= 1)).all()
    # an existing output is not replaced silently
    r = CliRunner().invoke(lab, args)
    assert r.exit_code != 0 and "exists" in r.output
    # leaving out a family the benchmark lacks is refused, not silently a full fit
    other = str(tmp_path / "x.safetensors")
    r = CliRunner().invoke(lab, [*args[:4], "--out", other, "--exclude-family", "gan"])
    assert r.exit_code != 0 and "no training image of family 'gan'" in r.output
