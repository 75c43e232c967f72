from __future__ import annotations

import numpy as np
import pytest

from fakemedia.detect.features import (
    FeatureConfig,
    all_patch_vectors,
    combine_patch_probs,
    image_features,
    latent_block,
    patch_positions,
    patch_vectors,
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


def test_relative_patch_context_adds_each_position_s_difference_from_the_image_median() -> None:
    block = latent_block(_lat(n=2, h=4), FeatureConfig("patches", "YUV"))
    plain = patch_vectors(block, FeatureConfig("patches", "YUV"))
    assert np.array_equal(plain, all_patch_vectors(block))
    rel = patch_vectors(block, FeatureConfig("patches", "YUV", context="relative"))
    assert rel.shape == (2, 16, 512) and np.array_equal(rel[..., :256], plain)
    median = np.median(block[1].reshape(256, -1), axis=1)
    assert np.allclose(rel[1, 5, 256:], block[1, :, 1, 1] - median)
    # a constant shift of the whole image (another scene, another exposure) leaves the context part
    assert np.allclose(patch_vectors(block + 3.0, FeatureConfig("patches", context="relative"))[..., 256:],
                       rel[..., 256:], atol=1e-5)
    X, img = train_patch_vectors(block, FeatureConfig("patches", "YUV", n_patches=5, context="relative"))
    assert X.shape == (10, 512) and np.array_equal(img, np.repeat([0, 1], 5))
    assert FeatureConfig.from_dict({"kind": "patches"}).context == "none"  # models written before it


def test_bad_config_rejected() -> None:
    with pytest.raises(DetectorError):
        FeatureConfig("everything")
    with pytest.raises(DetectorError, match="patch context"):
        FeatureConfig("patches", context="global")


def test_spectrum_sees_upsampling() -> None:
    r = np.random.default_rng(0)
    noise = r.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    blocky = np.repeat(np.repeat(noise[::2, ::2], 2, 0), 2, 1)  # nearest ×2: less high-frequency energy
    assert radial_spectrum(blocky)[-8:].mean() < radial_spectrum(noise)[-8:].mean()
