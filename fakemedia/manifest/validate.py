"""Manifest validation as numbered steps, each emitting C2PA status codes (c2pa-digest §9, §13).

1. structure   — problems found while parsing (claim missing, undecodable, compressed box bad)
2. claim       — required fields and hash algorithm
3. signature   — COSE_Sign1 over the stored claim bytes; certificate profile, validity, trust
4. assertions  — every hashed URI resolves and matches; nothing undeclared; contents decode
5. binding     — the hard binding (``c2pa.hash.data``) against the asset, active manifest only
6. actions     — the v2 rules on the first action
7. ingredients — each ingredient's manifest is present, matches its hash, and is validated in
                 turn (recursively, bounded), reported as ingredient deltas

No step raises on hostile content: every problem becomes a status code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cryptography import x509

from fakemedia import limits
from fakemedia.cose import certs, sign1
from fakemedia.errors import FakemediaError
from fakemedia.formats.app11 import StoreLocation
from fakemedia.manifest import cawg, labels
from fakemedia.manifest.report import LEGACY_INGREDIENT_HASH, IngredientDelta, StatusList, ValidationResults
from fakemedia.manifest.store import Assertion, HashedURI, Manifest, ManifestStore

HASH_ALGS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_V2_CLAIM_KEYS = {"instanceID", "claim_generator_info", "signature", "created_assertions",
                  "gathered_assertions", "dc:title", "redacted_assertions", "alg", "alg_soft",
                  "metadata"}


@dataclass
class TrustSettings:
    """What the signer is judged against: trust anchors and the time of validation."""

    anchors: Sequence[x509.Certificate] = ()
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass
class _Context:
    store: ManifestStore
    asset: bytes | None
    location: StoreLocation | None
    trust: TrustSettings
    redacted: set[str] = field(default_factory=set)


def validate_store(store: ManifestStore, asset: bytes | None, location: StoreLocation | None,
                   trust: TrustSettings | None = None) -> ValidationResults:
    """Validate the active manifest, its binding to ``asset`` and its ingredients."""
    ctx = _Context(store, asset, location, trust or TrustSettings())
    results = ValidationResults()
    active = store.active
    if active is None:
        results.active_manifest.add("claim.missing", None, "the store holds no manifest")
        return results
    ctx.redacted = redacted_uris(store)
    _validate_manifest(ctx, active, results.active_manifest, results, binding=True,
                       seen={active.label}, depth=0)
    if active.kind == "update":
        _check_update_binding(ctx, active, results.active_manifest)
    return results


def _check_update_binding(ctx: _Context, update: Manifest, out: StatusList) -> None:
    """An update manifest leaves the content alone: the nearest standard manifest up the
    parentOf chain binds it, its exclusion widened to the store as it is now (§12.2)."""
    if ctx.asset is None or ctx.location is None:
        return
    current, hops = update, 0
    while current.kind == "update" and hops < limits.MAX_INGREDIENT_DEPTH:
        parent = _parent_manifest(ctx.store, current)
        if parent is None:
            out.add("manifest.update.wrongParents", labels.absolute_uri(update.label),
                    "update manifest has no parent manifest in the store")
            return
        current, hops = parent, hops + 1
    refs = current.claim_refs()[0] + (current.claim_refs()[1] if current.claim_version == 1 else [])
    for ref in refs:
        target = ctx.store.resolve(ref.url, current)
        if target and labels.base_label(target[1].label or "") == labels.HASH_DATA:
            content = Assertion(target[1].label or "", target[1]).try_content()
            alg = str((current.claim or {}).get("alg", "sha256"))
            code, why = check_data_hash(content, ctx.asset, alg,
                                        widen=(ctx.location.offset, ctx.location.length))
            out.add(code, labels.absolute_uri(current.label, labels.ASSERTIONS, target[1].label or ""),
                    why)
            return


def _parent_manifest(store: ManifestStore, m: Manifest) -> Manifest | None:
    for assertion in m.assertions():
        if labels.base_label(assertion.label) not in labels.INGREDIENT_LABELS:
            continue
        content = assertion.try_content()
        if not isinstance(content, dict) or content.get("relationship") != "parentOf":
            continue
        ref = HashedURI.from_cbor(content.get("activeManifest") or content.get("c2pa_manifest"))
        target = store.resolve(ref.url, m) if ref else None
        if target is not None:
            return target[0]
    return None


def validate_one(store: ManifestStore, manifest: Manifest,
                 trust: TrustSettings | None = None) -> StatusList:
    """Validate one manifest on its own (no binding, no ingredients): for per-link history."""
    ctx = _Context(store, None, None, trust or TrustSettings(), redacted_uris(store))
    statuses = StatusList()
    _validate_manifest(ctx, manifest, statuses, None, binding=False, seen={manifest.label},
                       depth=limits.MAX_INGREDIENT_DEPTH)
    return statuses


def _validate_manifest(ctx: _Context, m: Manifest, out: StatusList,
                       results: ValidationResults | None, *, binding: bool, seen: set[str],
                       depth: int) -> None:
    sig_url = labels.absolute_uri(m.label, labels.SIGNATURE)
    # Step 1: structure.
    if labels.is_prerelease_label(m.label):
        out.add("com.adobe.prerelease", labels.absolute_uri(m.label), "pre-1.0 manifest")
        return
    for code, why in m.problems:
        out.add(code, labels.absolute_uri(m.label), why)
    if m.claim is None or m.claim_bytes is None:
        return
    # Step 2: claim.
    alg = _claim_alg(ctx, m, out)
    if alg is None:
        return
    # Step 3: signature and credential.
    _check_signature(ctx, m, out, sig_url)
    # Step 4: assertions.
    refs = _check_assertions(ctx, m, out, alg)
    _check_identities(ctx, m, out, refs)
    # Step 5: hard binding.
    _check_binding(ctx, m, out, refs, alg, binding)
    # Step 6: actions.
    if m.claim_version == 2:
        _check_actions(m, out, refs)
    # Step 7: ingredients.
    if results is not None and depth < limits.MAX_INGREDIENT_DEPTH:
        _check_ingredients(ctx, m, out, results, refs, alg, seen, depth)


# Step 2 ------------------------------------------------------------------------------------

def _claim_alg(ctx: _Context, m: Manifest, out: StatusList) -> str | None:
    claim = m.claim or {}
    url = labels.absolute_uri(m.label, m.claim_label or labels.CLAIM_V2)
    if m.claim_version == 2:
        info = claim.get("claim_generator_info")
        if (not isinstance(claim.get("created_assertions"), list)
                or not isinstance(info, dict) or not info.get("name")
                or not isinstance(claim.get("signature"), str)):
            out.add("claim.malformed", url, "claim v2 lacks a required field")
            return None
    elif not isinstance(claim.get("assertions"), list):
        out.add("claim.malformed", url, "claim v1 lacks its assertion list")
        return None
    own = labels.absolute_uri(m.label) + "/"
    for uri in claim.get("redacted_assertions") or []:
        if isinstance(uri, str) and _absolute(uri, m).startswith(own):
            out.add("assertion.selfRedacted", _absolute(uri, m), "a claim may not redact its own assertions")
    alg = claim.get("alg", "sha256" if m.claim_version == 1 else None)
    if alg not in HASH_ALGS:
        out.add("algorithm.unsupported", url, f"claim hash algorithm {alg!r} is not supported")
        return None
    return str(alg)


# Step 3 ------------------------------------------------------------------------------------

def _check_signature(ctx: _Context, m: Manifest, out: StatusList, url: str) -> None:
    claim = m.claim or {}
    target = ctx.store.resolve(str(claim.get("signature", "")), m)
    if m.signature_bytes is None or target is None or target[0] is not m:
        out.add("claimSignature.missing", url, "claim signature box missing or misreferenced")
        return
    try:
        cose = sign1.decode_sign1(m.signature_bytes)
    except FakemediaError as exc:
        out.add("claimSignature.mismatch", url, f"signature is not a valid COSE_Sign1: {exc}")
        return
    if cose.algorithm is None:
        out.add("algorithm.unsupported", url, "signature algorithm missing or unsupported")
        return
    try:
        chain = [x509.load_der_x509_certificate(der) for der in cose.x5chain]
        leaf = chain[0]
        leaf.public_key()
        problems = certs.profile_problems(leaf)
    except Exception:  # cryptography raises several types on a damaged certificate
        out.add("signingCredential.invalid", url, "no usable signing certificate (x5chain)")
        out.add("claimSignature.mismatch", url, "signature cannot be checked without a certificate")
        return
    if problems:
        out.add("signingCredential.invalid", url, "; ".join(problems))
    # Trust is judged even when the signature fails, as c2pa-rs reports both (E-sig-CA.jpg).
    if certs.chain_to_anchor(chain, ctx.trust.anchors):
        out.add("signingCredential.trusted", url, "signing certificate chains to a trust anchor")
    else:
        out.add("signingCredential.untrusted", url, "signing certificate is not from a trust anchor")
    try:
        sign1.verify_sign1(cose, m.claim_bytes or b"")
    except sign1.UnsupportedAlgorithm:
        out.add("algorithm.unsupported", url, "signature algorithm not supported")
        return
    except FakemediaError:
        out.add("claimSignature.mismatch", url, "claim signature does not verify")
        return
    out.add("claimSignature.validated", url, "claim signature valid")
    if certs.is_valid_at(leaf, ctx.trust.now):
        out.add("claimSignature.insideValidity", url, "signing certificate valid at validation time")
    else:
        out.add("signingCredential.expired", url,
                "signing certificate not valid at validation time (no trusted timestamp)")


# Step 4 ------------------------------------------------------------------------------------

def _check_assertions(ctx: _Context, m: Manifest, out: StatusList,
                      alg: str) -> dict[str, tuple[HashedURI, Assertion, bool]]:
    """Check every hashed URI; returns label → (ref, assertion, created) for later steps."""
    created, gathered = m.claim_refs()
    found: dict[str, tuple[HashedURI, Assertion, bool]] = {}
    for ref, is_created in [(r, True) for r in created] + [(r, False) for r in gathered]:
        target = ctx.store.resolve(ref.url, m)
        abs_url = _absolute(ref.url, m)
        if abs_url in ctx.redacted and target is None:
            continue  # removed by a later manifest's redaction
        if target is None:
            out.add("assertion.missing", abs_url, f"assertion not found: {ref.url}")
            continue
        owner, box = target
        if owner is not m:
            out.add("assertion.outsideManifest", abs_url, "assertion belongs to another manifest")
            continue
        assertion = Assertion(box.label or "", box)
        if abs_url in ctx.redacted:
            found[assertion.label] = (ref, assertion, is_created)
            continue
        if not _hash_matches(ref, box.hash_input(), alg):
            out.add("assertion.hashedURI.mismatch", abs_url, f"hash mismatch for {ref.url}")
            # Still followed for its ingredients, as c2pa-rs does: a tampered ingredient
            # assertion must not hide a missing ingredient manifest.
            if labels.base_label(assertion.label) in labels.INGREDIENT_LABELS:
                found[assertion.label] = (ref, assertion, is_created)
            continue
        out.add("assertion.hashedURI.match", abs_url, f"hashed uri matched: {ref.url}")
        if assertion.kind in ("cbor", "json") and assertion.try_content() is None:
            out.add(f"assertion.{assertion.kind}.invalid", abs_url, "assertion does not decode")
            continue
        found[assertion.label] = (ref, assertion, is_created)
    declared = {labels.absolute_uri(m.label, labels.ASSERTIONS, a.label) for a in m.assertions()}
    referenced = {_absolute(r.url, m) for r in created + gathered}
    for url in sorted(declared - referenced - ctx.redacted):
        out.add("assertion.undeclared", url, "assertion not listed in the claim")
    return found


def _hash_matches(ref: HashedURI, data: bytes, default_alg: str) -> bool:
    fn = HASH_ALGS.get(ref.alg or default_alg)
    return fn is not None and fn(data).digest() == ref.hash


def _absolute(uri: str, m: Manifest) -> str:
    path = labels.uri_path(uri, m.label)
    return labels.absolute_uri(*path[1:]) if path and len(path) > 1 else uri


def redacted_uris(store: ManifestStore) -> set[str]:
    """Absolute URIs of every assertion some claim in the store redacted."""
    out: set[str] = set()
    for m in store.manifests:
        for uri in (m.claim or {}).get("redacted_assertions") or []:
            if isinstance(uri, str):
                out.add(_absolute(uri, m))
    return out


def _check_identities(ctx: _Context, m: Manifest, out: StatusList,
                      refs: dict[str, tuple[HashedURI, Assertion, bool]]) -> None:
    """CAWG identity assertions among the claim's verified assertions (CAWG identity 1.1;
    digest §8.7), each checked by :mod:`fakemedia.manifest.cawg`."""
    claim_refs = [ref for part in m.claim_refs() for ref in part]
    for label, (_, assertion, _c) in refs.items():
        if cawg.is_identity_label(label):
            for code, url, why in cawg.validate_identity(m, assertion, claim_refs, ctx.trust).statuses:
                out.add(code, url, why)


# Step 5 ------------------------------------------------------------------------------------

def _check_binding(ctx: _Context, m: Manifest, out: StatusList,
                   refs: dict[str, tuple[HashedURI, Assertion, bool]], alg: str,
                   binding: bool) -> None:
    hard = [(label, a) for label, (_, a, created) in refs.items()
            if labels.base_label(label) in labels.HARD_BINDINGS
            and (created or m.claim_version == 1)]
    if m.kind == "update":
        return  # update manifests carry no hard binding; their parent's is checked
    url = labels.absolute_uri(m.label)
    if not hard:
        out.add("claim.hardBindings.missing", url, "claim has no hard binding")
        return
    if len(hard) > 1:
        out.add("assertion.multipleHardBindings", url, "claim has more than one hard binding")
        return
    if not binding or ctx.asset is None:
        return
    label, assertion = hard[0]
    a_url = labels.absolute_uri(m.label, labels.ASSERTIONS, label)
    if labels.base_label(label) != labels.HASH_DATA:
        out.add("assertion.dataHash.malformed", a_url, f"hard binding {label} is not supported")
        return
    code, why = check_data_hash(assertion.try_content(), ctx.asset, alg)
    out.add(code, a_url, why)


def check_data_hash(content: Any, asset: bytes, default_alg: str,
                    widen: tuple[int, int] | None = None) -> tuple[str, str]:
    """Recompute a ``c2pa.hash.data`` assertion over ``asset`` (§5.2).

    ``widen`` = (start, length): an exclusion starting at ``start`` is taken as ``length``
    long, as validators do for a store that grew under an update manifest (§12.2).
    """
    if not isinstance(content, dict) or not isinstance(content.get("hash"), bytes):
        return "assertion.dataHash.malformed", "data hash assertion lacks its hash"
    fn = HASH_ALGS.get(content.get("alg") or default_alg)
    if fn is None:
        return "algorithm.unsupported", "data hash algorithm not supported"
    ranges = []
    for item in content.get("exclusions") or []:
        if not isinstance(item, dict):
            return "assertion.dataHash.malformed", "exclusion is not a map"
        start, length = item.get("start"), item.get("length")
        if not isinstance(start, int) or not isinstance(length, int) or start < 0 or length < 0:
            return "assertion.dataHash.malformed", "exclusion start/length invalid"
        if widen is not None and start == widen[0]:
            length = widen[1]
        ranges.append((start, length))
    position = 0
    digest = fn()
    for start, length in ranges:
        if start < position:
            return "assertion.dataHash.malformed", "exclusions overlap or are out of order"
        if start + length > len(asset):
            return "assertion.dataHash.mismatch", "exclusion runs past the end of the file"
        digest.update(memoryview(asset)[position:start])
        position = start + length
    digest.update(memoryview(asset)[position:])
    if digest.digest() != content["hash"]:
        return "assertion.dataHash.mismatch", "the image data does not match its signed hash"
    return "assertion.dataHash.match", "data hash valid"


# Step 6 ------------------------------------------------------------------------------------

def _check_actions(m: Manifest, out: StatusList,
                   refs: dict[str, tuple[HashedURI, Assertion, bool]]) -> None:
    ordered = sorted(refs.items(), key=lambda kv: not kv[1][2])  # created before gathered
    actions = [a for label, (_, a, _c) in ordered
               if labels.base_label(label) in (labels.ACTIONS_V2, labels.ACTIONS_V1)]
    if not actions or m.kind == "update":
        return
    url = labels.absolute_uri(m.label, labels.ASSERTIONS, actions[0].label)
    content = actions[0].try_content()
    items = content.get("actions") if isinstance(content, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        out.add("assertion.action.malformed", url, "actions assertion has no actions")
        return
    first = items[0]
    name = first.get("action")
    if name not in ("c2pa.created", "c2pa.opened"):
        out.add("assertion.action.malformed", url, "first action must be created or opened")
    elif name == "c2pa.created" and not isinstance(first.get("digitalSourceType"), str):
        out.add("assertion.action.malformed", url, "c2pa.created needs a digitalSourceType")
    elif name == "c2pa.opened":
        params = first.get("parameters")
        ingredients = params.get("ingredients") if isinstance(params, dict) else None
        if not isinstance(ingredients, list) or len(ingredients) != 1:
            out.add("assertion.action.ingredientMismatch", url,
                    "c2pa.opened must name exactly one parentOf ingredient")


# Step 7 ------------------------------------------------------------------------------------

def _check_ingredients(ctx: _Context, m: Manifest, out: StatusList, results: ValidationResults,
                       refs: dict[str, tuple[HashedURI, Assertion, bool]], alg: str,
                       seen: set[str], depth: int) -> None:
    parents = 0
    for label, (_, assertion, _c) in refs.items():
        if labels.base_label(label) not in labels.INGREDIENT_LABELS:
            continue
        content = assertion.try_content()
        a_url = labels.absolute_uri(m.label, labels.ASSERTIONS, label)
        if not isinstance(content, dict):
            out.add("assertion.ingredient.malformed", a_url, "ingredient is not a map")
            continue
        if content.get("relationship") == "parentOf":
            parents += 1
        ref = HashedURI.from_cbor(content.get("activeManifest") or content.get("c2pa_manifest"))
        if ref is None:
            if content.get("relationship") != "inputTo":
                out.add("ingredient.unknownProvenance", a_url, "ingredient has no manifest")
            continue
        if "activeManifest" in content and "validationResults" not in content:
            out.add("assertion.ingredient.malformed", a_url,
                    "ingredient with a manifest must carry validationResults")
        target = ctx.store.resolve(ref.url, m)
        if target is None:
            out.add("ingredient.manifest.missing", a_url, f"ingredient manifest not found: {ref.url}")
            continue
        child = target[0]
        if not _ingredient_hash_ok(ctx, child, content, ref, alg, out, a_url):
            out.add("ingredient.manifest.mismatch", a_url, "ingredient manifest hash mismatch")
            continue
        if child.label in seen:
            out.add("ingredient.manifest.mismatch", a_url, "ingredient refers back into its chain")
            continue
        delta = StatusList()
        _validate_manifest(ctx, child, delta, results, binding=False, seen=seen | {child.label},
                           depth=depth + 1)
        _drop_recorded_failures(delta, content)
        results.ingredient_deltas.append(IngredientDelta(a_url, delta))
    if parents > 1:
        out.add("manifest.multipleParents", labels.absolute_uri(m.label),
                "more than one parentOf ingredient")


def _ingredient_hash_ok(ctx: _Context, child: Manifest, content: dict[str, Any], ref: HashedURI,
                        alg: str, out: StatusList | None = None, url: str | None = None) -> bool:
    """The manifest hash, by default in the ingredient claim's own algorithm (as c2pa-rs).

    Claims before C2PA 1.3 hashed the ingredient's claim bytes instead of its manifest box;
    that form is accepted when nothing in ``child`` was redacted, and said so in an
    informational status. Once assertions of ``child`` were redacted its bytes changed, so
    the untouched signature box is checked through ``claimSignature`` instead (§8.3)."""
    child_alg = str((child.claim or {}).get("alg", alg))
    if _hash_matches(ref, child.hash_input(), child_alg):
        return True
    prefix = labels.absolute_uri(child.label, labels.ASSERTIONS) + "/"
    if not any(uri.startswith(prefix) for uri in ctx.redacted):
        legacy = child.claim_bytes is not None and _hash_matches(ref, child.claim_bytes, child_alg)
        if legacy and out is not None:
            out.add(LEGACY_INGREDIENT_HASH, url, "ingredient hash is over its claim bytes (pre-1.3 form)")
        return legacy
    sig_ref = HashedURI.from_cbor(content.get("claimSignature"))
    sig_box = child.box.find(labels.SIGNATURE)
    return sig_ref is not None and sig_box is not None and _hash_matches(sig_ref, sig_box.hash_input(), alg)


def _drop_recorded_failures(delta: StatusList, ingredient: dict[str, Any]) -> None:
    """Failures the ingredient assertion already recorded are known, not new (c2pa-rs does
    the same, which is why CIE-sig-CA.jpg stays Trusted)."""
    recorded: set[Any] = set()
    stored = ingredient.get("validationResults")
    active = stored.get("activeManifest") if isinstance(stored, dict) else None
    failures = active.get("failure") if isinstance(active, dict) else None
    statuses = ingredient.get("validationStatus")
    for status in (failures if isinstance(failures, list) else []) + \
            (statuses if isinstance(statuses, list) else []):
        if isinstance(status, dict):
            recorded.add(status.get("code"))
    delta.statuses = [s for s in delta.statuses
                      if not (s.kind == "failure" and s.code in recorded)]
