"""The localisation model: a patch map fitted on composites with known boxes.

``fakemedia-lab train-localiser BENCH --model M --out OUT`` keeps ``M``'s image classifier and
replaces its patch map with one fitted, per latent position, on

* the benchmark's real training images (every position 0), seven in ten re-saved as JPEG q60-95,
  and for a third of them a second copy with part of it out of focus (:func:`defocus`);
* its training composites (positions whose cell centre lies inside the pasted box are 1);
* ``splices`` more composites per fully synthetic training image: a rectangle of it (15-70 % of
  each side), colour-matched and pasted with a hard or feathered edge into a real training crop
  of the same scene, re-saved as JPEG q70-95 with chance 0.7 (:func:`generators.splice`).

Fully synthetic images are not positions of the map's training set: with the ``local`` context
(:func:`fakemedia.detect.features.local_vectors`) it learns how a region differs from the rest of
its image, which a wholly generated image does nowhere; the image classifier covers those.

The new map has no area rule: a model it produces records the whole-image probability only until
``calibrate-areas`` has chosen and measured one.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from fakemedia.detect.features import FeatureConfig, train_patch_vectors
from fakemedia.detect.model import DetectorModel
from fakemedia.errors import DetectorError

#: What the localisation map sees per position (YUV latents ``y`` at rate 0, the local context).
LOCAL_FEATURES = FeatureConfig(kind="patches", components="YUV", latent="y", rate=0, n_patches=64,
                               context="local")  # fmt: skip
#: Sides of the pasted rectangle, as fractions of the image's.
SPLICE_SIDES = (0.15, 0.7)
#: Real training crops are re-saved as JPEG as often as splices are, at quality 60-95: otherwise
#: compression itself marks a splice, and a real JPEG seen at the analysis size gets areas (a
#: first fit without this drew areas on 34 % of real crops re-saved at q75).
REAL_JPEG_CHANCE, REAL_JPEG_QUALITY = 0.7, (60, 95)
#: A third of the real crops also go in with part of the frame out of focus: a photograph's
#: defocused background is as smooth as a generated region, and without such examples the map
#: marked the bokeh of a held-out cat photograph in 5 of its 12 crops re-saved at q90.
DEFOCUS_CHANCE, DEFOCUS_SIGMA = 1 / 3, (1.0, 4.0)


def defocus(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rgb`` with a band along one side (30-70 % of the frame) or a rectangle (30-80 % of each
    side) blurred as a lens out of focus would (Gaussian, sigma 1-4 px), with a soft edge."""
    from PIL import Image, ImageFilter

    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), dtype=np.uint8)
    if rng.random() < 0.5:
        side, frac = int(rng.integers(4)), float(rng.uniform(0.3, 0.7))
        if side == 0:
            mask[:, : int(w * frac)] = 255
        elif side == 1:
            mask[:, w - int(w * frac) :] = 255
        elif side == 2:
            mask[: int(h * frac)] = 255
        else:
            mask[h - int(h * frac) :] = 255
    else:
        bh, bw = int(h * rng.uniform(0.3, 0.8)), int(w * rng.uniform(0.3, 0.8))
        top, left = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
        mask[top : top + bh, left : left + bw] = 255
    sigma = float(rng.uniform(*DEFOCUS_SIGMA))
    blurred = np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(sigma)), dtype=np.float64)
    edge = Image.fromarray(mask).filter(ImageFilter.GaussianBlur(6))
    soft = np.asarray(edge, dtype=np.float64)[..., None] / 255
    out = soft * blurred + (1 - soft) * rgb.astype(np.float64)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


Box = tuple[int, int, int, int]


def box_cells(box: tuple[float, ...] | None, grid: tuple[int, int], cell: float) -> np.ndarray:
    """h×w booleans: the cells whose centre lies inside ``box`` (x0, y0, x1, y1; None: no cell)."""
    h, w = grid
    if box is None:
        return np.zeros((h, w), dtype=bool)
    x0, y0, x1, y1 = box
    cy = (np.arange(h)[:, None] + 0.5) * cell
    cx = (np.arange(w)[None, :] + 0.5) * cell
    return (cx >= x0) & (cx < x1) & (cy >= y0) & (cy < y1)


def training_composites(images: np.ndarray, labels: np.ndarray, groups: np.ndarray,
                        boxes: list[Any], *, splices: int, seed: int, defocus_chance: float = DEFOCUS_CHANCE
                        ) -> tuple[np.ndarray, list[Box | None], np.ndarray, dict[str, int]]:  # fmt: skip
    """The map's training images: reals, the benchmark's composites and ``splices`` new splices
    of each fully synthetic image; returns images, boxes (None for reals), groups and counts."""
    from fakemedia.lab.generators import splice
    from fakemedia.lab.processing import jpeg_resave

    rng = np.random.default_rng(seed)
    boxes = list(boxes) if boxes else [None] * len(labels)
    real = [i for i in range(len(labels)) if labels[i] == 0]
    composite = [i for i in range(len(labels)) if labels[i] == 1 and boxes[i] is not None]
    synthetic = [i for i in range(len(labels)) if labels[i] == 1 and boxes[i] is None]
    if not real or not (composite or synthetic):
        raise DetectorError("the localiser needs real training images and synthetic or composite ones")
    by_group: dict[Any, list[int]] = {}
    for i in real:
        by_group.setdefault(groups[i], []).append(i)
    out_imgs, real_groups = [], []
    for i in real:
        versions = [images[i]]
        if rng.random() < defocus_chance:
            versions.append(defocus(images[i], rng))
        for img in versions:
            if rng.random() < REAL_JPEG_CHANCE:
                img = jpeg_resave(img, int(rng.integers(REAL_JPEG_QUALITY[0], REAL_JPEG_QUALITY[1] + 1)))
            out_imgs.append(img)
            real_groups.append(groups[i])
    n_real = len(out_imgs)
    out_imgs += [images[i] for i in composite]
    out_boxes: list[Box | None] = [None] * n_real
    for i in composite:
        x0, y0, x1, y1 = boxes[i]
        out_boxes.append((round(x0), round(y0), round(x1), round(y1)))
    out_groups = real_groups + [groups[i] for i in composite]
    made = 0
    for _ in range(splices):
        for i in synthetic:
            pool = by_group.get(groups[i]) or real
            base = images[pool[int(rng.integers(len(pool)))]]
            img, box, _ = splice(base, images[i], rng, frac=SPLICE_SIDES)
            out_imgs.append(img)
            out_boxes.append(box)
            out_groups.append(groups[i])
            made += 1
    counts = {"real": len(real), "defocused_real": n_real - len(real), "benchmark_composites": len(composite),
              "new_splices": made}
    return np.stack(out_imgs), out_boxes, np.asarray(out_groups), counts


