"""The manifest store: manifests, claims and assertions as found in the JUMBF (c2pa-digest §3).

Parsing here is structural and tolerant: a manifest with a missing claim or an undecodable
assertion is still listed, with the problem recorded, so that validation can report the proper
C2PA status code instead of the whole read failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cbor2

from fakemedia import limits
from fakemedia.errors import FormatError, LimitExceeded, ManifestError
from fakemedia.formats import jumbf
from fakemedia.manifest import labels

# Manifest kinds by the 4CC of their superbox UUID (§2.4).
_STANDARD = {"c2ma", "c2md"}
_UPDATE = {"c2um"}
_COMPRESSED = "c2cm"


@dataclass(frozen=True)
class HashedURI:
    """A ``hashed-uri-map`` (§4.3): a JUMBF URI, its expected hash, an optional algorithm."""

    url: str
    hash: bytes
    alg: str | None = None

    @classmethod
    def from_cbor(cls, value: Any) -> HashedURI | None:
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            return None
        digest = value.get("hash")
        # 2022-era files hold hashes as arrays of small integers (§13 item 11).
        if isinstance(digest, list) and all(isinstance(b, int) and 0 <= b < 256 for b in digest):
            digest = bytes(digest)
        if not isinstance(digest, bytes):
            return None
        alg = value.get("alg")
        return cls(value["url"], digest, alg if isinstance(alg, str) else None)

    def to_cbor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "hash": self.hash}
        if self.alg:
            out["alg"] = self.alg
        return out


@dataclass
class Assertion:
    """One assertion superbox of an assertion store."""

    label: str
    box: jumbf.SuperBox

    @property
    def kind(self) -> str:
        """``cbor``, ``json``, ``embedded`` or ``other`` (from the jumd type UUID)."""
        fourcc = self.box.fourcc
        if fourcc in ("cbor", "json", "uuid"):
            return fourcc
        if self.box.uuid == jumbf.EMBEDDED_FILE_UUID:
            return "embedded"
        return "other"

    def content(self) -> Any:
        """Decoded CBOR/JSON content; ManifestError when it does not decode."""
        boxes = self.box.content_boxes()
        if self.kind == "cbor":
            return _decode_cbor(_single_payload(boxes, b"cbor", self.label))
        if self.kind == "json":
            payload = _single_payload(boxes, b"json", self.label)
            try:
                return json.loads(payload.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise ManifestError(f"assertion {self.label} holds invalid JSON") from exc
        return None

    def try_content(self) -> Any:
        try:
            return self.content()
        except ManifestError:
            return None


@dataclass
class Manifest:
    """One manifest of the store, decompressed when it was stored compressed (§11)."""

    label: str
    box: jumbf.SuperBox
    stored: jumbf.SuperBox
    kind: str  # "standard" | "update"
    compressed: bool = False
    claim_label: str | None = None
    claim_bytes: bytes | None = None
    claim: dict[str, Any] | None = None
    signature_bytes: bytes | None = None
    assertion_store: jumbf.SuperBox | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def claim_version(self) -> int:
        return 2 if self.claim_label == labels.CLAIM_V2 else 1

    def hash_input(self) -> bytes:
        """What an ``activeManifest`` reference hashes: the uncompressed manifest box minus its
        header. c2pa-rs 0.91 rejects the spec's hash-the-compressed-box form (§11)."""
        return self.box.hash_input()

    def assertions(self) -> Iterator[Assertion]:
        if self.assertion_store is None:
            return
        for child in self.assertion_store.superboxes():
            if child.label is not None:
                yield Assertion(child.label, child)

    def assertion(self, label: str) -> Assertion | None:
        if self.assertion_store is None:
            return None
        box = self.assertion_store.find(label)
        return Assertion(label, box) if box is not None else None

    def claim_refs(self) -> tuple[list[HashedURI], list[HashedURI]]:
        """(created, gathered) assertion references; v1 claims list everything as created."""
        claim = self.claim or {}
        if self.claim_version == 1:
            return _refs(claim.get("assertions")), []
        return _refs(claim.get("created_assertions")), _refs(claim.get("gathered_assertions"))

    @property
    def generator(self) -> dict[str, Any]:
        """Claim generator as ``{"name", "version"?}``, from v2 map or v1 string/array."""
        claim = self.claim or {}
        info = claim.get("claim_generator_info")
        if isinstance(info, list) and info and isinstance(info[0], dict):
            info = info[0]
        if isinstance(info, dict) and isinstance(info.get("name"), str):
            out = {"name": info["name"]}
            if isinstance(info.get("version"), str):
                out["version"] = info["version"]
            return out
        if isinstance(claim.get("claim_generator"), str):
            return {"name": claim["claim_generator"]}
        return {}


