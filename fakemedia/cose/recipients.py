"""Recipient keys for restricted annotation metadata (see ENCRYPTION.md).

A recipient is a public key: X25519, EC P-256 / P-384 (ECDH-ES + A256KW) or RSA ≥ 2048 bits
(RSA-OAEP-256). Its key id is the first 16 bytes of SHA-256 over the SubjectPublicKeyInfo DER,
so anyone holding the public key or certificate computes the same id without coordination.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519

from fakemedia._io import write_atomic
from fakemedia.cose import signer as _signer
from fakemedia.errors import SigningError

__all__ = [
    "KEY_ID_BYTES",
    "Recipient",
    "generate_recipient_key",
    "key_id_of",
    "key_problem",
    "load_private_key",
    "write_recipient_key",
]

KEY_ID_BYTES = 16
MIN_RSA_BITS = 2048
#: RSA modulus of keys we generate (128-bit security, NIST SP 800-57).
GENERATED_RSA_BITS = 3072
#: Largest RSA modulus accepted; bounds the wrapped-key size of a recipient (2048 bytes).
MAX_RSA_BITS = 16384
#: EC curves accepted for ECDH-ES, by cryptography's curve name.
EC_CURVES = ("secp256r1", "secp384r1")
#: Largest PEM/DER blob read as a recipient key or certificate.
MAX_KEY_FILE_BYTES = 1024 * 1024
KINDS = ("x25519", "p256", "p384", "rsa")


def key_problem(key: Any) -> str | None:
    """Why ``key`` (public or private) cannot be a recipient key, or None when it can."""
    if isinstance(key, (x25519.X25519PublicKey, x25519.X25519PrivateKey)):
        return None
    if isinstance(key, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        if key.curve.name not in EC_CURVES:
            return f"EC curve {key.curve.name} is not supported (P-256 or P-384)"
        return None
    if isinstance(key, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
            return f"RSA key of {key.key_size} bits is outside {MIN_RSA_BITS}..{MAX_RSA_BITS}"
        return None
    return f"unsupported recipient key type {type(key).__name__}"


def key_id_of(public_key: Any) -> bytes:
    """COSE kid of a recipient: SHA-256(SubjectPublicKeyInfo DER)[:16]."""
    try:
        spki = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except (AttributeError, TypeError, ValueError):
        raise SigningError(f"unsupported recipient key type {type(public_key).__name__}") from None
    return hashlib.sha256(spki).digest()[:KEY_ID_BYTES]


_PRIVATE_TYPES = (x25519.X25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)


def _check_public(key: Any) -> None:
    if isinstance(key, _PRIVATE_TYPES):
        raise SigningError("a recipient needs the public key, not the private key")
    problem = key_problem(key)
    if problem:
        raise SigningError(problem)


@dataclass(frozen=True)
class Recipient:
    """Who may read restricted metadata: a public key and its key id."""

    key_id: bytes
    public_key: Any

    def __post_init__(self) -> None:
        _check_public(self.public_key)
        if self.key_id != key_id_of(self.public_key):
            raise SigningError("recipient key_id does not match its public key")

    @classmethod
    def of(cls, public_key: Any) -> Recipient:
        """The recipient for a public key object."""
        _check_public(public_key)
        return cls(key_id_of(public_key), public_key)

    @classmethod
    def from_pem(cls, data: bytes) -> Recipient:
        """A recipient from a PEM public key or an X.509 certificate (PEM or DER)."""
        data = bytes(data)
        if len(data) > MAX_KEY_FILE_BYTES:
            raise SigningError(f"recipient key file exceeds {MAX_KEY_FILE_BYTES} bytes")
        return cls.of(_load_public(data))


def _load_public(data: bytes) -> Any:
    loaders: list[Any]
    if b"-----BEGIN CERTIFICATE-----" in data:
        loaders = [lambda d: x509.load_pem_x509_certificate(d).public_key()]
    elif b"-----BEGIN" in data:
        loaders = [serialization.load_pem_public_key]
    else:
        loaders = [
            lambda d: x509.load_der_x509_certificate(d).public_key(),
            serialization.load_der_public_key,
        ]
    for load in loaders:
        try:
            return load(data)
        except Exception:  # the backend raises ValueError and, for odd inputs, others
            continue
    raise SigningError("not a PEM public key or an X.509 certificate (PEM or DER)")


def load_private_key(pem: bytes, passphrase: bytes | None = None) -> Any:
    """A recipient private key from PEM (PKCS#8, optionally encrypted); SigningError otherwise."""
    key = _signer.load_private_key(bytes(pem), passphrase)
    problem = key_problem(key) if isinstance(key, _PRIVATE_TYPES) else "not a recipient private key"
    if problem:
        raise SigningError(f"cannot decrypt with this key: {problem}")
    return key


def _generate(kind: str) -> Any:
    if kind == "x25519":
        return x25519.X25519PrivateKey.generate()
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "rsa":
        return rsa.generate_private_key(65537, GENERATED_RSA_BITS)
    raise SigningError(f"unknown recipient key kind {kind!r} (choose from {', '.join(KINDS)})")


def _private_pem(key: Any, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _public_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_recipient_key(kind: str = "x25519") -> tuple[bytes, bytes]:
    """A new key pair: (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = _generate(kind)
    return _private_pem(key, None), _public_pem(key)


def write_recipient_key(
    directory: Path,
    *,
    kind: str = "x25519",
    passphrase: bytes | None = None,
    name: str = "recipient",
    force: bool = False,
) -> tuple[Path, Path]:
    """Write ``<name>.key.pem`` (0600, PKCS#8) and ``<name>.pub.pem``; return both paths."""
    if not name or name in (".", "..") or "/" in name or os.sep in name or "\0" in name:
        raise SigningError(f"invalid key name {name!r}")
    if passphrase is not None and not passphrase:
        raise SigningError("empty passphrase: pass None for an unencrypted key")
    directory = Path(directory)
    key_path, pub_path = directory / f"{name}.key.pem", directory / f"{name}.pub.pem"
    existing = [p.name for p in (key_path, pub_path) if p.exists()]
    if existing and not force:
        raise SigningError(f"{', '.join(existing)} already exists in {directory}; use force to replace")
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
    elif not directory.is_dir():
        raise SigningError(f"{directory} exists and is not a directory")
    key = _generate(kind)
    # The private key is serialised (and encrypted) in memory and only ever lands in the 0600 file.
    write_atomic(key_path, _private_pem(key, passphrase), 0o600)
    write_atomic(pub_path, _public_pem(key), 0o644)
    return key_path, pub_path
