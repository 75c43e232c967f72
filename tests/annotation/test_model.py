from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakemedia.annotation import (
    IPR,
    MODIFICATION_TYPES,
    PURPOSES,
    Annotation,
    Origin,
    Probability,
    Reference,
    Region,
)
from fakemedia.errors import AnnotationInvalid

from .examples import FULL, MINIMAL

# ---- strategies: valid values only, so the round trip property is about serialisation ----

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
coord = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.5, max_value=50, allow_nan=False, allow_infinity=False)
unit_prob = st.floats(min_value=0, max_value=1, allow_nan=False)
hexdigest = st.text("0123456789abcdef", min_size=64, max_size=64)
rfc3339 = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


@st.composite
def regions(draw: st.DrawFn) -> Region:
    shape = draw(st.sampled_from(["rectangle", "circle", "polygon"]))
    extra = {
        "name": draw(st.none() | text),
        "description": draw(st.none() | text),
        "region_type": draw(st.none() | text),
        "probability": draw(st.none() | unit_prob),
    }
    if shape == "polygon":
        # A triangle with positive area inside 0..50, so pixel and percent both hold.
        x, y = draw(st.floats(0, 40)), draw(st.floats(0, 40))
        w, h = draw(st.floats(1, 10)), draw(st.floats(1, 10))
        verts = ((x, y), (x + w, y), (x, y + h))
        return Region("polygon", draw(st.sampled_from(["pixel", "percent"])), vertices=verts, **extra)
    x, y, w = draw(st.floats(0, 50)), draw(st.floats(0, 50)), draw(positive)
    if shape == "circle":
        return Region("circle", draw(st.sampled_from(["pixel", "percent"])), x=x, y=y, width=w, **extra)
    return Region("rectangle", draw(st.sampled_from(["pixel", "percent"])), x, y, w, draw(positive), **extra)


@st.composite
def probabilities(draw: st.DrawFn) -> Probability:
    of = draw(st.sampled_from(("modified", *MODIFICATION_TYPES)))
    if draw(st.booleans()):
        return Probability(draw(unit_prob), "human", of, assessor=draw(text))
    return Probability(
        draw(unit_prob),
        "algorithmic",
        of,
        name=draw(text),
        version=draw(st.none() | text),
        model_sha256=draw(st.none() | hexdigest),
        calibrated=draw(st.booleans()),
    )


references = st.builds(
    lambda url, h, mt, desc: Reference(url, "sha256" if h else None, h, mt, desc),
    st.sampled_from(["https://example.com/a", "http://x.org/d.json?x=1", "urn:uuid:1234"]),
    st.none() | hexdigest,
    st.none() | st.sampled_from(["application/json", "text/html"]),
    st.none() | text,
)

types = st.one_of(
    st.just(("original",)),
    st.lists(st.sampled_from(MODIFICATION_TYPES[1:]), unique=True, max_size=4).map(tuple),
)


