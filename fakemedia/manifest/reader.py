"""Reading an asset's provenance: the verification report and the history built from it.

Both are plain data (``to_dict()`` gives the JSON the command line prints, described by
``schemas/report.schema.json``); :mod:`fakemedia.manifest.verdict` draws the verdict from a
report and :mod:`fakemedia.present` renders it for people.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fakemedia import limits
from fakemedia._record import Record
from fakemedia.cose import certfields, sign1
from fakemedia.formats import app11, xmp
from fakemedia.manifest import cawg, labels
from fakemedia.manifest.data_hash import EarlyDigest
from fakemedia.manifest.report import StatusList, ValidationResults
from fakemedia.manifest.store import HashedURI, Manifest, ManifestStore, parse_store
from fakemedia.manifest.validate import (
    SignatureOutcomes,
    SignerSummary,
    StoreResults,
    TrustSettings,
    validate_one,
    validate_store,
)

_CUSTOM = "org.fakemedia.annotation"
#: Claim thumbnails: ``c2pa.thumbnail.claim`` (claims v2) or ``….claim.jpeg`` and the like (v1).
_CLAIM_THUMBNAIL = "c2pa.thumbnail.claim"


class IngredientView(Record):
    __slots__ = ("label", "manifest", "relationship", "soft_bindings_matched", "title")
    label: str
    relationship: str | None
    title: str | None
    manifest: str | None
    #: The soft-binding algorithms that found this ingredient's manifest, when it was recovered
    #: for an asset without one of its own (C2PA 2.1 §18.15.14: ``softBindingsMatched``).
    soft_bindings_matched: tuple[str, ...]

    def __init__(self, label: str, relationship: str | None, title: str | None, manifest: str | None,
                 soft_bindings_matched: tuple[str, ...] = ()) -> None:
        self.label = label
        self.relationship = relationship
        self.title = title
        self.manifest = manifest
        self.soft_bindings_matched = soft_bindings_matched

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"assertion": self.label, "relationship": self.relationship,
                               "title": self.title, "manifest": self.manifest}
        if self.soft_bindings_matched:
            out["soft_bindings_matched"] = list(self.soft_bindings_matched)
        return out


class ManifestView(Record):
    """What a person wants to know about one manifest, plus its own validation."""

    __slots__ = ("algorithm", "annotation", "claim_version", "compressed", "generator", "identities",
                 "ingredients", "kind", "label", "redacted", "signer", "statuses", "thumbnail", "title")
    label: str
    kind: str
    compressed: bool
    claim_version: int
    title: str | None
    generator: dict[str, Any]
    signer: dict[str, Any] | None
    algorithm: str | None
    annotation: dict[str, Any]
    ingredients: list[IngredientView]
    statuses: StatusList
    #: Assertions of this manifest that a later manifest redacted (their content is gone).
    redacted: list[str]
    #: CAWG identity assertions of this manifest, validated (who vouches beside the signer).
    identities: list[cawg.VerifiedIdentity]
    #: Label of the claim thumbnail assertion (C2PA 2.1 §9.2), when the manifest binds one.
    thumbnail: str | None

    def __init__(self, label: str, kind: str, compressed: bool, claim_version: int, title: str | None,
                 generator: dict[str, Any], signer: dict[str, Any] | None, algorithm: str | None,
                 annotation: dict[str, Any], ingredients: list[IngredientView], statuses: StatusList,
                 redacted: list[str] | None = None, identities: list[cawg.VerifiedIdentity] | None = None,
                 thumbnail: str | None = None) -> None:
        self.label = label
        self.kind = kind
        self.compressed = compressed
        self.claim_version = claim_version
        self.title = title
        self.generator = generator
        self.signer = signer
        self.algorithm = algorithm
        self.annotation = annotation
        self.ingredients = ingredients
        self.statuses = statuses
        self.redacted = redacted if redacted is not None else []
        self.identities = identities if identities is not None else []
        self.thumbnail = thumbnail

    @property
    def state(self) -> str:
        return ValidationResults(self.statuses).state

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "kind": self.kind, "compressed": self.compressed,
            "claim_version": self.claim_version, "title": self.title,
            "generator": self.generator, "signer": self.signer, "algorithm": self.algorithm,
            "annotation": self.annotation,
            "ingredients": [i.to_dict() for i in self.ingredients],
            "state": self.state, "validation": self.statuses.to_dict(),
            "redacted": self.redacted,
            "identities": [i.to_dict() for i in self.identities],
            "thumbnail": self.thumbnail,
        }


#: What a freshly signed file must show for its own manifest, or it is never written.
SOUND_OUTPUT = ("claimSignature.validated", "assertion.dataHash.match")


class VerificationReport(Record):
    __slots__ = ("active_manifest", "manifest_found", "manifests", "remote_url", "results", "source", "state",
                 "time_requested", "validated_at")
    manifest_found: bool
    state: str | None
    active_manifest: str | None
    results: ValidationResults | None
    manifests: list[ManifestView]
    remote_url: str | None
    source: str | None
    #: The validation time the signers were judged at (unless a time-stamp moved it), and
    #: whether the caller asked for that time rather than taking the moment of validation.
    validated_at: datetime | None
    time_requested: bool

    def __init__(self, manifest_found: bool, state: str | None = None, active_manifest: str | None = None,
                 results: ValidationResults | None = None, manifests: list[ManifestView] | None = None,
                 remote_url: str | None = None, source: str | None = None,
                 validated_at: datetime | None = None, time_requested: bool = False) -> None:
        self.manifest_found = manifest_found
        self.state = state
        self.active_manifest = active_manifest
        self.results = results
        self.manifests = manifests if manifests is not None else []
        self.remote_url = remote_url
        self.source = source
        self.validated_at = validated_at
        self.time_requested = time_requested

    def failures(self) -> list[str]:
        if self.results is None:
            return ["manifest.inaccessible"] if self.remote_url else []
        return self.results.failures()

    def unsound_output(self) -> list[str]:
        """What a freshly signed file lacks for its own manifest (a validated claim signature
        over a matching hard binding); empty when it may be written."""
        statuses = self.results.active_manifest if self.results is not None else None
        return [code for code in SOUND_OUTPUT if statuses is None or not statuses.has(code)]

    def manifest(self, label: str | None) -> ManifestView | None:
        return next((m for m in self.manifests if m.label == label), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "manifest_found": self.manifest_found, "state": self.state,
            "active_manifest": self.active_manifest, "remote_manifest": self.remote_url,
            "failures": self.failures(),
            "validation_results": self.results.to_dict() if self.results else None,
            "manifests": [m.to_dict() for m in self.manifests],
        }

    def history(self) -> dict[str, Any]:
        """The provenance tree from the active manifest down its ingredients, and the chain of
        parentOf links oldest first (what most users read as "the history").

        The tree is built without recursion and stops ``limits.MAX_HISTORY_TREE_DEPTH`` levels
        down (deeper nodes read ``"truncated": true``); the chain is flat and complete.
        """
        seen: set[str] = set()
        views = {m.label: m for m in self.manifests}

        def node(label: str, depth: int) -> dict[str, Any]:
            view = views.get(label)
            if view is None or label in seen:
                return {"label": label, "missing": view is None, "ingredients": []}
            if depth >= limits.MAX_HISTORY_TREE_DEPTH:
                return {"label": label, "missing": False, "truncated": True, "ingredients": []}
            seen.add(label)
            out = view.to_dict()
            out["ingredients"] = [{**i.to_dict(), "node": None} for i in view.ingredients]
            pending.extend((entry, i.manifest, depth + 1) for entry, i in
                           zip(out["ingredients"], view.ingredients, strict=True) if i.manifest)
            return out

        pending: deque[tuple[dict[str, Any], str, int]] = deque()
        tree = node(self.active_manifest, 0) if self.active_manifest else None
        while pending:  # breadth first, so the "seen" rule keeps the shallowest occurrence
            entry, child, level = pending.popleft()
            entry["node"] = node(child, level)

        chain: list[dict[str, Any]] = []
        visited: set[str] = set()
        label = self.active_manifest
        while label and label not in visited:  # a self-referencing ingredient ends the walk
            view = views.get(label)
            if view is None:
                break
            visited.add(label)
            chain.append(_chain_entry(view))
            parent = next((i for i in view.ingredients if i.relationship == "parentOf"), None)
            label = parent.manifest if parent else None
        chain.reverse()
        probabilities = [c["probability"] for c in chain]
        return {
            "source": self.source, "manifest_found": self.manifest_found, "state": self.state,
            "active_manifest": self.active_manifest, "remote_manifest": self.remote_url,
            "chain": chain,
            "probability_trend": probabilities,
            "tree": tree,
        }


def _chain_entry(view: ManifestView) -> dict[str, Any]:
    ann = view.annotation
    prob = ann.get("probability")
    return {
        "label": view.label, "state": view.state, "title": view.title,
        "signer": (view.signer or {}).get("organization") or (view.signer or {}).get("common_name"),
        "generator": view.generator, "when": ann.get("when"),
        "modification_types": ann.get("modification_types", []),
        "actions": ann.get("actions", []), "purpose": ann.get("purpose"),
        "probability": prob.get("value") if isinstance(prob, dict) else None,
        "regions": len(ann.get("regions") or []),
        "ingredients": len(view.ingredients),
        "redacted": view.redacted,
        "identities": [i.to_dict() for i in view.identities],
        "thumbnail": view.thumbnail,
    }


def read_report(data: bytes, trust: TrustSettings | None = None, source: str | None = None,
                decrypt_keys: Sequence[Any] = (), *, location: app11.StoreLocation | None = None,
                store: ManifestStore | None = None, results: StoreResults | None = None,
                time_requested: bool = False,
                signatures: SignatureOutcomes | None = None,
                early: EarlyDigest | None = None) -> VerificationReport:
    """Locate, parse and validate the manifest store of a JPEG.

    A caller that has already found the store (``location``), parsed it (``store``), validated
    it (``results``, with the same ``trust``), checked some of its signatures (``signatures``)
    or begun hashing it (``early``) hands them in: nothing is done twice.
    """
    trust = trust or TrustSettings()
    location = location or (None if store is not None else app11.find_c2pa_store(data))
    if location is None and store is None:  # a store handed in without location: a sidecar's
        remote = xmp.provenance_url(data)
        return VerificationReport(False, remote_url=remote, source=source,
                                  state="Invalid" if remote else None)
    if store is None:
        assert location is not None
        store = parse_store(location.jumbf)
    results = results or validate_store(store, data, location, trust, signatures=signatures,
                                        early=early)
    views = [_view(store, m, trust, results, decrypt_keys) for m in store.manifests]
    active = store.active
    if views and active is not None:
        # The active manifest's own view includes what only it is checked for: the binding
        # to the image bytes.
        views[-1].statuses = results.active_manifest
    return VerificationReport(True, results.state, active.label if active else None, results,
                              views, source=source, validated_at=trust.now,
                              time_requested=time_requested)


def _view(store: ManifestStore, m: Manifest, trust: TrustSettings, results: StoreResults,
          decrypt_keys: Sequence[Any] = ()) -> ManifestView:
    """What the manifest says, read only through the hashed URIs its claim lists (never a box
    found by label alone), skipping what a later claim redacted."""
    signer, algorithm = _signer(m, results.signers.get(m.label))
    actions = custom = thumbnail = None
    ingredients = []
    redacted = store.redacted_uris()
    for _ref, assertion, _created in store.bound_assertions(m):
        if labels.absolute_uri(m.label, labels.ASSERTIONS, assertion.label) in redacted:
            continue
        base = labels.base_label(assertion.label)
        if base in (labels.ACTIONS_V2, labels.ACTIONS_V1) and actions is None:
            actions = assertion.try_content()
        elif base == _CUSTOM and custom is None:
            custom = assertion.try_content()
        elif base in labels.INGREDIENT_LABELS:
            ingredients.append(_ingredient(store, m, assertion.label, assertion.try_content()))
        elif base.startswith(_CLAIM_THUMBNAIL) and thumbnail is None:
            thumbnail = assertion.label
    statuses = results.manifest_statuses.get(m.label)
    # Identities checked in this run are shown as found; a manifest the run did not reach
    # is validated on its own, here.
    recorded = results.identities.get(m.label, []) if statuses is not None else None
    return ManifestView(
        label=m.label, kind=m.kind, compressed=m.compressed, claim_version=m.claim_version,
        title=_text((m.claim or {}).get("dc:title")), generator=m.generator, signer=signer,
        algorithm=algorithm,
        annotation=_annotation(actions if isinstance(actions, dict) else None,
                               custom if isinstance(custom, dict) else None, decrypt_keys),
        ingredients=ingredients,
        statuses=statuses if statuses is not None else validate_one(store, m, trust),
        redacted=store.redacted_in(m.label), identities=cawg.identities_of(m, trust, recorded),
        thumbnail=thumbnail)


def _annotation(actions: dict[str, Any] | None, custom: dict[str, Any] | None,
                keys: Sequence[Any]) -> dict[str, Any]:
    """The annotation summary; restricted fields decrypted when a key fits, else described."""
    from fakemedia.annotation import c2pa as annotation_c2pa  # the model only when summarising

    sealed = custom.get("restricted") if custom else None
    if sealed is None:
        return annotation_c2pa.summarize(actions, custom)
    from fakemedia.manifest import restricted  # the encryption stack only when something is sealed

    info: dict[str, Any] = {**restricted.describe(sealed), "decrypted": False}
    values, why = restricted.open_restricted(sealed, keys) if keys else (None, "")
    if values is not None:
        custom = {**(custom or {}), **values}
        info["decrypted"] = True
    elif why:
        info["error"] = why
    summary = annotation_c2pa.summarize(actions, custom)
    summary["restricted"] = info
    return summary


def _ingredient(store: ManifestStore, m: Manifest, label: str, content: Any) -> IngredientView:
    if not isinstance(content, dict):
        return IngredientView(label, None, None, None)
    value = content.get("activeManifest")
    ref = HashedURI.from_cbor(value if value is not None else content.get("c2pa_manifest"))
    target = store.resolve(ref.url, m) if ref else None
    matched: tuple[str, ...] = ()
    if content.get("softBindingsMatched") is True:
        algs = content.get("softBindingAlgorithmsMatched")
        matched = tuple(a for a in algs if isinstance(a, str)) if isinstance(algs, list) else ()
        matched = matched or ("unspecified",)
    return IngredientView(label, _text(content.get("relationship")), _text(content.get("dc:title")),
                          target[0].label if target else None, matched)


def _signer(m: Manifest, read: SignerSummary | None = None) -> tuple[dict[str, Any] | None, str | None]:
    """Who signed and with what; ``read``: what the validation found (see StoreResults)."""
    if m.signature_bytes is None:
        return None, None
    if read is not None:
        return read
    try:
        cose = sign1.decode_sign1(m.signature_bytes)
        alg = cose.algorithm.label if cose.algorithm else None
        chain = cose.x5chain
        return (certfields.describe(chain[0]) if chain else None), alg
    except Exception:  # a damaged certificate raises several cryptography types; it is shown as unknown
        return None, None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
