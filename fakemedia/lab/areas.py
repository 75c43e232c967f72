"""Calibrating the area rule: at most ``target`` of processed real photographs may get an area.

A signed area claims that part of an image is synthetic, so the rule that draws areas (threshold,
minimum size, smoothing; :class:`fakemedia.detection.RegionSettings`) is chosen on real
photographs, and its false-area rate is measured on *other* real photographs:

* **Real photographs**: the photographs bundled in installed wheels (:mod:`fakemedia.lab.photos`),
  each as it is and in ``variants`` seeded newsroom versions: a crop (half of them; 50–100 % of
  each side), a resize to 40–100 %, a JPEG re-save at quality 60–95, in that order; and in
  ``thumbnails`` small versions (a square crop of 60–100 % of the short side, shrunk to 192–384
  pixels, three in four re-saved at quality 60–95), because a photograph shrunk that far and
  re-compressed looks to a detector unlike the same photograph at its own size.
* **Split by scene**: the rule is chosen on the scenes the default model was trained on; the
  false-area rate is measured on :data:`HELDOUT_SCENES` (the benchmark's test scenes, which neither
  the model nor the rule saw). With three held-out photographs the variants are correlated: the
  rate is an honest measurement on few scenes, not a population estimate.
* **Finding**: what the rule still finds is counted on the benchmark's composites (``--bench``;
  the pasted box is recorded), as they are and re-saved as JPEG quality 75, and on every fourth of
  its fully synthetic images, split the same way. A composite counts as located at IoU ≥ 0.5
  with its box; a synthetic image as found when it gets any area.
* **Choice**: among the rules of :data:`GRID` that keep the calibration set within ``target``
  twice over — of its processed images, and of its photographs (a photograph counts when any of
  its versions gets an area: versions of one photograph fail together, so the image rate alone
  overstates how many independent cases agree) — the one that finds the most calibration
  composites, then the most synthetic images, then the lowest false-area rate, then the highest
  threshold. The gate below stays the issue's measure, the held-out image rate.

The model gets the rule (``meta["area_rule"]``) only when the held-out false-area rate is within
``target`` and the rule still finds something on held-out synthetic images; otherwise the model
records the whole-image probability only, and ``meta["area_calibration"]`` says why.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from fakemedia.detection import AreaRule, Detector, RegionSettings, detected_regions, not_assessed
from fakemedia.errors import DetectorError
from fakemedia.lab.benchmark import TEST_SCENES
from fakemedia.lab.family_bench import family_of
from fakemedia.lab.photos import PHOTOS, load_photo
from fakemedia.lab.processing import jpeg_resave

__all__ = ["GRID", "HELDOUT_SCENES", "TARGET", "Sample", "calibrate", "choose_rule", "heldout_scenes",
           "newsroom_variants", "real_samples", "synthetic_samples", "thumbnail_variants"]

#: Scenes whose photographs are only ever used to measure (the benchmark's test scenes).
HELDOUT_SCENES: tuple[str, ...] = TEST_SCENES
#: At most this fraction of real photographs may get any signed area.
TARGET = 0.02
#: Minimum sizes tried, in cells: every one up to 16, where a cell more or less decides whether a
#: small pasted box is found (a box of 15 % of each side covers about 6 cells), coarser above.
MIN_CELLS = (*range(4, 17), 20, 24, 32, 48, 64)
#: Candidate rules: threshold × minimum cells × smoothing (gap 1, at most 8 areas).
GRID: tuple[RegionSettings, ...] = tuple(
    RegionSettings(threshold=t, min_cells=m, smoothing=k)
    for t, m, k in itertools.product((0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95),
                                     MIN_CELLS, (1, 3))
)


@dataclass
class Sample:
    """One scored image: where it came from, what was done to it and, for composites, the box."""

    source: str
    scene: str
    processing: str
    synthetic: bool
    box: tuple[int, int, int, int] | None  # x0, y0, x1, y1 in the image's pixels
    result: Any = None  # DetectionResult


def newsroom_variants(rgb: np.ndarray, n: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """The image as it is, then ``n`` processed versions (crop, resize, JPEG re-save)."""
    out = [("as is", rgb)]
    for _ in range(n):
        img, steps = rgb, []
        if rng.random() < 0.5:
            h, w = img.shape[:2]
            ch, cw = int(h * rng.uniform(0.5, 1.0)), int(w * rng.uniform(0.5, 1.0))
            top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            img = img[top : top + ch, left : left + cw]
            steps.append(f"crop {cw}x{ch}")
        f = float(rng.uniform(0.4, 1.0))
        h, w = img.shape[:2]
        size = (max(16, round(w * f)), max(16, round(h * f)))
        img = np.asarray(Image.fromarray(np.ascontiguousarray(img)).resize(size, Image.Resampling.BICUBIC))
        steps.append(f"resize {100 * f:.0f} %")
        q = int(rng.integers(60, 96))
        out.append(("; ".join([*steps, f"JPEG q{q}"]), jpeg_resave(img, q)))
    return out


def thumbnail_variants(rgb: np.ndarray, n: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """``n`` small versions: a square crop of 60–100 % of the short side shrunk to 192–384
    pixels, three in four re-saved as JPEG at quality 60–95."""
    out = []
    h, w = rgb.shape[:2]
    for _ in range(n):
        side = max(16, int(min(h, w) * rng.uniform(0.6, 1.0)))
        top, left = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        size = int(rng.integers(192, 385))
        crop = np.ascontiguousarray(rgb[top : top + side, left : left + side])
        img = np.asarray(Image.fromarray(crop).resize((size, size), Image.Resampling.BICUBIC))
        label = f"thumbnail {size} px"
        if rng.random() < 0.75:
            q = int(rng.integers(60, 96))
            img, label = jpeg_resave(img, q), f"{label}; JPEG q{q}"
        out.append((label, img))
    return out


def real_samples(variants: int, seed: int = 0, scenes: Iterable[str] | None = None,
                 photos_dir: str | Path | None = None,
                 thumbnails: int = 0) -> list[tuple[Sample, np.ndarray]]:  # fmt: skip
    """Every bundled photograph that loads here, and those of ``photos_dir`` (a ``fetch-photos``
    folder), of ``scenes`` (default all), as it is, in ``variants`` newsroom versions and in
    ``thumbnails`` small ones; each photograph's versions depend on ``seed`` and its place in the
    list only, so a subset reproduces the same images."""
    wanted = None if scenes is None else set(scenes)
    sources: list[tuple[str, str, Any]] = [(r.name, r.scene, lambda n=r.name: load_photo(n)) for r in PHOTOS]
    if photos_dir is not None:
        from fakemedia.detect.imageio import load_rgb
        from fakemedia.lab.debian_photos import load_sources

        for rec in load_sources(photos_dir):
            path = Path(photos_dir) / rec["file"]
            sources.append((path.stem, path.stem, lambda p=path: load_rgb(p)))
    out = []
    for index, (name, scene, load) in enumerate(sources):
        if wanted is not None and scene not in wanted:
            continue
        rng = np.random.default_rng([seed, index])
        try:
            rgb = load()
        except DetectorError:
            continue  # an optional package (matplotlib, scikit-learn) is not installed
        versions = newsroom_variants(rgb, variants, rng)
        # their own stream, so adding thumbnails leaves the newsroom versions as they were
        versions += thumbnail_variants(rgb, thumbnails, np.random.default_rng([seed, index, 1]))
        for processing, img in versions:
            out.append((Sample(name, scene, processing, False, None), img))
    return out


def heldout_scenes(photos_dir: str | Path | None) -> tuple[str, ...]:
    """The scenes only ever measured on: the benchmark's, and with photographs those the family
    benchmark holds out of them."""
    if photos_dir is None:
        return HELDOUT_SCENES
    from fakemedia.lab.family_bench import DEBIAN_TEST_SCENES

    return HELDOUT_SCENES + DEBIAN_TEST_SCENES


def synthetic_samples(bench: str | Path, every: int = 4) -> list[tuple[Sample, np.ndarray]]:
    """The benchmark's composites, as they are and re-saved at JPEG q75, and every ``every``-th
    of its fully synthetic images as they are (enough to see whether a rule finds anything)."""
    root = Path(bench)
    out = []
    with open(root / "benchmark.csv", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["label"] == "0"]  # the benchmark's 1 = real
    for n, row in enumerate(rows):
        b = row.get("box", "").split()
        box = (int(b[0]), int(b[1]), int(b[2]), int(b[3])) if len(b) == 4 else None
        if box is None and n % every:
            continue
        with Image.open(root / row["path"]) as im:
            rgb = np.asarray(im.convert("RGB"))
        versions = [("as is", rgb)]
        if box is not None:
            versions.append(("JPEG q75", jpeg_resave(rgb, 75)))
        for processing, img in versions:
            sample = Sample(row["path"], row["group"], f"{row['kind']}; {processing}", True, box)
            out.append((sample, img))
    return out


def _iou(region: Any, box: tuple[int, int, int, int]) -> float:
    x0, y0, x1, y1 = box
    rx0, ry0 = region.x, region.y
    rx1, ry1 = rx0 + region.width, ry0 + region.height
    inter = max(0, min(x1, rx1) - max(x0, rx0)) * max(0, min(y1, ry1) - max(y0, ry0))
    union = (x1 - x0) * (y1 - y0) + region.width * region.height - inter
    return inter / union if union else 0.0


def _smoothed_map(sample: Sample, k: int) -> np.ndarray:
    """The sample's map under a k×k box mean, as the rule sees it (cached on the sample)."""
    cache = sample.__dict__.setdefault("_smoothed", {})
    if k not in cache:
        pmap = np.asarray(sample.result.patch_map, dtype=np.float64)
        h, w = pmap.shape
        r, out = k // 2, np.empty_like(pmap)
        for i in range(h):
            for j in range(w):
                win = pmap[max(0, i - r) : i - r + k, max(0, j - r) : j - r + k]
                out[i, j] = np.nanmean(win) if np.isfinite(win).any() else np.nan
        cache[k] = out
    return cache[k]


