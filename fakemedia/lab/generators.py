"""Small image generators built and trained in-process for the offline benchmark.

Nothing here is downloaded: each generator is a tiny convolutional autoencoder whose decoder
uses one of the four up-sampling operators found in GAN and diffusion decoders:

* ``tconv``   – transposed convolution 4×4 stride 2 (DCGAN; leaves checkerboard energy),
* ``nearest`` – nearest-neighbour ×2 then conv3×3 (StyleGAN-style "resize-convolution"),
* ``bilinear``– bilinear ×2 then conv3×3,
* ``shuffle`` – conv3×3 to 4× channels then pixel shuffle (sub-pixel convolution).

The autoencoders are trained briefly (seconds to tens of seconds each, 2 CPU threads) on random
crops of the *training* photographs. They then produce two kinds of synthetic images:
reconstructions of unseen crops, and "GAN-style" decodings of interpolated, noise-perturbed
codes that correspond to no photograph at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

UPSAMPLERS = ("tconv", "nearest", "bilinear", "shuffle")


def _up(kind: str, cin: int, cout: int) -> nn.Module:
    if kind == "tconv":
        return nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1)
    if kind in ("nearest", "bilinear"):
        mode = {"nearest": "nearest", "bilinear": "bilinear"}[kind]
        return nn.Sequential(nn.Upsample(scale_factor=2, mode=mode), nn.Conv2d(cin, cout, 3, padding=1))
    if kind == "shuffle":
        return nn.Sequential(nn.Conv2d(cin, cout * 4, 3, padding=1), nn.PixelShuffle(2))
    raise ValueError(f"unknown upsampler {kind!r}")


class TinyAutoencoder(nn.Module):
    """3× stride-2 conv encoder (↓8, 16-channel code) and a 3-stage decoder with ``upsampler``."""

    def __init__(self, upsampler: str, width: int = 32, code: int = 16) -> None:
        super().__init__()
        self.upsampler = upsampler
        act = nn.LeakyReLU(0.2)
        self.enc = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), act,
            nn.Conv2d(width, width, 3, stride=2, padding=1), act,
            nn.Conv2d(width, code, 3, stride=2, padding=1),
        )  # fmt: skip
        self.dec = nn.Sequential(
            _up(upsampler, code, width), act,
            _up(upsampler, width, width), act,
            _up(upsampler, width, width), act,
            nn.Conv2d(width, 3, 3, padding=1),
        )  # fmt: skip

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x * 2 - 1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def _to_tensor(batch: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32) / 255.0).permute(0, 3, 1, 2)


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def train_autoencoder(
    sample_batch: Callable[[np.random.Generator], np.ndarray],
    upsampler: str,
    *,
    seconds: float,
    max_steps: int,
    seed: int,
    lr: float = 2e-3,
) -> tuple[TinyAutoencoder, dict[str, float]]:
    """Train on batches from ``sample_batch`` (N×h×w×3 uint8) until ``seconds`` or ``max_steps``.

    Both bounds apply so a run is deterministic when ``max_steps`` is reached first; on a busy
    machine the time bound wins and the step count (reported) is what differs.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TinyAutoencoder(upsampler)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    t0 = time.perf_counter()
    step, loss_v = 0, float("nan")
    model.train()
    while step < max_steps and time.perf_counter() - t0 < seconds:
        x = _to_tensor(sample_batch(rng))
        loss = torch.mean((model(x) - x) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        loss_v = float(loss.detach())
    model.eval()
    psnr = float(10 * np.log10(1.0 / max(loss_v, 1e-10)))
    return model, {"steps": step, "seconds": time.perf_counter() - t0, "train_psnr_db": psnr}


@torch.inference_mode()
def reconstruct(model: TinyAutoencoder, images: np.ndarray, batch: int = 16) -> np.ndarray:
    """Autoencoder reconstructions of N×S×S×3 uint8 images (S a multiple of 8)."""
    out = [_to_uint8(model(_to_tensor(images[i : i + batch]))) for i in range(0, len(images), batch)]
    return np.concatenate(out)


@torch.inference_mode()
def decode_mixtures(
    model: TinyAutoencoder,
    pairs_a: np.ndarray,
    pairs_b: np.ndarray,
    rng: np.random.Generator,
    noise: float = 0.3,
) -> np.ndarray:
    """Decode ``α·E(a) + (1−α)·E(b) + noise`` codes: images no photograph corresponds to."""
    za, zb = model.encode(_to_tensor(pairs_a)), model.encode(_to_tensor(pairs_b))
    alpha = torch.from_numpy(rng.uniform(0.3, 0.7, size=(len(pairs_a), 1, 1, 1)).astype(np.float32))
    z = alpha * za + (1 - alpha) * zb
    scale = z.std(dim=(2, 3), keepdim=True)
    eps = torch.from_numpy(rng.standard_normal(tuple(z.shape)).astype(np.float32))
    return _to_uint8(model.decode(z + noise * scale * eps))


def paste_box(
    real: np.ndarray, fake: np.ndarray, rng: np.random.Generator, frac: Sequence[float] = (0.4, 0.7)
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Paste a random box of ``fake`` into ``real`` (same size); returns image and (x0, y0, x1, y1)."""
    s = real.shape[0]
    lo, hi = frac
    side = int(rng.uniform(lo, hi) * s)
    x0, y0 = (int(v) for v in rng.integers(0, s - side + 1, size=2))
    out = real.copy()
    out[y0 : y0 + side, x0 : x0 + side] = fake[y0 : y0 + side, x0 : x0 + side]
    return out, (x0, y0, x0 + side, y0 + side)


def splice(
    real: np.ndarray, fake: np.ndarray, rng: np.random.Generator, frac: Sequence[float] = (0.25, 0.6)
) -> tuple[np.ndarray, tuple[int, int, int, int], str]:
    """Paste a region of ``fake`` into ``real`` the way a forger would; returns (image, box, how).

    The region is a rectangle of random sides (``frac`` of the image each), its colours matched to
    the part of ``real`` it covers (per-channel mean and spread), its edge hard or feathered over
    3-10 px; the result is re-saved as JPEG (quality 70-95) with chance 0.7, as a splice usually is.
    """
    h, w = real.shape[:2]
    lo, hi = frac
    bh, bw = int(rng.uniform(lo, hi) * h), int(rng.uniform(lo, hi) * w)
    y0, x0 = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
    region = (slice(y0, y0 + bh), slice(x0, x0 + bw))
    src = fake[region].astype(np.float64)
    dst = real[region].astype(np.float64)
    matched = (src - src.mean((0, 1))) / (src.std((0, 1)) + 1e-6) * dst.std((0, 1)) + dst.mean((0, 1))
    alpha = np.ones((bh, bw), np.float64)
    how = "hard"
    if rng.random() < 0.5:
        ramp = int(rng.integers(3, 11))
        yy = np.minimum(np.arange(bh), np.arange(bh)[::-1])[:, None]
        xx = np.minimum(np.arange(bw), np.arange(bw)[::-1])[None, :]
        alpha = np.clip((np.minimum(yy, xx) + 1) / (ramp + 1), 0.0, 1.0)
        how = f"feathered {ramp} px"
    out = real.astype(np.float64)
    out[region] = alpha[..., None] * matched + (1 - alpha[..., None]) * dst
    img = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        from fakemedia.lab.processing import jpeg_resave

        q = int(rng.integers(70, 96))
        img, how = jpeg_resave(img, q), f"{how}, JPEG q{q}"
    return img, (x0, y0, x0 + bw, y0 + bh), how
