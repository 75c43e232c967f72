"""The assertions of a new manifest, composed from an annotation (C2PA 2.1: actions, ingredient).

One place builds what ``annotate`` signs: the parentOf ingredient (``c2pa.ingredient.v3``),
the ``c2pa.actions.v2`` list (the opening ``c2pa.created`` or ``c2pa.opened``, the declared
modifications, the ``c2pa.redacted`` entries C2PA 2.1 asks of a redaction) and the fakemedia
annotation assertion. The action maps come from :mod:`fakemedia.annotation.c2pa`, the tested
mapping, with their times as CBOR date tags (RFC 8949 tag 0). A signed Trust Report opens its
parent with the same :func:`parent_ingredient` and :func:`opened_action`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fakemedia.annotation import c2pa as annotation_c2pa
from fakemedia.annotation.model import Annotation
from fakemedia.errors import InvalidRequest
from fakemedia.manifest import builder, labels
from fakemedia.manifest.ingredient import COMPONENT, PARENT, Ingredient
from fakemedia.manifest.store import HashedURI

#: Types whose action names the component ingredients they were made from.
_NAMING_COMPONENTS = ("composed", "deepfaked")

__all__ = ["Composition", "compose", "opened_action", "parent_ingredient", "reference"]


@dataclass(frozen=True)
class Composition:
    """What to sign, in claim order."""

    assertions: list[builder.AssertionSpec]
    #: The C2PA actions, in order (also inside ``assertions``).
    actions: list[dict[str, Any]] = field(default_factory=list)

    def assertion(self, label: str) -> builder.AssertionSpec:
        return next(s for s in self.assertions if s.label == label)


def compose(annotation: Annotation, *, agent: Mapping[str, str], parent: Mapping[str, Any] | None = None,
            title: str | None = None, when: datetime | None = None, acted: Annotation | None = None,
            redacted: Sequence[str] = (), redaction_reason: str = "c2pa.PII.present",
            sealed: Any = None, ingredients: Sequence[Ingredient] = (),
            thumbnail: builder.AssertionSpec | None = None,
            extra_actions: Sequence[Mapping[str, Any]] = (),
            extra: Sequence[builder.AssertionSpec] = ()) -> Composition:
    """The assertions for ``annotation``.

    ``parent``: the parentOf ingredient content of the manifest continued (None for an image
    without one; an edit then still gets a bare ingredient, as C2PA asks of ``c2pa.opened``).
    ``acted``: the annotation the actions are drawn from when it differs from the recorded one
    (the detector's regions are a finding, not something the signer did). ``redacted``: JUMBF
    URIs of earlier assertions this manifest redacts, for ``redaction_reason``. ``sealed``: the
    encrypted restricted fields, stored in the annotation assertion. ``ingredients``: made
    from files (:mod:`fakemedia.manifest.ingredient`): a parentOf one is what ``c2pa.opened``
    names (there is then no ``parent`` of the image's own), each componentOf one gets a
    ``c2pa.placed`` action, and the "composed"/"deepfaked" actions name them all. ``thumbnail``:
    the claim thumbnail assertion. ``extra_actions`` and ``extra`` (assertions, custom labels
    included): a manifest definition's, after our own.
    """
    acted = acted or annotation
    stamp = builder.tagged_time(when)
    specs: list[builder.AssertionSpec] = [thumbnail] if thumbnail is not None else []
    from_file = next((i for i in ingredients if i.relationship == PARENT), None)
    if from_file is not None and parent is not None:
        raise InvalidRequest("the image carries a manifest, which is its parent: a parent file "
                             "cannot be one too")
    components = [i for i in ingredients if i.relationship == COMPONENT]
    opening = None if parent is not None or from_file is not None else \
        annotation_c2pa.creation_action(acted, software_agent=agent)
    if opening is not None:
        opening["when"] = builder.tagged_time(_parse_when(opening.get("when")) or when)
    else:
        if from_file is not None:
            specs += from_file.assertions
            ref = from_file.reference
        else:
            ingredient = parent_ingredient(parent, title)
            specs.append(ingredient)
            ref = reference(ingredient)
        opening = opened_action(ref, agent=agent, when=when)
    actions = [opening]
    for component in components:
        specs += component.assertions
        actions.append({"action": "c2pa.placed", "softwareAgent": dict(agent), "when": stamp,
                        "parameters": {"ingredients": [component.reference.to_cbor()]}})
    naming = {annotation_c2pa.TYPE_TABLE[name].description for name in _NAMING_COMPONENTS}
    for action in annotation_c2pa.modification_actions(acted, software_agent=agent,
                                                       parent=opening["action"] == "c2pa.opened"):
        action = dict(action)
        action["when"] = builder.tagged_time(_parse_when(action.get("when")) or when)
        if components and action.get("description") in naming:
            action["parameters"] = {**action.get("parameters", {}),
                                    "ingredients": [c.reference.to_cbor() for c in components]}
        actions.append(action)
    actions += [dict(a) for a in extra_actions]
    actions += [{"action": "c2pa.redacted", "reason": redaction_reason, "parameters": {"redacted": uri}}
                for uri in redacted]
    specs.append(builder.AssertionSpec(labels.ACTIONS_V2, {"actions": actions}))
    custom = annotation_c2pa.custom_assertion(annotation)
    if sealed is not None:
        custom["restricted"] = sealed
    specs.append(builder.AssertionSpec(annotation_c2pa.CUSTOM_LABEL, custom))
    specs += extra
    return Composition(specs, actions)


def parent_ingredient(parent: Mapping[str, Any] | None, title: str | None = None) -> builder.AssertionSpec:
    """The parentOf ``c2pa.ingredient.v3`` assertion: ``parent`` (the content describing the
    manifest continued), or a bare one for an image with no provenance of its own."""
    if parent is not None:
        content = dict(parent)
    else:
        content = {"relationship": "parentOf", "dc:format": "image/jpeg"}
        if title:
            content["dc:title"] = title
    return builder.AssertionSpec(labels.INGREDIENT_V3, content, salted=False)


def reference(spec: builder.AssertionSpec) -> HashedURI:
    """The hashed URI by which an action of the same manifest names assertion ``spec``."""
    return HashedURI(labels.relative_assertion_uri(spec.label), builder.assertion_hash(spec))


def opened_action(ingredient: HashedURI, *, agent: Mapping[str, str],
                  when: datetime | None = None) -> dict[str, Any]:
    """The ``c2pa.opened`` action of the parent ``ingredient`` (C2PA 2.1 asks it to name one)."""
    return {"action": "c2pa.opened", "softwareAgent": dict(agent), "when": builder.tagged_time(when),
            "parameters": {"ingredients": [ingredient.to_cbor()]}}


def _parse_when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
