"""The generator-family benchmark: autoencoders, a GAN and a diffusion model on one set of photos.

``fakemedia-lab family-benchmark --out DIR [--photos PHOTOS]`` writes the same layout as
:mod:`fakemedia.lab.benchmark` (``real/``, ``fake/``, ``benchmark.csv`` with
path,label,group,split,kind,box; ``benchmark.json``), with fakes from three families trained
here on crops of the *training* scenes only:

* ``autoencoder`` — the benchmark's transposed-convolution and bilinear autoencoders
  (:mod:`fakemedia.lab.generators`): kinds ``ae-recon-<up>`` and ``ae-decode-<up>``;
* ``gan`` — a DCGAN (:mod:`fakemedia.lab.families`): kind ``gan``;
* ``diffusion`` — a DDPM sampled with DDIM: kinds ``diffusion-sample`` (from pure noise) and
  ``diffusion-sdedit`` (a crop of the scene noised half-way and denoised).

A third of each family's fakes are splices (kind ``composite-<kind>``, with the pasted ``box``):
a rectangle of the generated image, colour-matched, pasted with a hard or feathered edge into
another crop of the same photograph and usually re-saved as JPEG (:func:`generators.splice`).

Real images are random crops of the bundled photographs (:mod:`fakemedia.lab.benchmark`) and,
with ``--photos``, of the Debian photographs written by ``fetch-photos`` (each its own scene).
Every image of both classes is an 8-bit PNG of the same side; the split is by scene. Unconditional
samples (GAN, diffusion from noise) belong to no photograph; they take the scene and split of the
photograph whose turn produced them, so each split holds every family.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

FAMILIES: tuple[str, ...] = ("autoencoder", "gan", "diffusion")
AE_UPSAMPLERS: tuple[str, ...] = ("tconv", "bilinear")
#: Debian photographs held out for testing (with the bundled benchmark's test scenes); fixed once,
#: before any score was seen: three wallpapers, and every fourth of the palapeli-data and
#: opencv-doc photographs in name order (starting with the second).
DEBIAN_TEST_SCENES: tuple[str, ...] = (
    "ColorfulCups", "FallenLeaf", "Path",
    "cincinnati-bridge", "opencv-aloe", "opencv-building", "opencv-copy-shop", "opencv-fruits",
    "opencv-monarch", "opencv-robin", "opencv-toys",
)  # fmt: skip


def family_of(kind: str) -> str:
    """The generator family of a benchmark ``kind`` ("real" for real images)."""
    if kind == "real":
        return "real"
    if kind.startswith("composite-"):  # a splice of that family's output into a real photograph
        return family_of(kind.removeprefix("composite-"))
    if kind.startswith(("ae-", "recon-", "decode-")) or kind == "composite":
        return "autoencoder"
    if kind.startswith("gan"):
        return "gan"
    if kind.startswith("diffusion"):
        return "diffusion"
    return kind


def _photos(photos_dir: str | Path | None) -> list[tuple[str, str, np.ndarray]]:
    """(name, scene, pixels) of every photograph used."""
    from fakemedia.lab.benchmark import PHOTOS, load_photo

    out = [(name, scene, load_photo(name)) for name, scene in PHOTOS]
    if photos_dir is not None:
        from fakemedia.detect.imageio import load_rgb
        from fakemedia.lab.debian_photos import load_sources

        for rec in load_sources(photos_dir):
            stem = Path(rec["file"]).stem
            out.append((stem, stem, load_rgb(Path(photos_dir) / rec["file"])))
    return out


def build_family_benchmark(
    out: str | Path,
    *,
    photos_dir: str | Path | None = None,
    per_photo: int = 12,
    size: int = 256,
    seed: int = 0,
    small: bool = False,
    train_seconds: float = 120.0,
    progress: bool = True,
) -> dict[str, Any]:
    """Build the family benchmark in ``out``; returns the summary also written to benchmark.json."""
    from fakemedia.detect.runtime import limit_threads
    from fakemedia.lab import families as fam
    from fakemedia.lab import generators as gen
    from fakemedia.lab.benchmark import TEST_SCENES, _patch_sampler, _random_crop

    limit_threads()
    out = Path(out)
    if (out / "benchmark.csv").exists():
        from fakemedia.errors import DetectorError

        raise DetectorError(f"{out} already holds a benchmark; choose a new folder")
    if small:
        per_photo, size = min(per_photo, 3), min(size, 64)
    steps = {"ae": 10, "gan": 10, "ddpm": 10} if small else {"ae": 200, "gan": 1500, "ddpm": 1500}
    test_scenes = set(TEST_SCENES) | set(DEBIAN_TEST_SCENES)
    rng = np.random.default_rng(seed)
    t_start = time.perf_counter()
    photos = _photos(photos_dir)
    train_px = [px for _, scene, px in photos if scene not in test_scenes]

    log: dict[str, Any] = {}
    ae = {}
    for i, up in enumerate(AE_UPSAMPLERS):
        sampler = _patch_sampler(train_px, size, batch=8, rng=np.random.default_rng(seed + 1000 + i))
        ae[up], log[f"ae-{up}"] = gen.train_autoencoder(
            sampler, up, seconds=train_seconds, max_steps=steps["ae"], seed=seed * 100 + i
        )
    sampler = _patch_sampler(train_px, size, batch=16, rng=np.random.default_rng(seed + 2000))
    gan, log["gan"] = fam.train_gan(sampler, seconds=train_seconds, max_steps=steps["gan"], seed=seed + 1)
    ddpm, log["diffusion"] = fam.train_ddpm(
        sampler, seconds=train_seconds, max_steps=steps["ddpm"], seed=seed + 2
    )
    log = {k: {m: (round(v, 3) if isinstance(v, float) else v) for m, v in d.items()} for k, d in log.items()}

    rows: list[dict[str, str]] = []
    items = [(name, scene, px, k) for name, scene, px in photos for k in range(per_photo)]
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="images", unit="pair")
    for n, (name, scene, px, k) in enumerate(items):
        split = "test" if scene in test_scenes else "train"
        real = _random_crop(px, size, rng)
        src = _random_crop(px, size, rng)
        family = FAMILIES[n % len(FAMILIES)]
        variant = (n // len(FAMILIES)) % 2
        if family == "autoencoder":
            up = AE_UPSAMPLERS[(n // 6) % len(AE_UPSAMPLERS)]
            if variant == 0:
                kind, fake = f"ae-recon-{up}", gen.reconstruct(ae[up], src[None])[0]
            else:
                other = _random_crop(px, size, rng)
                kind, fake = f"ae-decode-{up}", gen.decode_mixtures(ae[up], src[None], other[None], rng)[0]
        elif family == "gan":
            kind, fake = "gan", fam.gan_samples(gan, 1, size, rng)[0]
        elif variant == 0:
            kind, fake = "diffusion-sample", fam.ddim_sample(ddpm, rng, n=1, size=size, steps=8)[0]
        else:
            kind, fake = (
                "diffusion-sdedit",
                fam.ddim_sample(ddpm, rng, init=src[None], strength=0.5, steps=6)[0],
            )
        box = ""
        if (n // len(FAMILIES)) % 3 == 2:  # a third of each family's fakes: spliced into a photograph
            fake, b, _ = gen.splice(src, fake, rng)
            kind, box = f"composite-{kind}", " ".join(str(v) for v in b)
        for label, arr, cls, kd, bx in ((1, real, "real", "real", ""), (0, fake, "fake", kind, box)):
            rel = Path(cls) / scene / f"{name}_{k:03d}.png"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(arr).save(out / rel, optimize=False)
            rows.append(
                {
                    "path": rel.as_posix(),
                    "label": str(label),
                    "group": scene,
                    "split": split,
                    "kind": kd,
                    "box": bx,
                }
            )

    with open(out / "benchmark.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "group", "split", "kind", "box"])
        w.writeheader()
        w.writerows(rows)
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        key = family_of(r["kind"])
        counts.setdefault(r["split"], {}).setdefault(key, 0)
        counts[r["split"]][key] += 1
    summary = {
        "format": "fakemedia-family-benchmark/1",
        "seed": seed,
        "size": size,
        "per_photo": per_photo,
        "sources": [name for name, _, _ in photos],
        "test_scenes": sorted(test_scenes),
        "families": list(FAMILIES),
        "generators": log,
        "counts": counts,
        "seconds": round(time.perf_counter() - t_start, 1),
    }
    (out / "benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
