"""Certificates: loading, the C2PA certificate profile (C2PA 2.x §14.5.1) and path validation.

A chain (leaf first, in x5chain order, §14.5) is trusted when it reaches a trust anchor through
links that each pass RFC 5280 §6.1: every link issued and signed by the next certificate, every
issuer a CA (basicConstraints cA, keyCertSign when Key Usage is present), path-length limits
kept, no unknown critical extension, an issuer's Extended Key Usage (when present) allowing the
leaf's purpose, and every certificate of the x5chain valid at the time the signature is judged
(the attested time-stamp time, or validation time; an anchor from the trust list is an input to
the algorithm, RFC 5280 §6.1.1, and is not dated - as in the reference SDK). cryptography's
``x509.verification`` verifier was measured against the reference SDK's test PKI and rejected:
it enforces the Web PKI algorithm set, which forbids the RSASSA-PSS keys and Ed25519 that the
C2PA profile allows (§13.2). Revocation lives in :mod:`fakemedia.cose.ocsp`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID, SignatureAlgorithmOID

from fakemedia.cose import certfields, profile
from fakemedia.errors import CertificateError

#: c2pa-kp-claimSigning (C2PA 2.x §14.4.1).
C2PA_CLAIM_SIGNING = x509.ObjectIdentifier(profile.C2PA_CLAIM_SIGNING)
DOCUMENT_SIGNING = x509.ObjectIdentifier(profile.DOCUMENT_SIGNING)
MS_C2PA_SIGNING = x509.ObjectIdentifier(profile.MS_C2PA_SIGNING)
#: EKUs a C2PA claim signer may carry (§7.1); ``profile_problems(extra_ekus=…)`` adds more.
ACCEPTED_EKUS = frozenset(x509.ObjectIdentifier(o) for o in profile.ACCEPTED_EKUS)
_PSS_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512)
_KNOWN_EXTENSIONS = frozenset(x509.ObjectIdentifier(o) for o in profile.KNOWN_EXTENSIONS)


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from a PEM bundle or one DER certificate; CertificateError otherwise."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except (ValueError, x509.InvalidVersion):
        # InvalidVersion is not a ValueError: a certificate with a version field other than v1/v3.
        raise CertificateError("no readable certificate (expected PEM or DER)") from None


# --- §7.1 profile ---------------------------------------------------------------------------


def _der_children(der: bytes) -> list[int]:
    """Tag bytes of the elements inside the outer DER SEQUENCE (tiny, bounds-checked walk)."""

    def header(pos: int) -> tuple[int, int]:
        if pos + 2 > len(der):
            raise ValueError("truncated DER")
        first = der[pos + 1]
        if first < 0x80:
            return pos + 2, first
        count = first & 0x7F
        if count == 0 or count > 4 or pos + 2 + count > len(der):
            raise ValueError("bad DER length")
        return pos + 2 + count, int.from_bytes(der[pos + 2 : pos + 2 + count], "big")

    pos, _ = header(0)
    tags = []
    while pos < len(der):
        start, length = header(pos)
        tags.append(der[pos])
        pos = start + length
    return tags


def _version_is_v3(cert: x509.Certificate) -> bool:
    try:
        return cert.version is x509.Version.v3
    except x509.InvalidVersion:
        return False


def _unique_ids(cert: x509.Certificate) -> bool:
    try:
        tags = _der_children(cert.tbs_certificate_bytes)
    except ValueError:
        tags = []
    # issuerUniqueID [1] and subjectUniqueID [2], IMPLICIT BIT STRING (RFC 5280 §4.1).
    return any(t in (0x81, 0xA1, 0x82, 0xA2) for t in tags)


def _pss_params_ok(cert: x509.Certificate) -> bool:
    try:
        digest = cert.signature_hash_algorithm
        params: Any = cert.signature_algorithm_parameters
    except Exception:  # unsupported hash or malformed parameters
        return False
    # cryptography exposes the MGF1 hash only as a private attribute; absent -> cannot tell.
    mgf_hash = getattr(getattr(params, "mgf", None), "_algorithm", digest)
    return isinstance(digest, _PSS_HASHES) and mgf_hash is not None and type(mgf_hash) is type(digest)


def _public_key(cert: x509.Certificate) -> Any:
    try:
        return cert.public_key()
    except Exception:  # unknown or malformed SubjectPublicKeyInfo
        return None


def _profile_extensions(cert: x509.Certificate) -> profile.Extensions | None:
    try:
        exts = cert.extensions
    except Exception:  # malformed or duplicate extensions
        return None

    def get(oid: x509.ObjectIdentifier) -> Any:
        try:
            return exts.get_extension_for_oid(oid).value
        except x509.ExtensionNotFound:
            return None

    bc = get(ExtensionOID.BASIC_CONSTRAINTS)
    ku = get(ExtensionOID.KEY_USAGE)
    eku = get(ExtensionOID.EXTENDED_KEY_USAGE)
    return profile.Extensions(
        ca=bool(bc and bc.ca), has_aki=get(ExtensionOID.AUTHORITY_KEY_IDENTIFIER) is not None,
        key_usage=None if ku is None else (ku.digital_signature, ku.content_commitment,
                                           ku.key_cert_sign),
        ekus=None if eku is None else tuple(u.dotted_string for u in eku),
        critical=tuple(e.oid.dotted_string for e in exts if e.critical))


def profile_facts(cert: x509.Certificate) -> profile.Facts:
    """What the profile looks at, read through cryptography."""
    oid = cert.signature_algorithm_oid
    return profile.Facts(
        v3=_version_is_v3(cert), unique_ids=_unique_ids(cert), signature_oid=oid.dotted_string,
        pss_ok=oid == SignatureAlgorithmOID.RSASSA_PSS and _pss_params_ok(cert),
        key=_public_key(cert), self_issued=cert.issuer == cert.subject,
        extensions=_profile_extensions(cert))


def _dotted(values: Iterable[str | x509.ObjectIdentifier]) -> list[str]:
    return [o.dotted_string if isinstance(o, x509.ObjectIdentifier) else o for o in values]


def profile_problems(
    leaf: x509.Certificate,
    *,
    extra_ekus: Iterable[str | x509.ObjectIdentifier] = (),
    ekus: Iterable[str | x509.ObjectIdentifier] | None = None,
) -> list[str]:
    """Every way ``leaf`` breaks the C2PA end-entity profile (§14.5.1); [] when it conforms.

    Validity dates are not checked here (see :func:`is_valid_at`). ``extra_ekus`` are
    additional accepted EKU OIDs, like the reference SDK's trust configuration; ``ekus``
    replaces the accepted set entirely (a time-stamping or OCSP responder certificate).
    """
    accepted = profile.accepted_ekus(_dotted(extra_ekus), None if ekus is None else _dotted(ekus))
    return profile.problems(profile_facts(leaf), accepted)


# --- validity, chaining, display -------------------------------------------------------------


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def is_valid_at(cert: x509.Certificate, when: datetime) -> bool:
    """True when ``when`` (naive = UTC) lies inside the certificate's validity window."""
    return cert.not_valid_before_utc <= _utc(when) <= cert.not_valid_after_utc


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except Exception:  # name mismatch, bad signature, unsupported key or algorithm
        return False
    return True


