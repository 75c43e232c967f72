from __future__ import annotations

import datetime as dt
import json
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakemedia.annotation import (
    CUSTOM_LABEL,
    IPTC,
    MODIFICATION_TYPES,
    TYPE_TABLE,
    Annotation,
    Origin,
    Probability,
    Region,
    creation_action,
    creation_source_type,
    custom_assertion,
    modification_actions,
    region_from_c2pa,
    region_to_c2pa,
    summarize,
)
from fakemedia.annotation.c2pa import (
    C2PA_ACTIONS,
    annotation_from_custom,
    dst_term,
    infer_modification_types,
)

from .examples import FULL

# Actions we must never write: they need ingredients or parameters we do not produce.
NEEDS_MORE = {"c2pa.placed", "c2pa.removed", "c2pa.redacted", "c2pa.translated", "c2pa.watermarked"}
RETIRED_DST = {"minorHumanEdits", "softwareImage", "digitalArt"}
SUMMARY_KEYS = {
    "modification_types",
    "actions",
    "digital_source_types",
    "software_agents",
    "when",
    "purpose",
    "purpose_text",
    "probability",
    "regions",
    "author",
    "description",
    "references",
    "ipr",
    "origin",
}


def test_table_covers_vocabulary_exactly() -> None:
    assert tuple(TYPE_TABLE) == MODIFICATION_TYPES


@pytest.mark.parametrize("name", MODIFICATION_TYPES)
def test_every_type_maps_to_valid_c2pa_terms(name: str) -> None:
    m = TYPE_TABLE[name]
    for action in (m.action, m.edit_action):
        if action is not None:
            assert action in C2PA_ACTIONS
            assert action not in NEEDS_MORE
    assert m.description and "\n" not in m.description
    if m.creation:
        assert m.action == "c2pa.created"
        assert m.edit_action != "c2pa.created"
    else:
        assert m.edit_action == m.action and m.action not in ("c2pa.created", "c2pa.opened")
    if name == "transcoded":
        assert m.digital_source_type is None  # re-encoding says nothing about the source
    else:
        dst = m.digital_source_type
        assert dst is not None
        assert dst.startswith((IPTC, "http://c2pa.org/digitalsourcetype/"))
        assert dst_term(dst) not in RETIRED_DST


def test_c2pa_action_list_has_no_deprecated_names() -> None:
    deprecated = {"c2pa.copied", "c2pa.formatted", "c2pa.saved", "c2pa.color_adjustments"}
    assert not deprecated & C2PA_ACTIONS
    assert all(a.startswith("c2pa.") for a in C2PA_ACTIONS)


def test_table_pairs_are_unambiguous() -> None:
    # Reading back relies on each (action, source type) pair naming one type.
    pairs = [(m.action, m.digital_source_type) for m in TYPE_TABLE.values()]
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize(
    ("types", "origin", "parent", "expected"),
    [
        (("original",), None, False, IPTC + "digitalCapture"),
        (("original",), Origin(source_type="negativeFilm"), False, IPTC + "negativeFilm"),
        (("synthetic",), None, False, IPTC + "trainedAlgorithmicMedia"),
        (("synthetic",), Origin(source_type="algorithmicMedia"), False, IPTC + "algorithmicMedia"),
        (("edited", "synthetic"), None, False, IPTC + "trainedAlgorithmicMedia"),
        (("edited",), None, False, None),
        (("deepfaked", "composed"), None, False, None),
        ((), None, False, None),
        (("original",), None, True, None),
        (("synthetic",), None, True, None),
    ],
)
def test_creation_source_type(
    types: tuple[str, ...], origin: Origin | None, parent: bool, expected: str | None
) -> None:
    a = Annotation(modification_types=types, origin=origin)
    assert creation_source_type(a, parent=parent) == expected
    created = creation_action(a, parent=parent)
    if expected is None:
        assert created is None
    else:
        assert created is not None
        assert created["action"] == "c2pa.created" and created["digitalSourceType"] == expected


def test_original_and_synthetic_write_no_edit_actions() -> None:
    assert modification_actions(Annotation(modification_types=("original",))) == []
    assert modification_actions(Annotation(modification_types=("original",)), parent=True) == []
    assert modification_actions(Annotation(modification_types=("synthetic",))) == []
    [edit] = modification_actions(Annotation(modification_types=("synthetic",)), parent=True)
    assert edit["action"] == "c2pa.edited"
    assert edit["digitalSourceType"] == IPTC + "trainedAlgorithmicMedia"


