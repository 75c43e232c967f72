"""Identity claims aggregation (``sig_type`` ``cawg.identity_claims_aggregation``; CAWG
identity 1.1, §8.1): an identity provider (the issuer, named by a DID) attests the holder's
verified identities in a verifiable credential, signed as a COSE_Sign1 with embedded payload.

The checks run in the reference SDK's order; a structural failure (COSE, algorithm, payload,
credential) ends them, later ones are all reported. The issuer is trusted only when its DID is
on the configured list of trusted ICA issuers; an untrusted issuer is informational.

An RFC 3161 time-stamp in the credential's unprotected header (``sigTst2``/``sigTst``, as on
a claim signature, its imprint over the credential's COSE countersignature structure) is
checked as the reference SDK checks it: CMS signature, TSA certificate validity and imprint,
with no TSA trust list (its pass-through policy). A sound one gives
``cawg.ica.time_stamp.validated`` and its time must also lie inside the credential's validity
window; any other outcome is the failure ``cawg.ica.time_stamp.invalid``. A header whose
container cannot be decoded counts as no time-stamp, as there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature

from fakemedia import _record
from fakemedia.cose import sign1
from fakemedia.errors import FakemediaError
from fakemedia.manifest.cawg import codes
from fakemedia.manifest.cawg.did import DidProblem, primary_did, resolve_key
from fakemedia.manifest.cawg.identity import ICA, VerifiedIdentity
from fakemedia.manifest.cawg.payload import Finding, IdentityAssertion, SignerPayload
from fakemedia.manifest.cawg.vc import Credential, CredentialInvalid, parse_credential

#: COSE header labels (RFC 9052 §3.1) and the content type of a VC 2.0 credential.
_CONTENT_TYPE = 3
_EDDSA = -8
VC_CONTENT_TYPE = "application/vc"


def check_ica(assertion: IdentityAssertion, label: str, trusted_issuers: Collection[str],
              now: datetime) -> tuple[list[Finding], VerifiedIdentity]:
    payload = assertion.signer_payload
    unverified = VerifiedIdentity(label, payload.sig_type, ICA, False, False, roles=payload.roles)
    try:
        cose = sign1.decode_sign1(assertion.signature)
    except FakemediaError as exc:
        return [(codes.ICA_INVALID_COSE_SIGN1, f"credential is not a COSE_Sign1: {exc}")], unverified
    if cose.alg_id != _EDDSA:
        why = f"credential signature algorithm {cose.alg_id!r} is not EdDSA"
        return [(codes.ICA_INVALID_ALG, why)], unverified
    findings: list[Finding] = []
    if cose.protected.get(_CONTENT_TYPE) != VC_CONTENT_TYPE:
        findings.append((codes.ICA_INVALID_CONTENT_TYPE, f"content type is not {VC_CONTENT_TYPE}"))
    if cose.payload is None:
        return [*findings, (codes.ICA_INVALID_VC, "COSE_Sign1 carries no credential")], unverified
    try:
        credential = parse_credential(cose.payload)
    except CredentialInvalid as exc:
        return [*findings, (codes.ICA_INVALID_VC, f"invalid verifiable credential: {exc}")], unverified
    signature_ok = _check_issuer_signature(cose, credential, findings)
    trusted = signature_ok and primary_did(credential.issuer) in trusted_issuers
    if signature_ok and not trusted:
        findings.append((codes.ICA_UNTRUSTED_ISSUER, "credential issuer is not a trusted ICA issuer"))
    stamped_at = _check_time_stamp(cose, findings)
    findings.extend(_check_dates(credential, now, stamped_at))
    if not _same_payload(payload, credential.c2pa_asset):
        findings.append((codes.ICA_SIGNER_PAYLOAD_MISMATCH, "c2paAsset does not match the signer payload"))
    failed = any(code not in codes.INFORMATIONAL and code not in codes.SUCCESS for code, _ in findings)
    if signature_ok and trusted and not failed:
        findings.append((codes.ICA_CREDENTIAL_VALID, "identity credential valid"))
    identity = VerifiedIdentity(
        label, payload.sig_type, ICA, verified=signature_ok and not failed, trusted=trusted,
        issuer=credential.issuer, name=next((i.name for i in credential.identities if i.name), None),
        roles=payload.roles, identities=credential.identities,
        valid_from=_iso(credential.valid_from), valid_until=_iso(credential.valid_until),
        time_stamp=_iso(stamped_at))
    return findings, identity


def _check_issuer_signature(cose: sign1.Sign1, credential: Credential, findings: list[Finding]) -> bool:
    try:
        key = resolve_key(credential.issuer)
    except DidProblem as problem:
        findings.append((problem.code, problem.why))
        return False
    try:
        key.verify(cose.signature, sign1.sig_structure(cose.protected_bytes, cose.payload or b""))
    except InvalidSignature:
        findings.append((codes.ICA_SIGNATURE_MISMATCH, "credential signature does not match its issuer"))
        return False
    return True


def _check_time_stamp(cose: sign1.Sign1, findings: list[Finding]) -> datetime | None:
    """The credential's own time-stamp, if any; its time when it validated."""
    if sign1.header_tokens(cose.unprotected) is None:
        return None
    from fakemedia.cose import timestamp  # asn1crypto only when a token is present

    checked = timestamp.check(cose.unprotected, cose.protected_bytes, cose.signature,
                              cose.payload or b"", 2, (), check_trust=False)
    if checked.gen_time is not None:
        findings.append((codes.ICA_TIME_STAMP_VALIDATED,
                         f"credential time-stamp validated, time {_iso(checked.gen_time)}"))
        return checked.gen_time
    if checked.container_ok and checked.statuses:
        code, why = checked.statuses[-1]
        findings.append((codes.ICA_TIME_STAMP_INVALID, f"credential time-stamp rejected ({code}: {why})"))
    return None


def _check_dates(credential: Credential, now: datetime, stamped_at: datetime | None) -> list[Finding]:
    """§8.1.1.4: validFrom is required and not in the future; validUntil, if any, not past;
    both also hold at the credential's validated time-stamp. One finding per bound."""
    when = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    out: list[Finding] = []
    if credential.valid_from is None:
        out.append((codes.ICA_VALID_FROM_MISSING, "credential has no validFrom"))
    elif when < credential.valid_from:
        out.append((codes.ICA_VALID_FROM_INVALID, "credential validFrom is after the validation time"))
    elif stamped_at is not None and stamped_at < credential.valid_from:
        out.append((codes.ICA_VALID_FROM_INVALID, "credential validFrom is after its time-stamp"))
    if credential.valid_until is None:
        pass
    elif when > credential.valid_until:
        out.append((codes.ICA_VALID_UNTIL_INVALID, "credential validUntil is before the validation time"))
    elif stamped_at is not None and stamped_at > credential.valid_until:
        out.append((codes.ICA_VALID_UNTIL_INVALID, "credential validUntil is before its time-stamp"))
    return out


def _same_payload(signed: SignerPayload, asset: SignerPayload) -> bool:
    """The credential's ``c2paAsset`` restates the signer payload; a reference that omits
    ``alg`` takes the credential's (signers fill in a default the claim does not carry)."""
    if len(signed.referenced_assertions) != len(asset.referenced_assertions):
        return False
    refs = tuple(ref if ref.alg is not None else _record.replace(ref, alg=theirs.alg)
                 for ref, theirs in zip(signed.referenced_assertions, asset.referenced_assertions,
                                           strict=True))
    return dataclasses.replace(signed, referenced_assertions=refs) == asset


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None
