"""Regions against the image size; impossible numbers named in one line."""

from __future__ import annotations

import pytest

from fakemedia.annotation.bounds import check_regions_within, clip_regions, region_bounds_issues
from fakemedia.annotation.model import Annotation, Probability, Region
from fakemedia.errors import AnnotationInvalid

SIZE = (100, 50)


def test_inside_regions_pass_and_outside_ones_are_named() -> None:
    inside = Region("rectangle", "pixel", 0, 0, 100, 50)
    check_regions_within([inside, Region("circle", "pixel", 50, 25, 50)], SIZE)
    check_regions_within([Region("rectangle", "percent", 50, 50, 50, 50)], SIZE)
    with pytest.raises(AnnotationInvalid, match="regions/1/width: the region ends at x = 101") as err:
        wide = Region("rectangle", "pixel", 1, 0, 100, 10)
        check_regions_within(Annotation(regions=(inside, wide)), SIZE)
    assert "\n" not in str(err.value)
    assert region_bounds_issues(Region("polygon", "pixel", vertices=((0, 0), (10, 0), (5, 60))), SIZE)


def test_clip_with_warnings() -> None:
    rect = Region("rectangle", "pixel", 80, 40, 40, 20, name="face")
    circle = Region("circle", "pixel", 95, 25, 20)
    polygon = Region("polygon", "pixel", vertices=((50, 0), (150, 0), (150, 40), (50, 40)))
    outside = Region("rectangle", "pixel", 200, 0, 10, 10)
    ok = Region("rectangle", "pixel", 0, 0, 10, 10)
    clipped, warnings = clip_regions([rect, circle, polygon, outside, ok], SIZE)
    assert clipped[0].x == 80 and clipped[0].width == 20 and clipped[0].height == 10
    assert clipped[1].width == 10
    assert max(v[0] for v in clipped[2].vertices) == 100
    assert clipped[3] == ok and len(clipped) == 4
    assert len(warnings) == 4 and "region 0 (face)" in warnings[0] and "dropped" in warnings[3]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_probability_names_the_field(value: float) -> None:
    with pytest.raises(AnnotationInvalid,
                       match=r"invalid probability: value: -?(nan|inf) is not a finite number"):
        Probability(value=value, name="d")
    with pytest.raises(AnnotationInvalid, match="probability/value: "):
        Annotation.from_dict({"probability": {"value": value}})


def test_out_of_range_value_is_reported_before_missing_keys() -> None:
    with pytest.raises(AnnotationInvalid,
                       match=r"invalid probability: value: 1\.5 is greater than the maximum"):
        Probability(value=1.5)
    with pytest.raises(AnnotationInvalid, match="x: nan is not a finite number"):
        Region("rectangle", "pixel", float("nan"), 0, 1, 1)