def test_modification_actions_fields() -> None:
    a = Annotation.from_dict(FULL)
    acts = modification_actions(a)
    assert [x["action"] for x in acts] == ["c2pa.edited", "c2pa.edited"]
    assert [dst_term(x["digitalSourceType"]) for x in acts] == [
        "compositeWithTrainedAlgorithmicMedia",
        "humanEdits",
    ]
    for x in acts:
        assert x["softwareAgent"] == {"name": "FaceSwap 2"}
        assert x["when"] == "2026-01-02T03:04:05Z"
        assert x["reason"] == "org.fakemedia.purpose.satire"
        assert x["description"]
        assert len(x["changes"]) == 3
        assert x["changes"][0]["region"][0]["type"] == "spatial"
    # Explicit arguments override the annotation's own values.
    agent = {"name": "fakemedia", "version": "0.1.0"}
    [first, *_] = modification_actions(a, software_agent=agent, when="2027-01-01T00:00:00Z")
    assert first["softwareAgent"] == agent and first["when"] == "2027-01-01T00:00:00Z"
    assert first["changes"] is not acts[0]["changes"]


def test_actions_never_open_and_transcoded_has_no_dst() -> None:
    a = Annotation(modification_types=MODIFICATION_TYPES[1:])
    acts = modification_actions(a, parent=True)
    names = [x["action"] for x in acts]
    assert len(acts) == len(MODIFICATION_TYPES) - 1
    assert "c2pa.created" not in names and "c2pa.opened" not in names
    transcoded = acts[0]
    assert transcoded["action"] == "c2pa.transcoded" and "digitalSourceType" not in transcoded
    assert all("changes" not in x and "softwareAgent" not in x and "when" not in x for x in acts)
    json.dumps(acts)  # CBOR/JSON-ready plain values


def test_region_to_c2pa_shapes() -> None:
    rect = region_to_c2pa(Region("rectangle", "pixel", 1, 2, 3, 4, name="n", region_type="t"))
    assert rect == {
        "region": [
            {
                "type": "spatial",
                "shape": {
                    "type": "rectangle",
                    "unit": "pixel",
                    "origin": {"x": 1.0, "y": 2.0},
                    "width": 3.0,
                    "height": 4.0,
                },
            }
        ],
        "name": "n",
        "type": "t",
    }
    circle = region_to_c2pa(Region("circle", "percent", x=50, y=50, width=10))["region"][0]["shape"]
    assert circle == {"type": "circle", "unit": "percent", "origin": {"x": 50.0, "y": 50.0}, "width": 10.0}
    poly = region_to_c2pa(Region("polygon", vertices=((0, 0), (4, 0), (0, 3))))["region"][0]["shape"]
    assert poly["origin"] == {"x": 0.0, "y": 0.0}
    assert poly["vertices"] == [{"x": 4.0, "y": 0.0}, {"x": 0.0, "y": 3.0}]


region_strategy = st.one_of(
    st.builds(
        lambda u, x, y, w, h, n: Region("rectangle", u, x, y, w, h, name=n, description=n),
        st.sampled_from(["pixel", "percent"]),
        st.floats(0, 40),
        st.floats(0, 40),
        st.floats(0.1, 50),
        st.floats(0.1, 50),
        st.none() | st.text(min_size=1, max_size=10),
    ),
    st.builds(
        lambda u, x, y, w, i: Region("circle", u, x=x, y=y, width=w, identifier=i),
        st.sampled_from(["pixel", "percent"]),
        st.floats(0, 90),
        st.floats(0, 90),
        st.floats(0.1, 50),
        st.none() | st.text(min_size=1, max_size=10),
    ),
    st.builds(
        lambda u, x, y, w, h: Region("polygon", u, vertices=((x, y), (x + w, y), (x + w, y + h), (x, y + h))),
        st.sampled_from(["pixel", "percent"]),
        st.floats(0, 40),
        st.floats(0, 40),
        st.floats(1, 50),
        st.floats(1, 50),
    ),
)


@settings(max_examples=100, deadline=None)
@given(region_strategy)
def test_region_c2pa_round_trip(region: Region) -> None:
    assert region_from_c2pa(region_to_c2pa(region)) == region


