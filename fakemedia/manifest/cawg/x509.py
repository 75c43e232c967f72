"""X.509 credentials (``sig_type`` ``cawg.x509.cose``; CAWG identity 1.1, §8.2): a COSE_Sign1
over the signer payload by a certificate, judged against the CAWG trust anchors — a list
separate from the C2PA claim-signer anchors — with the C2PA certificate profile. Like the
reference SDK's ``cawg_trust`` settings, the CAWG list has its own extra EKUs and its own
end-entity allow-list (SHA-256 of the certificate's DER), both apart from the C2PA ones.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from cryptography import x509

from fakemedia.cose import certs, sign1
from fakemedia.errors import FakemediaError
from fakemedia.manifest.cawg import codes
from fakemedia.manifest.cawg.identity import X509, VerifiedIdentity
from fakemedia.manifest.cawg.payload import Finding, IdentityAssertion


def check_x509(assertion: IdentityAssertion, label: str, anchors: Sequence[x509.Certificate],
               now: datetime, *, extra_ekus: Sequence[str] = (),
               end_entities: Collection[bytes] = frozenset()) -> tuple[list[Finding], VerifiedIdentity]:
    findings: list[Finding] = []
    payload = assertion.signer_payload
    unverified = VerifiedIdentity(label, payload.sig_type, X509, False, False,
                                  roles=payload.roles)
    try:
        cose = sign1.decode_sign1(assertion.signature)
    except FakemediaError as exc:
        return [(codes.X509_SIGNATURE_MISMATCH, f"identity signature is not a COSE_Sign1: {exc}")], unverified
    if cose.algorithm is None:
        return [(codes.X509_ALGORITHM_UNSUPPORTED, "identity signature algorithm unsupported")], unverified
    try:
        chain = [x509.load_der_x509_certificate(der) for der in cose.x5chain]
        leaf = chain[0]
        leaf.public_key()
        problems = certs.profile_problems(leaf, extra_ekus=extra_ekus)
    except Exception:  # cryptography raises several types on a damaged certificate
        return [(codes.X509_CREDENTIAL_INVALID, "identity credential has no usable certificate"),
                (codes.X509_SIGNATURE_MISMATCH, "identity signature cannot be checked")], unverified
    if problems:
        findings.append((codes.X509_CREDENTIAL_INVALID, "; ".join(problems)))
    allowed = certs.sha256_fingerprint(leaf) in end_entities
    trusted = allowed or certs.chain_to_anchor(chain, anchors)
    if allowed:
        findings.append((codes.X509_CREDENTIAL_TRUSTED,
                         "identity credential is on the CAWG end-entity allow-list"))
    elif trusted:
        findings.append((codes.X509_CREDENTIAL_TRUSTED, "identity credential chains to a CAWG anchor"))
    else:
        findings.append((codes.X509_CREDENTIAL_UNTRUSTED, "identity credential not on the CAWG trust list"))
    try:
        sign1.verify_sign1(cose, payload.to_cbor())
    except sign1.UnsupportedAlgorithm:
        return [*findings, (codes.X509_ALGORITHM_UNSUPPORTED, "identity algorithm unsupported")], unverified
    except FakemediaError:
        return [*findings, (codes.X509_SIGNATURE_MISMATCH, "identity signature does not verify")], unverified
    findings.append((codes.X509_SIGNATURE_VALIDATED, "identity signature valid"))
    if not certs.is_valid_at(leaf, now):
        findings.append((codes.X509_OUTSIDE_VALIDITY, "identity certificate not valid at validation time"))
    findings.append((codes.WELL_FORMED, "X.509 identity assertion well-formed"))
    try:
        described = certs.describe(leaf)
    except Exception:  # an odd name encoding: the identity is shown without names
        described = {}
    identity = VerifiedIdentity(
        label, payload.sig_type, X509, verified=not problems and certs.is_valid_at(leaf, now),
        trusted=trusted, issuer=described.get("issuer_common_name") or described.get("issuer"),
        name=described.get("common_name") or described.get("organization"), roles=payload.roles,
        valid_from=described.get("not_before"), valid_until=described.get("not_after"))
    return findings, identity
