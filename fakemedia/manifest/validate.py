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

import cbor2
from cryptography import x509

from fakemedia import limits
from fakemedia.cose import certs, sign1
from fakemedia.errors import FakemediaError
from fakemedia.formats.app11 import StoreLocation
from fakemedia.manifest import labels
from fakemedia.manifest.report import IngredientDelta, StatusList, ValidationResults
from fakemedia.manifest.store import Assertion, HashedURI, Manifest, ManifestStore

HASH_ALGS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_V2_CLAIM_KEYS = {"instanceID", "claim_generator_info", "signature", "created_assertions",
                  "gathered_assertions", "dc:title", "redacted_assertions", "alg", "alg_soft",
                  "metadata"}


@dataclass
class TrustSettings:
    """What a signer is judged against (C2PA 2.x §14.4): the reference SDK's trust model.

    ``anchors`` are the C2PA signer trust anchors; ``extra_ekus`` extends the accepted
    Extended Key Usages (dotted OIDs); ``end_entities`` are SHA-256 fingerprints (DER) of
    signer certificates trusted as they are, without a chain; ``tsa_anchors`` are added to
    ``anchors`` for time-stamp authorities (the reference SDK uses the signer list for both,
    §14.4.2 asks for a separate one); ``cawg_anchors`` are for CAWG identity credentials only.
    ``now`` is the validation time: a signer without a trusted time-stamp is judged at it.
    """

    anchors: Sequence[x509.Certificate] = ()
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    tsa_anchors: Sequence[x509.Certificate] = ()
    cawg_anchors: Sequence[x509.Certificate] = ()
    extra_ekus: Sequence[str] = ()
    end_entities: frozenset[bytes] = frozenset()

    @property
    def time_stamp_anchors(self) -> list[x509.Certificate]:
        return [*self.tsa_anchors, *(a for a in self.anchors if a not in self.tsa_anchors)]


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
    _check_identities(m, out, refs)
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
        problems = certs.profile_problems(leaf, extra_ekus=ctx.trust.extra_ekus)
    except Exception:  # cryptography raises several types on a damaged certificate
        out.add("signingCredential.invalid", url, "no usable signing certificate (x5chain)")
        out.add("claimSignature.mismatch", url, "signature cannot be checked without a certificate")
        return
    if problems:
        out.add("signingCredential.invalid", url, "; ".join(problems))
    # §15.8.2: a validated and trusted time-stamp moves the judgement to its time.
    stamped_at = _check_time_stamp(ctx, m, cose, out, url)
    when = stamped_at or ctx.trust.now
    basis = _time_basis(stamped_at, ctx.trust.now)
    # Trust is judged even when the signature fails, as c2pa-rs reports both (E-sig-CA.jpg).
    if certs.sha256_fingerprint(leaf) in ctx.trust.end_entities:
        out.add("signingCredential.trusted", url, "signing certificate is on the end-entity allow-list")
    else:
        trust_problems = certs.chain_problems(chain, ctx.trust.anchors, when)
        if not trust_problems:
            out.add("signingCredential.trusted", url, f"signing certificate chains to a trust anchor {basis}")
        else:
            out.add("signingCredential.untrusted", url,
                    f"signing certificate is not trusted {basis}: {trust_problems[0]}")
    _check_revocation(ctx, cose, chain, stamped_at, out, url)
    try:
        sign1.verify_sign1(cose, m.claim_bytes or b"")
    except sign1.UnsupportedAlgorithm:
        out.add("algorithm.unsupported", url, "signature algorithm not supported")
        return
    except FakemediaError:
        out.add("claimSignature.mismatch", url, "claim signature does not verify")
        return
    out.add("claimSignature.validated", url, "claim signature valid")
    if certs.is_valid_at(leaf, when):
        out.add("claimSignature.insideValidity", url, f"signing certificate valid {basis}")
    else:
        out.add("signingCredential.expired", url, f"signing certificate not valid {basis}"
                + ("" if stamped_at else " (no trusted time-stamp)"))


def _time_basis(stamped_at: datetime | None, now: datetime) -> str:
    """Which time a signer was judged at, in the words of the one-line verdict."""
    if stamped_at is not None:
        return f"at the time-stamp's time {_iso(stamped_at)}"
    return f"at validation time {_iso(now)}"


def _iso(when: datetime) -> str:
    moment = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_time_stamp(ctx: _Context, m: Manifest, cose: sign1.Sign1, out: StatusList,
                      url: str) -> datetime | None:
    """The RFC 3161 time-stamp's codes; its time when validated and trusted (§15.8)."""
    from fakemedia.cose import timestamp  # asn1crypto only when a token is present

    if timestamp.header_tokens(cose.unprotected) is None:
        return None
    checked = timestamp.check(cose.unprotected, cose.protected_bytes, cose.signature,
                              m.claim_bytes or b"", m.claim_version, ctx.trust.time_stamp_anchors)
    for code, explanation in checked.statuses:
        out.add(code, url, explanation)
    return checked.gen_time


def _check_revocation(ctx: _Context, cose: sign1.Sign1, chain: Sequence[x509.Certificate],
                      stamped_at: datetime | None, out: StatusList, url: str) -> None:
    """Stapled OCSP only (§15.7): ``signingCredential.ocsp.*``; nothing is fetched."""
    from fakemedia.cose import ocsp

    for code, explanation in ocsp.check(cose.unprotected, chain, ctx.trust.anchors, stamped_at,
                                        ctx.trust.now):
        out.add(code, url, explanation)


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


def _check_identities(m: Manifest, out: StatusList,
                      refs: dict[str, tuple[HashedURI, Assertion, bool]]) -> None:
    """CAWG X.509 identity assertions (digest §8.7): the COSE signature over the signer
    payload is checked; the credential is never trusted, since no CAWG trust list is configured
    (a tolerated failure, as in c2pa-rs). Identity-claims-aggregation (DID) types are skipped:
    they need network resolution."""
    for label, (_, assertion, _c) in refs.items():
        if labels.base_label(label) != "cawg.identity":
            continue
        content = assertion.try_content()
        payload = content.get("signer_payload") if isinstance(content, dict) else None
        if not isinstance(payload, dict) or payload.get("sig_type") != "cawg.x509.cose":
            continue
        url = labels.absolute_uri(m.label, labels.ASSERTIONS, label)
        try:
            cose = sign1.decode_sign1(content.get("signature") or b"")
            sign1.verify_sign1(cose, cbor2.dumps(payload))
        except sign1.UnsupportedAlgorithm:
            out.add("cawg.x509.algorithm.unsupported", url, "identity signature algorithm unsupported")
            continue
        except FakemediaError:
            out.add("cawg.x509.signature.mismatch", url, "identity signature does not verify")
            continue
        out.add("cawg.x509.credential.untrusted", url,
                "identity credential not checked against a CAWG trust list")


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
        if not _ingredient_hash_ok(ctx, child, content, ref, alg):
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
                        alg: str) -> bool:
    """The manifest hash; once assertions of ``child`` were redacted its bytes changed, so the
    untouched signature box is checked through ``claimSignature`` instead (§8.3)."""
    if _hash_matches(ref, child.hash_input(), alg):
        return True
    prefix = labels.absolute_uri(child.label, labels.ASSERTIONS) + "/"
    if not any(uri.startswith(prefix) for uri in ctx.redacted):
        return False
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
