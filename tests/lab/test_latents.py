from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from fakemedia.lab.latents import cached_latents

pytestmark = pytest.mark.detect


def test_latent_cache_reuses(tmp_path: Path) -> None:
    imgs = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    a = cached_latents(imgs, rate=0, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("latents-*.npz"))) == 1
    b = cached_latents(imgs, rate=0, cache_dir=tmp_path)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert a["y_Y"].shape == (2, 160, 2, 2)
