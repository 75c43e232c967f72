"""Manifest definitions: c2patool files parse, reserved labels refused, flags win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakemedia.annotation.model import Annotation
from fakemedia.errors import AnnotationInvalid
from fakemedia.manifest import definition
from fakemedia.manifest.definition import IngredientDefinition

C2PATOOL_SAMPLE = {  # the shape of c2patool's sample/test.json
    "claim_version": 2, "ta_url": "http://timestamp.digicert.com",
    "claim_generator_info": [{"name": "TestApp", "version": "1.0.0"}],
    "title": "My Title",
    "assertions": [
        {"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.edited"}]}},
        {"label": "my.assertion", "data": {"any_tag": "whatever I want"}},
        {"label": "my.assertion", "data": {"second": True}, "kind": "Json"},
    ],
}


def test_c2patool_definition_parses(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**C2PATOOL_SAMPLE, "ingredient_paths": ["parts/logo.jpg"],
                                "ingredients": [{"title": "cam", "relationship": "parentOf",
                                                 "file_path": "/abs/camera.jpg"}],
                                "private_key": "keys/k.pem", "sign_cert": "keys/chain.pem",
                                "alg": "es256", "thumbnail": {"format": "image/jpeg", "identifier": "t.jpg"},
                                "fakemedia": {"modification_types": ["composed"], "author": "Desk"}}))
    d = definition.load(path)
    assert d.title == "My Title" and d.generator == definition.GeneratorInfo("TestApp", "1.0.0")
    assert d.actions == ({"action": "c2pa.edited"},)
    assert [a.label for a in d.assertions] == ["my.assertion", "my.assertion"]
    assert [s.label for s in definition.assertion_specs(d)] == ["my.assertion", "my.assertion__1"]
    assert d.parent is not None and d.parent.path == Path("/abs/camera.jpg")
    assert d.components[0].path == tmp_path / "parts/logo.jpg"
    assert d.components[0].relationship == "componentOf"
    assert d.signing.key == tmp_path / "keys/k.pem" and d.signing.algorithm == "es256"
    assert d.signing.tsa_url == "http://timestamp.digicert.com"
    assert d.thumbnail == tmp_path / "t.jpg"
    assert d.annotation == Annotation.from_dict({"modification_types": ["composed"], "author": "Desk"})


@pytest.mark.parametrize("label", ["c2pa.hash.data", "c2pa.signature", "c2pa.claim.v2",
                                   "c2pa.ingredient.v3", "c2pa.thumbnail.claim", "org.fakemedia.annotation",
                                   "c2pa.hash.boxes__1"])
def test_reserved_labels_refused(label: str) -> None:
    with pytest.raises(AnnotationInvalid, match=f"'{label}' is reserved"):
        definition.parse({"assertions": [{"label": label, "data": {}}]})


@pytest.mark.parametrize(("value", "message"), [
    ({"titel": "x"}, "unknown key"),
    ({"assertions": [{"label": "a/b", "data": 1}]}, "assertions/0/label"),
    ({"fakemedia": {"probability": {"value": 2.0, "name": "d"}}}, "fakemedia"),
    ({"ingredients": [{"file_path": "a", "relationship": "parentOf"},
                      {"file_path": "b", "relationship": "parentOf"}]}, "at most one"),
    ({"ingredients": [{"file_path": "a", "relationship": "parentOf",
                       "region": {"shape": "rectangle", "unit": "pixel", "x": 0, "y": 0, "width": 1,
                                  "height": 1}}]},
     "only a componentOf"),
    ({"assertions": [{"label": "c2pa.actions.v2", "data": {"actions": "no"}}]}, "actions"),
])
def test_bad_definitions_get_one_line(value: dict, message: str) -> None:
    with pytest.raises(AnnotationInvalid, match=message) as err:
        definition.parse(value)
    assert "\n" not in str(err.value)


def test_nan_and_bad_json_text() -> None:
    with pytest.raises(AnnotationInvalid, match="not valid JSON"):
        definition.parse_text('{"title": NaN}')
    with pytest.raises(AnnotationInvalid, match="not valid JSON"):
        definition.parse_text("{")


def test_flags_win_over_the_file() -> None:
    d = definition.parse({"title": "file", "fakemedia": {"modification_types": ["edited"], "author": "A"},
                          "ingredients": [{"file_path": "/p.jpg", "relationship": "parentOf"},
                                          {"file_path": "/c.jpg"}]})
    merged = definition.merge(d, title="flag", annotation={"author": "B"},
                              ingredients=[IngredientDefinition(Path("/q.jpg"), "parentOf"),
                                           IngredientDefinition(Path("/d.jpg"))])
    assert merged.title == "flag"
    assert merged.annotation is not None and merged.annotation.author == "B"
    assert merged.annotation.modification_types == ("edited",)
    assert merged.parent is not None and merged.parent.path == Path("/q.jpg")
    assert [c.path for c in merged.components] == [Path("/c.jpg"), Path("/d.jpg")]
    assert definition.merge(d).title == "file"


def test_base_path_and_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = definition.parse({"base_path": "assets", "ingredient_paths": ["x.jpg"]}, base=tmp_path)
    assert d.components[0].path == tmp_path / "assets" / "x.jpg"
    big = tmp_path / "big.json"
    big.write_text("{}")
    monkeypatch.setattr(definition.limits, "MAX_DEFINITION_BYTES", 1)
    with pytest.raises(AnnotationInvalid, match="limit"):
        definition.load(big)
    with pytest.raises(AnnotationInvalid, match="cannot read"):
        definition.load(tmp_path / "missing.json")
