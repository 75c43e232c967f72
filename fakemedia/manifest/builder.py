"""Build and embed a signed C2PA manifest (C2PA 2.2 §10, §11, §13.2, §18.5).

The data hash is computed on the JPEG with any old store removed: the exclusion we declare is
exactly the APP11 run we insert, so the hash of the stripped file is already final (§18.5.3).
Only the exclusion *length* depends on the store's own size, so we iterate until it is stable (a
single pass, not the two of §10.4). The COSE signature is padded to a size fixed in advance, so
signing cannot change the store size afterwards.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import cbor2

from fakemedia.cose import sign1
from fakemedia.cose.signer import Signer, TimeStamper
from fakemedia.errors import SigningError
from fakemedia.formats import app11, jumbf
from fakemedia.formats.jpeg import JpegLayout
from fakemedia.manifest import labels
from fakemedia.manifest.store import HashedURI, Manifest, ManifestStore

GENERATOR = "fakemedia"
_SALT_BYTES = 16
_MAX_SIZE_ROUNDS = 8
_MAX_PAD_TRIES = 256


@dataclass(frozen=True)
class EmbeddedFile:
    """Assertion content stored as an embedded file (``bfdb`` + ``bidb``), e.g. a thumbnail."""

    media_type: str
    data: bytes


@dataclass
class AssertionSpec:
    """One assertion to write: label, CBOR-ready content (or an :class:`EmbeddedFile`), and
    whether the signer created it."""

    label: str
    content: Any
    created: bool = True
    salted: bool = True


@dataclass
class ParentInfo:
    """The manifest the new one continues (its parentOf ingredient): its label and validation results."""

    manifest: Manifest
    validation_results: dict[str, Any]
    title: str | None = None
    #: Soft-binding algorithms that found this manifest for an asset without a sound one of
    #: its own (C2PA 2.1 §18.15.14): recorded as ``softBindingsMatched``.
    soft_bindings_matched: tuple[str, ...] = ()


@dataclass
class BuildRequest:
    asset: bytes
    assertions: Sequence[AssertionSpec]
    signer: Signer
    title: str | None = None
    generator_version: str = "0"
    compress: bool = False
    redacted_assertions: Sequence[str] = ()
    instance_id: str = field(default_factory=lambda: f"xmp:iid:{uuid.uuid4()}")
    manifest_label: str = field(default_factory=labels.new_manifest_label)
    #: Time-stamps the claim signature (``sigTst2``, C2PA 2.x §10.3.2.5) when given.
    timestamper: TimeStamper | None = None
    #: The application that made the claim (a manifest definition's ``claim_generator_info``);
    #: fakemedia then names itself under an extra key, as c2pa-rs does (§10.3.2.2).
    generator: tuple[str, str | None] | None = None


def tagged_time(when: datetime | None = None) -> cbor2.CBORTag:
    """C2PA dates are CBOR tag 0 with an RFC 3339 string (§8.0)."""
    moment = (when or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return cbor2.CBORTag(0, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def ingredient_assertion(parent: ParentInfo) -> dict[str, Any]:
    """A ``c2pa.ingredient.v3`` parentOf ingredient naming the previous active manifest."""
    m = parent.manifest
    sig_box = m.box.find(labels.SIGNATURE)
    content: dict[str, Any] = {
        "relationship": "parentOf",
        "dc:format": "image/jpeg",
        "activeManifest": HashedURI(labels.absolute_uri(m.label),
                                    hashlib.sha256(m.hash_input()).digest()).to_cbor(),
        "validationResults": parent.validation_results,
    }
    if parent.title:
        content["dc:title"] = parent.title
    if parent.soft_bindings_matched:
        content["softBindingsMatched"] = True
        content["softBindingAlgorithmsMatched"] = list(parent.soft_bindings_matched)
    if sig_box is not None:
        content["claimSignature"] = HashedURI(
            labels.absolute_uri(m.label, labels.SIGNATURE),
            hashlib.sha256(sig_box.hash_input()).digest()).to_cbor()
    instance = (m.claim or {}).get("instanceID")
    if isinstance(instance, str):
        content["instanceID"] = instance
    return content


def assertion_hash(spec: AssertionSpec) -> bytes:
    """SHA-256 of an unsalted assertion's box, for references made before the build."""
    if spec.salted:
        raise ValueError("a salted assertion's hash is known only after building")
    return hashlib.sha256(_assertion_box(spec, None).hash_input()).digest()