@st.composite
def annotations(draw: st.DrawFn) -> Annotation:
    purpose = draw(st.none() | st.sampled_from(PURPOSES))
    return Annotation(
        modification_types=draw(types),
        purpose=purpose,
        purpose_text=draw(text if purpose == "other" else st.none() | text),
        probability=draw(st.none() | probabilities()),
        regions=tuple(draw(st.lists(regions(), max_size=3))),
        author=draw(st.none() | text),
        software_agent=draw(st.none() | text),
        when=draw(st.none() | rfc3339),
        description=draw(st.none() | text),
        ipr=draw(st.none() | st.builds(IPR, creator=text, licence=st.none() | text)),
        origin=draw(st.none() | st.builds(Origin, device=text, created=st.none() | rfc3339)),
        references=tuple(draw(st.lists(references, max_size=2))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(annotations())
def test_round_trip_property(a: Annotation) -> None:
    d = a.to_dict()
    assert Annotation.from_dict(d) == a
    # JSON-ready: survives a real JSON text round trip unchanged.
    assert Annotation.from_dict(json.loads(json.dumps(d))) == a


def test_full_and_minimal_round_trip_exactly() -> None:
    for d in (FULL, MINIMAL):
        a = Annotation.from_dict(d)
        assert a.to_dict() == d
    a = Annotation.from_dict(FULL)
    assert a.regions[0].probability == 0.9
    assert a.probability is not None and a.probability.calibrated is True
    assert a.references[0].hash == "b" * 64


def test_to_dict_omits_unset_and_ints_become_floats() -> None:
    a = Annotation.from_dict({"regions": [{"shape": "circle", "unit": "pixel", "x": 3, "y": 4, "width": 2}]})
    assert a.to_dict() == {
        "regions": [{"shape": "circle", "unit": "pixel", "x": 3.0, "y": 4.0, "width": 2.0}]
    }
    assert isinstance(a.regions[0].x, float)
    assert Annotation().to_dict() == {}


def test_probability_defaults() -> None:
    p = Probability(0.7, name="fmdet")
    assert (p.of, p.method, p.calibrated) == ("synthetic", "algorithmic", False)
    assert p.to_dict() == {
        "value": 0.7,
        "of": "synthetic",
        "method": "algorithmic",
        "name": "fmdet",
        "calibrated": False,
    }
    human = Probability(0.2, "human", assessor="desk editor")
    assert "calibrated" not in human.to_dict()


def _invalid(mutate: Any) -> AnnotationInvalid:
    d = copy.deepcopy(FULL)
    mutate(d)
    with pytest.raises(AnnotationInvalid) as info:
        Annotation.from_dict(d)
    return info.value


@pytest.mark.parametrize(
    ("mutate", "issue"),
    [
        (lambda d: d.update(modification_types=["original", "edited"]), "modification_types:"),
        (lambda d: d["regions"][0].update(width=0.0), "regions/0/width:"),
        (lambda d: d["regions"][0].update(height=0.0), "regions/0/height:"),
        (lambda d: d["regions"][2].update(width=0.0), "regions/2/width:"),
        (lambda d: d["regions"][1].update(vertices=[[0, 0], [1, 1], [2, 2]]), "regions/1/vertices:"),
        (lambda d: d["regions"][1].update(vertices=[[0, 0], [101, 0], [0, 5]]), "regions/1/vertices/1:"),
        (lambda d: d["regions"][0].update(unit="percent", x=90.0), "regions/0/width:"),
        (lambda d: d["regions"][0].update(unit="percent", y=150.0, x=0.0, width=1.0), "regions/0/y:"),
        (lambda d: d["regions"][2].update(identifier="face-1"), "regions/2/identifier:"),
        (lambda d: d["references"][0].update(hash="ab" * 10), "references/0/hash:"),
        (lambda d: d.update(purpose="other", purpose_text=None) or d.pop("purpose_text"), "purpose_text:"),
        (
            lambda d: (
                d.update(modification_types=["original"])
                or d["origin"].update(source_type="trainedAlgorithmicMedia")
            ),
            "origin/source_type:",
        ),
    ],
)
def test_semantic_rules(mutate: Any, issue: str) -> None:
    err = _invalid(mutate)
    assert any(i.startswith(issue) for i in err.issues), err.issues
    assert str(err).startswith("invalid annotation: ")


def test_direct_construction_validates() -> None:
    with pytest.raises(AnnotationInvalid, match="vertices"):
        Region("polygon", vertices=((0, 0), (1, 1)))
    with pytest.raises(AnnotationInvalid, match="value"):
        Probability(1.5, name="x")
    with pytest.raises(AnnotationInvalid, match="hash"):
        Reference("https://example.com", "sha256", "ab")
    with pytest.raises(AnnotationInvalid, match="modification_types"):
        Annotation(modification_types=("original", "synthetic"))
    with pytest.raises(AnnotationInvalid, match="regions/0: expected Region"):
        Annotation(regions=({"shape": "circle"},))  # type: ignore[arg-type]
    with pytest.raises(AnnotationInvalid, match="x: True is not of type"):
        Region("circle", x=True, y=1, width=2)  # type: ignore[arg-type]


def test_lists_normalised_to_tuples_and_hashable() -> None:
    a = Annotation(modification_types=["edited"], regions=[Region("circle", x=1, y=1, width=1)])  # type: ignore[arg-type]
    assert a.modification_types == ("edited",)
    assert isinstance(a.regions, tuple)
    assert hash(a) == hash(Annotation.from_dict(a.to_dict()))


def test_merged_other_wins_where_set() -> None:
    detected = Annotation(
        modification_types=("synthetic",),
        probability=Probability(0.8, name="fmdet"),
        regions=(Region("rectangle", "pixel", 0, 0, 10, 10),),
        software_agent="fakemedia-detect 1",
    )
    declared = Annotation(modification_types=("edited",), purpose="satire", author="Jane")
    m = detected.merged(declared)
    assert m.modification_types == ("edited",)
    assert m.purpose == "satire" and m.author == "Jane"
    assert m.probability == detected.probability
    assert m.regions == detected.regions
    assert m.software_agent == "fakemedia-detect 1"
    assert detected.merged(Annotation()) == detected
    assert Annotation().merged(detected) == detected


def test_merged_conflict_is_reported() -> None:
    base = Annotation(origin=Origin(source_type="negativeFilm"))
    with pytest.raises(AnnotationInvalid, match="source_type"):
        base.merged(Annotation(modification_types=("original",), origin=None)).merged(
            Annotation(origin=Origin(source_type="algorithmicMedia"))
        )
