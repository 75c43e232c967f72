"""The GAN and diffusion families train, sample at any multiple of 16 and are seeded."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fakemedia.lab import families as fam  # noqa: E402


def _sampler(r: np.random.Generator) -> np.ndarray:
    return r.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)


def test_gan_trains_and_samples_larger_images_than_it_saw() -> None:
    gen, log = fam.train_gan(_sampler, seconds=60, max_steps=3, seed=0)
    assert log["steps"] == 3 and np.isfinite(log["loss_d"])
    a = fam.gan_samples(gen, 3, 64, np.random.default_rng(1))
    b = fam.gan_samples(gen, 3, 64, np.random.default_rng(1))
    assert a.shape == (3, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a[0], a[1])
    with pytest.raises(ValueError):
        fam.gan_samples(gen, 1, 40, np.random.default_rng(0))


def test_ddpm_trains_and_samples_from_noise_and_from_an_image() -> None:
    model, log = fam.train_ddpm(_sampler, seconds=60, max_steps=3, seed=0)
    assert log["steps"] == 3 and np.isfinite(log["loss"])
    x = fam.ddim_sample(model, np.random.default_rng(0), n=2, size=32, steps=3)
    assert x.shape == (2, 32, 32, 3) and x.dtype == np.uint8
    init = np.full((1, 32, 32, 3), 128, dtype=np.uint8)
    light = fam.ddim_sample(model, np.random.default_rng(0), init=init, strength=0.05, steps=2)
    heavy = fam.ddim_sample(model, np.random.default_rng(0), init=init, strength=1.0, steps=2)
    # A little noise leaves the image close to its start; full strength forgets it.
    assert np.abs(light.astype(int) - 128).mean() < np.abs(heavy.astype(int) - 128).mean()
