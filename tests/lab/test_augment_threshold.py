"""Newsroom augmentation of training images and the training-set decision threshold."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("safetensors")  # the detect/lab stack: skipped on a base install
pytest.importorskip("sklearn")  # the detect/lab stack: skipped on a base install

from fakemedia.lab.augment import augment_newsroom, newsroom_copy
from fakemedia.lab.data import Dataset
from fakemedia.lab.threshold import choose_threshold, out_of_group_probabilities, threshold_report


def _ds(n: int) -> Dataset:
    from pathlib import Path

    return Dataset(Path("."), [Path(f"{i}.png") for i in range(n)], np.arange(n) % 2,
                   np.array([f"g{i // 2}" for i in range(n)]), None, ["real", "fake"] * (n // 2),
                   [None, (0, 0, 8, 8)] * (n // 2))  # fmt: skip


def test_copies_keep_shape_label_group_and_are_seeded() -> None:
    rng = np.random.default_rng(3)
    imgs = rng.integers(0, 256, (4, 64, 64, 3), dtype=np.uint8)
    ds = _ds(4)
    a_ds, a = augment_newsroom(ds, imgs, copies=2, seed=1)
    assert a.shape == (12, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a[:4], imgs)
    assert a_ds.labels.tolist() == ds.labels.tolist() * 3
    assert a_ds.groups.tolist() == ds.groups.tolist() * 3
    assert a_ds.boxes[4:] == [None] * 8 and a_ds.kinds[5] == "fake+newsroom"
    _, b = augment_newsroom(ds, imgs, copies=2, seed=1)
    assert np.array_equal(a, b)
    assert not np.array_equal(a[4:8], imgs)


def test_one_copy_does_something() -> None:
    img = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    rng = np.random.default_rng(0)
    for _ in range(20):
        out, done = newsroom_copy(img, rng)
        assert out.shape == img.shape and done


def test_threshold_bounds_real_fp() -> None:
    p = np.array([0.1, 0.2, 0.6, 0.7, 0.9, 0.95, 0.99, 0.97])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert choose_threshold(p, y, 0.5) == 0.5  # 2 of 4 may stay above, and 2 are above 0.5
    assert choose_threshold(p, y, 0.25) == pytest.approx(0.6)
    t = choose_threshold(p, y, 0.0)
    assert t == pytest.approx(0.7) and not (p[y == 0] > t).any()
    assert choose_threshold(np.array([0.1, 0.9]), np.array([0, 1]), 0.0) == 0.5  # never below 0.5
    g = np.array(["a", "a", "b", "b", "a", "a", "b", "b"])
    assert choose_threshold(p, y, 0.5, groups=g) == pytest.approx(0.6)
    rep = threshold_report(p, y, t, g)
    assert rep["oof_real_fp"] == 0.0 and rep["oof_real_fp_per_group_at_0.5_and_t"]["b"] == [1.0, 0.0]


def test_out_of_group_scores_never_see_their_group() -> None:
    X = np.arange(6, dtype=float)[:, None]
    y, g = np.array([0, 1, 0, 1, 0, 1]), np.array([0, 0, 1, 1, 2, 2])
    seen = []

    class Fit:
        def __init__(self, groups: np.ndarray) -> None:
            seen.append(set(groups.tolist()))

        def predict_proba(self, Xh: np.ndarray) -> np.ndarray:
            return np.full(len(Xh), 0.5)

    p, none = out_of_group_probabilities(X, y, g, lambda X_, y_, g_: Fit(g_))
    assert len(p) == 6 and seen == [{1, 2}, {0, 2}, {0, 1}] and len(none) == 0


def test_processed_copies_are_scored_by_the_fit_without_their_group() -> None:
    X = np.arange(6, dtype=float)[:, None]
    y, g = np.array([0, 1, 0, 1, 0, 1]), np.array([0, 0, 1, 1, 2, 2])

    class Fit:
        def __init__(self, groups: np.ndarray) -> None:
            self.left_out = ({0, 1, 2} - set(groups.tolist())).pop()

        def predict_proba(self, Xh: np.ndarray) -> np.ndarray:
            return np.full(len(Xh), float(self.left_out))  # says which fit scored the row

    X2, g2 = np.zeros((4, 1)), np.array([2, 0, 2, 1])
    _, p2 = out_of_group_probabilities(X, y, g, lambda X_, y_, g_: Fit(g_), (X2, g2))
    assert p2.tolist() == [2.0, 0.0, 2.0, 1.0]
