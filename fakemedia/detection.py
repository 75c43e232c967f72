"""The detector's boundary: whether it can run, loading it once, and its output → annotation.

**Availability.** The detector stack (torch, safetensors: the ``detect`` extra) is optional.
:func:`available` says whether it is installed without importing it; :func:`load_detector` is
the one place where its absence, an :class:`ImportError`, becomes
:class:`~fakemedia.errors.DetectorUnavailable` (one line naming the extra). Nothing here imports
torch at import time; :func:`load_detector` loads the model and encoder weights on first use
and keeps them for the process.

**Mapping.** The rest is pure and torch-free: it takes any object shaped like
:class:`fakemedia.detect.model.DetectionResult` (``probability``, ``patch_map``, ``cell_size``,
``offset``, ``image_size``, ``model_name``, ``model_version``, ``model_sha256`` and, where the
model has them, ``area_rule`` and ``calibrated``), so it is tested on hand-made patch maps.

**Calibrated only when measured.** The probability is signed as ``calibrated`` only when the
result says so (``calibrated``: its model records a held-out ECE ≤ 0.05, see
:mod:`fakemedia.detect.calibration`); a result without the field counts as not calibrated.

**Area claims only when calibrated.** A signed area says "this part of a real-looking image is
synthetic" for the life of the file, so the detector records areas only under an
:class:`AreaRule` that its model file carries (``meta["area_rule"]``): rule values chosen on real
photographs with newsroom processing and the false-area rate measured on real photographs held
out from that choice (``fakemedia-lab calibrate-areas``). A model without one records the
whole-image probability only. Each area's description names the rule and its measured rate.

**Assessed only at the scale it knows.** A result whose ``not_assessed`` is set (the image is
smaller than its model assesses, see :attr:`fakemedia.detect.model.DetectorModel.min_side`)
gives no finding: no probability and no areas are recorded, and the reason is said instead.

**Regions rule** (all values in :class:`RegionSettings`):

0. The map is smoothed with a ``smoothing``×``smoothing`` box mean (1: none; cells outside the
   map do not count), so one noisy cell cannot carry an area alone.
1. A map cell is *flagged* when its P(synthetic) ≥ ``threshold``.
2. Flagged cells are grouped into 8-connected components.
3. Components whose cell bounding boxes lie within ``gap`` cells of each other merge (repeatedly),
   so speckle next to an area joins it instead of becoming a region of its own.
4. Groups with fewer than ``min_cells`` flagged cells are dropped (16 cells: a 4×4-cell block,
   64×64 pixels at the default model's 256-pixel analysis scale).
5. The ``max_regions`` largest groups are kept (ties: higher mean probability first).
6. Each group becomes a pixel rectangle: cell (i, j) covers analysed pixels ``offset + (i, j) ·
   cell_size`` (y, x), scaled to the image's own size when the detector saw a downscaled copy,
   rounded outwards and clipped to the image, so width and height are always > 0.

The detector's finding is a probability and a set of areas in our ``org.fakemedia.annotation``
assertion; it never becomes a modification type or a C2PA action, which would claim the signer
did something to the image.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fakemedia.annotation.model import Annotation, Probability, Region
from fakemedia.errors import DetectorUnavailable

if TYPE_CHECKING:
    import numpy as np

    from fakemedia.detect.imageio import ImageSource
    from fakemedia.detect.model import DetectionResult, DetectorModel

__all__ = ["STACK", "AreaRule", "DetectionLike", "Detector", "RegionSettings", "area_rule_of", "available",
           "detected_annotation", "detected_regions", "detection_summary", "is_calibrated", "limit_threads",
           "load_detector", "not_assessed", "with_declared"]

#: The modules inference needs beyond the base install (the ``detect`` extra).
STACK = ("torch", "safetensors")


def available() -> bool:
    """Whether the detector stack is installed (looked up, not imported: cheap)."""
    return all(importlib.util.find_spec(name) is not None for name in STACK)


@contextmanager
def _stack() -> Iterator[None]:
    """The one ImportError boundary: a missing module of the stack is DetectorUnavailable."""
    try:
        yield
    except ImportError as exc:
        raise DetectorUnavailable(exc.name) from None


def limit_threads(n: int | None = None) -> int | None:
    """:func:`fakemedia.detect.runtime.limit_threads` where the stack is installed (None where not)."""
    if not available():
        return None
    from fakemedia.detect.runtime import limit_threads as limit

    return limit(n)


@dataclass(frozen=True)
class Detector:
    """A loaded model and the encoder it needs (None for a model that uses no latents)."""

    model: DetectorModel
    encoder: Any

    def score(self, image: ImageSource | np.ndarray) -> DetectionResult:
        """Score an image: a path, bytes, a binary stream or an H×W×3 uint8 array."""
        with _stack():
            import numpy as np

            from fakemedia.detect.imageio import load_rgb
            from fakemedia.detect.model import score_image

            rgb = image if isinstance(image, np.ndarray) else load_rgb(image)
            return score_image(rgb, self.model, encoder=self.encoder)


def load_detector(model_path: str | None = None) -> Detector:
    """The detector for ``model_path`` (None: the shipped default), loaded once per process.

    Raises :class:`~fakemedia.errors.DetectorUnavailable` where the stack is missing and
    :class:`~fakemedia.errors.DetectorError` for a missing, foreign or corrupt model.
    """
    with _stack():
        from fakemedia.detect import encoder

        # Other encoder weights (--encoder-weights) make another detector.
        return _load(model_path, str(encoder.current_weights_path() or ""))


@functools.lru_cache(maxsize=4)
def _load(model_path: str | None, encoder_weights: str) -> Detector:
    with _stack():
        from fakemedia.detect.encoder import load_encoder
        from fakemedia.detect.model import load_default_model, load_model
        from fakemedia.detect.runtime import limit_threads as limit

        model = load_model(model_path) if model_path else load_default_model()
        enc = None
        if model.features.uses_latents or model.patch_spec is not None:
            limit()
            enc = load_encoder(None)
        return Detector(model, enc)


class DetectionLike(Protocol):
    probability: float
    patch_map: Any  # h×w array-like of P(synthetic) or None
    cell_size: float
    offset: tuple[float, float]  # (top, left) in the analysed image's pixels
    image_size: tuple[int, int]  # (width, height) of the image the detector was given
    model_name: str
    model_version: str
    model_sha256: str
    # Optional, read with getattr: ``area_rule`` (the model's calibrated rule as a dict) and
    # ``calibrated`` (True only for a held-out measured calibration; absent counts as False),
    # ``not_assessed`` (why the result is no finding; absent counts as assessed).


@dataclass(frozen=True)
class RegionSettings:
    threshold: float = 0.5
    min_cells: int = 16
    gap: int = 1
    max_regions: int = 8
    smoothing: int = 1

    def describe(self) -> str:
        smooth = f" after {self.smoothing}×{self.smoothing} smoothing" if self.smoothing > 1 else ""
        return f"P(synthetic) ≥ {self.threshold:g}{smooth} over ≥ {self.min_cells} cells"


@dataclass(frozen=True)
class AreaRule:
    """An area rule with its calibration: what a model file records under ``meta["area_rule"]``.

    ``false_area_rate``: the fraction of held-out processed real photographs that got any area
    under ``settings`` (measured, not a target); ``target``: the budget the rule was chosen for;
    ``calibration``: one line saying on what.
    """

    settings: RegionSettings
    false_area_rate: float
    target: float
    calibration: str

    def to_dict(self) -> dict[str, Any]:
        s = self.settings
        return {"threshold": s.threshold, "min_cells": s.min_cells, "gap": s.gap,
                "max_regions": s.max_regions, "smoothing": s.smoothing,
                "false_area_rate": self.false_area_rate, "target": self.target,
                "calibration": self.calibration}  # fmt: skip

    @classmethod
    def from_dict(cls, d: Any) -> AreaRule | None:
        """The rule in a model's metadata; None for a model without one (or a malformed one)."""
        if not isinstance(d, dict):
            return None
        try:
            settings = RegionSettings(threshold=float(d["threshold"]), min_cells=int(d["min_cells"]),
                                      gap=int(d.get("gap", 1)), max_regions=int(d.get("max_regions", 8)),
                                      smoothing=int(d.get("smoothing", 1)))  # fmt: skip
            rule = cls(settings, float(d["false_area_rate"]), float(d["target"]), str(d["calibration"]))
        except (KeyError, TypeError, ValueError):
            return None
        ok = (0 < settings.threshold <= 1 and settings.min_cells >= 1 and settings.smoothing >= 1
              and settings.max_regions >= 1 and 0 <= rule.false_area_rate <= 1)  # fmt: skip
        return rule if ok else None

    def describe(self) -> str:
        return (f"{self.settings.describe()} (area rule calibrated on {self.calibration}: "
                f"{100 * self.false_area_rate:.1f} % of held-out real photographs got an area)")


