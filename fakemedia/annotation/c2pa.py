"""Mapping between annotations and C2PA: actions, digital source types, regions, our assertion.

Produces and reads CBOR-ready Python values only (dicts, lists, str, float, bool); JUMBF boxing
and CBOR encoding (including wrapping ``when`` in CBOR tag 0) belong to the manifest builder.
The type table is documented in ``MAPPING.md`` next to this file.

Standard facts go where every C2PA reader looks (``c2pa.actions.v2``: action, digitalSourceType,
softwareAgent, when, reason, changes). Everything C2PA has no place for (probability, purpose
text, per-region probabilities, IPR, origin, references, ...) goes into the one custom CBOR
assertion ``org.fakemedia.annotation``. Hashes stay lowercase hex strings there, not CBOR byte
strings, so the assertion reads the same as the JSON annotation it came from.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from typing import Any

from fakemedia._record import Frozen
from fakemedia.annotation.model import (
    CAPTURE_SOURCE_TYPES,
    GENERATIVE_SOURCE_TYPES,
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

__all__ = [
    "C2PA_ACTIONS",
    "C2PA_DST",
    "CUSTOM_LABEL",
    "CUSTOM_VERSION",
    "IPTC",
    "PURPOSE_REASON_PREFIX",
    "TYPE_TABLE",
    "TypeMapping",
    "annotation_from_custom",
    "creation_action",
    "creation_source_type",
    "custom_assertion",
    "dst_term",
    "infer_modification_types",
    "modification_actions",
    "region_from_c2pa",
    "region_to_c2pa",
    "summarize",
]

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
C2PA_DST = "http://c2pa.org/digitalsourcetype/"
CUSTOM_LABEL = "org.fakemedia.annotation"
CUSTOM_VERSION = 1
#: Action ``reason`` carries the purpose, namespaced as C2PA requires for non-c2pa values.
PURPOSE_REASON_PREFIX = "org.fakemedia.purpose."

#: Current C2PA 2.x image action names (C2PA 2.2 §18.14.1, Table 8; fonts and deprecated left out).
C2PA_ACTIONS: frozenset[str] = frozenset(
    {
        "c2pa.addedText",
        "c2pa.adjustedColor",
        "c2pa.changedSpeed",
        "c2pa.converted",
        "c2pa.created",
        "c2pa.cropped",
        "c2pa.deleted",
        "c2pa.drawing",
        "c2pa.dubbed",
        "c2pa.edited",
        "c2pa.edited.metadata",
        "c2pa.enhanced",
        "c2pa.filtered",
        "c2pa.opened",
        "c2pa.orientation",
        "c2pa.placed",
        "c2pa.published",
        "c2pa.redacted",
        "c2pa.removed",
        "c2pa.repackaged",
        "c2pa.resized",
        "c2pa.transcoded",
        "c2pa.translated",
        "c2pa.trimmed",
        "c2pa.unknown",
        "c2pa.watermarked",
    }
)


class TypeMapping(Frozen):
    """How one modification type is written in C2PA.

    ``action`` is what the type means when written: ``c2pa.created`` for the creation types.
    ``edit_action`` is what is written when the image already has a parent (for the edit types
    the same as ``action``; None: nothing to write, as for "original" re-signed unchanged).
    ``digital_source_type`` is None only where the type says nothing about the content's source.
    """

    __slots__ = ("action", "creation", "description", "digital_source_type", "edit_action")
    action: str
    digital_source_type: str | None
    description: str
    creation: bool
    edit_action: str | None

    def __init__(self, action: str, digital_source_type: str | None, description: str, creation: bool = False,
                 edit_action: str | None = None) -> None:
        self._init(action=action, digital_source_type=digital_source_type, description=description,
                   creation=creation, edit_action=edit_action)
        self._normalise()

    def _normalise(self) -> None:
        if not self.creation and self.edit_action is None:
            object.__setattr__(self, "edit_action", self.action)


# Kept as data: placed/removed need componentOf ingredients, redacted/translated/watermarked need
# parameters or other assertions we do not write, so none of those appear here.
TYPE_TABLE: Mapping[str, TypeMapping] = {
    "original": TypeMapping(
        "c2pa.created",
        IPTC + "digitalCapture",
        "Original: unmodified since capture",
        creation=True,
    ),
    "transcoded": TypeMapping(
        "c2pa.transcoded",
        None,
        "Transcoded: re-encoded or converted without editorial change",
    ),
    "enhanced": TypeMapping(
        "c2pa.enhanced",
        IPTC + "algorithmicallyEnhanced",
        "Enhanced: quality improved without changing content (denoise, sharpen, tone)",
    ),
    "restored": TypeMapping(
        "c2pa.edited",
        IPTC + "algorithmicallyEnhanced",
        "Restored: damage or ageing repaired (scratches, tears, fading)",
    ),
    "colorized": TypeMapping(
        "c2pa.adjustedColor",
        IPTC + "compositeWithTrainedAlgorithmicMedia",
        "Colorized: colour added to a monochrome image",
    ),
    "edited": TypeMapping(
        "c2pa.edited",
        IPTC + "humanEdits",
        "Edited: content changed by a person with non-generative tools",
    ),
    "composed": TypeMapping(
        "c2pa.edited",
        IPTC + "composite",
        "Composed: combined from elements of several sources",
    ),
    "deepfaked": TypeMapping(
        "c2pa.edited",
        IPTC + "compositeWithTrainedAlgorithmicMedia",
        "Deepfaked: real people or scenes altered by generative AI (face swap, reenactment)",
    ),
    "synthetic": TypeMapping(
        "c2pa.created",
        IPTC + "trainedAlgorithmicMedia",
        "Synthetic: generated by a trained AI model",
        creation=True,
        edit_action="c2pa.edited",
    ),
}

# Reading foreign manifests: source-type terms and action names that imply one of our types
# when the exact (action, source type) pair of the table does not match.
_DST_IMPLIES: Mapping[str, str] = {
    "humanEdits": "edited",
    "minorHumanEdits": "edited",
    "algorithmicallyEnhanced": "enhanced",
    "composite": "composed",
    "compositeCapture": "composed",
    "compositeSynthetic": "composed",
    "compositeWithTrainedAlgorithmicMedia": "deepfaked",
    "trainedAlgorithmicMedia": "synthetic",
    "algorithmicMedia": "synthetic",
}
_ACTION_IMPLIES: Mapping[str, str] = {
    "c2pa.transcoded": "transcoded",
    "c2pa.converted": "transcoded",
    "c2pa.repackaged": "transcoded",
    "c2pa.resized": "transcoded",
    "c2pa.enhanced": "enhanced",
    "c2pa.filtered": "enhanced",
    "c2pa.adjustedColor": "enhanced",
    "c2pa.color_adjustments": "enhanced",
    "c2pa.edited": "edited",
    "c2pa.cropped": "edited",
    "c2pa.deleted": "edited",
    "c2pa.drawing": "edited",
    "c2pa.addedText": "edited",
    "c2pa.orientation": "edited",
    "c2pa.removed": "edited",
    "c2pa.placed": "composed",
}


def _reverse_table() -> dict[tuple[str, str | None], str]:
    pairs: dict[tuple[str, str | None], str] = {}
    for name, m in TYPE_TABLE.items():
        term = dst_term(m.digital_source_type)
        for action in (m.action, m.edit_action):
            if action is not None:
                pairs.setdefault((action, term), name)
    for term in CAPTURE_SOURCE_TYPES:
        pairs.setdefault(("c2pa.created", term), "original")
    for term in GENERATIVE_SOURCE_TYPES:
        pairs.setdefault(("c2pa.created", term), "synthetic")
    return pairs


_PREFIXES = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/",
    "https://cv.iptc.org/newscodes/digitalsourcetype/",
    "http://c2pa.org/digitalsourcetype/",
    "https://c2pa.org/digitalsourcetype/",
)


def dst_term(iri: Any) -> str | None:
    """The term of an IPTC or C2PA digital source type IRI (http or https), else None.

    A bare term without a scheme is accepted too, as some writers emit one.
    """
    if not isinstance(iri, str):
        return None
    iri = iri.strip()
    for prefix in _PREFIXES:
        if iri.startswith(prefix):
            term = iri[len(prefix) :].strip("/")
            return term or None
    if iri and iri.isalnum():
        return iri
    return None


_REVERSE = _reverse_table()


def _source_type(type_name: str, annotation: Annotation) -> str | None:
    # origin.source_type refines the table's default where it is compatible with the type.
    refined = annotation.origin.source_type if annotation.origin else None
    allowed = {"original": CAPTURE_SOURCE_TYPES, "synthetic": GENERATIVE_SOURCE_TYPES}
    if refined and refined in allowed.get(type_name, ()):
        return IPTC + refined
    return TYPE_TABLE[type_name].digital_source_type


def creation_source_type(annotation: Annotation, *, parent: bool = False) -> str | None:
    """digitalSourceType IRI for a first ``c2pa.created`` action, or None for an edit.

    Only a creation type ("original", "synthetic") with no parent manifest creates; None tells
    the caller to write ``c2pa.opened`` with a parentOf ingredient instead.
    """
    if parent:
        return None
    for name in ("original", "synthetic"):
        if name in annotation.modification_types:
            return _source_type(name, annotation)
    return None


def _agent(annotation: Annotation, software_agent: Mapping[str, str] | None) -> dict | None:
    if software_agent is not None:
        return dict(software_agent)
    if annotation.software_agent:
        return {"name": annotation.software_agent}
    return None


def _common(
    annotation: Annotation, software_agent: Mapping[str, str] | None, when: str | None
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    agent = _agent(annotation, software_agent)
    if agent:
        extra["softwareAgent"] = agent
    if when or annotation.when:
        extra["when"] = when or annotation.when
    if annotation.purpose:
        extra["reason"] = PURPOSE_REASON_PREFIX + annotation.purpose
    return extra


def creation_action(
    annotation: Annotation,
    *,
    software_agent: Mapping[str, str] | None = None,
    when: str | None = None,
    parent: bool = False,
) -> dict[str, Any] | None:
    """The complete opening ``c2pa.created`` action, or None when the asset is an edit."""
    dst = creation_source_type(annotation, parent=parent)
    if dst is None:
        return None
    kind = "original" if "original" in annotation.modification_types else "synthetic"
    action = {
        "action": "c2pa.created",
        "digitalSourceType": dst,
        "description": TYPE_TABLE[kind].description,
    }
    return action | _common(annotation, software_agent, when)


def modification_actions(
    annotation: Annotation,
    *,
    software_agent: Mapping[str, str] | None = None,
    when: str | None = None,
    parent: bool = False,
) -> list[dict[str, Any]]:
    """C2PA v2 action maps for the declared types, in declared order.

    The opening ``c2pa.created``/``c2pa.opened`` action is left out: the manifest builder writes
    it (see :func:`creation_action`). A creation type that became the created action is skipped;
    with ``parent=True`` "synthetic" is an edit and "original" writes nothing. Every edit action
    carries all regions as ``changes``: the annotation does not say which region belongs to which
    type, and readers look for regions on the action.
    """
    creating = creation_source_type(annotation, parent=parent) is not None
    common = _common(annotation, software_agent, when)
    changes = [region_to_c2pa(r) for r in annotation.regions]
    actions: list[dict[str, Any]] = []
    for name in annotation.modification_types:
        m = TYPE_TABLE[name]
        if m.creation and creating:
            continue
        action_name = m.edit_action if m.creation else m.action
        if action_name is None:
            continue
        action: dict[str, Any] = {"action": action_name, "description": m.description}
        dst = _source_type(name, annotation)
        if dst:
            action["digitalSourceType"] = dst
        action |= common
        if changes:
            action["changes"] = [dict(c) for c in changes]
        actions.append(action)
    return actions


def region_to_c2pa(region: Region) -> dict[str, Any]:
    """A C2PA region-map with one spatial range.

    A polygon's first vertex becomes ``origin`` and the rest ``vertices`` (the shape "starts at
    origin, continues through vertices"); a circle's ``origin`` is its centre, ``width`` its
    diameter.
    """
    shape: dict[str, Any] = {"type": region.shape, "unit": region.unit}
    if region.shape == "polygon":
        first, *rest = region.vertices
        shape["origin"] = {"x": first[0], "y": first[1]}
        shape["vertices"] = [{"x": x, "y": y} for x, y in rest]
    else:
        shape["origin"] = {"x": region.x, "y": region.y}
        shape["width"] = region.width
        if region.shape == "rectangle":
            shape["height"] = region.height
    out: dict[str, Any] = {"region": [{"type": "spatial", "shape": shape}]}
    for key, value in (
        ("name", region.name),
        ("identifier", region.identifier),
        ("type", region.region_type),
        ("description", region.description),
    ):
        if value is not None:
            out[key] = value
    return out


def _float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, Mapping):
        return None
    x, y = _float(value.get("x")), _float(value.get("y"))
    return None if x is None or y is None else (x, y)


def _shape_fields(shape: Mapping[str, Any]) -> dict[str, Any] | None:
    kind, unit = shape.get("type"), shape.get("unit")
    if kind not in ("rectangle", "circle", "polygon") or unit not in ("pixel", "percent"):
        return None
    if shape.get("inside", True) is False:
        return None  # "everything outside the shape" has no equivalent in our model
    origin = _point(shape.get("origin"))
    if origin is None:
        return None
    if kind == "polygon":
        raw = shape.get("vertices")
        points = [_point(v) for v in raw] if isinstance(raw, list) else []
        if any(p is None for p in points):
            return None
        if points and points[0] == origin:
            points = points[1:]
        return {"shape": kind, "unit": unit, "vertices": (origin, *points)}
    fields: dict[str, Any] = {"shape": kind, "unit": unit, "x": origin[0], "y": origin[1]}
    fields["width"] = _float(shape.get("width"))
    if kind == "rectangle":
        fields["height"] = _float(shape.get("height"))
    return fields


def region_from_c2pa(region_map: Any) -> Region | None:
    """The first spatial range of a C2PA region-map as a Region; None if there is none usable.

    Tolerant of foreign data: a bad optional text field is dropped, a bad shape gives None.
    """
    if not isinstance(region_map, Mapping):
        return None
    ranges = region_map.get("region")
    if not isinstance(ranges, list):
        return None
    meta: dict[str, Any] = {
        key: region_map.get(src)
        for key, src in (
            ("name", "name"),
            ("identifier", "identifier"),
            ("region_type", "type"),
            ("description", "description"),
        )
        if isinstance(region_map.get(src), str) and region_map.get(src)
    }
    for rng in ranges:
        if not isinstance(rng, Mapping) or rng.get("type") != "spatial":
            continue
        shape = rng.get("shape")
        fields = _shape_fields(shape) if isinstance(shape, Mapping) else None
        if fields is None:
            continue
        for extra in (meta, {}):
            try:
                return Region(**fields, **extra)
            except (AnnotationInvalid, TypeError):
                continue
    return None


def custom_assertion(annotation: Annotation) -> dict[str, Any]:
    """The CBOR-ready body of the ``org.fakemedia.annotation`` assertion.

    ``version`` first, then the whole annotation in its JSON shape: regions keep their
    probabilities, hashes stay hex. ``when`` and ``software_agent`` are repeated from the actions
    so the assertion alone reconstructs the annotation (e.g. a detector-only annotation has no
    action to carry them).
    """
    return {"version": CUSTOM_VERSION, **annotation.to_dict()}


def annotation_from_custom(custom: Any) -> Annotation | None:
    """The annotation stored in our custom assertion, or None if it is absent or not valid."""
    if not isinstance(custom, Mapping):
        return None
    body = {k: v for k, v in custom.items() if k != "version"}
    try:
        return Annotation.from_dict(body)
    except (AnnotationInvalid, TypeError, ValueError):
        return None


# ---- reading (history / verify) --------------------------------------------------------------


def _actions_of(assertion: Any) -> list[Mapping[str, Any]]:
    if not isinstance(assertion, Mapping):
        return []
    items = assertion.get("actions")
    if not isinstance(items, list):
        return []
    return [a for a in items if isinstance(a, Mapping)]


def infer_modification_types(actions: Any) -> list[str]:
    """Our types implied by a (possibly foreign, v1 or v2) actions assertion, best effort."""
    found: list[str] = []
    for action in _actions_of(actions):
        name = action.get("action")
        if not isinstance(name, str) or name == "c2pa.opened":
            continue
        term = dst_term(action.get("digitalSourceType"))
        # Most specific first: the exact table pair, then the source type, then the action.
        guess = _REVERSE.get((name, term))
        if guess is None and term is not None:
            guess = _DST_IMPLIES.get(term)
        if guess is None and name != "c2pa.created":
            guess = _ACTION_IMPLIES.get(name)
        if guess and guess not in found:
            found.append(guess)
    if "original" in found and len(found) > 1:
        found.remove("original")  # a capture that was then edited is no longer original
    return found


def _when(value: Any) -> str | None:
    tag_value = getattr(value, "value", None)  # an undecoded cbor2 CBORTag(0, "...")
    if getattr(value, "tag", None) == 0 and isinstance(tag_value, str):
        value = tag_value
    if isinstance(value, str):
        return value or None
    if isinstance(value, _dt.datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return None


def _agent_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping) and isinstance(value.get("name"), str) and value["name"]:
        version = value.get("version")
        return f"{value['name']} {version}" if isinstance(version, str) and version else value["name"]
    return None


def _agents(assertion: Any, actions: list[Mapping[str, Any]]) -> Iterator[str]:
    table = assertion.get("softwareAgents") if isinstance(assertion, Mapping) else None
    for action in actions:
        text = _agent_text(action.get("softwareAgent"))
        index = action.get("softwareAgentIndex")
        if text is None and isinstance(table, list) and type(index) is int:
            if 0 <= index < len(table):
                text = _agent_text(table[index])
        if text:
            yield text


def _unique(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _part(custom: Mapping[str, Any], key: str, cls: Any) -> dict[str, Any] | None:
    value = custom.get(key)
    if not isinstance(value, Mapping):
        return None
    try:
        return cls.from_dict(value).to_dict()
    except (AnnotationInvalid, TypeError, ValueError):
        return None


def _parts(custom: Mapping[str, Any], key: str, cls: Any) -> list[dict[str, Any]]:
    value = custom.get(key)
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, Mapping):
            try:
                out.append(cls.from_dict(item).to_dict())
            except (AnnotationInvalid, TypeError, ValueError):
                continue
    return out


def _text(custom: Mapping[str, Any], key: str) -> str | None:
    value = custom.get(key)
    return value if isinstance(value, str) and value else None


def summarize(actions: Mapping[str, Any] | None, custom: Mapping[str, Any] | None) -> dict:
    """JSON-ready summary of one manifest's actions assertion and our custom assertion.

    Either may be absent, foreign (v1 ``c2pa.actions``, other writers) or malformed; whatever
    cannot be read is skipped, nothing raises. Our assertion wins for annotation fields; types
    fall back to inference from actions and source types, regions to the actions' ``changes``.
    """
    acts = _actions_of(actions)
    own = custom if isinstance(custom, Mapping) else {}
    names = _unique(a["action"] for a in acts if isinstance(a.get("action"), str))
    dsts = _unique(a["digitalSourceType"] for a in acts if isinstance(a.get("digitalSourceType"), str))
    raw_types = own.get("modification_types")
    types = (
        _unique(t for t in raw_types if isinstance(t, str) and t in MODIFICATION_TYPES)
        if isinstance(raw_types, list)
        else []
    )
    if not types:
        types = infer_modification_types(actions)
    when = _text(own, "when") or next((w for w in (_when(a.get("when")) for a in acts) if w), None)
    purpose = own.get("purpose") if own.get("purpose") in PURPOSES else None
    if purpose is None:
        for a in acts:
            reason = a.get("reason")
            if isinstance(reason, str) and reason.startswith(PURPOSE_REASON_PREFIX):
                candidate = reason[len(PURPOSE_REASON_PREFIX) :]
                if candidate in PURPOSES:
                    purpose = candidate
                    break
    regions = _parts(own, "regions", Region)
    if not regions:
        from_changes = (
            region_from_c2pa(change)
            for a in acts
            if isinstance(a.get("changes"), list)
            for change in a["changes"]
        )
        regions = _unique(r.to_dict() for r in from_changes if r is not None)
    agents = list(_agents(actions, acts))
    if not agents and _text(own, "software_agent"):
        agents = [own["software_agent"]]
    return {
        "modification_types": types,
        "actions": names,
        "digital_source_types": dsts,
        "software_agents": _unique(agents),
        "when": when,
        "purpose": purpose,
        "purpose_text": _text(own, "purpose_text"),
        "probability": _part(own, "probability", Probability),
        "regions": regions,
        "author": _text(own, "author"),
        "description": _text(own, "description"),
        "references": _parts(own, "references", Reference),
        "ipr": _part(own, "ipr", IPR),
        "origin": _part(own, "origin", Origin),
    }
