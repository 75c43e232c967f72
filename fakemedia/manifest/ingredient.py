"""Ingredients from files: an earlier version (``parentOf``) or a part (``componentOf``) of the
asset being signed, made from that file's bytes (C2PA 2.1 §18.11, ingredient v3).

Each ingredient records the file's title, media type, relationship and instance id; a
thumbnail (a ``c2pa.thumbnail.ingredient`` assertion named by a hashed URI); and, when the
file carries a manifest store, the hashed URIs of its active manifest and claim signature with
the validation results found when it was taken in. Its manifest store is then carried into the
new one, before the new manifest, as §11.1.2 asks: validators find the ingredient's manifests
there. A component may say which region of the new asset it occupies (the ingredient's
``metadata.regionOfInterest``, §18.2 region of interest).

Ingredient and thumbnail assertions are unsalted, so their hashes are known before the build
and actions (``c2pa.opened``, ``c2pa.placed``) can name them.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fakemedia import limits
from fakemedia.annotation.c2pa import region_to_c2pa
from fakemedia.annotation.model import Region
from fakemedia.errors import FakemediaError, InvalidRequest, LimitExceeded, ManifestError
from fakemedia.formats import app11, xmp
from fakemedia.manifest import labels, redact, thumbnail
from fakemedia.manifest.builder import AssertionSpec, EmbeddedFile, assertion_hash
from fakemedia.manifest.store import HashedURI, Manifest, ManifestStore, parse_store
from fakemedia.manifest.validate import TrustSettings, validate_store

PARENT = "parentOf"
COMPONENT = "componentOf"
INPUT = "inputTo"
RELATIONSHIPS = (PARENT, COMPONENT, INPUT)

_INSTANCE_ID = re.compile(rb"""xmpMM:InstanceID(?:\s*=\s*["']([^"']+)["']|>([^<]+)<)""")
_PIL_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
              "TIFF": "image/tiff", "BMP": "image/bmp"}


@dataclass(frozen=True)
class IngredientSource:
    """What the caller names: a file's bytes, how it relates, and optional details.

    ``remote_store``: the store bytes of a file whose manifest is remote, fetched explicitly
    (:func:`fakemedia.manifest.external.fetch_remote_store`); without them such a file is taken
    in without a manifest and its reference is reported in :attr:`Ingredient.warnings`.
    ``redactions`` apply to the file's own store as it is carried (see
    :mod:`fakemedia.manifest.redact`).
    """

    data: bytes
    relationship: str = PARENT
    title: str | None = None
    region: Region | None = None
    description: str | None = None
    remote_store: bytes | None = None
    redactions: Sequence[redact.Redaction] = ()


@dataclass
class Ingredient:
    """An ingredient ready to be written: its assertions, the hashed URI actions use to name
    it, and the manifests it brings."""

    label: str
    relationship: str
    content: dict[str, Any]
    thumbnail: AssertionSpec | None
    #: The file's manifest store as it is carried (after redaction), or None when unsigned.
    store: ManifestStore | None
    #: SHA-256 (hex) of the file as it was taken in.
    sha256: str
    media_type: str
    #: The remote-manifest reference the file's XMP holds, if any (kept, never dropped).
    remote_url: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def spec(self) -> AssertionSpec:
        return AssertionSpec(self.label, self.content, salted=False)

    @property
    def assertions(self) -> list[AssertionSpec]:
        """Thumbnail first (the ingredient names it), then the ingredient."""
        return [*([self.thumbnail] if self.thumbnail else []), self.spec]

    @property
    def reference(self) -> HashedURI:
        """The hashed URI an action's ``parameters.ingredients`` lists."""
        return HashedURI(labels.relative_assertion_uri(self.label), assertion_hash(self.spec))

    @property
    def has_manifest(self) -> bool:
        return "activeManifest" in self.content


def indexed_label(base: str, index: int) -> str:
    """``base`` for the first, ``base__1``, ``base__2``… after it (§6.2 multiple instances)."""
    return base if index == 0 else f"{base}__{index}"


def ingredient_from_file(source: IngredientSource, *, index: int = 0,
                         thumbnails: thumbnail.ThumbnailOptions | None = None,
                         trust: TrustSettings | None = None) -> Ingredient:
    """Make the ``index``-th ingredient of a claim from a file's bytes.

    A file with an embedded store (or explicitly supplied remote store bytes) is validated on
    its own bytes; the results are stored in the ingredient (``validationResults``) so later
    validators know what was already wrong when it was taken in. An unsigned file becomes an
    ingredient without a manifest (validators report ``ingredient.unknownProvenance``, an
    informational code).
    """
    if source.relationship not in RELATIONSHIPS:
        raise InvalidRequest(f"relationship: {source.relationship!r} is not one of "
                             f"{', '.join(RELATIONSHIPS)}")
    if source.region is not None and source.relationship != COMPONENT:
        raise InvalidRequest("region: only a componentOf ingredient occupies a region")
    data = bytes(source.data)
    if len(data) > limits.MAX_FILE_BYTES:
        raise LimitExceeded(f"ingredient of {len(data)} bytes exceeds the {limits.MAX_FILE_BYTES} limit")
    thumbnails = thumbnails or thumbnail.ThumbnailOptions()
    media_type = media_type_of(data)
    digest = hashlib.sha256(data).digest()
    label = indexed_label(labels.INGREDIENT_V3, index)
    content: dict[str, Any] = {"relationship": source.relationship, "dc:format": media_type}
    if source.title:
        content["dc:title"] = source.title
    warnings: list[str] = []
    store, remote_url = _signed_store(data, media_type, source, content, trust, warnings)
    content["instanceID"] = _instance_id(data, media_type, store, digest)
    if source.description:
        content["description"] = source.description
    if source.region is not None:
        content["metadata"] = {"regionOfInterest": region_to_c2pa(source.region)}
    thumb = None
    if thumbnails.enabled:
        try:
            made = thumbnail.make_thumbnail(data, thumbnails)
        except FakemediaError as exc:
            warnings.append(f"{source.title or 'ingredient'}: no thumbnail ({exc})")
        else:
            thumb = AssertionSpec(indexed_label(thumbnail.INGREDIENT_LABEL, index),
                                  EmbeddedFile(made.media_type, made.data), salted=False)
            content["thumbnail"] = HashedURI(labels.relative_assertion_uri(thumb.label),
                                             assertion_hash(thumb)).to_cbor()
    return Ingredient(label, source.relationship, content, thumb, store, digest.hex(),
                      media_type, remote_url, warnings)