def build(request: BuildRequest, existing: ManifestStore | None = None, *,
          parsed: tuple[JpegLayout, app11.StoreLocation | None] | None = None) -> bytes:
    """Return the asset with a new signed manifest embedded (old manifests kept before it).

    ``parsed``: the asset's header walk and the store found with it (None: none), when the
    caller has them; the header is then not walked again before the new store goes in.
    """
    if parsed is None:
        stripped, old_offset = app11.remove_c2pa_store(request.asset)
        offset = old_offset if old_offset is not None else app11.default_insert_offset(stripped)
    elif parsed[1] is not None:
        old = parsed[1]
        view = memoryview(request.asset)
        stripped = b"".join((view[:old.offset], view[old.offset + old.length:]))
        offset = old.offset
    else:
        stripped, offset = request.asset, app11.default_insert_offset(request.asset, parsed[0])
    data_hash = hashlib.sha256(stripped).digest()
    reserve = sign1.reserve_size(request.signer, request.timestamper)
    salts = {spec.label: os.urandom(_SALT_BYTES) for spec in request.assertions if spec.salted}
    prefix = b"".join(m.stored.to_bytes() for m in existing.manifests) if existing else b""
    # Only the data hash changes between the sizing rounds: the other boxes are made once.
    fixed = [_assertion_box(s, salts.get(s.label)) for s in request.assertions]

    def assemble(length: int, pad: int, signature: bytes | None) -> tuple[bytes, bytes]:
        hash_data = {"exclusions": [{"start": offset, "length": length}],
                     "name": "jumbf manifest", "alg": "sha256", "hash": data_hash,
                     "pad": bytes(pad)}
        binding = AssertionSpec(labels.HASH_DATA, hash_data, salted=False)
        specs = [*request.assertions, binding]
        boxes = [*fixed, _assertion_box(binding, salts.get(binding.label))]
        claim = _claim(request, specs, boxes)
        sig = signature if signature is not None else bytes(reserve)
        manifest = _superbox("c2ma", request.manifest_label, [
            _superbox("c2as", labels.ASSERTIONS, boxes),
            _superbox("c2cl", labels.CLAIM_V2, [jumbf.ContentBox(b"cbor", claim)]),
            _superbox("c2cs", labels.SIGNATURE, [jumbf.ContentBox(b"cbor", sig)]),
        ])
        stored = _compress(manifest, request.manifest_label) if request.compress else manifest
        store = _superbox("c2pa", labels.STORE, [])
        store_bytes = _with_children(store, prefix + stored.to_bytes())
        return store_bytes, claim

    # Uncompressed, the padded signature has a fixed size, so a zero placeholder sizes the
    # store exactly and we sign once at the end. Compressed, the signature's bytes change the
    # compressed size, so every round signs for real; the exclusion length and the compressed
    # size can then chase each other in a cycle. A cycle is broken by another amount of zero
    # padding in the data-hash assertion, which shifts the compressed size.
    settled = None
    for pad in range(_MAX_PAD_TRIES if request.compress else 1):
        length, seen = 0, set()
        for _ in range(_MAX_SIZE_ROUNDS):
            _, claim = assemble(length, pad, None)
            signature = sign1.encode_sign1(claim, request.signer, pad_to=reserve,
                                          timestamper=request.timestamper) \
                if request.compress else None
            store_bytes, _ = assemble(length, pad, signature)
            needed = app11.app11_run_length(len(store_bytes))
            if needed == length:
                settled = (length, pad, claim, signature, store_bytes)
                break
            if needed in seen:
                break  # a cycle: try the next padding
            seen.add(needed)
            length = needed
        if settled:
            break
    if settled is None:
        raise SigningError("could not settle the manifest size; try without compression")
    length, pad, claim, signature, store_bytes = settled
    if signature is None:
        signature = sign1.encode_sign1(claim, request.signer, pad_to=reserve,
                                          timestamper=request.timestamper)
        store_bytes, final_claim = assemble(length, pad, signature)
        if final_claim != claim or app11.app11_run_length(len(store_bytes)) != length:
            raise SigningError("manifest changed size while signing")  # guarded invariant
    return app11.insert_c2pa_store(stripped, store_bytes, offset)


@dataclass(frozen=True)
class ExternalBuild:
    """A manifest kept outside the image: the image as it must be published (unchanged for a
    sidecar; with the remote reference in its XMP for a remote manifest) and the store bytes
    (``application/c2pa``) to write beside it or upload."""

    asset: bytes
    store: bytes


