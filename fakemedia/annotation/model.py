"""The JPEG Fake Media annotation as immutable, self-validating values.

Every class validates itself on construction (JSON Schema plus the rules a schema cannot
express), so an invalid annotation cannot exist and ``from_dict(to_dict(a)) == a`` always holds.
``to_dict`` output is JSON-ready, omits unset fields, and uses the schema's snake_case keys.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from fakemedia._record import Frozen, replace
from fakemedia.annotation.schema import def_issues, issues_of, raise_issues

__all__ = [
    "CAPTURE_SOURCE_TYPES",
    "GENERATIVE_SOURCE_TYPES",
    "HASH_HEX_LENGTHS",
    "IPR",
    "MODIFICATION_TYPES",
    "PURPOSES",
    "PURPOSE_DESCRIPTIONS",
    "Annotation",
    "Origin",
    "Probability",
    "Reference",
    "Region",
    "semantic_issues",
]

#: The fakemedia modification vocabulary (JPEG Fake Media "type of modification").
MODIFICATION_TYPES: tuple[str, ...] = (
    "original",
    "transcoded",
    "enhanced",
    "restored",
    "colorized",
    "edited",
    "composed",
    "deepfaked",
    "synthetic",
)

#: Purpose vocabulary; "other" (with ``purpose_text``) covers the rest. Where a value matches a
#: schema.org MediaManipulationRatingEnumeration or C2PA notion, the meaning follows it.
PURPOSE_DESCRIPTIONS: Mapping[str, str] = {
    "artistic": "creative or artistic expression",
    "entertainment": "film, games, memes and other entertainment",
    "satire": "satire or parody, meant to be recognised as such",
    "journalism": "news reporting (e.g. anonymising a source, clarifying an image)",
    "illustration": "illustrating a story or concept, not documenting an event",
    "advertising": "advertising or marketing",
    "education": "teaching and training material",
    "research": "scientific research, including detector benchmarks",
    "restoration": "repairing or restoring a damaged or aged original",
    "accessibility": "making content accessible (e.g. contrast, colour-blind adaptation)",
    "privacy": "protecting privacy: blurring, anonymising or replacing people or details",
    "forensics": "forensic analysis or evidence handling",
    "deception-test": "a deliberate fake made to test people, detectors or workflows",
    "unknown": "the purpose is not known (e.g. a third party's modification)",
    "other": "anything else; say what in purpose_text",
}
PURPOSES: tuple[str, ...] = tuple(PURPOSE_DESCRIPTIONS)

#: IPTC digital source type terms an "original" may refine its c2pa.created action with.
CAPTURE_SOURCE_TYPES: tuple[str, ...] = (
    "digitalCapture",
    "computationalCapture",
    "negativeFilm",
    "positiveFilm",
    "print",
    "screenCapture",
)
#: IPTC terms a "synthetic" creation may refine its c2pa.created action with.
GENERATIVE_SOURCE_TYPES: tuple[str, ...] = ("trainedAlgorithmicMedia", "algorithmicMedia")

#: Hex digest length per C2PA hash algorithm name.
HASH_HEX_LENGTHS: Mapping[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}

_PERCENT_MAX = 100.0
_EPS = 1e-9


def _num(value: Any) -> Any:
    # ints become floats so CBOR carries the C2PA float type; anything else is left for the
    # schema to reject (bool is an int in Python but not a number in JSON Schema).
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _prune(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != [] and v != ()}


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # frozen records: normalised after their fields are set


def _check_def(obj: Any, definition: str) -> None:
    raise_issues(def_issues(obj.to_dict(), definition) + _def_semantics(obj, definition), definition)


def _def_semantics(obj: Any, definition: str) -> list[str]:
    if definition == "region":
        return region_issues(obj.to_dict(), "")
    if definition == "reference":
        return reference_issues(obj.to_dict(), "")
    return []


class Region(Frozen):
    """A C2PA spatial region: rectangle (x, y top-left, width, height), circle (x, y centre,
    width = diameter) or polygon (``vertices``, at least 3, closing itself)."""

    __slots__ = ("description", "height", "identifier", "name", "probability", "region_type", "shape", "unit",
                 "vertices", "width", "x", "y")
    shape: str
    unit: str
    x: float | None
    y: float | None
    width: float | None
    height: float | None
    vertices: tuple[tuple[float, float], ...]
    name: str | None
    identifier: str | None
    region_type: str | None
    description: str | None
    probability: float | None

    def __init__(self, shape: str, unit: str = "pixel", x: float | None = None, y: float | None = None,
                 width: float | None = None, height: float | None = None,
                 vertices: tuple[tuple[float, float], ...] = (), name: str | None = None,
                 identifier: str | None = None, region_type: str | None = None,
                 description: str | None = None, probability: float | None = None) -> None:
        self._init(shape=shape, unit=unit, x=x, y=y, width=width, height=height, vertices=vertices, name=name,
                   identifier=identifier, region_type=region_type, description=description,
                   probability=probability)
        self._normalise()

    def _normalise(self) -> None:
        for attr in ("x", "y", "width", "height", "probability"):
            _set(self, attr, _num(getattr(self, attr)))
        if isinstance(self.vertices, Iterable) and not isinstance(self.vertices, str | bytes):
            verts = tuple(
                tuple(_num(c) for c in v) if isinstance(v, Iterable) else v
                for v in self.vertices
            )
            _set(self, "vertices", verts)
        _check_def(self, "region")

    def to_dict(self) -> dict[str, Any]:
        return _prune(
            {
                "shape": self.shape,
                "unit": self.unit,
                "x": self.x,
                "y": self.y,
                "width": self.width,
                "height": self.height,
                "vertices": [list(v) if isinstance(v, tuple) else v for v in self.vertices],
                "name": self.name,
                "identifier": self.identifier,
                "region_type": self.region_type,
                "description": self.description,
                "probability": self.probability,
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Region:
        raise_issues(def_issues(d, "region") + region_issues(d, ""), "region")
        kw = dict(d)
        kw["vertices"] = tuple(tuple(v) for v in d.get("vertices", ()))
        return cls(**kw)


class Probability(Frozen):
    """Probability that the image was modified, and how it was estimated.

    ``of`` names what the value is the probability of ("synthetic" by default, "modified" for
    any modification, or another modification type). ``method`` "algorithmic" needs ``name``
    (plus optional ``version``, ``model_sha256``, ``calibrated``); "human" needs ``assessor``.
    """

    __slots__ = ("assessor", "calibrated", "method", "model_sha256", "name", "of", "value", "version")
    value: float
    method: str
    of: str
    name: str | None
    version: str | None
    model_sha256: str | None
    calibrated: bool
    assessor: str | None

    def __init__(self, value: float, method: str = "algorithmic", of: str = "synthetic",
                 name: str | None = None, version: str | None = None, model_sha256: str | None = None,
                 calibrated: bool = False, assessor: str | None = None) -> None:
        self._init(value=value, method=method, of=of, name=name, version=version, model_sha256=model_sha256,
                   calibrated=calibrated, assessor=assessor)
        self._normalise()

    def _normalise(self) -> None:
        _set(self, "value", _num(self.value))
        _check_def(self, "probability")

    def to_dict(self) -> dict[str, Any]:
        algorithmic = self.method == "algorithmic"
        return _prune(
            {
                "value": self.value,
                "of": self.of,
                "method": self.method,
                "name": self.name,
                "version": self.version,
                "model_sha256": self.model_sha256,
                # Stated explicitly for detectors (an uncalibrated score is worth flagging);
                # meaningless for a human judgement. A stray True still reaches the schema.
                "calibrated": self.calibrated if algorithmic or self.calibrated else None,
                "assessor": self.assessor,
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Probability:
        raise_issues(def_issues(d, "probability"), "probability")
        return cls(**d)


class Reference(Frozen):
    """An externally hosted description, bound by ``hash_alg`` + hex ``hash`` when given."""

    __slots__ = ("description", "hash", "hash_alg", "media_type", "url")
    url: str
    hash_alg: str | None
    hash: str | None
    media_type: str | None
    description: str | None

    def __init__(self, url: str, hash_alg: str | None = None, hash: str | None = None,
                 media_type: str | None = None, description: str | None = None) -> None:
        self._init(url=url, hash_alg=hash_alg, hash=hash, media_type=media_type, description=description)
        self._normalise()

    def _normalise(self) -> None:
        _check_def(self, "reference")

    def to_dict(self) -> dict[str, Any]:
        return _prune(
            {
                "url": self.url,
                "hash_alg": self.hash_alg,
                "hash": self.hash,
                "media_type": self.media_type,
                "description": self.description,
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reference:
        raise_issues(def_issues(d, "reference") + reference_issues(d, ""), "reference")
        return cls(**d)


class IPR(Frozen):
    """Intellectual property rights: creator, copyright notice, licence name and/or URL."""

    __slots__ = ("copyright", "creator", "licence", "licence_url")
    creator: str | None
    copyright: str | None
    licence: str | None
    licence_url: str | None

    def __init__(self, creator: str | None = None, copyright: str | None = None, licence: str | None = None,
                 licence_url: str | None = None) -> None:
        self._init(creator=creator, copyright=copyright, licence=licence, licence_url=licence_url)
        self._normalise()

    def _normalise(self) -> None:
        _check_def(self, "ipr")

    def to_dict(self) -> dict[str, Any]:
        return _prune(
            {
                "creator": self.creator,
                "copyright": self.copyright,
                "licence": self.licence,
                "licence_url": self.licence_url,
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IPR:
        raise_issues(def_issues(d, "ipr"), "ipr")
        return cls(**d)


class Origin(Frozen):
    """Where the image or its original came from. ``source_type`` is an IPTC digital source
    type term (e.g. "negativeFilm") refining the c2pa.created action of a creation type;
    ``created`` is an RFC 3339 date-time or full date."""

    __slots__ = ("created", "device", "instance_id", "source", "source_type", "url")
    source: str | None
    source_type: str | None
    device: str | None
    url: str | None
    instance_id: str | None
    created: str | None

    def __init__(self, source: str | None = None, source_type: str | None = None, device: str | None = None,
                 url: str | None = None, instance_id: str | None = None, created: str | None = None) -> None:
        self._init(source=source, source_type=source_type, device=device, url=url, instance_id=instance_id,
                   created=created)
        self._normalise()

    def _normalise(self) -> None:
        _check_def(self, "origin")

    def to_dict(self) -> dict[str, Any]:
        return _prune(
            {
                "source": self.source,
                "source_type": self.source_type,
                "device": self.device,
                "url": self.url,
                "instance_id": self.instance_id,
                "created": self.created,
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Origin:
        raise_issues(def_issues(d, "origin"), "origin")
        return cls(**d)


_PARTS: Mapping[str, Any] = {
    "probability": Probability,
    "ipr": IPR,
    "origin": Origin,
}
_SEQUENCES: Mapping[str, Any] = {"regions": Region, "references": Reference}


class Annotation(Frozen):
    """One JPEG Fake Media annotation: what was done, why, by whom, how likely, and where."""

    __slots__ = ("author", "description", "ipr", "modification_types", "origin", "probability", "purpose",
                 "purpose_text", "references", "regions", "software_agent", "when")
    modification_types: tuple[str, ...]
    purpose: str | None
    purpose_text: str | None
    probability: Probability | None
    regions: tuple[Region, ...]
    author: str | None
    software_agent: str | None
    when: str | None
    description: str | None
    ipr: IPR | None
    origin: Origin | None
    references: tuple[Reference, ...]

    def __init__(self, modification_types: tuple[str, ...] = (), purpose: str | None = None,
                 purpose_text: str | None = None, probability: Probability | None = None,
                 regions: tuple[Region, ...] = (), author: str | None = None,
                 software_agent: str | None = None, when: str | None = None, description: str | None = None,
                 ipr: IPR | None = None, origin: Origin | None = None,
                 references: tuple[Reference, ...] = ()) -> None:
        self._init(modification_types=modification_types, purpose=purpose, purpose_text=purpose_text,
                   probability=probability, regions=regions, author=author, software_agent=software_agent,
                   when=when, description=description, ipr=ipr, origin=origin, references=references)
        self._normalise()

    def _normalise(self) -> None:
        for name in ("modification_types", *_SEQUENCES):
            value = getattr(self, name)
            if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
                _set(self, name, tuple(value))
        wrong = [
            f"{name}/{i}: expected {cls.__name__}, got {type(item).__name__}"
            for name, cls in _SEQUENCES.items()
            for i, item in enumerate(getattr(self, name))
            if not isinstance(item, cls)
        ] + [
            f"{name}: expected {cls.__name__}, got {type(getattr(self, name)).__name__}"
            for name, cls in _PARTS.items()
            if getattr(self, name) is not None and not isinstance(getattr(self, name), cls)
        ]
        raise_issues(wrong)
        d = self.to_dict()
        raise_issues(issues_of(d) or semantic_issues(d))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in the schema's shape; unset fields are omitted."""
        return _prune(
            {
                "modification_types": list(self.modification_types),
                "purpose": self.purpose,
                "purpose_text": self.purpose_text,
                "probability": self.probability.to_dict() if self.probability else None,
                "regions": [r.to_dict() for r in self.regions],
                "author": self.author,
                "software_agent": self.software_agent,
                "when": self.when,
                "description": self.description,
                "ipr": self.ipr.to_dict() if self.ipr else None,
                "origin": self.origin.to_dict() if self.origin else None,
                "references": [r.to_dict() for r in self.references],
            }
        )

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Annotation:
        """Validate (schema, then semantic rules) and build.

        Raises :class:`AnnotationInvalid`: message summarising the first issue, ``issues``
        listing every one as ``"json/path: message"``.
        """
        raise_issues(issues_of(d))
        raise_issues(semantic_issues(d))
        kw: dict[str, Any] = dict(d)
        kw["modification_types"] = tuple(d.get("modification_types", ()))
        for name, part in _PARTS.items():
            if name in d:
                kw[name] = part.from_dict(d[name])
        for name, part in _SEQUENCES.items():
            kw[name] = tuple(part.from_dict(item) for item in d.get(name, ()))
        return cls(**kw)

    def merged(self, other: Annotation) -> Annotation:
        """A copy where every field set in ``other`` (not None, not empty) replaces ours.

        Used to lay declared values over detector values. Whole fields are replaced, never
        mixed, so a merge cannot invent combinations neither side stated.
        """
        changes = {
            name: getattr(other, name)
            for name in self._fields
            if getattr(other, name) is not None and getattr(other, name) != ()
        }
        return replace(self, **changes)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def region_issues(d: Mapping[str, Any], path: str) -> list[str]:
    """Rules on one schema-valid region dict that JSON Schema cannot express."""
    at = f"{path}/" if path else ""
    issues: list[str] = []
    shape, unit = d.get("shape"), d.get("unit")
    width, height = _number(d.get("width")), _number(d.get("height"))
    if shape in ("rectangle", "circle") and width is not None and width <= 0:
        issues.append(f"{at}width: must be greater than 0")
    if shape == "rectangle" and height is not None and height <= 0:
        issues.append(f"{at}height: must be greater than 0")
    coords = [
        (_number(v[0]), _number(v[1]))
        for v in d.get("vertices", ())
        if isinstance(v, list | tuple) and len(v) == 2
    ]
    points = [(x, y) for x, y in coords if x is not None and y is not None]
    if shape == "polygon" and len(points) >= 3 and len(points) == len(coords):
        # Shoelace area: collinear or repeated points describe no region at all.
        area = sum(
            a[0] * b[1] - b[0] * a[1]
            for a, b in zip(points, points[1:] + points[:1], strict=True)
        )
        if abs(area) <= _EPS:
            issues.append(f"{at}vertices: polygon has zero area")
    if unit == "percent":
        for key in ("x", "y", "width", "height"):
            v = _number(d.get(key))
            if v is not None and v > _PERCENT_MAX:
                issues.append(f"{at}{key}: percent value above 100")
        for i, (px, py) in enumerate(points):
            if (px is not None and px > _PERCENT_MAX) or (py is not None and py > _PERCENT_MAX):
                issues.append(f"{at}vertices/{i}: percent value above 100")
        x, y = _number(d.get("x")), _number(d.get("y"))
        if shape == "rectangle" and None not in (x, y, width, height):
            if x + width > _PERCENT_MAX + _EPS:  # type: ignore[operator]
                issues.append(f"{at}width: x + width exceeds 100 percent")
            if y + height > _PERCENT_MAX + _EPS:  # type: ignore[operator]
                issues.append(f"{at}height: y + height exceeds 100 percent")
    return issues


