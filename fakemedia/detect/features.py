"""Feature extraction from JPEG AI-style latents, plus an on-disk latent cache.

Feature kinds (``FeatureConfig.kind``):

* ``flatten``  – the whole latent, C-major (Y channels then UV), as in the thesis (65 536-d YUV at 256²).
* ``single``   – the latent vector at the centre position (H/2, W/2): 160 (Y) or 256 (YUV) dims.
* ``patches``  – one sample per latent position. Training uses ``n_patches`` *distinct* positions
  drawn once from ``seed`` (the same for every image); testing scores **every** position and
  combines them per image by majority vote and by mean probability. (The thesis drew 256
  random positions with repeats at test time and dropped one in the vote; both are fixed here.)
* ``pooled``   – per-channel statistics over positions: mean, std, mean |·| and mean absolute
  neighbour difference (a cheap texture cue at 1/16 resolution): 4·C dims.
* ``spectral`` – the radial luma spectrum only (:mod:`fakemedia.detect.spectral`), no latents.
* ``pooled+spectral`` – both concatenated (the latent statistics *and* the spectral baseline's input).

``components`` is ``Y`` or ``YUV``; ``latent`` is ``y`` (analysis output) or ``yhat`` (quantised).

The thesis: E. Rustichini, "Identificazione di immagini sintetiche tramite codifica JPEG AI",
thesis, 2025.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from fakemedia.errors import DetectorError

KINDS = ("flatten", "single", "patches", "pooled", "spectral", "pooled+spectral")
CONTEXTS = ("none", "relative", "local")
#: Side of the neighbourhood the ``local`` context summarises, in latent positions (cells).
LOCAL_WINDOW = 3


@dataclass(frozen=True)
class FeatureConfig:
    kind: str = "pooled"
    components: str = "YUV"
    latent: str = "y"
    rate: int = 0
    n_patches: int = 15
    seed: int = 42
    #: per-position vectors alone ("none"), or beside their difference from the image's median
    #: position ("relative": what differs inside one image, as a splice does, not the scene), or
    #: "local": statistics of the 3×3 latent neighbourhood and of the cell's pixel residuals,
    #: each beside its difference from the image's median (:func:`local_vectors`)
    context: str = "none"

    def __post_init__(self) -> None:
        if self.context not in CONTEXTS:
            raise DetectorError(f"patch context must be one of {', '.join(CONTEXTS)}, not {self.context!r}")
        if self.kind not in KINDS:
            raise DetectorError(f"unknown feature kind {self.kind!r} (choose from {', '.join(KINDS)})")
        if self.components not in ("Y", "YUV"):
            raise DetectorError(f"components must be Y or YUV, not {self.components!r}")
        if self.latent not in ("y", "yhat"):
            raise DetectorError(f"latent must be y or yhat, not {self.latent!r}")

    @property
    def uses_latents(self) -> bool:
        return self.kind != "spectral"

    @property
    def uses_spectrum(self) -> bool:
        return "spectral" in self.kind

    def label(self) -> str:
        if self.kind == "spectral":
            return "spectral"
        return f"{self.kind}/{self.components}/{self.latent}/r{self.rate}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureConfig:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    def with_(self, **kw: Any) -> FeatureConfig:
        return replace(self, **kw)


def latent_block(latents: dict[str, np.ndarray], cfg: FeatureConfig) -> np.ndarray:
    """N×C×h×w float32: Y channels, then UV channels when ``components == "YUV"``."""
    prefix = "y" if cfg.latent == "y" else "yhat"
    try:
        parts = [latents[f"{prefix}_Y"]]
        if cfg.components == "YUV":
            parts.append(latents[f"{prefix}_UV"])
    except KeyError as exc:
        raise DetectorError(f"latents lack {exc.args[0]!r}") from None
    return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts], axis=1)


def pooled_stats(block: np.ndarray) -> np.ndarray:
    """N×C×h×w → N×4C per-channel statistics (mean, std, mean|·|, mean |neighbour difference|)."""
    n = block.shape[0]
    flat = block.reshape(n, block.shape[1], -1)
    diffs = []
    if block.shape[3] > 1:
        diffs.append(np.abs(np.diff(block, axis=3)).reshape(n, block.shape[1], -1))
    if block.shape[2] > 1:
        diffs.append(np.abs(np.diff(block, axis=2)).reshape(n, block.shape[1], -1))
    tv = np.concatenate(diffs, axis=2).mean(axis=2) if diffs else np.zeros(flat.shape[:2])
    feats = [flat.mean(axis=2), flat.std(axis=2), np.abs(flat).mean(axis=2), tv]
    return np.concatenate(feats, axis=1).astype(np.float32)


def patch_positions(h: int, w: int, n: int, seed: int) -> np.ndarray:
    """``n`` distinct flat positions in an h×w grid, fixed by ``seed`` (all of them if n ≥ h·w)."""
    total = h * w
    if n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=n, replace=False))


def all_patch_vectors(block: np.ndarray) -> np.ndarray:
    """N×C×h×w → N×(h·w)×C: one vector per latent position, row-major positions."""
    n, c = block.shape[:2]
    return block.reshape(n, c, -1).transpose(0, 2, 1)


def _box_mean(x: np.ndarray, k: int) -> np.ndarray:
    """Mean over a k×k window of the last two axes, edges repeated (the window never leaves the
    image, so a border cell is summarised like an inner one)."""
    r = k // 2
    pad = [(0, 0)] * (x.ndim - 2) + [(r, r), (r, r)]
    xp = np.pad(x, pad, mode="edge")
    h, w = x.shape[-2:]
    out = np.zeros_like(x)
    for dy in range(k):
        for dx in range(k):
            out += xp[..., dy : dy + h, dx : dx + w]
    return out / (k * k)


def _abs_diffs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|horizontal| and |vertical| neighbour differences, same shape (the last one repeated)."""
    dx = np.abs(np.diff(x, axis=-1, append=x[..., -1:]))
    dy = np.abs(np.diff(x, axis=-2, append=x[..., -1:, :]))
    return dx, dy