def _regions(sample: Sample, settings: RegionSettings) -> list[Any]:
    """detected_regions under ``settings``, skipping maps that cannot reach ``min_cells`` cells
    and results the model does not assess (it signs nothing into those)."""
    if sample.result.patch_map is None or not_assessed(sample.result) is not None:
        return []
    # (a hair of slack: numpy may sum in another order than the rule does)
    flagged = int(np.count_nonzero(_smoothed_map(sample, settings.smoothing) >= settings.threshold - 1e-9))
    if flagged < settings.min_cells:  # a group needs that many flagged cells: no area is possible
        return []
    return detected_regions(sample.result, settings=settings)


def _measure(samples: Sequence[Sample], settings: RegionSettings) -> dict[str, Any]:
    real = [s for s in samples if not s.synthetic]
    synthetic = [s for s in samples if s.synthetic and s.box is None]
    composites = [s for s in samples if s.synthetic and s.box is not None]
    flagged_real = [s for s in real if _regions(s, settings)]
    flagged = len(flagged_real)
    found = sum(bool(_regions(s, settings)) for s in synthetic)
    hits = [s.box is not None and any(_iou(r, s.box) >= 0.5 for r in _regions(s, settings))
            for s in composites]  # fmt: skip
    # per generator family and per processing of the composite ("kind; processing")
    by: dict[str, list[int]] = {}
    for s, hit in zip(composites, hits, strict=True):
        kind, _, processing = s.processing.partition("; ")
        for key in (family_of(kind), processing or "as is"):
            tally = by.setdefault(key, [0, 0])
            tally[0] += hit
            tally[1] += 1
    return {
        "real": len(real), "real_with_area": flagged,
        "false_area_rate": round(flagged / len(real), 4) if real else None,
        # the versions of one photograph are not independent: how many photographs any reached
        "real_photographs": len({s.source for s in real}),
        "photographs_with_area": len({s.source for s in flagged_real}),
        "synthetic": len(synthetic), "synthetic_with_area": found,
        "composites": len(composites), "composites_located": sum(hits),
        "composites_located_by": {k: {"located": v[0], "composites": v[1]} for k, v in sorted(by.items())},
    }  # fmt: skip