def ingredients_from_files(sources: Sequence[IngredientSource], *, start: int = 0,
                           thumbnails: thumbnail.ThumbnailOptions | None = None,
                           trust: TrustSettings | None = None) -> list[Ingredient]:
    """Ingredients for several files, labelled in order from index ``start``; at most one may
    be a parent (§18.11: a claim has at most one parentOf ingredient)."""
    parents = sum(1 for s in sources if s.relationship == PARENT)
    if parents > 1:
        raise InvalidRequest(f"{parents} parentOf ingredients: a manifest has at most one parent")
    return [ingredient_from_file(s, index=start + i, thumbnails=thumbnails, trust=trust)
            for i, s in enumerate(sources)]


def carried_store(own: ManifestStore | None, ingredients: Sequence[Ingredient]) -> ManifestStore | None:
    """The manifests the new store must hold before its new manifest: the asset's own ones
    first, then each ingredient's, every manifest once. Two different manifests under one
    label cannot both be kept (labels name manifests, §11.1.2): that is refused."""
    manifests: list[Manifest] = list(own.manifests) if own else []
    seen = {m.label: m.stored.to_bytes() for m in manifests}
    root = own.box if own else None
    for ingredient in ingredients:
        if ingredient.store is None:
            continue
        root = root or ingredient.store.box
        for m in ingredient.store.manifests:
            stored = m.stored.to_bytes()
            if m.label in seen:
                if seen[m.label] != stored:
                    raise ManifestError(f"two different manifests share the label {m.label}; "
                                        "they cannot be carried into one store")
                continue
            seen[m.label] = stored
            manifests.append(m)
    if root is None:
        return None
    return ManifestStore(manifests, root)


def media_type_of(data: bytes) -> str:
    """The file's media type from its content (JPEG by its SOI; others through Pillow)."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format or ""
    except (OSError, ValueError, Image.DecompressionBombError):
        return "application/octet-stream"
    return _PIL_TYPES.get(fmt, "application/octet-stream")


def _signed_store(data: bytes, media_type: str, source: IngredientSource, content: dict[str, Any],
                  trust: TrustSettings | None,
                  warnings: list[str]) -> tuple[ManifestStore | None, str | None]:
    """Fill the manifest fields of ``content``; return the store to carry and any remote URL."""
    if media_type != "image/jpeg":
        if source.remote_store is None:
            return None, None
        location, remote_url = None, None
    else:
        location = app11.find_c2pa_store(data)
        remote_url = xmp.provenance_url(data)
    name = source.title or "ingredient"
    if location is not None:
        found = parse_store(location.jumbf)
    elif source.remote_store is not None:
        found = parse_store(bytes(source.remote_store))
    else:
        if remote_url:
            warnings.append(f"{name}: its manifest is remote ({remote_url}) and was not fetched; "
                            "it is taken in without provenance")
        return None, remote_url
    if found.active is None:
        raise ManifestError(f"{name}: its C2PA store holds no manifest")
    results = validate_store(found, data, location, trust)
    carried = redact.redact_store(found, source.redactions) if source.redactions else found
    active = carried.active
    assert active is not None
    content["validationResults"] = results.to_dict()
    content["activeManifest"] = HashedURI(labels.absolute_uri(active.label),
                                          hashlib.sha256(active.hash_input()).digest()).to_cbor()
    sig_box = active.box.find(labels.SIGNATURE)
    if sig_box is not None:
        content["claimSignature"] = HashedURI(labels.absolute_uri(active.label, labels.SIGNATURE),
                                              hashlib.sha256(sig_box.hash_input()).digest()).to_cbor()
    return carried, remote_url


def _instance_id(data: bytes, media_type: str, store: ManifestStore | None, digest: bytes) -> str:
    """The file's XMP instance id, else its active claim's, else one derived from its hash
    (the same file always gets the same id)."""
    if media_type == "image/jpeg":
        for packet in xmp.xmp_packets(data):
            match = _INSTANCE_ID.search(packet)
            if match:
                value = (match.group(1) or match.group(2)).decode("utf-8", "replace").strip()
                if value:
                    return value
    claimed = (store.active.claim or {}).get("instanceID") if store and store.active else None
    if isinstance(claimed, str) and claimed:
        return claimed
    return f"xmp:iid:{uuid.UUID(bytes=digest[:16], version=4)}"
