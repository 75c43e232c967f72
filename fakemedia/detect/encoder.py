"""A JPEG AI-style analysis transform (CCS: separate luma and luma-conditioned chroma branches).

What follows JPEG AI (the reference software's architecture; Esenlik et al., "An Overview of
the JPEG AI Learning-Based Image Coding Standard", 2025, arXiv:2510.13867):

* input RGB -> YUV BT.709, chroma at 4:2:0;
* luma analysis: four conv3×3 stride 2 (1→128→128→128→160), activation between them, then a
  conv1×1 (160→160): ``y_Y`` is 160×H/16×W/16;
* chroma analysis is conditioned on luma *pixels*: a 12-channel input at H/2 made of
  ``pixel_unshuffle(Y, 2)`` (4 ch) plus U and V each repeated ×4; three conv3×3 stride 2
  (12→128→128→96) then conv1×1 (96→96): ``y_UV`` is 96×H/16×W/16;
* hyper-encoder on ``|y|``: conv3×3 s1 → LeakyReLU → conv3×3 s1 → conv3×3 s2 → LeakyReLU →
  conv3×3 s1 → conv3×3 s2 (↓4), ``z`` clamped to [-31, 31] and rounded;
* mean hyper-decoder: conv1×1 → convT4×4 ↑2 → ReLU6 → conv3×3 → ReLU6 → conv3×3 (→4·C), the four
  chunks interleaved 2×2 (pixel shuffle) up to the y grid: this is μ;
* scale hyper-decoder: conv1×1 → depthwise conv3×3 → conv1×1 (→16·C) → PixelShuffle(4): σ;
* ``ŷ = μ + round(g·(y − μ)) / g`` with a rate-dependent gain ``g`` (not ``round(y)``), plus
  skip mode.

Choices made where the JPEG AI description is silent or not reachable offline (all documented
here, none claimed to match the VM bit-exactly):

* **Normalisation**: luma enters as ``Y − 0.5``; U, V are already centred ([-0.5, 0.5]).
* **Activation** between analysis convs: ``LeakyReLU(0.1)`` by default (ReLU-family, cheap on
  CPU). JPEG AI uses "ResAU" whose formula we could not confirm; ``activation="gdn"`` selects
  GDN (Ballé) instead. No activation between the last conv3×3 and the conv1×1 (as listed in the VM).
* **Hyper widths**: hidden and ``z`` channels are 96 for luma and 64 for chroma (the VM says "chs";
  we narrow them to keep the shipped fp16 file under ~8 MB). Activations in the scale decoder: ReLU.
* **No 4-phase context model** for luma μ: μ comes from the hyper-decoder alone for both
  components (the VM's chroma path; its luma MCM also uses earlier phases' ŷ).
* **Gains**: learned per-channel gain vectors, one per rate point, stored as ``log_gain``
  (R×C). Rate point 0 is trained with a small λ (low rate), rate point 1 with a large λ.
  The analysis weights are shared across rate points (like a β displacement inside one JPEG AI
  model), so ``y`` does not depend on the rate point, only ``ŷ`` does.
* **σ** is predicted in the y domain (softplus, floored at 1e-3) and converted to the symbol
  domain as ``σ_s = g·σ``; entropy coding uses a Gaussian on the symbols (see ``codec.py``).
* **Skip mode**: elements whose symbol-domain ``σ_s`` is below ``skip_sigma`` (0.15) get
  ``r̂ = 0``, i.e. ``ŷ = μ`` there (the decoder knows σ, so it is decodable). No block skipping.
* **Sizes**: H and W must be multiples of 16. When the y grid is not a multiple of 4, the
  hyper path pads implicitly (stride-2 convs round up) and μ, σ are cropped to the y grid.

Alternative backbone: :func:`load_compressai_analysis` / :func:`load_any_encoder` build a
CompressAI bmshj2018-style ``g_a`` (conv5×5 s2 + GDN) from a user-supplied local checkpoint.

Weights: ``load_encoder(None)`` loads the shipped, SHA-256-pinned file from ``weights/``
(see ``ZOO``); if that file is absent it falls back to a deterministic seeded init, flagged
by ``encoder.weights_id`` starting with ``"UNTRAINED"``.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from fakemedia.detect.color import rgb_to_yuv709, subsample_420
from fakemedia.errors import DetectorError, WeightsMismatch

RATE_POINTS: tuple[int, ...] = (0, 1)
LATENT_KEYS: tuple[str, ...] = ("y_Y", "y_UV", "yhat_Y", "yhat_UV")
Z_BOUND = 31.0

DEFAULT_MODEL = "jpegai-style-ccs-v1"
# name -> shipped file, its SHA-256 and the architecture it was trained with. The codec file holds
# the encoder under the "encoder." prefix plus the synthesis and entropy-model parameters.
ZOO: dict[str, dict[str, Any]] = {
    DEFAULT_MODEL: {
        "file": "jpegai_style_ccs_v1.safetensors",
        "sha256": "7acd5d70ea1bb920913b818c483c846f2af8d5b572916264a5a486beb7f04310",
        "config": {
            "luma_channels": 160,
            "chroma_channels": 96,
            "hidden": 128,
            "hyper_luma": 96,
            "hyper_chroma": 64,
            "activation": "leaky",
            "n_rates": 2,
            "skip_sigma": 0.15,
        },
        "dtype": "float16 (loaded as float32)",
        "training": "train_codec, 2 stages, 739 iterations, see weights/README.md",
    },
}


@dataclass(frozen=True)
class EncoderConfig:
    """Architecture of :class:`JpegAIStyleEncoder` (latent sizes 160/96 are the JPEG AI ones)."""

    luma_channels: int = 160
    chroma_channels: int = 96
    hidden: int = 128
    hyper_luma: int = 96
    hyper_chroma: int = 64
    activation: str = "leaky"  # "leaky" | "gdn"
    n_rates: int = len(RATE_POINTS)
    skip_sigma: float = 0.15

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EncoderConfig:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GDN(nn.Module):
    """Generalised divisive normalisation, y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²).

    Stored reparametrised like CompressAI (effective = max(p, bound)² − pedestal) so that β stays
    positive during training and CompressAI ``g_a`` checkpoints map onto it directly.
    """

    pedestal = 2.0**-36

    def __init__(self, channels: int, inverse: bool = False) -> None:
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.sqrt(torch.ones(channels) + self.pedestal))
        self.gamma = nn.Parameter(torch.sqrt(0.1 * torch.eye(channels) + self.pedestal))

    def effective(self) -> tuple[torch.Tensor, torch.Tensor]:
        beta_bound = (1e-6 + self.pedestal) ** 0.5
        beta = torch.clamp(self.beta, min=beta_bound) ** 2 - self.pedestal
        gamma = torch.clamp(self.gamma, min=self.pedestal**0.5) ** 2 - self.pedestal
        return beta, gamma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta, gamma = self.effective()
        c = x.shape[1]
        norm = F.conv2d(x * x, gamma.view(c, c, 1, 1), beta)
        return x * torch.sqrt(norm) if self.inverse else x * torch.rsqrt(norm)


def _act(kind: str, channels: int) -> nn.Module:
    if kind == "leaky":
        return nn.LeakyReLU(0.1, inplace=True)
    if kind == "gdn":
        return GDN(channels)
    raise ValueError(f"unknown activation {kind!r}")


def _conv(cin: int, cout: int, k: int = 3, s: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=s, padding=k // 2)


def _analysis(cin: int, hidden: int, cout: int, n_down: int, act: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    c = cin
    for i in range(n_down):
        last = i == n_down - 1
        layers.append(_conv(c, cout if last else hidden, 3, 2))
        if not last:
            layers.append(_act(act, hidden))
        c = hidden
    layers.append(_conv(cout, cout, 1))
    return nn.Sequential(*layers)


class HyperEncoder(nn.Module):
    """|y| -> z at 1/4 of the y grid (VM ``HyperEncoderBasic`` layout)."""

    def __init__(self, cy: int, cz: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            _conv(cy, cz), nn.LeakyReLU(0.1, inplace=True), _conv(cz, cz),
            _conv(cz, cz, 3, 2), nn.LeakyReLU(0.1, inplace=True), _conv(cz, cz),
            _conv(cz, cz, 3, 2),
        )  # fmt: skip

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.net(torch.abs(y))


class MeanDecoder(nn.Module):
    """ẑ -> μ on the y grid: ψ at y/2 with 4·C channels, interleaved 2×2 (VM HyperDecoderBase)."""

    def __init__(self, cz: int, cy: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(cz, cz, 1),
            nn.ConvTranspose2d(cz, cz, 4, stride=2, padding=1), nn.ReLU6(inplace=True),
            _conv(cz, cz), nn.ReLU6(inplace=True),
            _conv(cz, 4 * cy),
        )  # fmt: skip

    def forward(self, z_hat: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        mu = F.pixel_shuffle(self.net(z_hat), 2)
        return mu[..., : size[0], : size[1]]


class ScaleDecoder(nn.Module):
    """ẑ -> σ on the y grid (VM ``HyperScaleDecoder`` layout, float instead of integer convs)."""

    def __init__(self, cz: int, cy: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(cz, cz, 1), nn.ReLU(inplace=True),
            nn.Conv2d(cz, cz, 3, padding=1, groups=cz), nn.ReLU(inplace=True),
            nn.Conv2d(cz, 16 * cy, 1),
        )  # fmt: skip

    def forward(self, z_hat: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        s = F.pixel_shuffle(self.net(z_hat), 4)[..., : size[0], : size[1]]
        return F.softplus(s) + 1e-3


class LatentBranch(nn.Module):
    """Hyperprior + gain quantiser for one component (luma or chroma)."""

    def __init__(self, cy: int, cz: int, n_rates: int) -> None:
        super().__init__()
        self.hyper_enc = HyperEncoder(cy, cz)
        self.mean_dec = MeanDecoder(cz, cy)
        self.scale_dec = ScaleDecoder(cz, cy)
        # Rate point r starts at gain 2**r (finer step at higher rate); learned during training.
        self.log_gain = nn.Parameter(
            torch.log(torch.tensor([2.0**r for r in range(n_rates)])).unsqueeze(1).repeat(1, cy)
        )

    def gain(self, rate: int) -> torch.Tensor:
        return torch.exp(self.log_gain[rate]).view(1, -1, 1, 1)


def check_size(x: torch.Tensor) -> None:
    if x.dim() != 4 or x.shape[1] != 3:
        raise DetectorError(f"encoder input must be B×3×H×W, got {tuple(x.shape)}")
    if x.shape[2] % 16 or x.shape[3] % 16 or x.shape[2] == 0 or x.shape[3] == 0:
        h, w = x.shape[2], x.shape[3]
        raise DetectorError(f"H and W must be positive multiples of 16, got {h}×{w}")


class JpegAIStyleEncoder(nn.Module):
    """RGB in [0, 1] -> JPEG AI-style latents ``y`` and quantised ``ŷ`` for luma and chroma."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        super().__init__()
        self.config = config or EncoderConfig()
        c = self.config
        self.luma = _analysis(1, c.hidden, c.luma_channels, 4, c.activation)
        self.chroma = _analysis(12, c.hidden, c.chroma_channels, 3, c.activation)
        self.branch_Y = LatentBranch(c.luma_channels, c.hyper_luma, c.n_rates)
        self.branch_UV = LatentBranch(c.chroma_channels, c.hyper_chroma, c.n_rates)
        self.weights_id = "UNTRAINED"
        self.weights_sha256 = ""

    # -- pieces, also used by the codec's training loop --
    @staticmethod
    def to_inputs(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """RGB -> (luma input 1×H×W, chroma input 12×H/2×W/2)."""
        yuv = rgb_to_yuv709(x)
        luma = yuv[:, 0:1] - 0.5
        uv = subsample_420(yuv[:, 1:3])
        u, v = uv[:, 0:1], uv[:, 1:2]
        packed = [F.pixel_unshuffle(luma, 2), u.repeat(1, 4, 1, 1), v.repeat(1, 4, 1, 1)]
        chroma = torch.cat(packed, 1)
        return luma, chroma

    def analyse_y(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        luma, chroma = self.to_inputs(x)
        return self.luma(luma), self.chroma(chroma)

    def hyper(
        self, branch: LatentBranch, y: torch.Tensor, noise: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """y -> (ẑ, μ, σ). With ``noise`` the rounding of z is replaced by additive U(-½, ½)."""
        z = torch.clamp(branch.hyper_enc(y), -Z_BOUND, Z_BOUND)
        z_hat = z + torch.empty_like(z).uniform_(-0.5, 0.5) if noise else torch.round(z)
        size = (y.shape[2], y.shape[3])
        return z_hat, branch.mean_dec(z_hat, size), branch.scale_dec(z_hat, size)

    def quantise(
        self,
        branch: LatentBranch,
        y: torch.Tensor,
        mu: torch.Tensor,
        sigma: torch.Tensor,
        rate: int,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Test-time quantiser: returns (ŷ, integer symbols). Skipped elements get symbol 0."""
        g = branch.gain(rate)
        sym = torch.round(g * (y - mu))
        if self.config.skip_sigma > 0:
            sym = torch.where(g * sigma < self.config.skip_sigma, torch.zeros_like(sym), sym)
        return mu + sym / g, sym

    def analyse(self, x: torch.Tensor, rate: int = 0) -> dict[str, torch.Tensor]:
        """Everything: y, ŷ, μ, σ, symbols and ẑ for both components (inference, no noise)."""
        check_size(x)
        if rate not in range(self.config.n_rates):
            valid = tuple(range(self.config.n_rates))
            raise DetectorError(f"rate must be one of {valid}, got {rate}")
        y_Y, y_UV = self.analyse_y(x)
        out: dict[str, torch.Tensor] = {"y_Y": y_Y, "y_UV": y_UV}
        for name, branch, y in (("Y", self.branch_Y, y_Y), ("UV", self.branch_UV, y_UV)):
            z_hat, mu, sigma = self.hyper(branch, y, noise=False)
            y_hat, sym = self.quantise(branch, y, mu, sigma, rate)
            out.update({f"yhat_{name}": y_hat, f"mu_{name}": mu, f"sigma_{name}": sigma,
                        f"sym_{name}": sym, f"zhat_{name}": z_hat})  # fmt: skip
        return out

    def forward(self, x: torch.Tensor, rate: int = 0) -> dict[str, torch.Tensor]:
        out = self.analyse(x, rate)
        return {k: out[k] for k in LATENT_KEYS}


# --------------------------------------------------------------------------------------------
# Weights


def _weights_dir() -> Path:
    return Path(str(resources.files("fakemedia.detect") / "weights"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_weights_path() -> Path | None:
    """The shipped weights file, or None when it is not (yet) part of the package."""
    entry = ZOO[DEFAULT_MODEL]
    p = _weights_dir() / entry["file"]
    return p if entry["sha256"] and p.is_file() else None


def read_state(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Read a safetensors file or a torch state_dict (weights_only), without executing code."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise DetectorError(f"cannot read weights file {path}: {e.strerror}") from None
    is_zip = head.startswith(b"PK")  # torch.save format
    try:
        if not is_zip:
            from safetensors import safe_open

            with safe_open(str(path), framework="pt") as sf:
                meta = sf.metadata() or {}
                state = {k: sf.get_tensor(k) for k in sf.keys()}
            return state, meta
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except DetectorError:
        raise
    except Exception as e:  # safetensors / torch raise many unrelated types on foreign bytes
        kind = type(e).__name__
        raise DetectorError(f"{path.name}: not a usable weights file ({kind})") from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise DetectorError(f"{path.name}: not a state_dict of tensors")
    return dict(obj), {}


def encoder_state_from(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Pick the encoder's tensors from a codec state (``encoder.*``) or a bare encoder state."""
    sub = {k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")}
    return sub or state


def config_from_meta(meta: dict[str, str], source: str) -> EncoderConfig:
    """Architecture stored in safetensors metadata; the default config when there is none."""
    if "encoder_config" not in meta:
        return EncoderConfig()
    try:
        return EncoderConfig.from_dict(json.loads(meta["encoder_config"]))
    except (ValueError, TypeError):
        raise DetectorError(f"{source}: unreadable encoder_config metadata") from None


def build_from_state(state: dict[str, torch.Tensor], meta: dict[str, str], source: str) -> JpegAIStyleEncoder:
    cfg = config_from_meta(meta, source)
    enc = JpegAIStyleEncoder(cfg)
    sub = encoder_state_from(state)
    try:
        enc.load_state_dict({k: v.float() for k, v in sub.items()}, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[0] if str(e) else "key/shape mismatch"
        raise DetectorError(f"{source}: weights do not fit JpegAIStyleEncoder ({first})") from None
    return _ready(enc)


def _ready(enc: JpegAIStyleEncoder) -> JpegAIStyleEncoder:
    # channels_last weights let oneDNN pick its NHWC kernels: measured 29 -> 17 ms/img at 256².
    # Module.to accepts memory_format at run time; torch's overloads do not list it.
    return enc.to(memory_format=torch.channels_last).eval()  # type: ignore[call-overload]


def seeded_encoder(seed: int = 0) -> JpegAIStyleEncoder:
    """Deterministic random init: usable for plumbing, meaningless as a codec."""
    gen_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        enc = JpegAIStyleEncoder()
    finally:
        torch.random.set_rng_state(gen_state)
    enc.weights_id = f"UNTRAINED-seed{seed}"
    return _ready(enc)


_override: Path | None = None


def use_encoder_weights(path: str | os.PathLike[str] | None) -> None:
    """Make ``path`` the weights that ``load_encoder(None)`` and ``encoder_sha256(None)`` use in
    this process (``--encoder-weights``); None restores the shipped, pinned weights. Models
    record the encoder's SHA-256, so a model trained with other weights only runs with them."""
    global _override
    if path is not None and not Path(path).is_file():
        raise DetectorError(f"encoder weights file not found: {path}")
    _override = Path(path) if path is not None else None


def current_weights_path() -> Path | None:
    """The weights :func:`use_encoder_weights` chose for this process (None: the shipped ones)."""
    return _override


def load_encoder(path: str | os.PathLike[str] | None = None) -> JpegAIStyleEncoder:
    """Load an encoder in eval mode.

    ``None`` -> the shipped default (SHA-256-checked against ``ZOO``); a path -> safetensors or a
    torch state_dict (``weights_only=True``), either a codec file (``encoder.*`` keys) or a bare
    encoder state. Foreign/corrupt files raise :class:`DetectorError`, a pinned mismatch
    :class:`WeightsMismatch`.
    """
    if path is None and _override is not None:
        path = _override
    if path is None:
        p = default_weights_path()
        if p is None:
            msg = "fakemedia: shipped encoder weights missing, using an UNTRAINED seeded init"
            warnings.warn(msg, stacklevel=2)
            return seeded_encoder()
        digest = sha256_file(p)
        pinned = ZOO[DEFAULT_MODEL]["sha256"]
        if digest != pinned:
            raise WeightsMismatch(f"{p.name}: sha256 {digest[:16]}… does not match pinned {pinned[:16]}…")
        source = DEFAULT_MODEL
    else:
        p = Path(path)
        if not p.is_file():
            raise DetectorError(f"weights file not found: {p}")
        digest = sha256_file(p)
        source = p.name
    state, meta = read_state(p)
    if is_compressai_state(state):
        raise DetectorError(f"{source}: a CompressAI g_a checkpoint; use load_any_encoder")
    enc = build_from_state(state, meta, source)
    enc.weights_id = source
    enc.weights_sha256 = digest
    return enc


def encoder_sha256(path: str | os.PathLike[str] | None = None) -> str:
    """SHA-256 of the weights file in use ("untrained-seed0" when the seeded fallback is in use)."""
    if path is None and _override is not None:
        path = _override
    if path is None:
        p = default_weights_path()
        return sha256_file(p) if p is not None else "untrained-seed0"
    return sha256_file(Path(path))


def encode_latents(
    images: np.ndarray,
    *,
    encoder: JpegAIStyleEncoder | None = None,
    rate: int = 0,
    batch_size: int = 16,
    progress: bool = False,
    quantised: bool = True,
) -> dict[str, np.ndarray]:
    """N×H×W×3 uint8 (or float in [0, 1]) -> float32 arrays for ``y_Y, y_UV, yhat_Y, yhat_UV``;
    with ``quantised=False`` only ``y_Y, y_UV`` from this encoder (the hyper-encoder and quantiser
    are skipped: about a quarter of a 256² image's scoring time, for models that read ``y`` only;
    another backbone returns all four)."""
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[3] != 3:
        raise DetectorError(f"images must be N×H×W×3, got shape {arr.shape}")
    if arr.shape[1] % 16 or arr.shape[2] % 16:
        raise DetectorError(f"H and W must be multiples of 16, got {arr.shape[1]}×{arr.shape[2]}")
    enc = encoder if encoder is not None else load_encoder(None)
    scale = 1.0 / 255.0 if arr.dtype == np.uint8 else 1.0
    n = arr.shape[0]
    y_only = not quantised and isinstance(enc, JpegAIStyleEncoder)
    keys = ("y_Y", "y_UV") if y_only else LATENT_KEYS
    chunks: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    starts = range(0, n, max(1, batch_size))
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="encode", unit="batch")
    was_training = enc.training
    enc.eval()
    try:
        with torch.inference_mode():
            for s in starts:
                batch = np.ascontiguousarray(arr[s : s + batch_size], dtype=np.float32)
                x = torch.from_numpy(batch)
                x = (x * scale).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
                if y_only:
                    check_size(x)
                    y_Y, y_UV = enc.analyse_y(x)
                    out = {"y_Y": y_Y, "y_UV": y_UV}
                else:
                    out = enc(x, rate)
                for k in keys:
                    chunks[k].append(out[k].float().contiguous().numpy())
    finally:
        enc.train(was_training)
    if n == 0:
        raise DetectorError("no images to encode")
    return {k: np.concatenate(v, axis=0) for k, v in chunks.items()}


# --------------------------------------------------------------------------------------------
# Alternative backbone: CompressAI bmshj2018 / mbt2018 analysis transform from a local checkpoint


class CompressAIAnalysis(nn.Module):
    """CompressAI ``g_a`` (conv5×5 s2 + GDN, ×3, then conv5×5 s2), re-implemented without compressai.

    It works on RGB (no YUV split), so ``y_Y`` holds all M channels and ``y_UV`` is empty
    (0 channels). ``ŷ = round(y)`` (the bmshj2018 quantiser); no rate points: ``rate`` is ignored.
    """

    def __init__(self, n: int, m: int) -> None:
        super().__init__()
        self.g_a = nn.Sequential(
            nn.Conv2d(3, n, 5, 2, 2), GDN(n), nn.Conv2d(n, n, 5, 2, 2), GDN(n),
            nn.Conv2d(n, n, 5, 2, 2), GDN(n), nn.Conv2d(n, m, 5, 2, 2),
        )  # fmt: skip
        self.weights_id = "compressai-g_a"
        self.weights_sha256 = ""

    def forward(self, x: torch.Tensor, rate: int = 0) -> dict[str, torch.Tensor]:
        check_size(x)
        y = self.g_a(x)
        empty = y.new_zeros((y.shape[0], 0, y.shape[2], y.shape[3]))
        return {"y_Y": y, "y_UV": empty, "yhat_Y": torch.round(y), "yhat_UV": empty}


def is_compressai_state(state: dict[str, torch.Tensor]) -> bool:
    return "g_a.0.weight" in state and "g_a.1.gamma" in state


def load_compressai_analysis(path: str | os.PathLike[str]) -> CompressAIAnalysis:
    """Build the ``g_a`` of a local CompressAI checkpoint (state_dict, loaded without pickle code).

    CompressAI stores GDN β, γ reparametrised (effective = max(p, bound)² − pedestal, pedestal
    2⁻³⁶); :class:`GDN` uses the same parametrisation, so the raw tensors are copied as they are.
    """
    p = Path(path)
    if not p.is_file():
        raise DetectorError(f"weights file not found: {p}")
    state, _ = read_state(p)
    if not is_compressai_state(state):
        raise DetectorError(f"{p.name}: no CompressAI g_a.* tensors (g_a.0.weight, g_a.1.gamma)")
    try:
        n = state["g_a.0.weight"].shape[0]
        m = state["g_a.6.weight"].shape[0]
        model = CompressAIAnalysis(n, m)
        sub = {k[len("g_a.") :]: v.float() for k, v in state.items() if k.startswith("g_a.")}
        sub = {k: v for k, v in sub.items() if "_reparam" not in k}  # constants, equal to ours
        model.g_a.load_state_dict(sub, strict=True)
    except (KeyError, RuntimeError, IndexError) as e:
        raise DetectorError(f"{p.name}: CompressAI g_a does not fit ({type(e).__name__})") from None
    model.weights_id = f"compressai:{p.name}"
    model.weights_sha256 = sha256_file(p)
    return model.eval()


def load_any_encoder(
    path: str | os.PathLike[str] | None = None,
) -> JpegAIStyleEncoder | CompressAIAnalysis:
    """:func:`load_encoder`, or the CompressAI backbone when the file holds ``g_a.*`` tensors."""
    if path is not None and Path(path).is_file():
        state, _ = read_state(Path(path))
        if is_compressai_state(state):
            return load_compressai_analysis(path)
    return load_encoder(path)