def choose_rule(samples: Sequence[Sample], target: float = TARGET,
                grid: Iterable[RegionSettings] = GRID) -> tuple[RegionSettings | None, dict[str, Any]]:
    """The best rule within ``target`` on ``samples`` (see the module text), with its figures."""
    best: tuple[tuple[float, ...], RegionSettings, dict[str, Any]] | None = None
    for settings in grid:
        m = _measure(samples, settings)
        if m["false_area_rate"] is None or m["false_area_rate"] > target:
            continue
        if m["photographs_with_area"] > target * m["real_photographs"]:
            continue
        key = (m["composites_located"], m["synthetic_with_area"], -m["false_area_rate"], settings.threshold)
        if best is None or key > best[0]:
            best = (key, settings, m)
    if best is None or (best[2]["composites_located"] == 0 and best[2]["synthetic_with_area"] == 0):
        return None, best[2] if best else {}
    return best[1], best[2]


def real_calls(samples: Sequence[Sample], threshold: float) -> dict[str, Any]:
    """How many real samples the whole-image probability calls synthetic (above ``threshold``);
    a result the model does not assess is no call, and is counted apart."""
    real = [s for s in samples if not s.synthetic]
    declined = [s for s in real if not_assessed(s.result) is not None]
    called = [s for s in real if not_assessed(s.result) is None and float(s.result.probability) > threshold]
    return {"real": len(real), "called_synthetic": len(called), "not_assessed": len(declined),
            # what the floor withheld: declined images whose score was above the threshold
            "not_assessed_above_threshold": sum(float(s.result.probability) > threshold for s in declined),
            "rate": round(len(called) / len(real), 4) if real else None,
            "by_scene": {sc: sum(s.scene == sc for s in called) for sc in sorted({s.scene for s in called})}}


