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


# -- the local context of the localisation map ----------------------------------------------


def _pixels(n: int, h: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 16 * h, 16 * h, 3), dtype=np.uint8)


def test_local_vectors_have_neighbourhood_and_pixel_parts_beside_their_difference_from_the_median() -> None:
    from fakemedia.detect.features import local_vectors

    block = latent_block(_lat(n=2, h=4), FeatureConfig(kind="patches"))
    v = local_vectors(block, _pixels(2, 4))
    c = block.shape[1]
    assert v.shape == (2, 16, 2 * (3 * c + 30))
    absolute, relative = v[..., : v.shape[2] // 2], v[..., v.shape[2] // 2 :]
    np.testing.assert_allclose(relative, absolute - np.median(absolute, axis=1, keepdims=True), atol=1e-5)
    # the same through the config, and the pixels are required
    cfg = FeatureConfig(kind="patches", context="local")
    np.testing.assert_array_equal(patch_vectors(block, cfg, _pixels(2, 4)), v)
    with pytest.raises(DetectorError, match="pixels"):
        patch_vectors(block, cfg)
    with pytest.raises(DetectorError, match="analysed pixels"):
        local_vectors(block, _pixels(2, 3))


def test_a_uniform_image_differs_from_itself_nowhere() -> None:
    from fakemedia.detect.features import local_vectors

    block = np.ones((1, 8, 4, 5), np.float32)
    rgb = np.full((1, 64, 80, 3), 120, np.uint8)
    v = local_vectors(block, rgb)
    assert v.shape == (1, 20, 2 * (3 * 8 + 30))
    np.testing.assert_allclose(v[..., v.shape[2] // 2 :], 0.0, atol=1e-6)


def test_box_mean_repeats_the_edge() -> None:
    from fakemedia.detect.features import _box_mean

    x = np.zeros((1, 1, 3, 3), np.float32)
    x[0, 0, 0, 0] = 9.0
    m = _box_mean(x, 3)[0, 0]
    # the corner's window holds it four times (edge repeated), its neighbours twice or once
    np.testing.assert_allclose(m, [[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])


def test_cell_residuals_see_noise_and_jpeg_blocks() -> None:
    from fakemedia.detect.features import cell_residuals

    smooth = np.tile(np.linspace(60, 180, 64, dtype=np.float32)[None, :, None], (64, 1, 3)).astype(np.uint8)
    noisy = np.clip(smooth + np.random.default_rng(3).normal(0, 12, smooth.shape), 0, 255).astype(np.uint8)
    blocky = smooth.copy()
    for x0 in range(0, 64, 8):  # a step at every 8-pixel block border, flat inside
        blocky[:, x0 : x0 + 8] = smooth[:, x0 : x0 + 8].mean(axis=1, keepdims=True)
    r = cell_residuals(np.stack([smooth, noisy, blocky]))
    assert r.shape == (3, 15, 4, 4)
    laplacian_y, blockiness_cols_y = r[:, 0], r[:, 3]
    assert (laplacian_y[1] > laplacian_y[0] + 3).all()  # log energy: noise is far above a ramp
    # a step of about 15 grey levels at each border, against the ramp's own rounding (< 1 level)
    assert (blockiness_cols_y[2] > 5 / 255).all() and np.abs(blockiness_cols_y[0]).max() < 1.5 / 255
    with pytest.raises(DetectorError, match="multiples of 16"):
        cell_residuals(np.zeros((1, 20, 32, 3), np.uint8))