@dataclass
class ManifestStore:
    manifests: list[Manifest]
    box: jumbf.SuperBox

    @property
    def active(self) -> Manifest | None:
        """The last manifest superbox is the active one (§15.5.1)."""
        return self.manifests[-1] if self.manifests else None

    def get(self, label: str) -> Manifest | None:
        for manifest in self.manifests:
            if manifest.label == label:
                return manifest
        return None

    def resolve(self, uri: str, current: Manifest) -> tuple[Manifest, jumbf.SuperBox] | None:
        """The manifest and superbox a JUMBF URI names, or None if it names nothing here."""
        path = labels.uri_path(uri, current.label)
        if path is None or len(path) < 2:
            return None
        manifest = self.get(path[1])
        if manifest is None:
            return None
        box: jumbf.SuperBox | None = manifest.box
        for part in path[2:]:
            box = box.find(part) if box is not None else None
        return (manifest, box) if box is not None else None


def parse_store(data: bytes) -> ManifestStore:
    """Parse a reassembled manifest-store superbox (§3)."""
    root = jumbf.parse_superbox(data)
    if root.fourcc != "c2pa":
        raise ManifestError("JUMBF box is not a C2PA manifest store")
    manifests: list[Manifest] = []
    for child in root.superboxes():
        if len(manifests) >= limits.MAX_MANIFESTS:
            raise LimitExceeded(f"more than {limits.MAX_MANIFESTS} manifests in the store")
        manifest = _parse_manifest(child)
        if manifest is not None:
            manifests.append(manifest)
    return ManifestStore(manifests, root)


def _parse_manifest(stored: jumbf.SuperBox) -> Manifest | None:
    fourcc = stored.fourcc
    label = stored.label or ""
    if fourcc == _COMPRESSED:
        box, problem = _decompress(stored)
        if box is None:
            manifest = Manifest(label, stored, stored, "standard", compressed=True)
            manifest.problems.append(("manifest.compressed.invalid", problem))
            return manifest
        kind = "update" if box.fourcc in _UPDATE else "standard"
        manifest = Manifest(label, box, stored, kind, compressed=True)
    elif fourcc in _STANDARD or fourcc in _UPDATE:
        manifest = Manifest(label, stored, stored, "update" if fourcc in _UPDATE else "standard")
    else:
        return None  # unknown superboxes in the store are ignored (§11.1.2)
    _fill_manifest(manifest)
    return manifest


def _decompress(stored: jumbf.SuperBox) -> tuple[jumbf.SuperBox | None, str]:
    brob = [b for b in stored.content_boxes() if b.box_type == b"brob"]
    if len(brob) != 1:
        return None, "compressed manifest without exactly one brob box"
    try:
        box = jumbf.parse_superbox(jumbf.brotli_decompress(brob[0].payload))
    except FormatError as exc:
        return None, f"compressed manifest does not decompress: {exc}"
    return box, ""


def _fill_manifest(manifest: Manifest) -> None:
    claims = [b for b in manifest.box.superboxes() if b.fourcc == "c2cl"]
    sigs = [b for b in manifest.box.superboxes() if b.fourcc == "c2cs"]
    stores = [b for b in manifest.box.superboxes() if b.fourcc == "c2as"]
    manifest.assertion_store = stores[0] if stores else None
    if not claims:
        manifest.problems.append(("claim.missing", "manifest has no claim"))
    elif len(claims) > 1:
        manifest.problems.append(("claim.multiple", "manifest has more than one claim"))
    else:
        _fill_claim(manifest, claims[0])
    if sigs:
        payloads = [b.payload for b in sigs[0].content_boxes() if b.box_type == b"cbor"]
        manifest.signature_bytes = payloads[0] if len(payloads) == 1 else None


def _fill_claim(manifest: Manifest, box: jumbf.SuperBox) -> None:
    manifest.claim_label = box.label
    payloads = [b.payload for b in box.content_boxes() if b.box_type == b"cbor"]
    if len(payloads) != 1:
        manifest.problems.append(("claim.cbor.invalid", "claim box must hold one CBOR box"))
        return
    manifest.claim_bytes = payloads[0]
    try:
        claim = _decode_cbor(payloads[0])
    except ManifestError as exc:
        manifest.problems.append(("claim.cbor.invalid", str(exc)))
        return
    if not isinstance(claim, dict):
        manifest.problems.append(("claim.malformed", "claim is not a CBOR map"))
        return
    manifest.claim = claim


def _refs(value: Any) -> list[HashedURI]:
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        ref = HashedURI.from_cbor(item)
        if ref is not None:
            out.append(ref)
    return out


def _single_payload(boxes: list[jumbf.ContentBox], box_type: bytes, label: str) -> bytes:
    payloads = [b.payload for b in boxes if b.box_type == box_type]
    if len(payloads) != 1:
        raise ManifestError(f"assertion {label} must hold exactly one {box_type.decode()} box")
    return payloads[0]


def _decode_cbor(data: bytes) -> Any:
    if len(data) > limits.MAX_CBOR_BYTES:
        raise LimitExceeded(f"CBOR item of {len(data)} bytes exceeds the limit")
    try:
        return cbor2.loads(data)
    except Exception as exc:  # cbor2 raises many types on hostile input
        raise ManifestError(f"invalid CBOR: {type(exc).__name__}") from exc
