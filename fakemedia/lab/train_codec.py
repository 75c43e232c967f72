"""Train the JPEG AI-style codec on random crops of the photographs bundled in installed wheels.

    fakemedia-lab train-codec --out PATH --minutes M [--crop 128 --batch 8]

Time-bounded (wall clock), CPU, deterministic seeding (exact figures still vary with thread
timing). Rate points alternate per iteration, each with its own λ (``codec.LAMBDAS``) and gain
vector. The scenes in ``photos.HELDOUT_SCENES`` are never trained on; at the end the held-out
rate/PSNR is measured on the fp16-rounded weights, i.e. on exactly what is written to ``--out``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from fakemedia.detect.encoder import read_state, sha256_file
from fakemedia.detect.runtime import limit_threads
from fakemedia.lab.codec import (
    LAMBDAS,
    JpegAIStyleCodec,
    chroma_420_psnr,
    evaluate,
    load_codec,
    mean_baseline_psnr,
)
from fakemedia.lab.photos import available_photos


def random_crops(
    photos: list[np.ndarray], n: int, size: int, rng: np.random.Generator
) -> torch.Tensor:
    """n random size×size crops (random photo, position, horizontal flip) -> n×3×size×size."""
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        img = photos[rng.integers(len(photos))]
        y0 = rng.integers(img.shape[0] - size + 1)
        x0 = rng.integers(img.shape[1] - size + 1)
        crop = img[y0 : y0 + size, x0 : x0 + size]
        out[i] = crop[:, ::-1] if rng.random() < 0.5 else crop
    return torch.from_numpy(out).permute(0, 3, 1, 2).float().div_(255.0)


def heldout_crops(size: int = 256, per_photo: int = 4) -> tuple[torch.Tensor, list[str]]:
    """Deterministic crops of the held-out photos: corners-inward grid, no randomness."""
    crops, names = [], []
    for name, img in available_photos(heldout=True).items():
        h, w = img.shape[:2]
        ys = np.linspace(0, h - size, 2).astype(int)
        xs = np.linspace(0, w - size, per_photo // 2).astype(int)
        for y0 in ys:
            for x0 in xs:
                crops.append(img[y0 : y0 + size, x0 : x0 + size])
                names.append(name)
    arr = np.stack(crops)
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float().div_(255.0), names


def fp16_roundtrip(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}


def save_codec(codec: JpegAIStyleCodec, path: Path, extra: dict[str, str]) -> None:
    from safetensors.torch import save_file

    meta = {**codec.metadata(), **extra}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(fp16_roundtrip(codec.state_dict()), str(tmp), metadata=meta)
    tmp.replace(path)


def train(
    out: Path,
    minutes: float,
    crop: int = 128,
    batch: int = 8,
    lr: float = 3e-4,
    seed: int = 0,
    threads: int = 2,
    progress: bool = True,
    init: Path | None = None,
    gain_lr: float = 1e-2,
) -> dict[str, object]:
    limit_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    photos = list(available_photos(heldout=False).values())
    photos = [p for p in photos if min(p.shape[:2]) >= crop]
    if not photos:
        raise SystemExit("no bundled training photos available (install scikit-image)")
    init_info: dict[str, object] = {}
    if init is not None:
        codec = load_codec(init)  # warm start (fp16 file -> fp32 parameters)
        init_info = {"init_sha256": sha256_file(init),
                     "init_training": json.loads(read_state(init)[1].get("training", "{}"))}  # fmt: skip
    else:
        codec = JpegAIStyleCodec()
    codec.train()
    # The gains get their own, larger step: at the network's rate a few hundred Adam steps could
    # only move log-gain by ~0.2, i.e. the rate points would stay at their initial 1 : 2 ratio.
    gains = [p for n, p in codec.named_parameters() if n.endswith("log_gain")]
    rest = [p for n, p in codec.named_parameters() if not n.endswith("log_gain")]
    opt = torch.optim.Adam([{"params": rest, "base": lr}, {"params": gains, "base": gain_lr}])
    budget = minutes * 60.0
    t0 = time.monotonic()
    it = 0
    hist: list[dict[str, float]] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=int(budget), unit="s", desc="train codec", file=sys.stderr)
    last_tick = t0
    while (elapsed := time.monotonic() - t0) < budget:
        # Cosine-free schedule: drop the learning rate ×0.2 for the last 20 % of the budget.
        for group in opt.param_groups:
            group["lr"] = group["base"] if elapsed < 0.8 * budget else group["base"] * 0.2
        rate = it % len(LAMBDAS)
        x = random_crops(photos, batch, crop, rng)
        terms = codec.loss(x, rate)
        opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        torch.nn.utils.clip_grad_norm_(codec.parameters(), 1.0)
        opt.step()
        hist.append({k: float(v.detach()) for k, v in terms.items()} | {"rate": rate})
        it += 1
        if bar is not None:
            now = time.monotonic()
            bar.update(int(now - t0) - bar.n)
            if now - last_tick > 10:
                recent = hist[-20:]
                bar.set_postfix(
                    it=it,
                    bpp=f"{np.mean([h['bpp'] for h in recent]):.3f}",
                    mse=f"{np.mean([h['mse'] for h in recent]):.5f}",
                )
                last_tick = now
    if bar is not None:
        bar.close()
    train_s = time.monotonic() - t0

    # Evaluate exactly what ships: fp16-rounded weights loaded back to fp32.
    codec.load_state_dict({k: v.float() for k, v in fp16_roundtrip(codec.state_dict()).items()})
    crops, names = heldout_crops()
    results: dict[str, object] = {
        "iterations": it,
        "train_seconds": round(train_s, 1),
        "crop": crop,
        "batch": batch,
        "heldout_photos": sorted(set(names)),
        "heldout_crops": f"{crops.shape[0]}x{crops.shape[2]}x{crops.shape[3]}",
        "baseline_mean_colour_psnr_rgb": round(mean_baseline_psnr(crops), 2),
        "yuv420_only_psnr_rgb": round(chroma_420_psnr(crops), 2),
        "lr": lr,
        "gain_lr": gain_lr,
        "seed": seed,
        **init_info,
    }
    for r in range(len(LAMBDAS)):
        ev = evaluate(codec, crops, r)
        results[f"rate{r}"] = {k: round(v, 4) for k, v in ev.items()} | {"lambda": LAMBDAS[r]}
    save_codec(codec, out, {"training": json.dumps(results, sort_keys=True)})
    return results
