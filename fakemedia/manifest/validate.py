"""Manifest validation as numbered steps, each emitting C2PA status codes (C2PA 2.x §15.5-§15.12).

1. structure   — problems found while parsing: claim missing or held twice, unknown or doubled
                 manifest boxes, assertion labels held twice, two manifests with one label
2. claim       — every field type-checked (§10.3); hash algorithm; the redaction list (§15.6)
3. signature   — the claim's ``signature`` URI names this manifest's signature box; COSE_Sign1
                 over the stored claim bytes; certificate profile, validity, trust
4. assertions  — every hashed URI resolves to one box of this manifest's assertion store and
                 matches; every box of that store is referenced; contents decode
5. binding     — exactly one hard binding; for the active manifest its exclusions are exactly the
                 manifest store's APP11 segments (§18.5) and the asset hash matches
6. actions     — the v2 rules on every actions assertion (§18.15): one opening action, first;
                 ingredients named by actions; ``c2pa.redacted`` naming a real redaction
7. update      — the rules of update manifests (§11.2)
8. ingredients — each ingredient's manifest is present and matches its hash; each manifest is
                 validated once (memoised) and the ingredient graph is walked without recursion,
                 so the work is linear in the number of manifests

No step raises on hostile content: every problem becomes a status code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from fakemedia import limits
from fakemedia._record import Record
from fakemedia.cose import certfields, sign1
from fakemedia.errors import FakemediaError
from fakemedia.formats.app11 import StoreLocation
from fakemedia.manifest import cawg, labels
from fakemedia.manifest.data_hash import HASH_ALGS, EarlyDigest, check_data_hash
from fakemedia.manifest.report import LEGACY_INGREDIENT_HASH, IngredientDelta, StatusList, ValidationResults
from fakemedia.manifest.store import Assertion, HashedURI, Manifest, ManifestStore

if TYPE_CHECKING:  # certificates of anchors; a verify reads the signer's with the DER reader
    from cryptography import x509

_V2_CLAIM_KEYS = {"instanceID", "claim_generator_info", "signature", "created_assertions",
                  "gathered_assertions", "dc:title", "redacted_assertions", "alg", "alg_soft",
                  "metadata"}
#: Claim fields by the type C2PA gives them (§10.3 claim CDDL): (field, type, required).
_V2_FIELDS: tuple[tuple[str, type | tuple[type, ...], bool], ...] = (
    ("instanceID", str, True), ("claim_generator_info", dict, True), ("signature", str, True),
    ("created_assertions", list, True), ("gathered_assertions", list, False),
    ("dc:title", str, False), ("redacted_assertions", list, False), ("alg", str, False),
    ("alg_soft", str, False), ("metadata", (dict, list), False),
)
_V1_FIELDS: tuple[tuple[str, type | tuple[type, ...], bool], ...] = (
    ("claim_generator", str, True), ("signature", str, True), ("assertions", list, True),
    ("instanceID", str, False), ("dc:format", str, False), ("dc:title", str, False),
    ("redacted_assertions", list, False), ("alg", str, False), ("alg_soft", str, False),
    ("metadata", (dict, list), False),
)
_OPENING = ("c2pa.created", "c2pa.opened")
#: Actions that name an ingredient, and the relationship it must have (§18.15.4.2).
_INGREDIENT_ACTIONS = {"c2pa.opened": "parentOf", "c2pa.placed": "componentOf",
                       "c2pa.removed": "componentOf"}
#: The only actions an update manifest may hold (§11.2; c2pa-rs enforces the same list).
_UPDATE_ACTIONS = ("c2pa.edited.metadata", "c2pa.opened", "c2pa.published", "c2pa.redacted")
_THUMBNAIL_CLAIM = "c2pa.thumbnail.claim"

_Refs = dict[str, tuple[HashedURI, Assertion, bool]]


class TrustSettings(Record):
    """What a signer is judged against (C2PA 2.x §14.4): the reference SDK's trust model.

    ``anchors`` are the C2PA signer trust anchors; ``extra_ekus`` extends the accepted
    Extended Key Usages (dotted OIDs); ``end_entities`` are SHA-256 fingerprints (DER) of
    signer certificates trusted as they are, without a chain; ``tsa_anchors`` are added to
    ``anchors`` for time-stamp authorities (the reference SDK uses the signer list for both,
    §14.4.2 asks for a separate one). The ``cawg_*`` settings are the CAWG identity trust, kept
    apart as the reference SDK's ``cawg_trust``: ``cawg_anchors``, ``cawg_extra_ekus`` and
    ``cawg_end_entities`` for X.509 identity credentials, ``cawg_ica_issuers`` the trusted
    issuer DIDs of identity claims aggregation credentials (compared without DID fragment).
    ``now`` is the validation time: a signer without a trusted time-stamp is judged at it.
    """

    __slots__ = ("anchors", "cawg_anchors", "cawg_end_entities", "cawg_extra_ekus", "cawg_ica_issuers",
                 "end_entities", "extra_ekus", "now", "tsa_anchors")
    anchors: Sequence[x509.Certificate]
    now: datetime
    tsa_anchors: Sequence[x509.Certificate]
    cawg_anchors: Sequence[x509.Certificate]
    extra_ekus: Sequence[str]
    end_entities: frozenset[bytes]
    cawg_extra_ekus: Sequence[str]
    cawg_end_entities: frozenset[bytes]
    cawg_ica_issuers: Sequence[str]

    def __init__(self, anchors: Sequence[x509.Certificate] = (), now: datetime | None = None,
                 tsa_anchors: Sequence[x509.Certificate] = (), cawg_anchors: Sequence[x509.Certificate] = (),
                 extra_ekus: Sequence[str] = (), end_entities: frozenset[bytes] = frozenset(),
                 cawg_extra_ekus: Sequence[str] = (), cawg_end_entities: frozenset[bytes] = frozenset(),
                 cawg_ica_issuers: Sequence[str] = ()) -> None:
        self.anchors = anchors
        self.now = now if now is not None else (lambda: datetime.now(timezone.utc))()
        self.tsa_anchors = tsa_anchors
        self.cawg_anchors = cawg_anchors
        self.extra_ekus = extra_ekus
        self.end_entities = end_entities
        self.cawg_extra_ekus = cawg_extra_ekus
        self.cawg_end_entities = cawg_end_entities
        self.cawg_ica_issuers = cawg_ica_issuers

    @property
    def time_stamp_anchors(self) -> list[x509.Certificate]:
        return [*self.tsa_anchors, *(a for a in self.anchors if a not in self.tsa_anchors)]


class StoreResults(ValidationResults):
    """The C2PA validation results plus what the run established beyond status codes."""

    __slots__ = ("identities", "signers")
    _uncompared: ClassVar[tuple[str, ...]] = ("identities", "signers")
    #: Manifest label -> its CAWG identity assertions as validated, in claim order (only
    #: assertions whose hashed URI matched are checked); not part of the C2PA output.
    identities: dict[str, list[cawg.IdentityFinding]]
    #: Manifest label -> (summary of the signing certificate, algorithm label) as the signature
    #: check read them, so the report names the signer without reading the certificate again;
    #: plain data (results cross process boundaries in batches); not part of the C2PA output.
    signers: dict[str, SignerSummary]

    def __init__(self, active_manifest: StatusList | None = None,
                 ingredient_deltas: list[IngredientDelta] | None = None,
                 manifest_statuses: dict[str, StatusList] | None = None,
                 identities: dict[str, list[cawg.IdentityFinding]] | None = None,
                 signers: dict[str, SignerSummary] | None = None) -> None:
        super().__init__(active_manifest, ingredient_deltas, manifest_statuses)
        self.identities = identities if identities is not None else {}
        self.signers = signers if signers is not None else {}


class _Edge(Record):
    """An ingredient assertion of a manifest and the manifest it names."""

    __slots__ = ("child", "content", "url")
    url: str
    child: Manifest
    content: dict[str, Any]

    def __init__(self, url: str, child: Manifest, content: dict[str, Any]) -> None:
        self.url = url
        self.child = child
        self.content = content


class _Checked(Record):
    """One manifest's own statuses and the ingredient edges to follow from it."""

    __slots__ = ("edges", "statuses")
    statuses: StatusList
    edges: list[_Edge]

    def __init__(self, statuses: StatusList, edges: list[_Edge] | None = None) -> None:
        self.statuses = statuses
        self.edges = edges if edges is not None else []


