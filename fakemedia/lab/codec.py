"""The whole JPEG AI-style codec around :class:`JpegAIStyleEncoder`: synthesis and entropy models.

* Synthesis (decoder) transposes the analysis: luma ``ŷ_Y`` (160) → conv1×1 → four convT3×3 ↑2
  (→128→128→128→1) gives Y; chroma gets the luma latents as support (as JPEG AI's CCS decoder
  does): ``cat(ŷ_UV, ŷ_Y)`` (256) → conv1×1 → three convT ↑2 (→128→128→2) gives U, V at 4:2:0.
  Activations between: LeakyReLU(0.1) (the counterpart of the encoder default).
* Entropy models: a factorized ("fully factorized", Ballé et al. 2018) density per z channel for
  the hyper latent, and a Gaussian conditional for the y symbols ``s = round(g·(y − μ))`` with
  scale ``σ_s = g·σ`` (floored at 0.11, the JPEG AI σ-table minimum).
* Training: additive uniform noise replaces rounding in the rate terms (y symbols and z); the
  synthesis sees straight-through-rounded symbols (the "mixed" quantisation proxy) so it learns
  on what the test-time quantiser produces. Loss = λ_r·255²·D + bpp, where D is the YUV MSE
  weighted 4:1:1 (Y at full resolution, U/V at 4:2:0) and λ_r depends on the rate point.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from fakemedia.detect.color import rgb_to_yuv709, subsample_420, upsample_420, yuv709_to_rgb
from fakemedia.detect.encoder import (
    DEFAULT_MODEL,
    ZOO,
    EncoderConfig,
    JpegAIStyleEncoder,
    LatentBranch,
    check_size,
    config_from_meta,
    default_weights_path,
    read_state,
    sha256_file,
)
from fakemedia.errors import DetectorError, WeightsMismatch

SIGMA_MIN = 0.11
LIKELIHOOD_MIN = 1e-9
# λ per rate point (CompressAI's MSE scale: λ·255²·MSE + bpp). 0.0035 ≈ its q2, 0.025 ≈ q5.
LAMBDAS: tuple[float, ...] = (0.0035, 0.025)


def _tconv(cin: int, cout: int) -> nn.ConvTranspose2d:
    # The exact transpose of the analysis conv3×3 s2 (p=1): doubles H and W.
    return nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1)


def _synthesis(cin: int, hidden: int, cout: int, n_up: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cin, 1)]
    c = cin
    for i in range(n_up):
        last = i == n_up - 1
        layers.append(_tconv(c, cout if last else hidden))
        if not last:
            layers.append(nn.LeakyReLU(0.1, inplace=True))
        c = hidden
    return nn.Sequential(*layers)


class FactorizedPrior(nn.Module):
    """Per-channel learned CDF c(x) = sigmoid(f(x)), f a monotone 1→3→3→3→1 map (Ballé 2018)."""

    def __init__(self, channels: int, filters: tuple[int, ...] = (3, 3, 3), init_scale: float = 10.0):
        super().__init__()
        dims = (1, *filters, 1)
        scale = init_scale ** (1.0 / (len(filters) + 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(filters) + 1):
            init = math.log(math.expm1(1.0 / scale / dims[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, dims[i + 1], dims[i]), init)))
            self.biases.append(nn.Parameter(torch.rand(channels, dims[i + 1], 1) - 0.5))
            if i < len(filters):
                self.factors.append(nn.Parameter(torch.zeros(channels, dims[i + 1], 1)))

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        # x: C×1×N -> C×1×N logits of the CDF
        for i, (m, b) in enumerate(zip(self.matrices, self.biases, strict=True)):
            x = torch.matmul(F.softplus(m), x) + b
            if i < len(self.factors):
                x = x + torch.tanh(self.factors[i]) * torch.tanh(x)
        return x

    def likelihood(self, z: torch.Tensor) -> torch.Tensor:
        b, c, h, w = z.shape
        v = z.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lo, hi = self._logits(v - 0.5), self._logits(v + 0.5)
        # Evaluate in the tail where the sigmoid is flat on the far side (numerical stability).
        sign = -torch.sign(lo + hi).detach()
        p = torch.abs(torch.sigmoid(sign * hi) - torch.sigmoid(sign * lo))
        return p.reshape(c, b, h, w).permute(1, 0, 2, 3).clamp_min(LIKELIHOOD_MIN)


def gaussian_likelihood(sym: torch.Tensor, sigma_s: torch.Tensor) -> torch.Tensor:
    """P(symbol) for a zero-mean Gaussian integrated over [s−½, s+½] (symmetric-tail form)."""
    s = sigma_s.clamp_min(SIGMA_MIN)
    v = torch.abs(sym)
    upper = 0.5 * torch.erfc(-(0.5 - v) / (s * math.sqrt(2.0)))
    lower = 0.5 * torch.erfc(-(-0.5 - v) / (s * math.sqrt(2.0)))
    return (upper - lower).clamp_min(LIKELIHOOD_MIN)


@dataclass
class CodecOutput:
    yuv_hat: torch.Tensor  # reconstruction: Y full res, (U, V) at 4:2:0 -> returned as Y and UV
    uv_hat: torch.Tensor
    bits_y: torch.Tensor  # per image
    bits_z: torch.Tensor


class JpegAIStyleCodec(nn.Module):
    """Encoder + hyperprior entropy models + synthesis; trainable end to end."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        super().__init__()
        self.encoder = JpegAIStyleEncoder(config)
        c = self.encoder.config
        self.synth_Y = _synthesis(c.luma_channels, c.hidden, 1, 4)
        self.synth_UV = _synthesis(c.chroma_channels + c.luma_channels, c.hidden, 2, 3)
        self.z_prior_Y = FactorizedPrior(c.hyper_luma)
        self.z_prior_UV = FactorizedPrior(c.hyper_chroma)

    def metadata(self) -> dict[str, str]:
        return {"encoder_config": json.dumps(self.encoder.config.to_dict(), sort_keys=True),
                "format": "fakemedia-jpegai-style-codec-1"}  # fmt: skip

    def synthesise(self, yhat_Y: torch.Tensor, yhat_UV: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """ŷ -> (Y at H×W, UV at H/2×W/2), Y back in [0, 1]."""
        y = self.synth_Y(yhat_Y) + 0.5
        uv = self.synth_UV(torch.cat([yhat_UV, yhat_Y], 1))
        return y, uv

    def _branch(
        self,
        branch: LatentBranch,
        prior: FactorizedPrior,
        y: torch.Tensor,
        rate: int,
        train: bool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> (ŷ fed to synthesis, bits of y per image, bits of z per image)."""
        enc = self.encoder
        z_hat, mu, sigma = enc.hyper(branch, y, noise=train)
        g = branch.gain(rate)
        if train:
            r = g * (y - mu)
            sym_rate = r + torch.empty_like(r).uniform_(-0.5, 0.5)
            sym_dec = r + (torch.round(r) - r).detach()  # straight-through rounding
            y_hat = mu + sym_dec / g
        else:
            y_hat, sym_rate = enc.quantise(branch, y, mu, sigma, rate)
        p_y = gaussian_likelihood(sym_rate, g * sigma)
        if not train and enc.config.skip_sigma > 0:
            # Skipped elements cost nothing: the decoder infers the skip from σ.
            p_y = torch.where(g * sigma < enc.config.skip_sigma, torch.ones_like(p_y), p_y)
        p_z = prior.likelihood(z_hat)
        bits_y = -torch.log2(p_y).flatten(1).sum(1)
        bits_z = -torch.log2(p_z).flatten(1).sum(1)
        return y_hat, bits_y, bits_z

    def forward(self, x: torch.Tensor, rate: int = 0) -> CodecOutput:
        check_size(x)
        train = self.training
        y_Y, y_UV = self.encoder.analyse_y(x)
        yh_Y, by_Y, bz_Y = self._branch(self.encoder.branch_Y, self.z_prior_Y, y_Y, rate, train)
        yh_UV, by_UV, bz_UV = self._branch(
            self.encoder.branch_UV, self.z_prior_UV, y_UV, rate, train
        )
        y_rec, uv_rec = self.synthesise(yh_Y, yh_UV)
        return CodecOutput(y_rec, uv_rec, by_Y + by_UV, bz_Y + bz_UV)

    @staticmethod
    def targets(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        yuv = rgb_to_yuv709(x)
        return yuv[:, 0:1], subsample_420(yuv[:, 1:3])

    @staticmethod
    def distortion(out: CodecOutput, x: torch.Tensor) -> torch.Tensor:
        """YUV MSE weighted 4:1:1 (Y, U, V), U and V compared at 4:2:0."""
        y_t, uv_t = JpegAIStyleCodec.targets(x)
        mse_y = F.mse_loss(out.yuv_hat, y_t)
        mse_uv = F.mse_loss(out.uv_hat, uv_t)  # mean over U and V
        return (4.0 * mse_y + 2.0 * mse_uv) / 6.0

    def loss(self, x: torch.Tensor, rate: int, lambdas: tuple[float, ...] = LAMBDAS) -> dict:
        out = self(x, rate)
        n_pix = x.shape[2] * x.shape[3]
        bpp = ((out.bits_y + out.bits_z) / n_pix).mean()
        d = self.distortion(out, x)
        total = lambdas[rate] * 255.0**2 * d + bpp
        return {"loss": total, "bpp": bpp, "mse": d}

    @staticmethod
    def to_rgb(out: CodecOutput) -> torch.Tensor:
        uv = upsample_420(out.uv_hat, (out.yuv_hat.shape[2], out.yuv_hat.shape[3]))
        return yuv709_to_rgb(torch.cat([out.yuv_hat, uv], 1)).clamp(0.0, 1.0)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(F.mse_loss(a, b))
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


@torch.inference_mode()
def evaluate(codec: JpegAIStyleCodec, crops: torch.Tensor, rate: int) -> dict[str, float]:
    """Rate (bpp from the likelihoods) and RGB / Y PSNR over B×3×H×W crops in [0, 1]."""
    was = codec.training
    codec.eval()
    try:
        out = codec(crops, rate)
        rgb = JpegAIStyleCodec.to_rgb(out)
        n_pix = crops.shape[2] * crops.shape[3]
        y_t, _ = JpegAIStyleCodec.targets(crops)
        per_img_rgb = [psnr(rgb[i], crops[i]) for i in range(crops.shape[0])]
        per_img_y = [psnr(out.yuv_hat[i].clamp(0, 1), y_t[i]) for i in range(crops.shape[0])]
        return {
            "bpp": float(((out.bits_y + out.bits_z) / n_pix).mean()),
            "bpp_z": float((out.bits_z / n_pix).mean()),
            "psnr_rgb": sum(per_img_rgb) / len(per_img_rgb),
            "psnr_y": sum(per_img_y) / len(per_img_y),
        }
    finally:
        codec.train(was)


def mean_baseline_psnr(crops: torch.Tensor) -> float:
    """PSNR of replacing each crop by its per-image, per-channel mean colour (trivial baseline)."""
    mean = crops.mean(dim=(2, 3), keepdim=True).expand_as(crops)
    vals = [psnr(mean[i], crops[i]) for i in range(crops.shape[0])]
    return sum(vals) / len(vals)


def chroma_420_psnr(crops: torch.Tensor) -> float:
    """Upper bound from the colour pipeline alone: YUV 4:2:0 down/up-sampling, no coding."""
    yuv = rgb_to_yuv709(crops)
    uv = upsample_420(subsample_420(yuv[:, 1:3]), (crops.shape[2], crops.shape[3]))
    rgb = yuv709_to_rgb(torch.cat([yuv[:, 0:1], uv], 1)).clamp(0, 1)
    vals = [psnr(rgb[i], crops[i]) for i in range(crops.shape[0])]
    return sum(vals) / len(vals)


def load_codec(path: str | os.PathLike[str] | None = None) -> JpegAIStyleCodec:
    """The full codec (eval mode) from a codec weights file; None -> the shipped, pinned file."""
    if path is None:
        p = default_weights_path()
        if p is None:
            raise DetectorError("shipped codec weights are not installed")
        digest = sha256_file(p)
        pinned = ZOO[DEFAULT_MODEL]["sha256"]
        if digest != pinned:
            raise WeightsMismatch(f"{p.name}: sha256 {digest[:16]}… != pinned {pinned[:16]}…")
    else:
        p = Path(path)
        if not p.is_file():
            raise DetectorError(f"weights file not found: {p}")
    state, meta = read_state(p)
    cfg = config_from_meta(meta, p.name)
    codec = JpegAIStyleCodec(cfg)
    try:
        codec.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[0] if str(e) else "key/shape mismatch"
        raise DetectorError(f"{p.name}: not a JpegAIStyleCodec file ({first})") from None
    return codec.eval()
