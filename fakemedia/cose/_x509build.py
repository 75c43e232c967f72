"""Building keys and certificates: the local identity and test fixtures (C2PA 2.2 §14.5.1, RFC 5280).

:func:`issue_certificate` defaults to a conforming C2PA end-entity certificate; every knob can be
turned off to make the non-conforming ones tests need (CA leaf, no EKU, no AKI, expired…).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.certs import C2PA_CLAIM_SIGNING, DOCUMENT_SIGNING

#: Recommended leaf EKUs: emailProtection + documentSigning + c2pa-kp-claimSigning
#: (C2PA 2.2 §14.4.1, §14.5.1).
LEAF_EKUS: tuple[x509.ObjectIdentifier, ...] = (
    ExtendedKeyUsageOID.EMAIL_PROTECTION,
    DOCUMENT_SIGNING,
    C2PA_CLAIM_SIGNING,
)
#: Backdating of ``not_valid_before`` so clock skew does not make a fresh identity "not yet valid".
BACKDATE = timedelta(minutes=5)
_RSA_BITS = {Algorithm.PS256: 2048, Algorithm.PS384: 3072, Algorithm.PS512: 3072}
_EC_CURVES: dict[Algorithm, Callable[[], ec.EllipticCurve]] = {
    Algorithm.ES256: ec.SECP256R1,
    Algorithm.ES384: ec.SECP384R1,
    Algorithm.ES512: ec.SECP521R1,
}
_KU_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def generate_key(algorithm: Algorithm | str, rsa_bits: int | None = None) -> Any:
    """A fresh private key of the type ``algorithm`` needs."""
    alg = algorithm if isinstance(algorithm, Algorithm) else Algorithm.from_label(algorithm)
    if alg in _EC_CURVES:
        return ec.generate_private_key(_EC_CURVES[alg]())
    if alg in _RSA_BITS:
        return rsa.generate_private_key(65537, rsa_bits or _RSA_BITS[alg])
    return ed25519.Ed25519PrivateKey.generate()


def make_name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attrs)


def _hash_for(key: Any) -> hashes.HashAlgorithm | None:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {384: hashes.SHA384(), 521: hashes.SHA512()}.get(key.curve.key_size, hashes.SHA256())
    return hashes.SHA256()


def _key_usage(flags: Iterable[str]) -> x509.KeyUsage:
    chosen = set(flags)
    unknown = chosen - set(_KU_FLAGS)
    if unknown:
        raise ValueError(f"unknown key usage flags {sorted(unknown)}")
    return x509.KeyUsage(**{f: f in chosen for f in _KU_FLAGS})


def issue_certificate(
    public_key: Any,
    subject: x509.Name,
    issuer_key: Any,
    issuer_cert: x509.Certificate | None = None,
    *,
    ca: bool | None = False,
    path_length: int | None = None,
    key_usage: Iterable[str] | None = ("digital_signature",),
    ekus: Sequence[x509.ObjectIdentifier] | None = LEAF_EKUS,
    aki: bool = True,
    ski: bool = True,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    valid_days: int = 730,
    extra_extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
    hash_algorithm: hashes.HashAlgorithm | None = None,
) -> x509.Certificate:
    """Issue a certificate; self-signed when ``issuer_cert`` is None.

    ``ca=None`` omits basicConstraints; ``key_usage=None`` / ``ekus=None`` omit those
    extensions; ``aki``/``ski`` toggle the key identifiers.
    """
    start = not_before or datetime.now(timezone.utc) - BACKDATE
    end = not_after or start + timedelta(days=valid_days)
    issuer_name = issuer_cert.subject if issuer_cert is not None else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
    )
    if ca is not None:
        constraints = x509.BasicConstraints(ca=ca, path_length=path_length if ca else None)
        builder = builder.add_extension(constraints, critical=True)
    if key_usage is not None:
        builder = builder.add_extension(_key_usage(key_usage), critical=True)
    if ekus is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(ekus)), critical=False)
    if ski:
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if aki:
        issuer_public = issuer_key.public_key()
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    for extension, critical in extra_extensions:
        builder = builder.add_extension(extension, critical=critical)
    digest = hash_algorithm if hash_algorithm is not None else _hash_for(issuer_key)
    # cryptography types the digest as a closed union of SHA-2/SHA-3 classes; ours is one of them.
    return builder.sign(issuer_key, cast(Any, digest))


def issue_root(key: Any, common_name: str, organization: str, valid_days: int) -> x509.Certificate:
    """A self-signed root CA: cA=TRUE, KU keyCertSign+cRLSign, SKI, AKI to itself (RFC 5280 §4.2.1)."""
    return issue_certificate(
        key.public_key(),
        make_name(common_name, organization),
        key,
        ca=True,
        key_usage=("key_cert_sign", "crl_sign"),
        ekus=None,
        valid_days=valid_days,
    )
