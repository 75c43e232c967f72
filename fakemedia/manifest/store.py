"""The manifest store: manifests, claims and assertions as found in the JUMBF (C2PA 2.2 §11.1, §11.2).

Parsing here is structural and tolerant: a manifest with a missing claim or an undecodable
assertion is still listed, with the problem recorded, so that validation can report the proper
C2PA status code instead of the whole read failing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import cbor2

from fakemedia import limits
from fakemedia._record import Frozen, Record
from fakemedia.cose._cbor import loads_exact
from fakemedia.errors import FormatError, LimitExceeded, ManifestError
from fakemedia.formats import jumbf
from fakemedia.manifest import labels

# Manifest kinds by the 4CC of their superbox UUID (§11.1).
_STANDARD = {"c2ma", "c2md"}
_UPDATE = {"c2um"}
_COMPRESSED = "c2cm"
#: The boxes a manifest may hold, by JUMBF type and exact label (§11.1.2); anything else, or a
#: second box of a kind, makes the manifest invalid (c2pa-rs refuses it as claim.multiple).
_PART_LABELS = {"c2as": (labels.ASSERTIONS,), "c2cl": (labels.CLAIM_V2, labels.CLAIM_V1),
                "c2cs": (labels.SIGNATURE,), "c2vc": (labels.CREDENTIALS,),
                "c2db": (labels.DATABOXES,)}
#: jumd toggles every C2PA superbox carries: requestable and labelled (§2.2).
_REQUIRED_TOGGLES = jumbf.REQUESTABLE | jumbf.HAS_LABEL


class HashedURI(Frozen):
    """A ``hashed-uri-map`` (§8.4.2): a JUMBF URI, its expected hash, an optional algorithm."""

    __slots__ = ("alg", "hash", "url")
    url: str
    hash: bytes
    alg: str | None

    def __init__(self, url: str, hash: bytes, alg: str | None = None) -> None:
        self._init(url=url, hash=hash, alg=alg)

    @classmethod
    def from_cbor(cls, value: Any) -> HashedURI | None:
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            return None
        digest = value.get("hash")
        # 2022-era files hold hashes as arrays of small integers.
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


class Assertion(Record):
    """One assertion superbox of an assertion store."""

    __slots__ = ("box", "label")
    label: str
    box: jumbf.SuperBox

    def __init__(self, label: str, box: jumbf.SuperBox) -> None:
        self.label = label
        self.box = box

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
            if len(payload) > limits.MAX_CBOR_BYTES:
                raise LimitExceeded(f"JSON assertion of {len(payload)} bytes exceeds the limit")
            if json_depth(payload) > limits.MAX_NESTING:
                raise ManifestError(f"assertion {self.label} nests deeper than {limits.MAX_NESTING}")
            try:
                return json.loads(payload.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise ManifestError(f"assertion {self.label} holds invalid JSON") from exc
        return None

    def try_content(self) -> Any:
        try:
            return self.content()
        except ManifestError:
            return None


class Manifest(Record):
    """One manifest of the store, decompressed when it was stored compressed (§11.1.3.2)."""

    __slots__ = ("_by_label", "assertion_store", "box", "claim", "claim_box", "claim_bytes", "claim_label",
                 "compressed", "kind", "label", "problems", "signature_box", "signature_bytes", "stored")
    label: str
    box: jumbf.SuperBox
    stored: jumbf.SuperBox
    kind: str
    compressed: bool
    claim_label: str | None
    claim_bytes: bytes | None
    claim: dict[str, Any] | None
    signature_bytes: bytes | None
    assertion_store: jumbf.SuperBox | None
    claim_box: jumbf.SuperBox | None
    signature_box: jumbf.SuperBox | None
    problems: list[tuple[str, str]]
    #: Assertion boxes of the assertion store by label; a label held twice is ambiguous.
    _by_label: dict[str, list[jumbf.SuperBox]]

    def __init__(self, label: str, box: jumbf.SuperBox, stored: jumbf.SuperBox, kind: str,
                 compressed: bool = False, claim_label: str | None = None, claim_bytes: bytes | None = None,
                 claim: dict[str, Any] | None = None, signature_bytes: bytes | None = None,
                 assertion_store: jumbf.SuperBox | None = None, claim_box: jumbf.SuperBox | None = None,
                 signature_box: jumbf.SuperBox | None = None, problems: list[tuple[str, str]] | None = None,
                 _by_label: dict[str, list[jumbf.SuperBox]] | None = None) -> None:
        self.label = label
        self.box = box
        self.stored = stored
        self.kind = kind
        self.compressed = compressed
        self.claim_label = claim_label
        self.claim_bytes = claim_bytes
        self.claim = claim
        self.signature_bytes = signature_bytes
        self.assertion_store = assertion_store
        self.claim_box = claim_box
        self.signature_box = signature_box
        self.problems = problems if problems is not None else []
        self._by_label = _by_label if _by_label is not None else {}

    @property
    def claim_version(self) -> int:
        return 2 if self.claim_label == labels.CLAIM_V2 else 1

    def hash_input(self) -> bytes:
        """What an ``activeManifest`` reference hashes: the uncompressed manifest box minus its
        header. c2pa-rs 0.91 rejects the spec's hash-the-compressed-box form (§11.1.3.2)."""
        return self.box.hash_input()

    def assertions(self) -> Iterator[Assertion]:
        """Every box of the assertion store, bound or not: for validation, never for display."""
        if self.assertion_store is None:
            return
        for child in self.assertion_store.superboxes():
            if child.label is not None:
                yield Assertion(child.label, child)

    def assertion(self, label: str) -> Assertion | None:
        """The one assertion box with this label; None when absent, held twice, or not a
        well-formed C2PA superbox."""
        boxes = self._by_label.get(label, [])
        if len(boxes) != 1 or not _well_formed(boxes[0]):
            return None
        return Assertion(label, boxes[0])

    def duplicate_labels(self) -> list[str]:
        return sorted(label for label, boxes in self._by_label.items() if len(boxes) > 1)

    def claim_refs(self) -> tuple[list[HashedURI], list[HashedURI]]:
        """(created, gathered) assertion references; v1 claims list everything as created."""
        claim = self.claim or {}
        if self.claim_version == 1:
            return _refs(claim.get("assertions")), []
        return _refs(claim.get("created_assertions")), _refs(claim.get("gathered_assertions"))

    def own_assertion_label(self, uri: str) -> str | None:
        """The assertion label a claim reference names inside this manifest's assertion store,
        or None when it names anything else."""
        path = labels.uri_path(uri, self.label)
        if path is None or len(path) != 4 or path[1] != self.label or path[2] != labels.ASSERTIONS:
            return None
        return path[3]

    def redactions(self) -> list[str]:
        """The claim's ``redacted_assertions`` URIs (entries that are not text are dropped
        here; validation reports them as claim.malformed)."""
        value = (self.claim or {}).get("redacted_assertions")
        return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []

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