def area_rule_of(result: Any) -> AreaRule | None:
    """The calibrated area rule a detection result (or model metadata) carries, if any."""
    return AreaRule.from_dict(getattr(result, "area_rule", None))


def _smoothed(grid: list[list[float]], k: int) -> list[list[float]]:
    """k×k box mean over the cells inside the map (NaN cells are left out of the mean)."""
    if k <= 1:
        return grid
    h, w, r = len(grid), len(grid[0]), k // 2
    out = []
    for i in range(h):
        row = []
        for j in range(w):
            vals = [grid[a][b] for a in range(max(0, i - r), min(h, i - r + k))
                    for b in range(max(0, j - r), min(w, j - r + k)) if grid[a][b] == grid[a][b]]
            row.append(sum(vals) / len(vals) if vals else float("nan"))
        out.append(row)
    return out


@dataclass
class _Group:
    cells: list[tuple[int, int]] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def box(self) -> tuple[int, int, int, int]:
        rows = [c[0] for c in self.cells]
        cols = [c[1] for c in self.cells]
        return min(rows), min(cols), max(rows), max(cols)

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)


def _components(grid: Sequence[Sequence[float]], threshold: float) -> list[_Group]:
    """8-connected components of the cells at or above ``threshold`` (iterative flood fill)."""
    h = len(grid)
    w = len(grid[0]) if h else 0
    seen = [[False] * w for _ in range(h)]
    groups = []
    for i in range(h):
        for j in range(w):
            if seen[i][j] or not grid[i][j] >= threshold:  # NaN is never flagged
                continue
            group, stack = _Group(), [(i, j)]
            seen[i][j] = True
            while stack:
                r, c = stack.pop()
                group.cells.append((r, c))
                group.values.append(float(grid[r][c]))
                for dr in (-1, 0, 1):
                    for dc in (-1, 0, 1):
                        rr, cc = r + dr, c + dc
                        if 0 <= rr < h and 0 <= cc < w and not seen[rr][cc] and grid[rr][cc] >= threshold:
                            seen[rr][cc] = True
                            stack.append((rr, cc))
            groups.append(group)
    return groups


