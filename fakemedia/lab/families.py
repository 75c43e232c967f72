"""Two more generator families for the benchmark, trained here on the photographs we have.

Beside the autoencoders of :mod:`fakemedia.lab.generators` (trained to reconstruct), these are
trained the two other ways image generators are made, so the benchmark can ask whether a detector
recognises a *family* it never saw:

* **GAN** — a DCGAN (Radford et al., ICLR 2016): a transposed-convolution generator with batch
  normalisation against a strided-convolution discriminator, non-saturating loss, Adam(2e-4, 0.5).
  Both networks are fully convolutional, so a generator trained on 64×64 patches samples larger
  images from a larger noise map (4×4 noise cells per 64 pixels).
* **Diffusion** — a DDPM (Ho et al., NeurIPS 2020): a small UNet predicts the noise ε of
  x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε under the linear β schedule (10⁻⁴ … 0.02, T = 1000). Sampling uses
  the deterministic DDIM update (Song et al., ICLR 2021) on a few evenly spaced steps, either from
  pure noise or, SDEdit-style (Meng et al., ICLR 2022), from a photograph noised to an
  intermediate step (the "image-to-image" use of diffusion models).

Both train for seconds to a few minutes on 2 CPU threads: the images are poor, but they carry
the fingerprints of their training objective and decoder, which is what the benchmark needs.
Training stops at ``max_steps`` or ``seconds``, whichever comes first (the step count reached is
reported, so a slow machine shows up in the log).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as tnf

from fakemedia.lab.generators import _to_tensor, _to_uint8

Sampler = Callable[[np.random.Generator], np.ndarray]

# --------------------------------------------------------------------------------------------
# GAN


class DCGenerator(nn.Module):
    """Noise map (``nz``×h×w) → image 16h×16w: four tconv 4×4 stride-2 stages with batch norm."""

    def __init__(self, nz: int = 32, width: int = 16) -> None:
        super().__init__()
        self.nz = nz
        chans = [nz, width * 8, width * 4, width * 2, width]
        layers: list[nn.Module] = []
        for cin, cout in itertools.pairwise(chans):
            layers += [
                nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(cout),
                nn.ReLU(True),
            ]
        layers += [nn.Conv2d(width, 3, 3, padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (self.net(z) + 1) / 2


class DCDiscriminator(nn.Module):
    """Four conv 4×4 stride-2 stages (no norm on the first), then a 1×1 logit map."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        chans = [3, width, width * 2, width * 4, width * 8]
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(itertools.pairwise(chans)):
            layers.append(nn.Conv2d(cin, cout, 4, stride=2, padding=1, bias=False))
            if i:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(0.2, True))
        layers.append(nn.Conv2d(chans[-1], 1, 3, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 - 1).mean(dim=(1, 2, 3))


def train_gan(
    sample_batch: Sampler, *, seconds: float, max_steps: int, seed: int, lr: float = 2e-4
) -> tuple[DCGenerator, dict[str, float]]:
    """Adversarial training on batches from ``sample_batch`` (N×S×S×3 uint8, S a multiple of 16)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen, disc = DCGenerator(), DCDiscriminator()
    opt_g = torch.optim.Adam(gen.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=lr, betas=(0.5, 0.999))
    t0 = time.perf_counter()
    step, loss_d_v, loss_g_v = 0, float("nan"), float("nan")
    while step < max_steps and time.perf_counter() - t0 < seconds:
        real = _to_tensor(sample_batch(rng))
        n, _, h, w = real.shape
        z = torch.randn(n, gen.nz, h // 16, w // 16)
        fake = gen(z)
        loss_d = tnf.softplus(-disc(real)).mean() + tnf.softplus(disc(fake.detach())).mean()
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = tnf.softplus(-disc(fake)).mean()  # non-saturating generator loss
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        step += 1
        loss_d_v, loss_g_v = float(loss_d.detach()), float(loss_g.detach())
    gen.eval()
    return gen, {"steps": step, "seconds": time.perf_counter() - t0, "loss_d": loss_d_v, "loss_g": loss_g_v}


@torch.inference_mode()
def gan_samples(gen: DCGenerator, n: int, size: int, rng: np.random.Generator, batch: int = 16) -> np.ndarray:
    """``n`` samples of ``size``×``size`` (a multiple of 16), uint8."""
    if size % 16:
        raise ValueError("GAN sample size must be a multiple of 16")
    out = []
    for i in range(0, n, batch):
        m = min(batch, n - i)
        z = torch.from_numpy(rng.standard_normal((m, gen.nz, size // 16, size // 16)).astype(np.float32))
        out.append(_to_uint8(gen(z)))
    return np.concatenate(out)


# --------------------------------------------------------------------------------------------
# Diffusion

T_STEPS = 1000


def _alpha_bar() -> torch.Tensor:
    betas = torch.linspace(1e-4, 0.02, T_STEPS, dtype=torch.float64)
    return torch.cumprod(1 - betas, 0).float()


def _time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class _ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, tdim: int) -> None:
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(4, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(tdim, cout)
        self.n2, self.c2 = nn.GroupNorm(4, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.c1(tnf.silu(self.n1(x))) + self.t(temb)[:, :, None, None]
        h = self.c2(tnf.silu(self.n2(h)))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    """Two-level UNet (width, 2·width, 2·width), residual blocks, no attention (fully convolutional)."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        tdim = width * 4
        self.width = width
        self.temb = nn.Sequential(nn.Linear(width, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        w1, w2 = width, width * 2
        self.inc = nn.Conv2d(3, w1, 3, padding=1)
        self.d1 = _ResBlock(w1, w1, tdim)
        self.down1 = nn.Conv2d(w1, w1, 3, stride=2, padding=1)
        self.d2 = _ResBlock(w1, w2, tdim)
        self.down2 = nn.Conv2d(w2, w2, 3, stride=2, padding=1)
        self.mid = _ResBlock(w2, w2, tdim)
        self.u2 = _ResBlock(w2 + w2, w2, tdim)
        self.u1 = _ResBlock(w2 + w1, w1, tdim)
        self.out = nn.Sequential(nn.GroupNorm(4, w1), nn.SiLU(), nn.Conv2d(w1, 3, 3, padding=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        e = self.temb(_time_embedding(t, self.width))
        h1 = self.d1(self.inc(x), e)
        h2 = self.d2(self.down1(h1), e)
        m = self.mid(self.down2(h2), e)
        u = self.u2(torch.cat([tnf.interpolate(m, scale_factor=2.0, mode="nearest"), h2], 1), e)
        u = self.u1(torch.cat([tnf.interpolate(u, scale_factor=2.0, mode="nearest"), h1], 1), e)
        return self.out(u)


def train_ddpm(
    sample_batch: Sampler, *, seconds: float, max_steps: int, seed: int, lr: float = 1e-3
) -> tuple[TinyUNet, dict[str, float]]:
    """ε-prediction training (the DDPM "simple" loss) on batches from ``sample_batch``."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TinyUNet()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    abar = _alpha_bar()
    t0 = time.perf_counter()
    step, loss_v = 0, float("nan")
    model.train()
    while step < max_steps and time.perf_counter() - t0 < seconds:
        x0 = _to_tensor(sample_batch(rng)) * 2 - 1
        t = torch.randint(0, T_STEPS, (x0.shape[0],))
        eps = torch.randn_like(x0)
        a = abar[t][:, None, None, None]
        loss = tnf.mse_loss(model(a.sqrt() * x0 + (1 - a).sqrt() * eps, t), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        loss_v = float(loss.detach())
    model.eval()
    return model, {"steps": step, "seconds": time.perf_counter() - t0, "loss": loss_v}


@torch.inference_mode()
def ddim_sample(
    model: TinyUNet,
    rng: np.random.Generator,
    *,
    n: int = 0,
    size: int = 0,
    init: np.ndarray | None = None,
    strength: float = 1.0,
    steps: int = 20,
    batch: int = 8,
) -> np.ndarray:
    """Deterministic DDIM sampling on ``steps`` evenly spaced steps.

    With ``init`` (N×S×S×3 uint8, S a multiple of 4) each image is first noised to step
    ``strength·T`` and denoised from there (SDEdit); otherwise ``n`` images of ``size`` start
    from pure noise.
    """
    abar = _alpha_bar()
    t_start = max(1, min(T_STEPS, round(strength * T_STEPS))) - 1
    ts = np.linspace(t_start, 0, max(2, steps)).round().astype(int)
    count = len(init) if init is not None else n
    out = []
    for i in range(0, count, batch):
        m = min(batch, count - i)
        if init is not None:
            x0 = _to_tensor(init[i : i + m]) * 2 - 1
        else:
            x0 = torch.zeros(m, 3, size, size)
        eps0 = torch.from_numpy(rng.standard_normal(tuple(x0.shape)).astype(np.float32))
        a = abar[ts[0]]
        x = a.sqrt() * x0 + (1 - a).sqrt() * eps0 if init is not None else eps0
        for t_now, t_next in itertools.pairwise(ts):
            a_now, a_next = abar[t_now], abar[t_next]
            eps = model(x, torch.full((m,), int(t_now)))
            x0_hat = ((x - (1 - a_now).sqrt() * eps) / a_now.sqrt()).clamp(-1, 1)
            x = a_next.sqrt() * x0_hat + (1 - a_next).sqrt() * eps
        eps = model(x, torch.full((m,), int(ts[-1])))
        x0_hat = ((x - (1 - abar[ts[-1]]).sqrt() * eps) / abar[ts[-1]].sqrt()).clamp(-1, 1)
        out.append(_to_uint8((x0_hat + 1) / 2))
    return np.concatenate(out)