class ManifestStore(Record):
    __slots__ = ("_by_label", "_redacted", "_redacted_by_manifest", "box", "manifests")
    manifests: list[Manifest]
    box: jumbf.SuperBox
    _by_label: dict[str, list[Manifest]]
    _redacted: frozenset[str] | None
    _redacted_by_manifest: dict[str, list[str]] | None

    def __init__(self, manifests: list[Manifest], box: jumbf.SuperBox,
                 _by_label: dict[str, list[Manifest]] | None = None, _redacted: frozenset[str] | None = None,
                 _redacted_by_manifest: dict[str, list[str]] | None = None) -> None:
        self.manifests = manifests
        self.box = box
        self._by_label = _by_label if _by_label is not None else {}
        self._redacted = _redacted
        self._redacted_by_manifest = _redacted_by_manifest
        self._index()

    def _index(self) -> None:
        for m in self.manifests:
            self._by_label.setdefault(m.label, []).append(m)

    @property
    def active(self) -> Manifest | None:
        """The last manifest superbox is the active one (§15.5.1)."""
        return self.manifests[-1] if self.manifests else None

    def get(self, label: str) -> Manifest | None:
        """The one manifest with this label (None when absent or when two share it)."""
        found = self._by_label.get(label, [])
        return found[0] if len(found) == 1 else None

    def duplicate_labels(self) -> list[str]:
        return sorted(label for label, ms in self._by_label.items() if len(ms) > 1)

    def resolve(self, uri: str, current: Manifest) -> tuple[Manifest, jumbf.SuperBox] | None:
        """The manifest and superbox a JUMBF URI names, or None if it names nothing here.

        Each step goes by label *and* JUMBF type: a manifest part resolves only to the one box of
        its kind, an assertion only to the one box with its label in the assertion store
        (§11.1.2, §8.4); a box that merely carries the right label is never followed.
        """
        path = labels.uri_path(uri, current.label)
        if path is None or len(path) < 2:
            return None
        manifest = self.get(path[1])
        if manifest is None:
            return None
        if len(path) == 2:
            return manifest, manifest.box
        part = _manifest_part(manifest, path[2])
        if part is None:
            return None
        if len(path) == 3:
            return manifest, part
        box: jumbf.SuperBox | None
        if part is manifest.assertion_store:
            assertion = manifest.assertion(path[3])
            box = assertion.box if assertion is not None else None
        else:
            box = _unique_child(part, path[3])
        for label in path[4:]:
            box = _unique_child(box, label) if box is not None else None
        return (manifest, box) if box is not None else None

    def redacted_uris(self) -> frozenset[str]:
        """Absolute URIs of every assertion some claim in the store redacted; computed once."""
        if self._redacted is None:
            out: set[str] = set()
            for m in self.manifests:
                for uri in m.redactions():
                    out.add(labels.absolute_ref(uri, m.label))
            self._redacted = frozenset(out)
        return self._redacted

    def redacted_in(self, manifest_label: str) -> list[str]:
        """Labels of ``manifest_label``'s assertions that some claim redacted, sorted."""
        if self._redacted_by_manifest is None:
            by_manifest: dict[str, list[str]] = {}
            for uri in self.redacted_uris():
                path = labels.uri_path(uri, "")
                if path and len(path) == 4 and path[2] == labels.ASSERTIONS:
                    by_manifest.setdefault(path[1], []).append(path[3])
            self._redacted_by_manifest = {k: sorted(v) for k, v in by_manifest.items()}
        return list(self._redacted_by_manifest.get(manifest_label, []))

    def bound_assertions(self, m: Manifest) -> list[tuple[HashedURI, Assertion, bool]]:
        """(reference, assertion, created) for every claim reference that names one box of
        ``m``'s own assertion store: the only assertions a report may show (§15.7)."""
        created, gathered = m.claim_refs()
        out = []
        for ref, is_created in [(r, True) for r in created] + [(r, False) for r in gathered]:
            target = self.resolve(ref.url, m)
            if target is None or target[0] is not m:
                continue
            label = m.own_assertion_label(labels.absolute_ref(ref.url, m.label))
            assertion = m.assertion(label) if label is not None else None
            if assertion is not None and assertion.box is target[1]:
                out.append((ref, assertion, is_created))
        return out