def reference_issues(d: Mapping[str, Any], path: str) -> list[str]:
    """The digest length must fit the named algorithm."""
    at = f"{path}/" if path else ""
    alg, digest = d.get("hash_alg"), d.get("hash")
    expected = HASH_HEX_LENGTHS.get(alg) if isinstance(alg, str) else None
    if expected and isinstance(digest, str) and len(digest) != expected:
        return [f"{at}hash: {alg} needs {expected} hex digits, got {len(digest)}"]
    return []


def semantic_issues(d: Mapping[str, Any]) -> list[str]:
    """Rules on a schema-valid annotation dict that JSON Schema cannot express."""
    issues: list[str] = []
    types = list(d.get("modification_types", ()))
    if "original" in types and len(types) > 1:
        issues.append("modification_types: 'original' cannot be combined with other types")
    if d.get("purpose") == "other" and not d.get("purpose_text"):
        issues.append("purpose_text: required when purpose is 'other'")
    source_type = (d.get("origin") or {}).get("source_type")
    if "original" in types and source_type and source_type not in CAPTURE_SOURCE_TYPES:
        issues.append(
            f"origin/source_type: '{source_type}' is not a capture source, so the image cannot be 'original'"
        )
    seen: set[str] = set()
    for i, region in enumerate(d.get("regions", ())):
        issues += region_issues(region, f"regions/{i}")
        ident = region.get("identifier")
        if ident is not None:
            if ident in seen:
                issues.append(f"regions/{i}/identifier: '{ident}' is not unique")
            seen.add(ident)
    for i, ref in enumerate(d.get("references", ())):
        issues += reference_issues(ref, f"references/{i}")
    return issues