def _extension(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> Any:
    """The extension's value, None when absent; ValueError when the extensions are unreadable."""
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    except Exception:  # duplicate or malformed extensions
        raise ValueError("extensions cannot be parsed") from None


def _is_self_issued(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _issuer_problems(issuer: x509.Certificate, below: int,
                     purposes: frozenset[x509.ObjectIdentifier]) -> Iterable[str]:
    """RFC 5280 §6.1.4 for a certificate that signs another; ``below`` counts the
    non-self-issued intermediates between it and the leaf (for pathLenConstraint)."""
    name = _first(issuer.subject, NameOID.COMMON_NAME) or issuer.subject.rfc4514_string()
    try:
        bc = _extension(issuer, ExtensionOID.BASIC_CONSTRAINTS)
        ku = _extension(issuer, ExtensionOID.KEY_USAGE)
        eku = _extension(issuer, ExtensionOID.EXTENDED_KEY_USAGE)
        critical = [e.oid for e in issuer.extensions if e.critical]
    except ValueError as exc:
        yield f"issuer {name!r}: {exc}"
        return
    if bc is None or not bc.ca:
        yield f"issuer {name!r} is not a CA (no basicConstraints cA)"
    elif bc.path_length is not None and below > bc.path_length:
        yield f"issuer {name!r} allows {bc.path_length} intermediate(s) below it, found {below}"
    if ku is not None and not ku.key_cert_sign:
        yield f"issuer {name!r} lacks keyCertSign"
    if eku is not None and purposes and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in eku \
            and purposes.isdisjoint(eku):
        yield f"issuer {name!r} does not allow the leaf's Extended Key Usage"
    for oid in critical:
        if oid not in _KNOWN_EXTENSIONS:
            yield f"issuer {name!r} has unknown critical extension {oid.dotted_string}"


def _leaf_purposes(leaf: x509.Certificate) -> frozenset[x509.ObjectIdentifier]:
    try:
        eku = _extension(leaf, ExtensionOID.EXTENDED_KEY_USAGE)
    except ValueError:
        return frozenset()
    return frozenset(eku) if eku is not None else frozenset()


def chain_problems(chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate],
                   when: datetime | None = None) -> list[str]:
    """Why ``chain`` (leaf first, in x5chain order) is not trusted; [] when it is.

    The path runs up the chain to the first certificate that is an anchor or is signed by one
    (RFC 5280 §6.1). ``when`` (default: now) is the time every certificate the chain carries
    must be valid at.
    """
    if not chain:
        return ["no certificate"]
    if not anchors:
        return [certfields.NO_ANCHORS]
    moment = _utc(when or datetime.now(timezone.utc))
    path: list[x509.Certificate] | None = None
    for i, cert in enumerate(chain):
        if i > 0 and not _issued_by(chain[i - 1], cert):
            return [f"certificate {i} of the chain did not issue certificate {i - 1}"]
        if cert in anchors:
            path = list(chain[: i + 1])
            break
        issuer = next((a for a in anchors if _issued_by(cert, a)), None)
        if issuer is not None:
            path = [*chain[: i + 1], issuer]
            break
    if path is None:
        return ["the chain does not reach a trust anchor"]
    problems: list[str] = []
    purposes = _leaf_purposes(chain[0])
    below = 0
    carried = min(len(path), len(chain))  # the x5chain's share of the path
    for depth, cert in enumerate(path):
        # An anchor from the trust list is an input to path validation, not a certificate of
        # the path (RFC 5280 §6.1.1 (d)): only what the signer carried is dated.
        if depth < carried and not is_valid_at(cert, moment):
            role = "signing certificate" if depth == 0 else "issuing certificate"
            problems.append(f"{role} {depth} not valid at {_iso(moment)}")
        if depth > 0:
            problems.extend(_issuer_problems(cert, below, purposes))
            if not _is_self_issued(cert):
                below += 1
    return problems


def chain_to_anchor(chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate],
                    when: datetime | None = None) -> bool:
    """True when the chain (leaf first) is trusted at ``when`` (see :func:`chain_problems`)."""
    return not chain_problems(chain, anchors, when)