class _Context(Record):
    __slots__ = ("asset", "checked", "early", "identities", "location", "redacted", "signatures",
                 "signers", "store", "trust")
    store: ManifestStore
    asset: bytes | None
    location: StoreLocation | None
    trust: TrustSettings
    redacted: frozenset[str]
    #: Manifest label -> its checks, so every manifest is validated once per run.
    checked: dict[str, _Checked]
    #: Manifest label -> its identity findings (manifests with identity assertions only).
    identities: dict[str, list[cawg.IdentityFinding]]
    signatures: SignatureOutcomes
    signers: dict[str, SignerSummary]
    #: The asset's hash outside the store, begun before step 1 (:mod:`.data_hash`).
    early: EarlyDigest | None

    def __init__(self, store: ManifestStore, asset: bytes | None, location: StoreLocation | None,
                 trust: TrustSettings, redacted: frozenset[str] = frozenset(),
                 checked: dict[str, _Checked] | None = None,
                 identities: dict[str, list[cawg.IdentityFinding]] | None = None,
                 signatures: SignatureOutcomes | None = None,
                 signers: dict[str, SignerSummary] | None = None) -> None:
        self.store = store
        self.asset = asset
        self.location = location
        self.trust = trust
        self.redacted = redacted
        self.checked = checked if checked is not None else {}
        self.identities = identities if identities is not None else {}
        self.signatures = signatures if signatures is not None else {}
        self.signers = signers if signers is not None else {}
        self.early = None