def _settings_dict(s: RegionSettings) -> dict[str, Any]:
    return {"threshold": s.threshold, "min_cells": s.min_cells, "smoothing": s.smoothing, "gap": s.gap,
            "max_regions": s.max_regions}  # fmt: skip


@dataclass
class _Scored:
    """What a rule reads of a detection result (kept in the score cache)."""

    probability: float
    patch_map: np.ndarray | None
    cell_size: float
    offset: tuple[float, float]
    image_size: tuple[int, int]
    model_name: str
    not_assessed: str | None = None


def _bench_id(bench: str | Path) -> dict[str, Any]:
    """The benchmark by content (its CSV's SHA-256), never by where it lies."""
    import hashlib

    raw = (Path(bench) / "benchmark.csv").read_bytes()
    return {"csv_sha256": hashlib.sha256(raw).hexdigest(), "rows": raw.count(b"\n") - 1}


def _score(detector: Detector, items: list[tuple[Sample, np.ndarray]], key: dict[str, Any],
           cache: Path | None, progress: bool) -> None:
    """Score every item, or read the scores ``cache`` holds for the same key (model, data)."""
    import json

    if cache is not None and cache.is_file():
        stored = json.loads(cache.read_text())
        if stored.get("key") == key and len(stored["results"]) == len(items):
            for (sample, _), r in zip(items, stored["results"], strict=True):
                pmap = None if r["patch_map"] is None else np.asarray(r["patch_map"], dtype=np.float64)
                sample.result = _Scored(r["probability"], pmap, r["cell_size"], tuple(r["offset"]),
                                        tuple(r["image_size"]), r["model_name"], r.get("not_assessed"))
            return
    loop: Iterable[tuple[Sample, np.ndarray]] = items
    if progress:
        from tqdm import tqdm

        loop = tqdm(items, desc="score", unit="image")
    for sample, img in loop:
        sample.result = detector.score(img)
    if cache is not None:
        results = [{"probability": float(s.result.probability),
                    "patch_map": None if s.result.patch_map is None else s.result.patch_map.tolist(),
                    "cell_size": float(s.result.cell_size), "offset": list(s.result.offset),
                    "image_size": list(s.result.image_size), "model_name": s.result.model_name,
                    "not_assessed": not_assessed(s.result)}
                   for s, _ in items]  # fmt: skip
        tmp = cache.with_name(f".{cache.name}.tmp")
        tmp.write_text(json.dumps({"key": key, "results": results}))
        tmp.replace(cache)