def cell_residuals(rgb: np.ndarray) -> np.ndarray:
    """N×H×W×3 uint8 → N×15×(H/16)×(W/16): per 16×16 cell and BT.709 component (Y, Cb, Cr), the
    log energy of the Laplacian residual, the log mean |horizontal| and |vertical| difference,
    and the 8×8 blockiness across columns and rows (mean step at a block border minus inside).
    Generated pixels carry other noise and no camera or JPEG history, which these measure."""
    n, hh, ww = rgb.shape[:3]
    if hh % 16 or ww % 16:
        raise DetectorError(f"cell residuals need sides that are multiples of 16, got {ww}×{hh}")
    h, w = hh // 16, ww // 16
    x = np.asarray(rgb, dtype=np.float32) / 255.0
    luma = 0.2126 * x[..., 0] + 0.7152 * x[..., 1] + 0.0722 * x[..., 2]  # BT.709, as detect.color
    ycc = (luma, (x[..., 2] - luma) / 1.8556, (x[..., 0] - luma) / 1.5748)

    def per_cell(a: np.ndarray) -> np.ndarray:
        return a.reshape(n, h, 16, w, 16).mean(axis=(2, 4))

    chans = []
    for x in ycc:
        xp = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")
        lap = 4 * x - xp[:, :-2, 1:-1] - xp[:, 2:, 1:-1] - xp[:, 1:-1, :-2] - xp[:, 1:-1, 2:]
        dx, dy = _abs_diffs(x)
        chans += [np.log(per_cell(r) + 1e-6) for r in (lap * lap, dx, dy)]
        bx = dx.reshape(n, hh, ww // 8, 8)
        by = dy.reshape(n, hh // 8, 8, ww)
        chans.append(per_cell(np.repeat(bx[..., 7] - bx[..., :7].mean(axis=-1), 8, axis=-1)))
        chans.append(per_cell(np.repeat(by[:, :, 7, :] - by[:, :, :7, :].mean(axis=2), 8, axis=1)))
    return np.stack(chans, axis=1).astype(np.float32)


def local_vectors(block: np.ndarray, rgb: np.ndarray, k: int = LOCAL_WINDOW) -> np.ndarray:
    """N×C×h×w latents and their N×(16h)×(16w)×3 pixels → N×(h·w)×2(3C+30), per position:

    * over its k×k latent neighbourhood, per channel: the standard deviation, the mean |value|
      and the mean |neighbour difference| (the image classifier's statistics, made local);
    * its cell's pixel residuals (:func:`cell_residuals`) and their k×k mean;

    each beside its difference from the image's per-feature median, so the map sees both what a
    position is and how it differs from the rest of its image, as a pasted region does."""
    n, _, h, w = block.shape
    if rgb.shape[1:3] != (16 * h, 16 * w):
        raise DetectorError("local patch features need the analysed pixels of the latents' image")
    m = _box_mean(block, k)
    sd = np.sqrt(np.maximum(_box_mean(block * block, k) - m * m, 0.0))
    dx, dy = _abs_diffs(block)
    cells = cell_residuals(rgb)
    parts = [sd, _box_mean(np.abs(block), k), _box_mean(dx + dy, k), cells, _box_mean(cells, k)]
    f = np.concatenate(parts, axis=1)
    f = f.reshape(n, f.shape[1], h * w).transpose(0, 2, 1)
    return np.concatenate([f, f - np.median(f, axis=1, keepdims=True)], axis=2).astype(np.float32)


def patch_vectors(block: np.ndarray, cfg: FeatureConfig, rgb: np.ndarray | None = None) -> np.ndarray:
    """N×C×h×w → N×(h·w)×C, or N×(h·w)×2C with ``context="relative"``: each position's vector and
    its difference from the per-channel median over the image's positions; ``context="local"``
    needs the analysed pixels ``rgb`` (:func:`local_vectors`)."""
    if cfg.context == "local":
        if rgb is None:
            raise DetectorError("local patch features need the image's pixels")
        return local_vectors(block, rgb)
    v = all_patch_vectors(block)
    if cfg.context == "relative":
        v = np.concatenate([v, v - np.median(v, axis=1, keepdims=True)], axis=2)
    return v


def train_patch_vectors(block: np.ndarray, cfg: FeatureConfig,
                        rgb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training samples for ``patches``: (N·n)×C vectors (2C with context) and each row's image."""
    n, _, h, w = block.shape
    pos = patch_positions(h, w, cfg.n_patches, cfg.seed)
    full = patch_vectors(block, cfg, rgb)
    vec = full[:, pos, :].reshape(-1, full.shape[2])
    img = np.repeat(np.arange(n), len(pos))
    return vec, img


def image_features(
    cfg: FeatureConfig, latents: dict[str, np.ndarray] | None, spectra: np.ndarray | None
) -> np.ndarray:
    """Image-level feature matrix for every kind except ``patches``."""
    if cfg.kind == "patches":
        raise DetectorError("patch features are per position; use train_patch_vectors/all_patch_vectors")
    if cfg.kind == "spectral":
        if spectra is None:
            raise DetectorError("spectral features need the images' spectra")
        return spectra
    if latents is None:
        raise DetectorError(f"{cfg.kind} features need latents")
    block = latent_block(latents, cfg)
    if cfg.kind == "flatten":
        return block.reshape(block.shape[0], -1)
    if cfg.kind == "single":
        return block[:, :, block.shape[2] // 2, block.shape[3] // 2].copy()
    pooled = pooled_stats(block)
    if cfg.kind == "pooled":
        return pooled
    if spectra is None:
        raise DetectorError("pooled+spectral features need the images' spectra")
    return np.concatenate([pooled, spectra], axis=1)


def combine_patch_probs(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """N×P per-position probabilities → (vote fraction, mean probability) per image.

    The vote fraction is the share of positions called synthetic; its majority (> 0.5) is the
    vote decision. Every position counts once (no random draws, nothing dropped).
    """
    probs = np.asarray(probs, dtype=np.float64)
    return (probs > 0.5).mean(axis=1), probs.mean(axis=1)
