"""The C2PA end-entity certificate profile (C2PA 2.1 §14.5.1) as one rule set over plain facts.

:mod:`fakemedia.cose.certs` gathers the facts from a cryptography certificate and
:mod:`fakemedia.cose.certfields` from the DER reader; :func:`problems` words every way the
certificate breaks the profile, the same whichever gathered them. OIDs are dotted strings, so
this module loads none of cryptography's X.509 layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fakemedia.cose.algorithms import MIN_RSA_BITS

EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"
DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36"
#: c2pa-kp-claimSigning (C2PA 2.x §14.4.1).
C2PA_CLAIM_SIGNING = "1.3.6.1.4.1.62558.2.1"
MS_C2PA_SIGNING = "1.3.6.1.4.1.311.76.59.1.9"
ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0"
TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"
#: EKUs a C2PA claim signer may carry (§7.1); ``extra_ekus`` add more.
ACCEPTED_EKUS = frozenset({EMAIL_PROTECTION, DOCUMENT_SIGNING, C2PA_CLAIM_SIGNING, MS_C2PA_SIGNING})
_SOLO_EKUS = {TIME_STAMPING: "timeStamping", OCSP_SIGNING: "OCSPSigning"}
RSASSA_PSS = "1.2.840.113549.1.1.10"
SIGNATURE_ALGORITHMS = frozenset({
    "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4",  # ECDSA, SHA-2
    "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13",  # RSA, SHA-2
    RSASSA_PSS, "1.3.101.112",  # Ed25519
})
_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})
#: Extensions understood (RFC 5280 §4.2); any other marked critical fails the profile.
KNOWN_EXTENSIONS = frozenset({
    "2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.14", "2.5.29.35",  # BC, KU, EKU, SKI, AKI
    "2.5.29.17", "2.5.29.18", "2.5.29.32", "2.5.29.36", "2.5.29.33",  # SAN, IAN, policies
    "2.5.29.54", "2.5.29.30", "2.5.29.31", "2.5.29.46",  # inhibitAnyPolicy, NC, CRL DP, fresh
    "1.3.6.1.5.5.7.1.1", "1.3.6.1.5.5.7.1.11",  # AIA, SIA
})


class Extensions:
    """The extensions the profile reads; ``key_usage`` is (digitalSignature,
    contentCommitment, keyCertSign), None when absent; ``ekus`` None when absent.
    (Plain classes, not dataclasses: they are built on every cold verify.)"""

    __slots__ = ("ca", "critical", "ekus", "has_aki", "key_usage")

    def __init__(self, ca: bool, has_aki: bool, key_usage: tuple[bool, bool, bool] | None,
                 ekus: tuple[str, ...] | None, critical: tuple[str, ...]) -> None:
        self.ca, self.has_aki, self.key_usage, self.ekus, self.critical = (
            ca, has_aki, key_usage, ekus, critical)


class Facts:
    """What the profile looks at. ``key`` is the cryptography public key, None when it cannot
    be loaded; ``extensions`` None when they cannot be parsed."""

    __slots__ = ("extensions", "key", "pss_ok", "self_issued", "signature_oid", "unique_ids", "v3")

    def __init__(self, *, v3: bool, unique_ids: bool, signature_oid: str, pss_ok: bool, key: Any,
                 self_issued: bool, extensions: Extensions | None) -> None:
        self.v3, self.unique_ids, self.signature_oid, self.pss_ok = v3, unique_ids, signature_oid, pss_ok
        self.key, self.self_issued, self.extensions = key, self_issued, extensions


def accepted_ekus(extra: Iterable[str] = (), replace: Iterable[str] | None = None) -> frozenset[str]:
    return frozenset(replace) if replace is not None else ACCEPTED_EKUS | frozenset(extra)


def problems(facts: Facts, accepted: frozenset[str]) -> list[str]:
    """Every way the certificate breaks the profile, in a fixed order; [] when it conforms."""
    out = []
    if not facts.v3:
        out.append("not an X.509 v3 certificate")
    if facts.unique_ids:
        out.append("carries issuerUniqueID or subjectUniqueID")
    if facts.signature_oid not in SIGNATURE_ALGORITHMS:
        out.append(f"certificate signature algorithm {facts.signature_oid} is not allowed")
    elif facts.signature_oid == RSASSA_PSS and not facts.pss_ok:
        out.append("RSASSA-PSS certificate signature must use one SHA-2 hash for both digest and MGF1")
    if facts.key is None:
        out.append("public key type is not supported")
    else:
        out.extend(key_problems(facts.key))
    out.extend(_extension_problems(facts, accepted))
    return out


def key_problems(key: Any) -> Iterable[str]:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _CURVES:
            yield f"EC curve {key.curve.name} is not P-256, P-384 or P-521"
    elif isinstance(key, ed25519.Ed25519PublicKey):
        return
    elif _is_rsa(key):
        if key.key_size < MIN_RSA_BITS:
            yield f"RSA key of {key.key_size} bits is below {MIN_RSA_BITS}"
    else:
        yield f"key type {type(key).__name__} is not allowed"


def _is_rsa(key: Any) -> bool:
    from cryptography.hazmat.primitives.asymmetric import rsa  # only for a key that is not EC

    return isinstance(key, rsa.RSAPublicKey)


def _extension_problems(facts: Facts, accepted: frozenset[str]) -> Iterable[str]:
    ext = facts.extensions
    if ext is None:
        yield "extensions cannot be parsed"
        return
    if ext.ca:
        yield "is a CA certificate (expected end-entity)"
        if facts.self_issued:
            yield "is a self-signed CA certificate"
    if not ext.has_aki:
        yield "no Authority Key Identifier"
    if ext.key_usage is None:
        yield "no Key Usage"
    else:
        digital_signature, content_commitment, key_cert_sign = ext.key_usage
        # c2pa-rs tolerates nonRepudiation (contentCommitment) alone.
        if not (digital_signature or content_commitment):
            yield "Key Usage lacks digitalSignature"
        if key_cert_sign and not ext.ca:
            yield "Key Usage has keyCertSign on an end-entity certificate"
    yield from _eku_problems(ext.ekus, accepted)
    for oid in ext.critical:
        if oid not in KNOWN_EXTENSIONS:
            yield f"unknown critical extension {oid}"


def _eku_problems(usages: tuple[str, ...] | None, accepted: frozenset[str]) -> Iterable[str]:
    if usages is None:
        yield "no Extended Key Usage"
        return
    if ANY_EXTENDED_KEY_USAGE in usages:
        yield "Extended Key Usage contains anyExtendedKeyUsage"
    if not any(u in accepted for u in usages):
        yield "Extended Key Usage has no accepted purpose" if accepted.isdisjoint(ACCEPTED_EKUS) \
            else "Extended Key Usage has no C2PA signing purpose"
    for oid, name in _SOLO_EKUS.items():
        if oid in usages and len(usages) > 1:
            yield f"Extended Key Usage {name} must appear alone"