def test_region_probability_is_not_a_c2pa_field() -> None:
    r = Region("circle", x=1, y=1, width=1, probability=0.4)
    assert "probability" not in json.dumps(region_to_c2pa(r))
    back = region_from_c2pa(region_to_c2pa(r))
    assert back is not None and back.probability is None


def _spatial(shape: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"region": [{"type": "spatial", "shape": shape}], **meta}


@pytest.mark.parametrize(
    "region_map",
    [
        None,
        "rectangle",
        {},
        {"region": "x"},
        {"region": [{"type": "temporal", "time": {"start": "0"}}]},
        {"region": [{"type": "spatial"}]},
        _spatial({"type": "star", "unit": "pixel", "origin": {"x": 0, "y": 0}, "width": 1}),
        _spatial({"type": "circle", "unit": "mm", "origin": {"x": 0, "y": 0}, "width": 1}),
        _spatial({"type": "circle", "unit": "pixel", "origin": {"x": "a", "y": 0}, "width": 1}),
        _spatial({"type": "circle", "unit": "pixel", "origin": {"x": 0, "y": 0}}),
        _spatial(
            {"type": "rectangle", "unit": "pixel", "origin": {"x": -5, "y": 0}, "width": 1, "height": 1}
        ),
        _spatial(
            {
                "type": "rectangle",
                "unit": "pixel",
                "origin": {"x": 0, "y": 0},
                "width": 1,
                "height": 1,
                "inside": False,
            }
        ),
        _spatial(
            {"type": "polygon", "unit": "pixel", "origin": {"x": 0, "y": 0}, "vertices": [{"x": 1, "y": 1}]}
        ),
        _spatial({"type": "polygon", "unit": "pixel", "origin": {"x": 0, "y": 0}, "vertices": "xy"}),
    ],
)
def test_region_from_c2pa_rejects_unusable(region_map: Any) -> None:
    assert region_from_c2pa(region_map) is None


def test_region_from_c2pa_is_tolerant_of_foreign_details() -> None:
    # First usable spatial range wins; a vertex repeating origin is not doubled; bad metadata dropped.
    shape = {
        "type": "polygon",
        "unit": "pixel",
        "origin": {"x": 0, "y": 0},
        "vertices": [{"x": 0, "y": 0}, {"x": 5, "y": 0}, {"x": 0, "y": 5}],
    }
    region_map = {
        "region": [{"type": "temporal"}, {"type": "spatial", "shape": shape}],
        "name": "x" * 5000,
        "role": "c2pa.edited",
    }
    r = region_from_c2pa(region_map)
    assert r == Region("polygon", "pixel", vertices=((0, 0), (5, 0), (0, 5)))


def test_custom_assertion_is_cbor_ready_and_round_trips() -> None:
    a = Annotation.from_dict(FULL)
    body = custom_assertion(a)
    assert CUSTOM_LABEL == "org.fakemedia.annotation"
    assert body["version"] == 1
    assert body["probability"]["model_sha256"] == "a" * 64  # hex text, not bytes
    assert body["regions"][0]["probability"] == 0.9
    decoded = cbor2.loads(cbor2.dumps(body))
    assert decoded == body
    assert annotation_from_custom(decoded) == a
    assert annotation_from_custom({"version": 1, "purpose": "nonsense"}) is None
    assert annotation_from_custom(b"junk") is None