def with_patch_map(base: DetectorModel, estimator: Any, features: FeatureConfig, n_features: int,
                   meta: dict[str, Any]) -> DetectorModel:  # fmt: skip
    """``base`` with its patch map replaced (and its area rule dropped: it was not chosen for this map)."""
    from fakemedia.lab.compile import _Arrays, compile_estimator

    store = _Arrays()
    store.data = {k: v for k, v in base.arrays.items() if not k.startswith("patch")}
    spec = compile_estimator(estimator, store, "patch")
    kept = {k: v for k, v in base.meta.items() if k not in ("area_rule", "area_calibration")}
    return replace(base, arrays=store.data, patch_spec=spec, patch_features=features,
                   n_patch_features=n_features, meta={**kept, **meta}, sha256="", path="")  # fmt: skip


def train_localiser(bench: str | Path, base: DetectorModel, *, splices: int = 2, positions: int = 64,
                    seed: int = 0, calibration: str = "sigmoid", version: str | None = None,
                    exclude_family: str | None = None, defocus: float = DEFOCUS_CHANCE,
                    cache_dir: Path | None = None, progress: bool = False
                    ) -> tuple[DetectorModel, dict[str, Any]]:  # fmt: skip
    """Fit the localisation map on ``bench``'s training split; returns the new model and a report.

    ``exclude_family``: leave that generator family's images (and splices) out of training, to
    measure how the map finds a family it never saw."""
    from fakemedia.detect.features import latent_block, patch_positions
    from fakemedia.lab.classifier import fit_classifier
    from fakemedia.lab.data import read_dataset
    from fakemedia.lab.latents import cached_latents

    t0 = time.perf_counter()
    ds = read_dataset(bench)
    tr = ds.split("train") if ds.splits is not None else ds
    if exclude_family is not None:
        from fakemedia.lab.family_bench import family_of

        if not tr.kinds:
            raise DetectorError("--exclude-family needs a benchmark whose CSV has a kind column")
        keep = np.array([family_of(k) != exclude_family for k in tr.kinds])
        if keep.all():
            raise DetectorError(f"no training image of family {exclude_family!r}")
        tr = tr.subset(np.flatnonzero(keep))
    size = base.image_size
    images = tr.load_images(size, progress=progress)
    scale = [size / s for s in tr.sizes] if tr.sizes else [1.0] * len(tr)
    boxes = [None if b is None else tuple(v * f for v in b)
             for b, f in zip(tr.boxes or [None] * len(tr), scale, strict=True)]
    imgs, cboxes, groups, counts = training_composites(images, tr.labels, tr.groups, boxes,
                                                       splices=splices, seed=seed, defocus_chance=defocus)
    cfg = LOCAL_FEATURES.with_(n_patches=positions, rate=base.features.rate)
    lat = cached_latents(imgs, rate=cfg.rate, cache_dir=cache_dir, progress=progress)
    block = latent_block(lat, cfg)
    h, w = block.shape[2:]
    V, img = train_patch_vectors(block, cfg, imgs)
    pos = patch_positions(h, w, cfg.n_patches, cfg.seed)
    masks = np.stack([box_cells(b, (h, w), imgs.shape[1] / h).reshape(-1)[pos] for b in cboxes])
    y = masks.reshape(-1).astype(int)
    # One map (not one per calibration fold): it scores every position of every image annotated.
    fit = fit_classifier(V, y, groups[img], "hgb", search=False, calibration=calibration, ensemble=False)
    report = {
        "bench": Path(bench).name, "excluded_family": exclude_family, "images": counts,
        "positions_per_image": len(pos),
        "training_positions": len(y), "inside_box": int(y.sum()), "features": cfg.to_dict(),
        "n_features": int(V.shape[1]), "splice_sides": list(SPLICE_SIDES), "defocus_chance": defocus,
        "seed": seed,
        "calibration": calibration, "fit_seconds": round(fit.train_seconds, 1),
        "seconds": round(time.perf_counter() - t0, 1),
    }  # fmt: skip
    meta: dict[str, Any] = {"localiser": report}
    if version is not None:
        meta["version"] = version
    model = with_patch_map(base, fit.estimator, cfg, int(V.shape[1]), meta)
    return model, report