def best_heldout(samples: Sequence[Sample], grid: Iterable[RegionSettings] = GRID) -> dict[str, Any] | None:
    """After the choice, never for it: the lowest false-area rate any rule of the grid reaches on
    ``samples`` while it still finds something there (what a perfect choice could have got)."""
    best: tuple[tuple[float, ...], RegionSettings, dict[str, Any]] | None = None
    for settings in grid:
        m = _measure(samples, settings)
        if m["false_area_rate"] is None or not (m["synthetic_with_area"] or m["composites_located"]):
            continue
        key = (-m["false_area_rate"], m["composites_located"], m["synthetic_with_area"])
        if best is None or key > best[0]:
            best = (key, settings, m)
    return None if best is None else {"rule": _settings_dict(best[1]), **best[2]}


def calibrate(detector: Detector, *, bench: str | Path | None, variants: int = 30, seed: int = 0,
              target: float = TARGET, progress: bool = False, cache: Path | None = None,
              photos_dir: str | Path | None = None, thumbnails: int = 0) -> dict[str, Any]:
    """Choose the area rule and measure it on held-out scenes; returns the report, whose
    ``area_rule`` is the rule to record (None: the model must not sign areas). ``cache``: a JSON
    file of scores to reuse (written when absent or made for another model or data)."""
    items = real_samples(variants, seed, photos_dir=photos_dir, thumbnails=thumbnails)
    held_out = set(heldout_scenes(photos_dir))
    if bench is not None:
        items += synthetic_samples(bench)
    bench_id = _bench_id(bench) if bench is not None else None
    key = {"model_sha256": detector.model.sha256, "min_side": detector.model.min_side,
           "variants": variants, "thumbnails": thumbnails, "seed": seed, "bench": bench_id,
           "images": len(items),
           "photos": sorted({s.source for s, _ in items if not s.synthetic})}  # fmt: skip
    _score(detector, items, key, cache, progress)
    samples = [s for s, _ in items]
    calib = [s for s in samples if s.scene not in held_out]
    held = [s for s in samples if s.scene in held_out]
    settings, calib_figures = choose_rule(calib, target)
    threshold = detector.model.decision_threshold
    report: dict[str, Any] = {
        "target": target, "variants_per_photo": variants, "thumbnails_per_photo": thumbnails, "seed": seed,
        "processing": "as is, or crop 50-100 % of each side (half), resize 40-100 %, JPEG q60-95; "
                      "thumbnails: square crop 60-100 % of the short side to 192-384 px, "
                      "JPEG q60-95 (3 in 4)",
        "calibration_scenes": sorted({s.scene for s in calib if not s.synthetic}),
        "heldout_scenes": sorted({s.scene for s in held if not s.synthetic}),
        "bench": bench_id,
        "model": {"name": detector.model.name, "sha256": detector.model.sha256},
        "best_heldout_after_the_fact": best_heldout(held),
        # the whole-image call beside the areas: real photographs the model calls synthetic
        "called_synthetic": {"threshold": threshold, "calibration": real_calls(calib, threshold),
                             "heldout": real_calls(held, threshold)},
    }  # fmt: skip
    if settings is None:
        report.update(status="not calibrated", reason=f"no rule of the grid keeps the calibration "
                      f"photographs within {100 * target:g} % false areas and still finds anything",
                      calibration=calib_figures, heldout=None, area_rule=None)  # fmt: skip
        return report
    held_figures = _measure(held, settings)
    report.update(rule=_settings_dict(settings), calibration=calib_figures, heldout=held_figures)
    rate = held_figures["false_area_rate"]
    finds = held_figures["synthetic_with_area"] + held_figures["composites_located"]
    if rate is None or rate > target or (bench is not None and finds == 0):
        why = ("no held-out photographs" if rate is None else
               f"held-out false-area rate {100 * rate:.1f} % exceeds {100 * target:g} %" if rate > target
               else "the rule finds nothing on held-out synthetic images")  # fmt: skip
        report.update(status="not calibrated", reason=why, area_rule=None)
        return report
    n_held = held_figures["real"]
    rule = AreaRule(settings, rate, target, f"{n_held} processed real photographs of "
                    f"{len(report['heldout_scenes'])} held-out scenes")  # fmt: skip
    report.update(status="calibrated", area_rule=rule.to_dict())
    return report