def _manifest_part(m: Manifest, label: str) -> jumbf.SuperBox | None:
    if label == labels.ASSERTIONS:
        return m.assertion_store
    if label == labels.SIGNATURE:
        return m.signature_box
    if label == m.claim_label:
        return m.claim_box
    if label in (labels.CREDENTIALS, labels.DATABOXES):
        return _unique_child(m.box, label)
    return None


def _unique_child(box: jumbf.SuperBox, label: str) -> jumbf.SuperBox | None:
    found = [c for c in box.superboxes() if c.label == label]
    return found[0] if len(found) == 1 and _well_formed(found[0]) else None


def _well_formed(box: jumbf.SuperBox) -> bool:
    return box.description.toggles & _REQUIRED_TOGGLES == _REQUIRED_TOGGLES


def parse_store(data: bytes) -> ManifestStore:
    """Parse a reassembled manifest-store superbox (§11.1)."""
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
    store = ManifestStore(manifests, root)
    for label in store.duplicate_labels():
        for m in store.manifests:
            if m.label == label:
                m.problems.append(("claim.multiple", "two manifests share one label"))
    return store


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
    parts: dict[str, list[jumbf.SuperBox]] = {}
    for child in manifest.box.superboxes():
        fourcc = child.fourcc or ""
        if child.label not in _PART_LABELS.get(fourcc, ()) or not _well_formed(child):
            manifest.problems.append(
                ("claim.multiple", f"unrecognized box {child.label!r} in the manifest"))
            continue
        parts.setdefault(fourcc, []).append(child)
    for boxes in parts.values():
        if len(boxes) > 1:
            manifest.problems.append(
                ("claim.multiple", f"manifest holds {len(boxes)} {boxes[0].label} boxes"))
    claims = parts.get("c2cl", [])
    sigs = parts.get("c2cs", [])
    stores = parts.get("c2as", [])
    if len(stores) == 1:
        manifest.assertion_store = stores[0]
        for child in stores[0].superboxes():
            manifest._by_label.setdefault(child.label or "", []).append(child)
    if not claims:
        manifest.problems.append(("claim.missing", "manifest has no claim"))
    elif len(claims) == 1:
        manifest.claim_box = claims[0]
        _fill_claim(manifest, claims[0])
    if len(sigs) == 1:
        manifest.signature_box = sigs[0]
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
    """One CBOR item, as C2PA allows it: no trailing bytes, no duplicate keys, bounded nesting,
    and none of the simple values (other than false/true/null) that no C2PA structure uses."""
    if len(data) > limits.MAX_CBOR_BYTES:
        raise LimitExceeded(f"CBOR item of {len(data)} bytes exceeds the limit")
    try:
        value = loads_exact(data, max_depth=limits.MAX_NESTING)
    except ValueError as exc:
        raise ManifestError(f"CBOR {exc}") from None
    _check_simple_values(value)
    return value


#: Types that hold nothing further and are no simple value: skipped at once.
_LEAVES = frozenset({str, bytes, int, float, bool, type(None)})


def _check_simple_values(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) in _LEAVES:
            continue
        if isinstance(item, cbor2.CBORSimpleValue) or item is cbor2.undefined:
            raise ManifestError("CBOR holds a simple value C2PA does not use")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, cbor2.CBORTag):
            stack.append(item.value)


def json_depth(payload: bytes) -> int:
    """Deepest array/object nesting of a JSON text, found without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in payload:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