#: (COSE_Sign1 bytes, claim bytes) -> what verifying the one over the other gave: a status
#: code. Verification depends on those bytes alone, so a caller validating the same manifest
#: twice in one operation (annotate: its input, then its output, where the input's manifest
#: is the parent) hands the same dict to both runs and each signature is checked once.
SignatureOutcomes = dict[tuple[bytes, bytes], str]
#: Who signed (:func:`fakemedia.cose.certs.describe`) and the COSE algorithm's label.
SignerSummary = tuple[dict[str, str | None] | None, str | None]


def validate_store(store: ManifestStore, asset: bytes | None, location: StoreLocation | None,
                   trust: TrustSettings | None = None, *,
                   signatures: SignatureOutcomes | None = None,
                   early: EarlyDigest | None = None) -> StoreResults:
    """Validate the active manifest, its binding to ``asset`` and its ingredients
    (``signatures``: see :data:`SignatureOutcomes`; ``early``: the asset's hash, begun by
    the caller, else here)."""
    ctx = _Context(store, asset, location, trust or TrustSettings(), store.redacted_uris(),
                   signatures=signatures if signatures is not None else {})
    # The asset hash runs beside steps 1-4 on its own thread; step 5 takes it if it fits.
    ctx.early = early or EarlyDigest.start(asset, location)
    results = StoreResults(identities=ctx.identities, signers=ctx.signers)
    active = store.active
    if active is None:
        results.active_manifest.add("claim.missing", None, "the store holds no manifest")
        return results
    _checked(ctx, active, results.active_manifest, binding=True)
    if active.kind == "update":
        _check_update_binding(ctx, active, results.active_manifest)
    _walk_ingredients(ctx, active, results)
    results.manifest_statuses = {label: c.statuses for label, c in ctx.checked.items()}
    return results


def validate_one(store: ManifestStore, manifest: Manifest,
                 trust: TrustSettings | None = None) -> StatusList:
    """Validate one manifest on its own (no binding, ingredients not descended into)."""
    ctx = _Context(store, None, None, trust or TrustSettings(), store.redacted_uris())
    return _checked(ctx, manifest, StatusList(), binding=False).statuses


def redacted_uris(store: ManifestStore) -> set[str]:
    """Absolute URIs of every assertion some claim in the store redacted."""
    return set(store.redacted_uris())


def _checked(ctx: _Context, m: Manifest, out: StatusList, *, binding: bool) -> _Checked:
    done = ctx.checked.get(m.label)
    if done is not None:
        return done
    checked = _Checked(out)
    ctx.checked[m.label] = checked
    _validate_manifest(ctx, m, checked, binding=binding)
    return checked


_ON_PATH, _DONE = 1, 2


def _walk_ingredients(ctx: _Context, active: Manifest, results: ValidationResults) -> None:
    """Depth first along ingredient edges with an explicit stack. A manifest reached again
    through another ingredient is not validated again (its statuses are reused); one reached
    again on the current path is a cycle."""
    state = {active.label: _ON_PATH}
    stack: list[tuple[Manifest, Iterator[_Edge]]] = [(active, iter(ctx.checked[active.label].edges))]
    visits: list[_Edge] = []
    while stack:
        m, edges = stack[-1]
        edge = next(edges, None)
        if edge is None:
            state[m.label] = _DONE
            stack.pop()
            continue
        child = edge.child
        if state.get(child.label) == _ON_PATH:
            ctx.checked[m.label].statuses.add("ingredient.manifest.mismatch", edge.url,
                                              "ingredient refers back into its chain")
            continue
        if child.label not in state and len(stack) >= limits.MAX_INGREDIENT_DEPTH:
            ctx.checked[m.label].statuses.add(
                "general.error", edge.url,
                f"ingredient chain deeper than {limits.MAX_INGREDIENT_DEPTH} manifests not followed")
            continue
        visits.append(edge)
        if child.label in state:
            continue
        checked = _checked(ctx, child, StatusList(), binding=False)
        state[child.label] = _ON_PATH
        stack.append((child, iter(checked.edges)))
    for edge in visits:
        delta = StatusList(list(ctx.checked[edge.child.label].statuses.statuses))
        _drop_recorded_failures(delta, edge.content)
        results.ingredient_deltas.append(IngredientDelta(edge.url, delta))


