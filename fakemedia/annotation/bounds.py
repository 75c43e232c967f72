"""Regions against the image they describe: a declared region must lie within the picture; a
region from the detector is clipped to it, with a warning, since its edges are estimates.

Percent regions are bounded by the model already (0-100); pixel regions need the image size,
which only the caller knows (the displayed size, EXIF orientation applied).
"""

from __future__ import annotations

from collections.abc import Sequence

from fakemedia._record import replace
from fakemedia.annotation.model import Annotation, Region
from fakemedia.annotation.schema import raise_issues

_EPS = 1e-9


def region_bounds_issues(region: Region, size: tuple[int, int], path: str = "") -> list[str]:
    """Why ``region`` does not lie within an image of ``size`` = (width, height) pixels."""
    if region.unit != "pixel":
        return []
    at = f"{path}/" if path else ""
    left, top, right, bottom = _box(region)
    width, height = size
    issues = []
    if left < -_EPS or top < -_EPS:
        issues.append(f"{at}x/y: the region starts outside the image ({left:g}, {top:g})")
    if right > width + _EPS:
        issues.append(f"{at}width: the region ends at x = {right:g}, past the image width {width}")
    if bottom > height + _EPS:
        issues.append(f"{at}height: the region ends at y = {bottom:g}, past the image height {height}")
    return issues


def check_regions_within(regions: Sequence[Region] | Annotation, size: tuple[int, int]) -> None:
    """Raise :class:`~fakemedia.errors.AnnotationInvalid` (one line, naming the region) when a
    region does not lie within the image."""
    items = regions.regions if isinstance(regions, Annotation) else regions
    issues = [issue for i, r in enumerate(items) for issue in region_bounds_issues(r, size, f"regions/{i}")]
    raise_issues(issues, "region")


def clip_regions(regions: Sequence[Region], size: tuple[int, int]) -> tuple[list[Region], list[str]]:
    """Regions clipped to the image, and one warning per region changed or dropped (a region
    wholly outside the image is dropped)."""
    out: list[Region] = []
    warnings: list[str] = []
    for i, region in enumerate(regions):
        if not region_bounds_issues(region, size):
            out.append(region)
            continue
        clipped = _clip(region, size)
        name = f"region {i}" + (f" ({region.name})" if region.name else "")
        if clipped is None:
            warnings.append(f"{name} lies outside the {size[0]}x{size[1]} image and was dropped")
        else:
            warnings.append(f"{name} extended past the {size[0]}x{size[1]} image and was clipped")
            out.append(clipped)
    return out, warnings


def _box(region: Region) -> tuple[float, float, float, float]:
    if region.shape == "polygon":
        xs = [v[0] for v in region.vertices]
        ys = [v[1] for v in region.vertices]
        return min(xs), min(ys), max(xs), max(ys)
    x, y, w = float(region.x or 0), float(region.y or 0), float(region.width or 0)
    if region.shape == "circle":  # x, y is the centre, width the diameter
        return x - w / 2, y - w / 2, x + w / 2, y + w / 2
    return x, y, x + w, y + float(region.height or 0)


def _clip(region: Region, size: tuple[int, int]) -> Region | None:
    width, height = float(size[0]), float(size[1])
    try:
        if region.shape == "rectangle":
            left, top, right, bottom = _box(region)
            left, top = max(left, 0.0), max(top, 0.0)
            right, bottom = min(right, width), min(bottom, height)
            if right - left <= _EPS or bottom - top <= _EPS:
                return None
            return replace(region, x=left, y=top, width=right - left, height=bottom - top)
        if region.shape == "circle":
            x, y = float(region.x or 0), float(region.y or 0)
            if not (0 <= x <= width and 0 <= y <= height):
                return None
            diameter = 2 * min(x, y, width - x, height - y, float(region.width or 0) / 2)
            return replace(region, width=diameter) if diameter > _EPS else None
        points = _clip_polygon(list(region.vertices), width, height)
        if len(points) < 3:
            return None
        return replace(region, vertices=tuple(points))
    except Exception:  # a degenerate remainder (zero area) fails the region's own checks
        return None


def _clip_polygon(points: list[tuple[float, float]], width: float,
                  height: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman clipping against the image rectangle."""
    edges = [(0, 0.0, True), (0, width, False), (1, 0.0, True), (1, height, False)]
    for axis, limit, is_min in edges:
        if not points:
            break

        def inside(p: tuple[float, float], axis: int = axis, limit: float = limit,
                   is_min: bool = is_min) -> bool:
            return p[axis] >= limit if is_min else p[axis] <= limit

        def cross(a: tuple[float, float], b: tuple[float, float], axis: int = axis,
                  limit: float = limit) -> tuple[float, float]:
            t = (limit - a[axis]) / (b[axis] - a[axis])
            point = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            return (limit, point[1]) if axis == 0 else (point[0], limit)

        result: list[tuple[float, float]] = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    result.append(cross(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cross(previous, current))
        points = result
    return points