def _near(a: _Group, b: _Group, gap: int) -> bool:
    ar0, ac0, ar1, ac1 = a.box
    br0, bc0, br1, bc1 = b.box
    # Empty cells between the boxes along each axis (negative when they overlap).
    return max(br0 - ar1, ar0 - br1) - 1 <= gap and max(bc0 - ac1, ac0 - bc1) - 1 <= gap


def _merge(groups: list[_Group], gap: int) -> list[_Group]:
    merged = True
    while merged:
        merged = False
        for x in range(len(groups)):
            for y in range(x + 1, len(groups)):
                if _near(groups[x], groups[y], gap):
                    groups[x].cells += groups[y].cells
                    groups[x].values += groups[y].values
                    del groups[y]
                    merged = True
                    break
            if merged:
                break
    return groups


def detected_regions(result: DetectionLike, image_size: tuple[int, int] | None = None,
                     settings: RegionSettings | None = None) -> list[Region]:
    """Pixel rectangles around the flagged areas of ``result.patch_map`` (see the module rule).

    Without ``settings`` the model's calibrated :class:`AreaRule` decides, and a model without
    one, or a result that is not assessed, gives no regions. ``settings`` applies a rule as
    given (calibration, tests).
    ``image_size`` (width, height): the size the regions refer to, when the detector was given
    a downscaled copy; default ``result.image_size``.
    """
    if settings is not None:
        s, wording = settings, settings.describe()
    else:
        rule = area_rule_of(result)
        if rule is None or not_assessed(result) is not None:
            return []
        s, wording = rule.settings, rule.describe()
    pmap = result.patch_map
    if pmap is None:
        return []
    grid = pmap.tolist() if hasattr(pmap, "tolist") else [list(row) for row in pmap]
    if not grid or not grid[0]:
        return []
    groups = [g for g in _merge(_components(_smoothed(grid, s.smoothing), s.threshold), s.gap)
              if len(g.cells) >= s.min_cells]
    for g in groups:  # an area's probability is the mean of its cells as the model gave them
        g.values = [float(grid[r][c]) for r, c in g.cells]
    groups.sort(key=lambda g: (-len(g.cells), -g.mean, g.box))
    seen_w, seen_h = result.image_size
    width, height = image_size or (seen_w, seen_h)
    sx, sy = width / seen_w, height / seen_h
    top, left = result.offset
    size = float(result.cell_size)
    regions = []
    for n, g in enumerate(groups[: s.max_regions], 1):
        r0, c0, r1, c1 = g.box
        x0 = max(0, math.floor((left + c0 * size) * sx))
        y0 = max(0, math.floor((top + r0 * size) * sy))
        x1 = min(width, math.ceil((left + (c1 + 1) * size) * sx))
        y1 = min(height, math.ceil((top + (r1 + 1) * size) * sy))
        if x1 <= x0 or y1 <= y0:  # a map that claims cells outside the image
            continue
        regions.append(Region(
            shape="rectangle", unit="pixel", x=x0, y=y0, width=x1 - x0, height=y1 - y0,
            identifier=f"detector-{n}", name=f"detected area {n}",
            description=f"detector {result.model_name}: {wording}",
            probability=round(g.mean, 3),
        ))  # fmt: skip
    return regions


