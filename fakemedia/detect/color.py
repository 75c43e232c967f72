"""RGB <-> YUV (ITU-R BT.709) and 4:2:0 chroma helpers, as used in front of the JPEG AI networks.

Ranges (full-range, no studio swing): for RGB in [0, 1],

* Y  = 0.2126 R + 0.7152 G + 0.0722 B                in [0, 1]
* U  = (B - Y) / 1.8556  (Cb)                         in [-0.5, 0.5]
* V  = (R - Y) / 1.5748  (Cr)                         in [-0.5, 0.5]

Chroma is centred on 0 (not offset by 0.5) so the networks see zero-mean inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812

KR = 0.2126
KB = 0.0722
KG = 1.0 - KR - KB
CB_SCALE = 2.0 * (1.0 - KB)  # 1.8556
CR_SCALE = 2.0 * (1.0 - KR)  # 1.5748


def _check(x: torch.Tensor) -> None:
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"expected B×3×H×W, got shape {tuple(x.shape)}")


def rgb_to_yuv709(x: torch.Tensor) -> torch.Tensor:
    """B×3×H×W RGB in [0, 1] -> B×3×H×W (Y in [0, 1], U and V in [-0.5, 0.5])."""
    _check(x)
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    y = KR * r + KG * g + KB * b
    u = (b - y) / CB_SCALE
    v = (r - y) / CR_SCALE
    return torch.cat([y, u, v], dim=1)


def yuv709_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rgb_to_yuv709` (no clamping: callers clamp when they need pixels)."""
    _check(x)
    y, u, v = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    r = y + CR_SCALE * v
    b = y + CB_SCALE * u
    g = (y - KR * r - KB * b) / KG
    return torch.cat([r, g, b], dim=1)


def subsample_420(uv: torch.Tensor) -> torch.Tensor:
    """B×2×H×W chroma -> B×2×H/2×W/2 by 2×2 box averaging (H, W even)."""
    return F.avg_pool2d(uv, kernel_size=2, stride=2)


def upsample_420(uv: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """B×2×h×w chroma -> B×2×H×W, bilinear (the inverse filter is not specified by JPEG AI here)."""
    return F.interpolate(uv, size=size, mode="bilinear", align_corners=False)
