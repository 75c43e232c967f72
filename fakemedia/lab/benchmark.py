"""Offline real-vs-synthetic benchmark builder (no downloads, seeded, deterministic).

``fakemedia-lab benchmark --out DIR [--small]`` writes::

    DIR/real/<scene>/<id>.png     DIR/fake/<scene>/<id>.png
    DIR/benchmark.csv             path,label,group,split,kind,box  (label: 1 = real, 0 = fake,
                                  the "140k Real and Fake Faces" convention)
    DIR/benchmark.json            parameters, generator training log, counts

* **Real**: random square crops (side U(0.6, 1)·min(H, W)) of the colour photographs bundled with
  scikit-image, scikit-learn and matplotlib, bicubic-resized to ``size`` and randomly flipped.
* **Synthetic**, from four tiny autoencoders built and trained here (one per up-sampler, see
  :mod:`fakemedia.lab.generators`), trained only on crops of the *training* scenes:
  ``recon-<up>`` reconstructions of unseen crops; ``decode-<up>`` decodings of interpolated,
  noise-perturbed codes (no photograph behind them); ``composite`` a real crop with a box of its
  reconstruction pasted in (box recorded in ``box`` as x0 y0 x1 y1, for localisation).
* **Identical final processing**: every image of both classes is an 8-bit ``size``×``size`` PNG;
  no class is JPEG-compressed, resized or flipped differently from the other.
* **Split grouped by scene**: every crop, reconstruction, decoding and composite inherits its
  source photograph's scene; whole scenes are held out for testing (the two stereo views are one
  scene). Never a random split of crops of one photo.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from fakemedia.detect.imageio import resize_rgb

# (name, scene/group): the two stereo views share a scene so they never straddle the split.
PHOTOS: tuple[tuple[str, str], ...] = (
    ("astronaut", "astronaut"),
    ("chelsea", "chelsea"),
    ("coffee", "coffee"),
    ("rocket", "rocket"),
    ("motorcycle_left", "motorcycle"),
    ("motorcycle_right", "motorcycle"),
    ("hubble_deep_field", "hubble_deep_field"),
    ("immunohistochemistry", "immunohistochemistry"),
    ("retina", "retina"),
    ("china", "china"),
    ("flower", "flower"),
    ("grace_hopper", "grace_hopper"),
)
#: Scenes held out for testing by default: three everyday photographs drawn once with
#: ``numpy.random.default_rng(0)`` from the eight everyday scenes, then fixed here.
TEST_SCENES: tuple[str, ...] = ("chelsea", "china", "grace_hopper")


def load_photo(name: str) -> np.ndarray:
    """One bundled photograph as H×W×3 uint8 (from installed wheels, never the network)."""
    if name == "china" or name == "flower":
        from sklearn.datasets import load_sample_image

        return np.asarray(load_sample_image(f"{name}.jpg"), dtype=np.uint8)
    if name == "grace_hopper":
        import matplotlib.cbook

        with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    from skimage import data

    if name.startswith("motorcycle"):
        left, right, _ = data.stereo_motorcycle()
        return np.asarray(left if name.endswith("left") else right, dtype=np.uint8)
    img = np.asarray(getattr(data, name)(), dtype=np.uint8)
    return img[..., :3]


def _random_crop(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    m = min(h, w)
    side = int(rng.uniform(0.6, 1.0) * m)
    top = int(rng.integers(0, h - side + 1))
    left = int(rng.integers(0, w - side + 1))
    crop = resize_rgb(np.ascontiguousarray(img[top : top + side, left : left + side]), size)
    return crop[:, ::-1].copy() if rng.random() < 0.5 else crop


def _patch_sampler(
    photos: list[np.ndarray], size: int, batch: int, rng: np.random.Generator, pool: int = 64
) -> Callable[[np.random.Generator], np.ndarray]:
    # A fixed pool of crops at the benchmark's scale (resizing every step would dominate the time).
    crops = [_random_crop(photos[i % len(photos)], size, rng) for i in range(pool)]
    p = min(48, size)

    def sample(r: np.random.Generator) -> np.ndarray:
        out = []
        for _ in range(batch):
            full = crops[int(r.integers(len(crops)))]
            y, x = (int(v) for v in r.integers(0, size - p + 1, size=2))
            out.append(full[y : y + p, x : x + p])
        return np.stack(out)

    return sample


def build_benchmark(
    out: str | Path,
    *,
    small: bool = False,
    per_source: int | None = None,
    size: int | None = None,
    seed: int = 0,
    train_seconds: float | None = None,
    test_scenes: tuple[str, ...] = TEST_SCENES,
    progress: bool = True,
) -> dict[str, Any]:
    """Build the benchmark in ``out``; returns the summary also written to ``benchmark.json``."""
    from fakemedia.detect.runtime import limit_threads
    from fakemedia.lab import generators as gen

    limit_threads()
    out = Path(out)
    per_source = per_source or (4 if small else 32)
    size = size or (64 if small else 256)
    train_seconds = train_seconds if train_seconds is not None else (60.0 if small else 900.0)
    max_steps = 10 if small else 200
    rng = np.random.default_rng(seed)
    t_start = time.perf_counter()

    photos = {name: load_photo(name) for name, _ in PHOTOS}
    scene_of = dict(PHOTOS)
    train_photos = [photos[n] for n, s in PHOTOS if s not in test_scenes]

    # ---- generators: one autoencoder per up-sampler, trained on training scenes only
    models: dict[str, Any] = {}
    log: dict[str, Any] = {}
    ups = gen.UPSAMPLERS
    it = ups
    if progress:
        from tqdm import tqdm

        it = tqdm(ups, desc="train generators", unit="model")
    for i, up in enumerate(it):
        sampler = _patch_sampler(train_photos, size, batch=8, rng=np.random.default_rng(seed + 1000 + i))
        models[up], log[up] = gen.train_autoencoder(
            sampler, up, seconds=train_seconds, max_steps=max_steps, seed=seed * 100 + i
        )

    # ---- images
    rows: list[dict[str, str]] = []
    fake_kinds = [f"recon-{u}" for u in ups] + [f"decode-{u}" for u in ups] + ["composite"]
    items: Iterable[tuple[str, int]] = [(name, k) for name, _ in PHOTOS for k in range(per_source)]
    if progress:
        from tqdm import tqdm

        items = tqdm(items, desc="images", unit="pair")
    for n_img, (name, k) in enumerate(items):
        img, scene = photos[name], scene_of[name]
        split = "test" if scene in test_scenes else "train"
        real = _random_crop(img, size, rng)
        kind = fake_kinds[n_img % len(fake_kinds)]
        box = ""
        src = _random_crop(img, size, rng)  # a different crop: the fake never copies the real one
        up = kind.split("-")[-1] if "-" in kind else ups[int(rng.integers(len(ups)))]
        if kind.startswith("recon") or kind == "composite":
            fake = gen.reconstruct(models[up], src[None])[0]
            if kind == "composite":
                fake, b = gen.paste_box(src, fake, rng)
                box = " ".join(str(v) for v in b)
        else:
            other = _random_crop(img, size, rng)
            fake = gen.decode_mixtures(models[up], src[None], other[None], rng)[0]
        for label, arr, cls, kd, bx in ((1, real, "real", "real", ""), (0, fake, "fake", kind, box)):
            rel = Path(cls) / scene / f"{name}_{k:03d}.png"
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(arr).save(out / rel, optimize=False)
            rows.append({"path": rel.as_posix(), "label": str(label), "group": scene,
                         "split": split, "kind": kd, "box": bx})  # fmt: skip

    with open(out / "benchmark.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "group", "split", "kind", "box"])
        w.writeheader()
        w.writerows(rows)
    summary = {
        "format": "fakemedia-benchmark/1",
        "seed": seed,
        "small": small,
        "size": size,
        "per_source": per_source,
        "sources": [n for n, _ in PHOTOS],
        "test_scenes": list(test_scenes),
        "fake_kinds": fake_kinds,
        "generators": log,
        "counts": {
            s: {
                c: sum(1 for r in rows if r["split"] == s and r["label"] == lab)
                for c, lab in (("real", "1"), ("fake", "0"))
            }
            for s in ("train", "test")
        },
        "seconds": round(time.perf_counter() - t_start, 1),
    }
    (out / "benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
