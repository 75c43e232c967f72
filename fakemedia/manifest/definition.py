"""Manifest definitions: c2patool-style JSON describing one manifest to add (plus our JPEG Fake
Media annotation under the ``fakemedia`` key), validated by
``schemas/manifest-definition.schema.json`` and parsed into a typed value.

File paths are resolved against the definition's folder (or its ``base_path``) when parsed, so
the value is independent of the working directory. :func:`merge` lays explicit options over a
definition: what the caller says wins over the file.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakemedia import limits
from fakemedia.annotation.model import Annotation, Region
from fakemedia.annotation.schema import issues_of, raise_issues
from fakemedia.errors import AnnotationInvalid
from fakemedia.manifest import labels

SCHEMA = "manifest-definition"
#: Labels the claim machinery writes itself: a definition may not supply them.
_RESERVED_EXACT = {labels.SIGNATURE, labels.CLAIM_V1, labels.CLAIM_V2, labels.ASSERTIONS,
                   labels.CREDENTIALS, labels.DATABOXES, labels.STORE, "org.fakemedia.annotation"}
_RESERVED_PREFIXES = {
    "c2pa.hash.": "the hard binding is computed when signing",
    "c2pa.ingredient": "ingredients come from the 'ingredients' list",
    "c2pa.thumbnail.": "thumbnails come from the 'thumbnail' key or are made when signing",
}
_ACTIONS = (labels.ACTIONS_V1, labels.ACTIONS_V2)


@dataclass(frozen=True)
class GeneratorInfo:
    name: str
    version: str | None = None


@dataclass(frozen=True)
class AssertionDefinition:
    label: str
    data: Any
    created: bool = True


@dataclass(frozen=True)
class IngredientDefinition:
    path: Path
    relationship: str = "componentOf"
    title: str | None = None
    description: str | None = None
    region: Region | None = None


@dataclass(frozen=True)
class SigningDefinition:
    """c2patool's signing fields, paths resolved (used only when no signer is given)."""

    key: Path | None = None
    chain: Path | None = None
    algorithm: str | None = None
    tsa_url: str | None = None


@dataclass(frozen=True)
class ManifestDefinition:
    title: str | None = None
    generator: GeneratorInfo | None = None
    instance_id: str | None = None
    #: Actions from c2pa.actions(.v2) entries, added after fakemedia's own.
    actions: tuple[dict[str, Any], ...] = ()
    #: Every other assertion, custom labels included.
    assertions: tuple[AssertionDefinition, ...] = ()
    ingredients: tuple[IngredientDefinition, ...] = ()
    thumbnail: Path | None = None
    annotation: Annotation | None = None
    signing: SigningDefinition = field(default_factory=SigningDefinition)

    @property
    def parent(self) -> IngredientDefinition | None:
        return next((i for i in self.ingredients if i.relationship == "parentOf"), None)

    @property
    def components(self) -> tuple[IngredientDefinition, ...]:
        return tuple(i for i in self.ingredients if i.relationship != "parentOf")


def load(path: str | Path) -> ManifestDefinition:
    """Read and parse a definition file (paths relative to its folder)."""
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > limits.MAX_DEFINITION_BYTES:
            raise AnnotationInvalid(f"{target.name}: {size} bytes exceeds the "
                                    f"{limits.MAX_DEFINITION_BYTES}-byte limit for a definition")
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnnotationInvalid(f"{target}: cannot read the manifest definition ({exc})") from None
    return parse_text(text, base=target.resolve().parent, name=target.name)


def parse_text(text: str, *, base: Path | None = None,
               name: str = "manifest definition") -> ManifestDefinition:
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise AnnotationInvalid(f"{name}: not valid JSON ({' '.join(str(exc).split())})") from None
    return parse(value, base=base)