def _check_update_binding(ctx: _Context, update: Manifest, out: StatusList) -> None:
    """An update manifest leaves the content alone: the nearest standard manifest up the
    parentOf chain binds it, its exclusion widened to the store as it is now (§15.12.1.1)."""
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
    for _ref, assertion, created in ctx.store.bound_assertions(current):
        if labels.base_label(assertion.label) != labels.HASH_DATA:
            continue
        if not created and current.claim_version == 2:
            continue
        alg = (current.claim or {}).get("alg", "sha256")
        store_range = (ctx.location.offset, ctx.location.length)
        code, why = check_data_hash(assertion.try_content(), ctx.asset,
                                    alg if isinstance(alg, str) else "", widen=store_range,
                                    store_range=store_range, early=ctx.early)
        out.add(code, labels.absolute_uri(current.label, labels.ASSERTIONS, assertion.label), why)
        return


def _parent_manifest(store: ManifestStore, m: Manifest) -> Manifest | None:
    for _ref, assertion, _created in store.bound_assertions(m):
        if labels.base_label(assertion.label) not in labels.INGREDIENT_LABELS:
            continue
        content = assertion.try_content()
        if not isinstance(content, dict) or content.get("relationship") != "parentOf":
            continue
        ref = _manifest_ref(content)
        target = store.resolve(ref.url, m) if ref else None
        if target is not None and target[0] is not m:
            return target[0]
    return None


def _validate_manifest(ctx: _Context, m: Manifest, checked: _Checked, *, binding: bool) -> None:
    out = checked.statuses
    sig_url = labels.absolute_uri(m.label, labels.SIGNATURE)
    # Step 1: structure.
    if labels.is_prerelease_label(m.label):
        out.add("com.adobe.prerelease", labels.absolute_uri(m.label), "pre-1.0 manifest")
        return
    for code, why in m.problems:
        out.add(code, labels.absolute_uri(m.label), why)
    for label in m.duplicate_labels():
        out.add("assertion.undeclared", labels.absolute_uri(m.label, labels.ASSERTIONS, label),
                "the assertion store holds more than one box with this label")
    if m.claim is None or m.claim_bytes is None:
        return
    # Step 2: claim.
    alg = _check_claim(m, out)
    if alg is None:
        return
    # Step 3: signature and credential.
    target = ctx.store.resolve(str(m.claim.get("signature")), m)
    if target is not None and (target[0] is not m or target[1] is not m.signature_box):
        out.add("claimSignature.missing", sig_url,
                "the claim's signature URI does not name this manifest's signature box")
    else:
        _check_signature(ctx, m, out, sig_url)
    # Step 4: assertions.
    refs = _check_assertions(ctx, m, out, alg)
    _check_identities(ctx, m, out, refs)
    # Step 5: hard binding.
    _check_binding(ctx, m, out, refs, alg, binding)
    # Step 6: actions.
    if m.claim_version == 2:
        _check_actions(ctx, m, out, refs)
    # Step 7: update manifests.
    if m.kind == "update":
        _check_update_rules(m, out, refs)
    # Step 8: ingredients (descended into by the caller).
    checked.edges = _check_ingredients(ctx, m, out, refs, alg)


# Step 2 ------------------------------------------------------------------------------------

def _type_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__


