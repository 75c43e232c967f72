"""CAWG identity assertions (``cawg.identity``; CAWG identity assertion 1.1): who, beyond the
claim signer, vouches for an asset, validated offline as the reference SDK validates them.

:func:`validate_identity` checks one assertion and returns its status codes together with a
:class:`VerifiedIdentity` for display. The structure and signer payload are checked first
(padding, the referenced assertions against the claim, the hard binding), then the credential
for its signature type: X.509 (:mod:`.x509`) or identity claims aggregation (:mod:`.ica`).
Manifest validation keeps both as an :class:`IdentityFinding` per assertion, so what is shown
was checked once, in the same run.

Trust comes from the settings object, apart from the C2PA signer trust as in the reference
SDK's ``cawg_trust`` settings: ``cawg_anchors`` (X.509 credential roots), ``cawg_extra_ekus``
(further accepted EKUs for them), ``cawg_end_entities`` (SHA-256 of X.509 credentials trusted
as they are), ``cawg_ica_issuers`` (trusted ICA issuer DIDs) and ``now``. None is configured
by default, so credentials are reported untrusted, as by the reference SDK.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from fakemedia._record import Frozen, Record, replace
from fakemedia.manifest import labels
from fakemedia.manifest.cawg import codes
from fakemedia.manifest.cawg.identity import NamedIdentity, VerifiedIdentity
from fakemedia.manifest.store import Assertion, HashedURI, Manifest

__all__ = ["LABEL", "IdentityFinding", "IdentityResult", "NamedIdentity", "VerifiedIdentity",
           "identities_of", "is_identity_label", "validate_identity"]

LABEL = "cawg.identity"
X509_SIG_TYPE = "cawg.x509.cose"
ICA_SIG_TYPE = "cawg.identity_claims_aggregation"


class Trust(Protocol):
    now: datetime


class IdentityResult(Record):
    """Status codes as (code, url, explanation) and the identity, when the assertion parsed."""

    __slots__ = ("identity", "statuses")
    statuses: list[tuple[str, str, str]]
    identity: VerifiedIdentity | None

    def __init__(self, statuses: list[tuple[str, str, str]] | None = None,
                 identity: VerifiedIdentity | None = None) -> None:
        self.statuses = statuses if statuses is not None else []
        self.identity = identity


class IdentityFinding(Frozen):
    """What validation established about one ``cawg.identity`` assertion of a manifest.

    ``url`` is the assertion's absolute JUMBF URI, ``statuses`` its CAWG status codes as
    (code, explanation) in the order they were found, and ``identity`` the verified facts
    (name, verified identities, issuer, credential type, problems), or None when the assertion
    did not parse or its credential signed other assertions than the claim's.
    """

    __slots__ = ("identity", "label", "statuses", "url")
    url: str
    label: str
    statuses: tuple[tuple[str, str], ...]
    identity: VerifiedIdentity | None

    def __init__(self, url: str, label: str, statuses: tuple[tuple[str, str], ...],
                 identity: VerifiedIdentity | None) -> None:
        self._init(url=url, label=label, statuses=statuses, identity=identity)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.statuses)

    @property
    def failures(self) -> tuple[str, ...]:
        """The codes that are neither success nor informational."""
        return tuple(code for code in self.codes
                     if code not in codes.SUCCESS and code not in codes.INFORMATIONAL)


def finding(manifest: Manifest, assertion: Assertion, result: IdentityResult) -> IdentityFinding:
    url = labels.absolute_uri(manifest.label, labels.ASSERTIONS, assertion.label)
    return IdentityFinding(url, assertion.label, tuple((code, why) for code, _, why in result.statuses),
                           result.identity)


def is_identity_label(label: str) -> bool:
    return labels.base_label(label) == LABEL


def validate_identity(manifest: Manifest, assertion: Assertion, claim_refs: Sequence[HashedURI],
                      trust: Trust) -> IdentityResult:
    """Validate one ``cawg.identity`` assertion of ``manifest``; never raises on content."""
    url = labels.absolute_uri(manifest.label, labels.ASSERTIONS, assertion.label)
    result = IdentityResult()
    # The checkers load only for a manifest that has an identity assertion: most files have
    # none, and verify's start-up should not pay for them.
    from fakemedia.manifest.cawg.ica import check_ica
    from fakemedia.manifest.cawg.payload import check_against_claim, check_padding, parse_assertion
    from fakemedia.manifest.cawg.x509 import check_x509

    parsed = parse_assertion(assertion.try_content())
    if parsed is None:
        result.statuses.append((codes.ASSERTION_MALFORMED, labels.absolute_uri(manifest.label),
                                f"{assertion.label} is not a well-formed identity assertion"))
        return result
    findings = check_padding(parsed)
    bound, go_on = check_against_claim(parsed.signer_payload, manifest.label, claim_refs)
    findings += bound
    sig_type = parsed.signer_payload.sig_type
    if not go_on:
        pass  # the credential signed other assertion bytes than the claim's: nothing to show
    elif sig_type == X509_SIG_TYPE:
        more, result.identity = check_x509(
            parsed, assertion.label, getattr(trust, "cawg_anchors", ()), trust.now,
            extra_ekus=getattr(trust, "cawg_extra_ekus", ()),
            end_entities=getattr(trust, "cawg_end_entities", frozenset()))
        findings += more
    elif sig_type == ICA_SIG_TYPE:
        more, result.identity = check_ica(parsed, assertion.label,
                                          frozenset(getattr(trust, "cawg_ica_issuers", ())), trust.now)
        findings += more
    else:
        findings.append((codes.SIG_TYPE_UNKNOWN, f"unknown identity signature type {sig_type!r}"))
    result.statuses = [(code, url, why) for code, why in findings]
    if result.identity is not None:
        problems = tuple(code for code, _ in findings
                         if code not in codes.SUCCESS and code not in codes.INFORMATIONAL
                         and code not in (codes.X509_CREDENTIAL_UNTRUSTED,))
        if problems:
            result.identity = replace(result.identity, verified=False, problems=problems)
    return result


def identity_assertions(manifest: Manifest) -> Iterator[Assertion]:
    """The claim's ``cawg.identity`` assertions present in the manifest, in claim order."""
    created, gathered = manifest.claim_refs()
    for ref in created + gathered:
        path = labels.uri_path(ref.url, manifest.label)
        label = path[-1] if path else ""
        if is_identity_label(label):
            found = manifest.assertion(label)
            if found is not None:
                yield found


def identities_of(manifest: Manifest, trust: Trust,
                  recorded: Sequence[IdentityFinding] | None = None) -> list[VerifiedIdentity]:
    """Every identity the manifest's identity assertions name, for display: taken from
    ``recorded`` (the findings of the validation run) when given, else validated here."""
    if recorded is not None:
        return [f.identity for f in recorded if f.identity is not None]
    refs = [r for part in manifest.claim_refs() for r in part]
    out = []
    for assertion in identity_assertions(manifest):
        identity = validate_identity(manifest, assertion, refs, trust).identity
        if identity is not None:
            out.append(identity)
    return out
