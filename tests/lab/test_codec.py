"""Codec: entropy models are proper distributions, training reduces the loss, shipped codec quality."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")

from fakemedia.detect.encoder import EncoderConfig  # noqa: E402
from fakemedia.detect.runtime import limit_threads  # noqa: E402
from fakemedia.lab.codec import (  # noqa: E402
    FactorizedPrior,
    JpegAIStyleCodec,
    evaluate,
    gaussian_likelihood,
    load_codec,
    mean_baseline_psnr,
)
from fakemedia.lab.photos import HELDOUT_SCENES, PHOTOS, available_photos  # noqa: E402
from fakemedia.lab.train_codec import heldout_crops, random_crops  # noqa: E402

pytestmark = pytest.mark.detect
limit_threads(2)

# Floors for the shipped codec on the deterministic held-out crops (README lists the measured
# values; these sit a little below them so that thread-order float noise cannot fail the test).
PSNR_FLOOR_DB = {0: 21.5, 1: 22.0}  # measured 22.23 / 22.73 dB RGB PSNR
BPP_CEILING = {0: 0.35, 1: 0.55}  # measured 0.266 / 0.417 bpp

TINY = EncoderConfig(luma_channels=16, chroma_channels=8, hidden=16, hyper_luma=8, hyper_chroma=8)


def test_gaussian_likelihood_sums_to_one() -> None:
    sym = torch.arange(-60, 61, dtype=torch.float32).view(-1, 1)
    for sigma in (0.2, 1.0, 7.5):
        p = gaussian_likelihood(sym, torch.full_like(sym, sigma))
        assert math.isclose(float(p.sum()), 1.0, abs_tol=1e-4)
        assert float(p[60]) == pytest.approx(float(p.max()))  # mode at 0


def test_factorized_prior_sums_to_one() -> None:
    torch.manual_seed(0)
    prior = FactorizedPrior(4)
    z = torch.arange(-200, 201, dtype=torch.float32).view(1, 1, 1, -1).repeat(1, 4, 1, 1)
    p = prior.likelihood(z)
    sums = p.sum(dim=(0, 2, 3))
    assert torch.allclose(sums, torch.ones(4), atol=1e-3)


def test_tiny_training_steps_reduce_loss() -> None:
    torch.manual_seed(0)
    codec = JpegAIStyleCodec(TINY).train()
    x = torch.rand(4, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    x = torch.nn.functional.avg_pool2d(x, 5, 1, 2)  # smooth, so it is learnable in a few steps
    opt = torch.optim.Adam(codec.parameters(), lr=2e-3)

    def loss_at(seed: int) -> torch.Tensor:
        torch.manual_seed(seed)  # same noise draw before and after
        return codec.loss(x, rate=1)["loss"]

    before = float(loss_at(123).detach())
    for i in range(15):
        opt.zero_grad()
        loss_at(i).backward()
        opt.step()
    after = float(loss_at(123).detach())
    assert after < 0.8 * before


def test_photo_records_and_crops() -> None:
    names = {r.name for r in PHOTOS}
    assert len(names) == len(PHOTOS) == 12
    assert all(r.licence and r.provenance and r.package for r in PHOTOS)
    train = available_photos(heldout=False)
    held = available_photos(heldout=True)
    assert held and train and not set(train) & set(held)
    assert {r.scene for r in PHOTOS if r.name in held} <= set(HELDOUT_SCENES)
    crops = random_crops(list(train.values()), 3, 64, np.random.default_rng(0))
    assert crops.shape == (3, 3, 64, 64) and 0.0 <= float(crops.min()) <= float(crops.max()) <= 1


@pytest.fixture(scope="module")
def shipped_codec() -> JpegAIStyleCodec:
    return load_codec(None)


@pytest.mark.parametrize("rate", [0, 1])
def test_shipped_codec_on_heldout_crops(shipped_codec: JpegAIStyleCodec, rate: int) -> None:
    crops, names = heldout_crops()  # the 8 crops the README figures are measured on
    assert set(names) <= {r.name for r in PHOTOS if r.scene in HELDOUT_SCENES}
    ev = evaluate(shipped_codec, crops, rate)
    baseline = mean_baseline_psnr(crops)
    assert ev["psnr_rgb"] > PSNR_FLOOR_DB[rate]
    assert ev["psnr_rgb"] > baseline + 8.0  # far above "paint the mean colour"
    assert 0.0 < ev["bpp"] < BPP_CEILING[rate]


def test_rate_points_trade_rate_for_quality(shipped_codec: JpegAIStyleCodec) -> None:
    crops, _ = heldout_crops()
    lo = evaluate(shipped_codec, crops[:2], 0)
    hi = evaluate(shipped_codec, crops[:2], 1)
    assert hi["bpp"] > lo["bpp"]
    assert hi["psnr_rgb"] > lo["psnr_rgb"]
