"""The typed composer: what annotate signs is what the tested mapping builds."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fakemedia import api
from fakemedia.annotation.c2pa import PURPOSE_REASON_PREFIX
from fakemedia.annotation.model import Annotation
from fakemedia.manifest import compose, labels

AGENT = {"name": "fakemedia", "version": "test"}
WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_a_created_image_carries_its_purpose_as_the_action_reason() -> None:
    made = compose.compose(Annotation.from_dict({"modification_types": ["synthetic"], "purpose": "artistic"}),
                           agent=AGENT, when=WHEN)
    opening = made.actions[0]
    assert opening["action"] == "c2pa.created"
    assert opening["reason"] == PURPOSE_REASON_PREFIX + "artistic"
    assert opening["when"].value == "2025-03-01T12:00:00Z"
    assert [s.label for s in made.assertions] == [labels.ACTIONS_V2, "org.fakemedia.annotation"]


def test_an_edit_without_provenance_opens_a_bare_ingredient_and_lists_redactions() -> None:
    made = compose.compose(Annotation.from_dict({"modification_types": ["edited"]}), agent=AGENT,
                           title="photo.jpg", redacted=["self#jumbf=c2pa/m/c2pa.assertions/x"],
                           redaction_reason="c2pa.invalid.data")
    ingredient = made.assertion(labels.INGREDIENT_V3)
    assert ingredient.content == {"relationship": "parentOf", "dc:format": "image/jpeg",
                                  "dc:title": "photo.jpg"}
    assert made.actions[0]["action"] == "c2pa.opened"
    assert made.actions[-1] == {"action": "c2pa.redacted", "reason": "c2pa.invalid.data",
                                "parameters": {"redacted": "self#jumbf=c2pa/m/c2pa.assertions/x"}}


def test_annotate_ships_the_composed_created_action(es256: Any, source_jpeg: bytes) -> None:
    signed = api.annotate_bytes(source_jpeg, {"modification_types": ["synthetic"], "purpose": "artistic"},
                                es256.signer)
    report = api.verify_bytes(signed, trust_anchors=es256.anchors)
    assert report.state == "Trusted"
    actions = report.manifests[-1].annotation["actions"]
    assert actions[0] == "c2pa.created"
    from fakemedia.formats import app11
    from fakemedia.manifest.store import parse_store

    location = app11.find_c2pa_store(signed)
    assert location is not None
    store = parse_store(location.jumbf)
    assert store.active is not None
    content = next(a.try_content() for _r, a, _c in store.bound_assertions(store.active)
                   if labels.base_label(a.label) == labels.ACTIONS_V2)
    assert content["actions"][0]["reason"] == PURPOSE_REASON_PREFIX + "artistic"