def order_chain(leaf: x509.Certificate, pool: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """``leaf`` followed by its issuers found in an unordered ``pool`` (a CMS certificate
    SET), as far as they go; bounded by the pool's size."""
    chain = [leaf]
    remaining = [c for c in pool if c != leaf]
    while remaining and not _is_self_issued(chain[-1]):
        issuer = next((c for c in remaining if _issued_by(chain[-1], c)), None)
        if issuer is None:
            break
        chain.append(issuer)
        remaining.remove(issuer)
    return chain


def sha256_fingerprint(cert: x509.Certificate) -> bytes:
    """SHA-256 of the certificate's DER, as end-entity allow-lists name certificates."""
    return cert.fingerprint(hashes.SHA256())


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attrs = name.get_attributes_for_oid(oid)
    value = attrs[0].value if attrs else None
    return value if isinstance(value, str) else None


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def describe(cert: x509.Certificate) -> dict[str, str | None]:
    """A small, JSON-ready summary of who a certificate names."""
    return {
        "common_name": _first(cert.subject, NameOID.COMMON_NAME),
        "organization": _first(cert.subject, NameOID.ORGANIZATION_NAME),
        "issuer": cert.issuer.rfc4514_string(),
        "issuer_common_name": _first(cert.issuer, NameOID.COMMON_NAME),
        "serial_number": str(cert.serial_number),
        "not_before": _iso(cert.not_valid_before_utc),
        "not_after": _iso(cert.not_valid_after_utc),
    }