def test_summarize_foreign_created_synthetic() -> None:
    s = summarize(
        {"actions": [{"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}]}, None
    )
    assert s["modification_types"] == ["synthetic"]
    assert s["actions"] == ["c2pa.created"]
    assert s["digital_source_types"] == [IPTC + "trainedAlgorithmicMedia"]
    assert set(s) == SUMMARY_KEYS


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (
            [
                {
                    "action": "c2pa.created",
                    "digitalSourceType": "https://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                }
            ],
            ["original"],
        ),
        (
            [
                {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"},
                {"action": "c2pa.cropped"},
            ],
            ["edited"],
        ),
        (
            [
                {"action": "c2pa.opened"},
                {"action": "c2pa.edited", "digitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia"},
            ],
            ["deepfaked"],
        ),
        (
            [{"action": "c2pa.opened"}, {"action": "c2pa.resized"}, {"action": "c2pa.placed"}],
            ["transcoded", "composed"],
        ),
        (
            [
                {"action": "c2pa.opened"},
                {"action": "c2pa.edited", "digitalSourceType": IPTC + "minorHumanEdits"},
            ],
            ["edited"],
        ),
        ([{"action": "c2pa.created", "digitalSourceType": IPTC + "compositeSynthetic"}], ["composed"]),
        ([{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCreation"}], []),
        ([{"action": "c2pa.opened"}, {"action": "c2pa.published"}, {"action": "com.example.magic"}], []),
    ],
)
def test_inference_from_foreign_actions(actions: list[dict], expected: list[str]) -> None:
    assert summarize({"actions": actions}, None)["modification_types"] == expected


def test_summarize_reads_v1_and_v2_details() -> None:
    v1 = {
        "actions": [
            {
                "action": "c2pa.created",
                "softwareAgent": "Camera FW 1.2",
                "when": dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc),
            }
        ]
    }
    s = summarize(v1, None)
    assert s["software_agents"] == ["Camera FW 1.2"] and s["when"] == "2024-05-01T00:00:00Z"
    v2 = {
        "softwareAgents": [{"name": "Editor", "version": "3"}],
        "actions": [
            {
                "action": "c2pa.opened",
                "softwareAgentIndex": 0,
                "when": cbor2.CBORTag(0, "2025-01-01T00:00:00Z"),
            },
            {
                "action": "c2pa.edited",
                "reason": "org.fakemedia.purpose.privacy",
                "changes": [
                    _spatial({"type": "circle", "unit": "pixel", "origin": {"x": 5, "y": 5}, "width": 2})
                ],
            },
        ],
    }
    s = summarize(v2, None)
    assert s["software_agents"] == ["Editor 3"]
    assert s["when"] == "2025-01-01T00:00:00Z"
    assert s["purpose"] == "privacy"
    assert s["regions"] == [{"shape": "circle", "unit": "pixel", "x": 5.0, "y": 5.0, "width": 2.0}]


def test_summarize_prefers_our_assertion() -> None:
    a = Annotation.from_dict(FULL)
    actions = {"actions": [{"action": "c2pa.opened"}, *modification_actions(a)]}
    s = summarize(actions, custom_assertion(a))
    assert s["modification_types"] == ["deepfaked", "edited"]
    assert s["probability"] == FULL["probability"]
    assert s["regions"] == FULL["regions"]  # with per-region probabilities, unlike changes
    assert (s["author"], s["ipr"], s["origin"]) == (FULL["author"], FULL["ipr"], FULL["origin"])
    assert s["references"] == FULL["references"]
    assert s["purpose_text"] == FULL["purpose_text"]
    json.dumps(s)


def test_summarize_skips_bad_fields_of_our_assertion() -> None:
    custom = {
        "version": 1,
        "modification_types": ["edited", "bogus", 3],
        "probability": {"value": 7},
        "regions": [{"shape": "blob"}, {"shape": "circle", "unit": "pixel", "x": 1, "y": 1, "width": 1}],
        "author": 5,
        "ipr": "mine",
    }
    s = summarize(None, custom)
    assert s["modification_types"] == ["edited"]
    assert s["probability"] is None and s["author"] is None and s["ipr"] is None
    assert len(s["regions"]) == 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(MODIFICATION_TYPES[1:]), unique=True, min_size=1), st.booleans())
def test_inference_recovers_what_we_write(types: list[str], parent: bool) -> None:
    a = Annotation(modification_types=tuple(types), probability=Probability(0.5, name="d"))
    created = creation_action(a, parent=parent)
    actions = ([created] if created else [{"action": "c2pa.opened"}]) + modification_actions(a, parent=parent)
    assert set(infer_modification_types({"actions": actions})) == set(types)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | st.binary(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "actions",
                    "action",
                    "digitalSourceType",
                    "when",
                    "softwareAgent",
                    "softwareAgentIndex",
                    "softwareAgents",
                    "changes",
                    "region",
                    "shape",
                    "type",
                    "unit",
                    "origin",
                    "x",
                    "y",
                    "width",
                    "vertices",
                    "reason",
                    "modification_types",
                    "probability",
                    "regions",
                    "purpose",
                    "ipr",
                    "origin",
                    "references",
                    "name",
                    "version",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
def test_summarize_never_raises_on_garbage(actions: Any, custom: Any) -> None:
    s = summarize(actions, custom)
    assert set(s) == SUMMARY_KEYS
    assert isinstance(s["modification_types"], list)
    assert all(t in MODIFICATION_TYPES for t in s["modification_types"])