def build_external(request: BuildRequest, existing: ManifestStore | None = None, *,
                   remote_url: str | None = None) -> ExternalBuild:
    """Sign a manifest store that is not embedded (C2PA 2.1 §11.3 external manifests).

    Any embedded store is removed from the image (its manifests travel in the new store).
    With ``remote_url`` the image gets the XMP ``dcterms:provenance`` reference to it
    (§11.3.2); without, the image bytes are otherwise left alone (a sidecar, ``.c2pa``). The
    data hash then covers the whole published image with no exclusion, as c2pa-rs writes it.
    """
    from fakemedia.formats import xmp

    stripped, _ = app11.remove_c2pa_store(request.asset)
    asset = xmp.set_provenance(stripped, remote_url) if remote_url else stripped
    data_hash = hashlib.sha256(asset).digest()
    reserve = sign1.reserve_size(request.signer, request.timestamper)
    salts = {spec.label: os.urandom(_SALT_BYTES) for spec in request.assertions if spec.salted}
    prefix = b"".join(m.stored.to_bytes() for m in existing.manifests) if existing else b""
    hash_data = {"name": "jumbf manifest", "alg": "sha256", "hash": data_hash, "pad": b""}
    specs = [*request.assertions, AssertionSpec(labels.HASH_DATA, hash_data, salted=False)]
    boxes = [_assertion_box(s, salts.get(s.label)) for s in specs]
    claim = _claim(request, specs, boxes)
    signature = sign1.encode_sign1(claim, request.signer, pad_to=reserve,
                                   timestamper=request.timestamper)
    manifest = _superbox("c2ma", request.manifest_label, [
        _superbox("c2as", labels.ASSERTIONS, boxes),
        _superbox("c2cl", labels.CLAIM_V2, [jumbf.ContentBox(b"cbor", claim)]),
        _superbox("c2cs", labels.SIGNATURE, [jumbf.ContentBox(b"cbor", signature)]),
    ])
    stored = _compress(manifest, request.manifest_label) if request.compress else manifest
    store = _with_children(_superbox("c2pa", labels.STORE, []), prefix + stored.to_bytes())
    return ExternalBuild(asset, store)


def _claim(request: BuildRequest, specs: Sequence[AssertionSpec],
           boxes: Sequence[jumbf.SuperBox]) -> bytes:
    """Claim v2 (§10.2), deterministic CBOR; assertions referenced in the relative form."""
    created: list[dict[str, Any]] = []
    gathered: list[dict[str, Any]] = []
    for spec, box in zip(specs, boxes, strict=True):
        ref = HashedURI(labels.relative_assertion_uri(spec.label),
                        hashlib.sha256(box.hash_input()).digest()).to_cbor()
        (created if spec.created else gathered).append(ref)
    claim: dict[str, Any] = {
        "instanceID": request.instance_id,
        "claim_generator_info": _generator_info(request),
        "signature": labels.absolute_uri(request.manifest_label, labels.SIGNATURE),
        "created_assertions": created,
        "alg": "sha256",
    }
    if gathered:
        claim["gathered_assertions"] = gathered
    if request.redacted_assertions:
        claim["redacted_assertions"] = list(request.redacted_assertions)
    if request.title:
        claim["dc:title"] = request.title
    return cbor2.dumps(claim, canonical=True)


def _generator_info(request: BuildRequest) -> dict[str, str]:
    if request.generator is None:
        return {"name": GENERATOR, "version": request.generator_version}
    name, version = request.generator
    info = {"name": name, "org.fakemedia": request.generator_version}
    if version:
        info["version"] = version
    return info


def _assertion_box(spec: AssertionSpec, salt: bytes | None) -> jumbf.SuperBox:
    if isinstance(spec.content, EmbeddedFile):
        from fakemedia.manifest.thumbnail import embedded_file

        return embedded_file(spec.content.media_type, spec.content.data, spec.label,
                             private=jumbf.salt_box(salt) if salt else None)
    payload = cbor2.dumps(spec.content, canonical=True)
    description = jumbf.DescriptionBox(
        uuid=jumbf.c2pa_uuid("cbor"), label=spec.label,
        private=jumbf.salt_box(salt) if salt else None)
    return jumbf.SuperBox(description, [jumbf.ContentBox(b"cbor", payload)])


def _superbox(fourcc: str, label: str, children: Sequence[Any]) -> jumbf.SuperBox:
    return jumbf.SuperBox(jumbf.DescriptionBox(uuid=jumbf.c2pa_uuid(fourcc), label=label),
                          list(children))


def _with_children(box: jumbf.SuperBox, children: bytes) -> bytes:
    """Serialise ``box`` with already-serialised child bytes appended (old manifests are
    copied byte for byte, never re-encoded)."""
    body = box.description.to_bytes() + b"".join(c.to_bytes() for c in box.children) + children
    return jumbf.box_header(b"jumb", len(body)) + body


def _compress(manifest: jumbf.SuperBox, label: str) -> jumbf.SuperBox:
    """A ``c2cm`` superbox with the same label holding the Brotli-compressed manifest (§11.1.3.2)."""
    return _superbox("c2cm", label,
                     [jumbf.ContentBox(b"brob", jumbf.brotli_compress(manifest.to_bytes()))])