def parse(value: Any, *, base: Path | None = None) -> ManifestDefinition:
    """Validate a decoded definition against the schema and the rules it cannot express."""
    raise_issues(issues_of(value, SCHEMA), "manifest definition")
    raise_issues(reserved_label_issues(value.get("assertions", [])), "manifest definition")
    root = Path(value["base_path"]) if "base_path" in value else None
    folder = (base / root if base and root else root) or base or Path(".")

    def resolved(path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else folder / p

    actions: list[dict[str, Any]] = []
    assertions: list[AssertionDefinition] = []
    for i, item in enumerate(value.get("assertions", [])):
        if labels.base_label(item["label"]) in _ACTIONS:
            listed = item["data"].get("actions") if isinstance(item["data"], dict) else None
            if not isinstance(listed, list) or not all(
                    isinstance(a, dict) and isinstance(a.get("action"), str) for a in listed):
                raise AnnotationInvalid(f"invalid manifest definition: assertions/{i}/data: "
                                        "an actions assertion needs a list of {action: …} objects")
            actions += listed
        else:
            assertions.append(AssertionDefinition(item["label"], item["data"], item.get("created", True)))
    ingredients = [_ingredient(item, resolved, i) for i, item in enumerate(value.get("ingredients", []))]
    ingredients += [IngredientDefinition(resolved(p)) for p in value.get("ingredient_paths", [])]
    parents = sum(1 for i in ingredients if i.relationship == "parentOf")
    if parents > 1:
        raise AnnotationInvalid(f"invalid manifest definition: ingredients: {parents} parentOf "
                                "ingredients, a manifest has at most one")
    annotation = None
    if "fakemedia" in value:
        try:
            annotation = Annotation.from_dict(value["fakemedia"])
        except AnnotationInvalid as exc:
            raise AnnotationInvalid(f"invalid manifest definition: fakemedia: {exc}", exc.issues) from None
    thumb = value.get("thumbnail")
    signing = SigningDefinition(
        key=resolved(value["private_key"]) if "private_key" in value else None,
        chain=resolved(value["sign_cert"]) if "sign_cert" in value else None,
        algorithm=value.get("alg"), tsa_url=value.get("ta_url"))
    return ManifestDefinition(
        title=value.get("title"), generator=_generator(value), instance_id=value.get("instance_id"),
        actions=tuple(actions), assertions=tuple(assertions), ingredients=tuple(ingredients),
        thumbnail=resolved(thumb["identifier"]) if thumb else None, annotation=annotation,
        signing=signing)


def reserved_label_issues(assertions: Any) -> list[str]:
    """One issue per assertion whose label the claim machinery owns."""
    issues = []
    for i, item in enumerate(assertions if isinstance(assertions, list) else []):
        label = item.get("label") if isinstance(item, dict) else None
        if not isinstance(label, str):
            continue
        base = labels.base_label(label)
        if base in _RESERVED_EXACT:
            issues.append(f"assertions/{i}/label: '{label}' is reserved for the claim machinery")
            continue
        for prefix, why in _RESERVED_PREFIXES.items():
            if base.startswith(prefix):
                issues.append(f"assertions/{i}/label: '{label}' is reserved ({why})")
    return issues


def merge(definition: ManifestDefinition, *, title: str | None = None,
          annotation: Annotation | Mapping[str, Any] | None = None,
          ingredients: Sequence[IngredientDefinition] = (),
          generator: GeneratorInfo | None = None) -> ManifestDefinition:
    """``definition`` with explicit options laid over it: a given title or generator replaces
    the file's; annotation fields that are set replace the file's field by field; a given
    parent replaces the file's parent, given components are added after the file's."""
    merged_annotation = definition.annotation
    if annotation is not None:
        flags = annotation if isinstance(annotation, Annotation) else Annotation.from_dict(annotation)
        merged_annotation = merged_annotation.merged(flags) if merged_annotation else flags
    items = list(definition.ingredients)
    if any(i.relationship == "parentOf" for i in ingredients):
        items = [i for i in items if i.relationship != "parentOf"]
    items += list(ingredients)
    return dataclasses.replace(definition, title=title or definition.title,
                               generator=generator or definition.generator,
                               annotation=merged_annotation, ingredients=tuple(items))


def _ingredient(item: Mapping[str, Any], resolved: Any, index: int) -> IngredientDefinition:
    region = None
    if "region" in item:
        try:
            region = Region.from_dict(item["region"])
        except AnnotationInvalid as exc:
            raise AnnotationInvalid(f"invalid manifest definition: ingredients/{index}/region: {exc}",
                                    exc.issues) from None
    relationship = item.get("relationship", "componentOf")
    if region is not None and relationship != "componentOf":
        raise AnnotationInvalid(f"invalid manifest definition: ingredients/{index}/region: "
                                "only a componentOf ingredient occupies a region")
    return IngredientDefinition(resolved(item["file_path"]), relationship, item.get("title"),
                                item.get("description"), region)


def _generator(value: Mapping[str, Any]) -> GeneratorInfo | None:
    info = value.get("claim_generator_info")
    first = info[0] if isinstance(info, list) else info
    if isinstance(first, dict):
        return GeneratorInfo(first["name"], first.get("version"))
    legacy = value.get("claim_generator")
    if isinstance(legacy, str) and legacy:
        name, _, version = legacy.split(" ", 1)[0].partition("/")
        return GeneratorInfo(name, version or None)
    return None


def _no_constant(token: str) -> float:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{token} is not a JSON number")


def assertion_specs(definition: ManifestDefinition) -> list[Any]:
    """The definition's assertions as builder specs; a label given twice gets the ``__N``
    instance suffix C2PA uses for repeated labels (§6.2)."""
    from fakemedia.manifest.builder import AssertionSpec

    counts: dict[str, int] = {}
    specs = []
    for item in definition.assertions:
        n = counts.get(item.label, 0)
        counts[item.label] = n + 1
        label = item.label if n == 0 else f"{item.label}__{n}"
        specs.append(AssertionSpec(label, item.data, created=item.created))
    return specs
