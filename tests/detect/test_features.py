from __future__ import annotations

import numpy as np
import pytest

from fakemedia.detect.features import (
    FeatureConfig,
    all_patch_vectors,
    combine_patch_probs,
    image_features,
    patch_positions,
    train_patch_vectors,
)
from fakemedia.detect.spectral import radial_spectrum
from fakemedia.errors import DetectorError


def _lat(n: int = 3, h: int = 4) -> dict[str, np.ndarray]:
    r = np.random.default_rng(1)
    return {
        "y_Y": r.normal(size=(n, 160, h, h)).astype(np.float32),
        "y_UV": r.normal(size=(n, 96, h, h)).astype(np.float32),
        "yhat_Y": np.zeros((n, 160, h, h), np.float32),
        "yhat_UV": np.zeros((n, 96, h, h), np.float32),
    }


def test_feature_shapes_follow_the_thesis() -> None:
    lat = _lat(h=16)
    assert image_features(FeatureConfig("flatten", "YUV"), lat, None).shape == (3, 65536)
    assert image_features(FeatureConfig("flatten", "Y"), lat, None).shape == (3, 40960)
    single = image_features(FeatureConfig("single", "YUV"), lat, None)
    assert single.shape == (3, 256)
    assert np.array_equal(single[:, :160], lat["y_Y"][:, :, 8, 8])
    assert image_features(FeatureConfig("pooled", "Y"), lat, None).shape == (3, 640)
    assert not image_features(FeatureConfig("pooled", "Y", "yhat"), lat, None).any()


def test_patches_are_distinct_fixed_and_all_scored_at_test() -> None:
    pos = patch_positions(16, 16, 15, 42)
    assert len(set(pos.tolist())) == 15 and np.array_equal(pos, patch_positions(16, 16, 15, 42))
    lat = _lat(n=2, h=16)
    cfg = FeatureConfig("patches", "YUV", n_patches=15)
    from fakemedia.detect.features import latent_block

    block = latent_block(lat, cfg)
    X, img = train_patch_vectors(block, cfg)
    assert X.shape == (30, 256) and np.array_equal(img, np.repeat([0, 1], 15))
    allv = all_patch_vectors(block)
    assert allv.shape == (2, 256, 256)
    assert np.array_equal(allv[1, 3 * 16 + 5], block[1, :, 3, 5])
    vote, mean = combine_patch_probs(np.array([[0.9, 0.8, 0.1], [0.2, 0.4, 0.9]]))
    assert np.allclose(vote, [2 / 3, 1 / 3]) and np.allclose(mean, [0.6, 0.5])


def test_bad_config_rejected() -> None:
    with pytest.raises(DetectorError):
        FeatureConfig("everything")


def test_spectrum_sees_upsampling() -> None:
    r = np.random.default_rng(0)
    noise = r.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    blocky = np.repeat(np.repeat(noise[::2, ::2], 2, 0), 2, 1)  # nearest ×2: less high-frequency energy
    assert radial_spectrum(blocky)[-8:].mean() < radial_spectrum(noise)[-8:].mean()
