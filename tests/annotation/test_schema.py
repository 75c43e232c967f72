from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from fakemedia.annotation import MODIFICATION_TYPES, PURPOSES, load_schema, validate
from fakemedia.errors import AnnotationInvalid

from .examples import FULL, MINIMAL


def test_schema_is_valid_2020_12_with_id() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("annotation.schema.json")


def test_schema_vocabularies_match_model() -> None:
    props = load_schema()["properties"]
    assert tuple(props["modification_types"]["items"]["enum"]) == MODIFICATION_TYPES
    assert tuple(props["purpose"]["enum"]) == PURPOSES


def _walk(node: Any, path: str = "") -> list[tuple[str, dict]]:
    found = []
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            found.append((f"{path}/{key}", sub))
        for key, sub in node.items():
            if key not in ("allOf", "if", "then", "not"):  # conditions, not documentation
                found += _walk(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            found += _walk(sub, f"{path}/{i}")
    return found


def test_every_property_has_title_and_description() -> None:
    schema = load_schema()
    props = _walk(schema)
    assert len(props) > 40
    for path, sub in props:
        target = sub
        if "$ref" in sub:  # a $ref'd property is documented at its definition
            target = schema["$defs"][sub["$ref"].rsplit("/", 1)[1]]
        assert target.get("title") and target.get("description"), path


@pytest.mark.parametrize("instance", [MINIMAL, FULL, {}], ids=["minimal", "full", "empty"])
def test_valid_examples(instance: dict) -> None:
    validate(instance)


def _bad(mutate: Any) -> dict:
    d = copy.deepcopy(FULL)
    mutate(d)
    return d


@pytest.mark.parametrize(
    ("instance", "expected_path", "expected_text"),
    [
        ({"modification_types": ["photoshopped"]}, "modification_types/0", "photoshopped"),
        (_bad(lambda d: d["probability"].update(value=1.5)), "probability/value", "1.5"),
        (_bad(lambda d: d["regions"][0].pop("height")), "regions/0", "height"),
        (_bad(lambda d: d["regions"][1].update(vertices=[[1, 2]])), "regions/1/vertices", "short"),
        (_bad(lambda d: d["regions"][2].update(unit="inch")), "regions/2/unit", "inch"),
        (_bad(lambda d: d.update(colour="red")), "(root)", "colour"),
        (_bad(lambda d: d["origin"].update(camera="x")), "origin", "camera"),
        (_bad(lambda d: d.update(when="yesterday")), "when", "date-time"),
        (_bad(lambda d: d.update(when="2026-02-30T00:00:00Z")), "when", "date-time"),
        (_bad(lambda d: d["references"][0].update(url="not a url")), "references/0/url", "uri"),
        (_bad(lambda d: d["references"][0].pop("hash_alg")), "references/0", "hash_alg"),
        (_bad(lambda d: d["probability"].update(model_sha256="XYZ")), "probability/model_sha256", ""),
        (_bad(lambda d: d["probability"].update(assessor="Bob")), "probability", "assessor"),
        (
            {"probability": {"value": 0.2, "method": "human", "assessor": "Bob", "name": "x"}},
            "probability",
            "name",
        ),
        (_bad(lambda d: d["regions"][2].update(height=4.0)), "regions/2", "height"),
    ],
)
def test_invalid_examples(instance: dict, expected_path: str, expected_text: str) -> None:
    with pytest.raises(AnnotationInvalid) as info:
        validate(instance)
    err = info.value
    assert err.issues, "issues must list every problem"
    assert all(": " in issue for issue in err.issues)
    hits = [i for i in err.issues if i.startswith(expected_path + ":")]
    assert hits, err.issues
    assert any(expected_text in i for i in hits), hits
    assert "\n" not in str(err)
    assert err.issues[0] in str(err)
    assert err.exit_code == 2


def test_all_issues_reported_and_summary_counts_them() -> None:
    bad = {"modification_types": ["nope"], "purpose": "fun", "extra": 1}
    with pytest.raises(AnnotationInvalid) as info:
        validate(bad)
    assert len(info.value.issues) == 3
    assert "(and 2 more)" in str(info.value)


def test_non_object_rejected() -> None:
    with pytest.raises(AnnotationInvalid):
        validate(["edited"])


def test_load_schema_is_cached() -> None:
    assert load_schema() is load_schema("annotation")