def not_assessed(result: DetectionLike) -> str | None:
    """Why the result is no finding about its image (None: it is one)."""
    why = getattr(result, "not_assessed", None)
    return why if isinstance(why, str) and why else None


def is_calibrated(result: DetectionLike) -> bool:
    """Whether the result's probability is calibrated (only an explicit True counts)."""
    return getattr(result, "calibrated", False) is True


def detected_annotation(result: DetectionLike, image_size: tuple[int, int] | None = None,
                        settings: RegionSettings | None = None) -> Annotation:
    """The detector's finding as an annotation: probability (algorithmic, with the model's
    identity and whether it is calibrated) and regions. No modification type: that is for the
    signer to declare. A result that is not assessed gives an empty annotation."""
    if not_assessed(result) is not None:
        return Annotation()
    prob = Probability(
        value=min(1.0, max(0.0, round(float(result.probability), 4))),
        method="algorithmic", of="synthetic", name=result.model_name,
        version=result.model_version or None, model_sha256=result.model_sha256 or None,
        calibrated=is_calibrated(result),
    )  # fmt: skip
    return Annotation(probability=prob, regions=tuple(detected_regions(result, image_size, settings)))


def with_declared(detected: Annotation, declared: Annotation) -> Annotation:
    """Declared values stand beside the detector's and replace them field by field where both
    are set (a declared probability or region list wins over the detector's)."""
    return detected.merged(declared)


def detection_summary(result: DetectionLike, regions: Sequence[Region]) -> dict[str, Any]:
    """What the detector said, JSON-ready (for annotate's output even where declared values win)."""
    return {
        "probability": round(float(result.probability), 4),
        "model": {"name": result.model_name, "version": result.model_version,
                  "sha256": result.model_sha256},
        "calibrated": is_calibrated(result),
        "area_rule": rule.to_dict() if (rule := area_rule_of(result)) is not None else None,
        "regions": [r.to_dict() for r in regions],
        "not_assessed": not_assessed(result),
    }
