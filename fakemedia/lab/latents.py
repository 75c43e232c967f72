"""Latent cache: experiments encode each image set once per (encoder, rate)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np


def images_digest(images: np.ndarray) -> str:
    """SHA-256 of an image stack (shape and pixels)."""
    h = hashlib.sha256(json.dumps(list(images.shape)).encode())
    h.update(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    return h.hexdigest()


def cached_latents(
    images: np.ndarray,
    *,
    rate: int,
    cache_dir: str | Path | None,
    encoder: Any = None,
    encoder_sha: str | None = None,
    images_sha: str | None = None,
    progress: bool = False,
    batch_size: int = 16,
) -> dict[str, np.ndarray]:
    """Latents for ``images`` at ``rate``, read from ``cache_dir`` when already computed.

    The cache key is SHA-256(image-set digest, encoder SHA-256, rate); values are stored as
    float16 (ample for features; halves the disk). ``cache_dir=None`` disables caching.
    """
    from fakemedia.detect.encoder import encode_latents, encoder_sha256, load_encoder

    if encoder is None:
        encoder = load_encoder(None)
    if encoder_sha is None:
        encoder_sha = getattr(encoder, "weights_sha256", None) or encoder_sha256(None)
    path = None
    if cache_dir is not None:
        isha = images_sha or images_digest(images)
        key = hashlib.sha256(f"{isha}|{encoder_sha}|{rate}".encode()).hexdigest()[:32]
        path = Path(cache_dir) / f"latents-{key}.npz"
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as z:
                    return {k: z[k].astype(np.float32) for k in z.files}
            except (OSError, ValueError):
                path.unlink(missing_ok=True)  # a torn write from an interrupted run: redo it
    lat = encode_latents(images, encoder=encoder, rate=rate, batch_size=batch_size, progress=progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        half: dict[str, Any] = {k: v.astype(np.float16) for k, v in lat.items()}
        np.savez(tmp, **half)
        tmp.replace(path)
        lat = {k: v.astype(np.float16).astype(np.float32) for k, v in lat.items()}
    return lat