def _check_claim(m: Manifest, out: StatusList) -> str | None:
    """Type-check the claim; the hash algorithm, or None when the claim is unusable."""
    claim = m.claim or {}
    url = labels.absolute_uri(m.label, m.claim_label or labels.CLAIM_V2)
    fields = _V2_FIELDS if m.claim_version == 2 else _V1_FIELDS
    for name, kind, required in fields:
        if name not in claim:
            if required:
                out.add("claim.malformed", url, f"claim lacks its required field {name}")
                return None
            continue
        value = claim[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            out.add("claim.malformed", url, f"claim field {name} is not a {_type_name(kind)}")
            return None
    if m.claim_version == 2 and not _generator_ok(claim["claim_generator_info"]):
        out.add("claim.malformed", url, "claim_generator_info needs a text name")
        return None
    for name in ("created_assertions", "gathered_assertions", "assertions"):
        for item in claim.get(name) or []:
            if not _hashed_uri_ok(item):
                out.add("claim.malformed", url, f"an entry of {name} is not a hashed URI")
                return None
    if not _check_redactions(m, out, url):
        return None
    alg = claim.get("alg", "sha256" if m.claim_version == 1 else None)
    if alg not in HASH_ALGS:
        out.add("algorithm.unsupported", url, f"claim hash algorithm {alg!r} is not supported")
        return None
    return str(alg)


def _generator_ok(info: dict[str, Any]) -> bool:
    name, version = info.get("name"), info.get("version")
    return isinstance(name, str) and bool(name) and (version is None or isinstance(version, str))


def _hashed_uri_ok(item: Any) -> bool:
    """A ``hashed-uri-map`` (§8.4.2): text url, byte-string hash, optional text alg."""
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        return False
    if "alg" in item and not isinstance(item["alg"], str):
        return False
    return HashedURI.from_cbor(item) is not None


def _check_redactions(m: Manifest, out: StatusList, url: str) -> bool:
    """§15.6: entries are JUMBF URIs of other manifests' assertions; actions and hard bindings
    can never be redacted."""
    value = (m.claim or {}).get("redacted_assertions")
    if value is None:
        return True
    if not all(isinstance(uri, str) for uri in value):
        out.add("claim.malformed", url, "redacted_assertions holds an entry that is not text")
        return False
    own = labels.absolute_uri(m.label) + "/"
    for uri in value:
        absolute = labels.absolute_ref(uri, m.label)
        path = labels.uri_path(absolute, m.label) or []
        base = labels.base_label(path[-1]) if path else ""
        if absolute.startswith(own):
            out.add("assertion.selfRedacted", absolute, "a claim may not redact its own assertions")
        elif base in (labels.ACTIONS_V2, labels.ACTIONS_V1):
            out.add("assertion.action.redacted", absolute, "actions may never be redacted")
        elif base in labels.HARD_BINDINGS:
            out.add("assertion.dataHash.redacted", absolute, "hard bindings may never be redacted")
    return True


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
        # With anchors the chain is read by cryptography anyway: once, not twice.
        signer = certfields.SignerChain(cose.x5chain, full=bool(ctx.trust.anchors))
        problems = signer.profile_problems(ctx.trust.extra_ekus)
    except Exception:  # cryptography raises several types on a damaged certificate
        out.add("signingCredential.invalid", url, "no usable signing certificate (x5chain)")
        out.add("claimSignature.mismatch", url, "signature cannot be checked without a certificate")
        return
    try:
        ctx.signers[m.label] = (signer.describe(), cose.algorithm.label)
    except Exception:  # a certificate cryptography reads but cannot summarise: shown as unknown
        ctx.signers[m.label] = (None, None)
    if problems:
        out.add("signingCredential.invalid", url, "; ".join(problems))
    # §15.8.2: a validated and trusted time-stamp moves the judgement to its time.
    stamped_at = _check_time_stamp(ctx, m, cose, out, url)
    when = stamped_at or ctx.trust.now
    basis = _time_basis(stamped_at, ctx.trust.now)
    # Trust is judged even when the signature fails, as c2pa-rs reports both (E-sig-CA.jpg).
    if ctx.trust.end_entities and signer.sha256_fingerprint() in ctx.trust.end_entities:
        out.add("signingCredential.trusted", url, "signing certificate is on the end-entity allow-list")
    else:
        trust_problems = signer.chain_problems(ctx.trust.anchors, when)
        if not trust_problems:
            out.add("signingCredential.trusted", url, f"signing certificate chains to a trust anchor {basis}")
        else:
            out.add("signingCredential.untrusted", url,
                    f"signing certificate is not trusted {basis}: {trust_problems[0]}")
    _check_revocation(ctx, cose, signer, stamped_at, out, url)
    key = (m.signature_bytes, m.claim_bytes or b"")
    outcome = ctx.signatures.get(key)
    if outcome is None:
        outcome = ctx.signatures[key] = _verify(cose, key[1], signer.public_key())
    if outcome == "algorithm.unsupported":
        out.add(outcome, url, "signature algorithm not supported")
        return
    if outcome == "claimSignature.mismatch":
        out.add(outcome, url, "claim signature does not verify")
        return
    out.add("claimSignature.validated", url, "claim signature valid")
    if signer.is_valid_at(when):
        out.add("claimSignature.insideValidity", url, f"signing certificate valid {basis}")
    else:
        out.add("signingCredential.expired", url, f"signing certificate not valid {basis}"
                + ("" if stamped_at else " (no trusted time-stamp)"))


def _verify(cose: sign1.Sign1, claim: bytes, public_key: Any) -> str:
    try:
        sign1.verify_sign1(cose, claim, public_key)
    except sign1.UnsupportedAlgorithm:
        return "algorithm.unsupported"
    except FakemediaError:
        return "claimSignature.mismatch"
    return "claimSignature.validated"


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
    if sign1.header_tokens(cose.unprotected) is None:
        return None
    from fakemedia.cose import timestamp  # asn1crypto only when a token is present

    checked = timestamp.check(cose.unprotected, cose.protected_bytes, cose.signature,
                              m.claim_bytes or b"", m.claim_version, ctx.trust.time_stamp_anchors)
    for code, explanation in checked.statuses:
        out.add(code, url, explanation)
    return checked.gen_time


def _check_revocation(ctx: _Context, cose: sign1.Sign1, signer: certfields.SignerChain,
                      stamped_at: datetime | None, out: StatusList, url: str) -> None:
    """Stapled OCSP only (§15.7): ``signingCredential.ocsp.*``; nothing is fetched."""
    from fakemedia.cose import ocsp

    # cryptography's certificates only when a response is stapled (the check reads them).
    chain = signer.x509_chain() if ocsp.stapled_response(cose.unprotected) is not None else []
    for code, explanation in ocsp.check(cose.unprotected, chain, ctx.trust.anchors, stamped_at,
                                        ctx.trust.now):
        out.add(code, url, explanation)


# Step 4 ------------------------------------------------------------------------------------

def _check_assertions(ctx: _Context, m: Manifest, out: StatusList, alg: str) -> _Refs:
    """Check every hashed URI; returns label → (ref, assertion, created) for later steps.

    A reference counts only when it names, by label, the one box of that label in this
    manifest's own assertion store; every other box of that store must be referenced.
    """
    created, gathered = m.claim_refs()
    found: _Refs = {}
    bound: set[int] = set()
    for ref, is_created in [(r, True) for r in created] + [(r, False) for r in gathered]:
        target = ctx.store.resolve(ref.url, m)
        abs_url = labels.absolute_ref(ref.url, m.label)
        if abs_url in ctx.redacted and target is None:
            continue  # removed by a later manifest's redaction
        if target is None:
            out.add("assertion.missing", abs_url, f"assertion not found: {ref.url}")
            continue
        owner, box = target
        if owner is not m:
            out.add("assertion.outsideManifest", abs_url, "assertion belongs to another manifest")
            continue
        own_label = m.own_assertion_label(abs_url)
        assertion = m.assertion(own_label) if own_label is not None else None
        if assertion is None or assertion.box is not box:
            out.add("assertion.missing", abs_url,
                    f"reference names no assertion of this manifest's assertion store: {ref.url}")
            continue
        bound.add(id(box))
        if abs_url in ctx.redacted:
            continue  # what is left of a redacted assertion is neither hashed nor read
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
    duplicates = set(m.duplicate_labels())
    for assertion in m.assertions():
        url = labels.absolute_uri(m.label, labels.ASSERTIONS, assertion.label)
        if id(assertion.box) not in bound and url not in ctx.redacted \
                and assertion.label not in duplicates:
            out.add("assertion.undeclared", url, "assertion not listed in the claim")
    return found


def _hash_matches(ref: HashedURI, data: bytes, default_alg: str) -> bool:
    fn = HASH_ALGS.get(ref.alg or default_alg)
    return fn is not None and fn(data).digest() == ref.hash


def _absolute(uri: str, m: Manifest) -> str:
    return labels.absolute_ref(uri, m.label)


def _check_identities(ctx: _Context, m: Manifest, out: StatusList,
                      refs: dict[str, tuple[HashedURI, Assertion, bool]]) -> None:
    """CAWG identity assertions among the claim's verified assertions (CAWG identity
    assertion 1.1), each checked by :mod:`fakemedia.manifest.cawg`."""
    claim_refs = [ref for part in m.claim_refs() for ref in part]
    for label, (_, assertion, _c) in refs.items():
        if cawg.is_identity_label(label):
            result = cawg.validate_identity(m, assertion, claim_refs, ctx.trust)
            for code, url, why in result.statuses:
                out.add(code, url, why)
            ctx.identities.setdefault(m.label, []).append(cawg.finding(m, assertion, result))


# Step 5 ------------------------------------------------------------------------------------

def _check_binding(ctx: _Context, m: Manifest, out: StatusList, refs: _Refs, alg: str,
                   binding: bool) -> None:
    hard = [(label, a) for label, (_, a, created) in refs.items()
            if labels.base_label(label) in labels.HARD_BINDINGS
            and (created or m.claim_version == 1)]
    if m.kind == "update":
        return  # update manifests carry no hard binding (step 7); their parent's is checked
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
    store_range = (ctx.location.offset, ctx.location.length) if ctx.location else None
    if labels.base_label(label) == labels.HASH_DATA:
        code, why = check_data_hash(assertion.try_content(), ctx.asset, alg,
                                    store_range=store_range, early=ctx.early)
    else:
        code, why = "assertion.dataHash.malformed", f"hard binding {label} is not supported"
    out.add(code, a_url, why)


# Step 6 ------------------------------------------------------------------------------------

def _check_actions(ctx: _Context, m: Manifest, out: StatusList, refs: _Refs) -> None:
    """§18.15 (c2pa-rs verify_actions): every actions assertion holds a non-empty list of
    actions; the very first action of the first one is the only created/opened, and a
    standard manifest must have one; actions that take ingredients name ones of the right
    relationship; each ``c2pa.redacted`` names an assertion some claim lists and this one
    redacts."""
    ordered = sorted(refs.items(), key=lambda kv: not kv[1][2])  # created before gathered
    assertions = [a for label, (_, a, _c) in ordered
                  if labels.base_label(label) in (labels.ACTIONS_V2, labels.ACTIONS_V1)]
    if not assertions:
        return
    relationships = _ingredient_relationships(m, refs)
    redacting = frozenset(labels.absolute_ref(r, m.label) for r in m.redactions())
    first_name: str | None = None
    for index, assertion in enumerate(assertions):
        url = labels.absolute_uri(m.label, labels.ASSERTIONS, assertion.label)
        content = assertion.try_content()
        items = content.get("actions") if isinstance(content, dict) else None
        if not isinstance(items, list) or not items or not all(
                isinstance(i, dict) and isinstance(i.get("action"), str) and i["action"]
                for i in items):
            out.add("assertion.action.malformed", url, "actions assertion has no valid actions")
            continue
        for position, item in enumerate(items):
            name = item["action"]
            if index == 0 and position == 0:
                first_name = name
            elif name in _OPENING:
                out.add("assertion.action.malformed", url,
                        f"{name} may only be the first action of the first actions assertion")
            _check_action(ctx, m, out, url, item, relationships, redacting)
    if m.kind != "update" and first_name is not None and first_name not in _OPENING:
        out.add("assertion.action.malformed", labels.absolute_uri(m.label),
                "first action must be created or opened")


def _check_action(ctx: _Context, m: Manifest, out: StatusList, url: str, item: dict[str, Any],
                  relationships: dict[str, str | None], redacting: frozenset[str]) -> None:
    name = item["action"]
    params = item.get("parameters")
    if params is not None and not isinstance(params, dict):
        out.add("assertion.action.malformed", url, f"{name} parameters are not a map")
        return
    params = params or {}
    if name == "c2pa.created" and not isinstance(item.get("digitalSourceType"), str):
        out.add("assertion.action.malformed", url, "c2pa.created needs a digitalSourceType")
    if name in _INGREDIENT_ACTIONS:
        wanted = _INGREDIENT_ACTIONS[name]
        named = _named_ingredients(params)
        if named is None or not named:
            out.add("assertion.action.ingredientMismatch", url,
                    f"{name} must name its ingredient(s)")
        elif name == "c2pa.opened" and len(named) != 1:
            out.add("assertion.action.ingredientMismatch", url,
                    "c2pa.opened must name exactly one parentOf ingredient")
        elif not any(relationships.get(_own_label(uri, m) or "", "") == wanted for uri in named):
            out.add("assertion.action.ingredientMismatch", url,
                    f"{name} names no {wanted} ingredient of this claim")
    if name == "c2pa.redacted":
        _check_redacted_action(ctx, m, out, url, params, redacting)


def _named_ingredients(params: dict[str, Any]) -> list[str] | None:
    """URIs of ``ingredients`` (array) or ``ingredient`` (one) hashed URIs; None if malformed."""
    value = params.get("ingredients")
    if value is None and "ingredient" in params:
        value = [params["ingredient"]]
    if value is None:
        return []
    if not isinstance(value, list) or not all(_hashed_uri_ok(v) for v in value):
        return None
    return [v["url"] for v in value]


def _own_label(uri: str, m: Manifest) -> str | None:
    return m.own_assertion_label(labels.absolute_ref(uri, m.label))


def _ingredient_relationships(m: Manifest, refs: _Refs) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for label, (_, assertion, _c) in refs.items():
        if labels.base_label(label) in labels.INGREDIENT_LABELS:
            content = assertion.try_content()
            rel = content.get("relationship") if isinstance(content, dict) else None
            out[label] = rel if isinstance(rel, str) else None
    return out


def _check_redacted_action(ctx: _Context, m: Manifest, out: StatusList, url: str,
                           params: dict[str, Any], redacting: frozenset[str]) -> None:
    uri = params.get("redacted")
    if not isinstance(uri, str):
        out.add("assertion.action.redactionMismatch", url,
                "c2pa.redacted must name the redacted assertion")
        return
    absolute = labels.absolute_ref(uri, m.label)
    path = labels.uri_path(absolute, m.label)
    target = ctx.store.get(path[1]) if path and len(path) == 4 else None
    if target is None or path is None or path[2] != labels.ASSERTIONS:
        out.add("assertion.action.redactionMismatch", url,
                "c2pa.redacted names no assertion of a manifest in this store")
        return
    created, gathered = target.claim_refs()
    listed = {labels.absolute_ref(r.url, target.label) for r in created + gathered}
    if absolute not in listed or absolute not in redacting:
        out.add("assertion.notRedacted", url, "the assertion c2pa.redacted names was not redacted")


# Step 7 ------------------------------------------------------------------------------------

def _check_update_rules(m: Manifest, out: StatusList, refs: _Refs) -> None:
    """§12.2: no hard binding, no claim thumbnail, only metadata-level actions, exactly one
    parentOf ingredient."""
    url = labels.absolute_uri(m.label)
    bases = [labels.base_label(label) for label in refs]
    if any(base in labels.HARD_BINDINGS for base in bases):
        out.add("manifest.update.invalid", url, "an update manifest may not hold a hard binding")
    if any(base.startswith(_THUMBNAIL_CLAIM) for base in bases):
        out.add("manifest.update.invalid", url, "an update manifest may not hold a thumbnail")
    for label, (_, assertion, _c) in refs.items():
        if labels.base_label(label) not in (labels.ACTIONS_V2, labels.ACTIONS_V1):
            continue
        content = assertion.try_content()
        items = content.get("actions") if isinstance(content, dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("action") not in _UPDATE_ACTIONS:
                out.add("manifest.update.invalid", url,
                        f"an update manifest may not record {item.get('action')!r}")
                break
    parents = sum(1 for rel in _ingredient_relationships(m, refs).values() if rel == "parentOf")
    if parents == 0:
        out.add("manifest.update.wrongParents", url, "an update manifest needs a parentOf ingredient")
    elif parents > 1:
        out.add("manifest.update.invalid", url, "an update manifest has exactly one parentOf")


# Step 8 ------------------------------------------------------------------------------------

def _manifest_ref(content: dict[str, Any]) -> HashedURI | None:
    value = content.get("activeManifest")
    if value is None:
        value = content.get("c2pa_manifest")
    return HashedURI.from_cbor(value)


def _check_ingredients(ctx: _Context, m: Manifest, out: StatusList, refs: _Refs,
                       alg: str) -> list[_Edge]:
    edges: list[_Edge] = []
    parents = 0
    for label, (_, assertion, _c) in refs.items():
        if labels.base_label(label) not in labels.INGREDIENT_LABELS:
            continue
        content = assertion.try_content()
        a_url = labels.absolute_uri(m.label, labels.ASSERTIONS, label)
        if not isinstance(content, dict):
            out.add("assertion.ingredient.malformed", a_url, "ingredient is not a map")
            continue
        relationship = content.get("relationship")
        if relationship is not None and not isinstance(relationship, str):
            out.add("assertion.ingredient.malformed", a_url, "relationship is not text")
            continue
        if relationship == "parentOf":
            parents += 1
        if "validationResults" in content and not isinstance(content["validationResults"], dict):
            out.add("assertion.ingredient.malformed", a_url, "validationResults is not a map")
            continue
        ref = _manifest_ref(content)
        if ref is None:
            if relationship != "inputTo":
                out.add("ingredient.unknownProvenance", a_url, "ingredient has no manifest")
            continue
        if "activeManifest" in content and "validationResults" not in content:
            out.add("assertion.ingredient.malformed", a_url,
                    "ingredient with a manifest must carry validationResults")
        target = ctx.store.resolve(ref.url, m)
        # The manifest is named by its own URI or, in older files, by its claim's.
        if target is None or not (target[1] is target[0].box or target[1] is target[0].claim_box):
            out.add("ingredient.manifest.missing", a_url, f"ingredient manifest not found: {ref.url}")
            continue
        child = target[0]
        if not _ingredient_hash_ok(ctx, child, content, ref, alg, out, a_url):
            out.add("ingredient.manifest.mismatch", a_url, "ingredient manifest hash mismatch")
            continue
        edges.append(_Edge(a_url, child, content))
    if parents > 1 and m.kind != "update":
        out.add("manifest.multipleParents", labels.absolute_uri(m.label),
                "more than one parentOf ingredient")
    return edges


def _ingredient_hash_ok(ctx: _Context, child: Manifest, content: dict[str, Any], ref: HashedURI,
                        alg: str, out: StatusList | None = None, url: str | None = None) -> bool:
    """The manifest hash, by default in the ingredient claim's own algorithm (as c2pa-rs).

    Claims before C2PA 1.3 hashed the ingredient's claim bytes instead of its manifest box;
    that form is accepted when nothing in ``child`` was redacted, and said so in an
    informational status. Once assertions of ``child`` were redacted its bytes changed, so
    the untouched signature box is checked through ``claimSignature`` instead."""
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
    recorded: set[str] = set()
    stored = ingredient.get("validationResults")
    active = stored.get("activeManifest") if isinstance(stored, dict) else None
    failures = active.get("failure") if isinstance(active, dict) else None
    statuses = ingredient.get("validationStatus")
    for status in (failures if isinstance(failures, list) else []) + \
            (statuses if isinstance(statuses, list) else []):
        if isinstance(status, dict) and isinstance(status.get("code"), str):
            recorded.add(status["code"])
    delta.statuses = [s for s in delta.statuses
                      if not (s.kind == "failure" and s.code in recorded)]
