"""COSE signature algorithms allowed for C2PA claims (C2PA 2.2 §13.2; RFC 9053).

Signatures are the raw bytes COSE expects: ECDSA as IEEE P1363 ``r‖s`` (never DER), RSASSA-PSS
with MGF1 on the same hash and salt length = hash length, Ed25519 as is. RS256 is not allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from fakemedia.errors import SignatureInvalid, SigningError

if TYPE_CHECKING:  # RSA loads only for a PS* signature or an RSA key (a verify is mostly ECDSA)
    from cryptography.hazmat.primitives.asymmetric import padding


class _VerifyingECDSA(ec.ECDSA):
    """ECDSA with a hash, for verifying. ``ec.ECDSA.__init__`` imports cryptography's OpenSSL
    backend (≈5 ms of a cold verify) only to ask whether deterministic signing (RFC 6979) is
    supported, which a verification never uses; the verifier reads ``algorithm`` alone."""

    def __init__(self, algorithm: hashes.HashAlgorithm) -> None:
        self._hash = algorithm
        # The parent's attributes too, should a later verifier read them directly.
        self._algorithm, self._deterministic_signing = algorithm, False

    @property
    def algorithm(self) -> hashes.HashAlgorithm:
        return self._hash

    @property
    def deterministic_signing(self) -> bool:
        return False


#: Smallest RSA modulus accepted for PS* (C2PA 2.2 §13.2, §14.5.1).
MIN_RSA_BITS = 2048


class Algorithm(Enum):
    """A COSE algorithm: value = (COSE id, lower-case label)."""

    ES256 = (-7, "es256")
    ES384 = (-35, "es384")
    ES512 = (-36, "es512")
    PS256 = (-37, "ps256")
    PS384 = (-38, "ps384")
    PS512 = (-39, "ps512")
    ED25519 = (-8, "ed25519")

    @property
    def cose_id(self) -> int:
        return self.value[0]

    @property
    def label(self) -> str:
        return self.value[1]

    @classmethod
    def from_cose_id(cls, cose_id: int) -> Algorithm:
        for alg in cls:
            # bool is an int in Python; True must not pass for an id.
            if type(cose_id) is int and alg.cose_id == cose_id:
                return alg
        raise ValueError(f"unsupported COSE algorithm id {cose_id!r}")

    @classmethod
    def from_label(cls, label: str) -> Algorithm:
        for alg in cls:
            if isinstance(label, str) and alg.label == label.lower():
                return alg
        raise ValueError(f"unsupported algorithm {label!r}")

    @property
    def is_ecdsa(self) -> bool:
        return self in _CURVES

    @property
    def is_pss(self) -> bool:
        return self in _PSS_HASHES

    def max_signature_size(self) -> int:
        """Upper bound of the signature length (RSA assumes a 16384-bit modulus)."""
        if self.is_ecdsa:
            return 2 * _CURVES[self][1]
        if self.is_pss:
            return 16384 // 8
        return 64


# ES algorithm -> (curve name, coordinate length n); ES256 pairs with P-256 only (as c2pa-rs insists).
_CURVES: dict[Algorithm, tuple[str, int]] = {
    Algorithm.ES256: ("secp256r1", 32),
    Algorithm.ES384: ("secp384r1", 48),
    Algorithm.ES512: ("secp521r1", 66),
}
_HASHES: dict[Algorithm, type[hashes.HashAlgorithm]] = {
    Algorithm.ES256: hashes.SHA256,
    Algorithm.ES384: hashes.SHA384,
    Algorithm.ES512: hashes.SHA512,
    Algorithm.PS256: hashes.SHA256,
    Algorithm.PS384: hashes.SHA384,
    Algorithm.PS512: hashes.SHA512,
}


class Digest:
    """A SHA-2 hash with hashlib's ``update`` and ``digest``, computed by cryptography, which
    a verify loads anyway; hashlib would load OpenSSL's libcrypto a second time (≈2 ms of a
    cold start) for the same code."""

    __slots__ = ("_hash",)

    def __init__(self, algorithm: hashes.HashAlgorithm, data: bytes | memoryview = b"") -> None:
        self._hash = hashes.Hash(algorithm)
        if data:
            self._hash.update(data)

    def update(self, data: bytes | memoryview) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.copy().finalize()


#: The C2PA hash algorithms by name, each called as ``hashlib.sha256`` is.
SHA2: dict[str, Callable[..., Digest]] = {
    "sha256": partial(Digest, hashes.SHA256()), "sha384": partial(Digest, hashes.SHA384()),
    "sha512": partial(Digest, hashes.SHA512())}
_PSS_HASHES = {Algorithm.PS256, Algorithm.PS384, Algorithm.PS512}
_CURVE_ALGS = {curve: alg for alg, (curve, _) in _CURVES.items()}


def _pss(alg: Algorithm) -> padding.PSS:
    from cryptography.hazmat.primitives.asymmetric import padding

    digest = _HASHES[alg]()
    return padding.PSS(mgf=padding.MGF1(_HASHES[alg]()), salt_length=digest.digest_size)


def key_problem(alg: Algorithm, key: Any, *, private: bool = True) -> str | None:
    """Return why ``key`` cannot serve ``alg``, or None when it can."""
    ec_type = ec.EllipticCurvePrivateKey if private else ec.EllipticCurvePublicKey
    ed_type = ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey
    if alg.is_ecdsa:
        if not isinstance(key, ec_type):
            return f"{alg.name} needs an EC key"
        if key.curve.name != _CURVES[alg][0]:
            return f"{alg.name} needs curve {_CURVES[alg][0]}, not {key.curve.name}"
    elif alg.is_pss:
        from cryptography.hazmat.primitives.asymmetric import rsa

        if not isinstance(key, rsa.RSAPrivateKey if private else rsa.RSAPublicKey):
            return f"{alg.name} needs an RSA key"
        if key.key_size < MIN_RSA_BITS:
            return f"RSA key of {key.key_size} bits is below {MIN_RSA_BITS}"
    elif not isinstance(key, ed_type):
        return "Ed25519 needs an Ed25519 key"
    return None


def sign(alg: Algorithm, private_key: Any, data: bytes) -> bytes:
    """Sign ``data`` and return the raw COSE signature; SigningError on an unfit key."""
    problem = key_problem(alg, private_key, private=True)
    if problem:
        raise SigningError(f"cannot sign with {alg.name}: {problem}")
    if alg.is_ecdsa:
        der = private_key.sign(data, ec.ECDSA(_HASHES[alg]()))
        r, s = decode_dss_signature(der)
        n = _CURVES[alg][1]
        return r.to_bytes(n, "big") + s.to_bytes(n, "big")
    if alg.is_pss:
        return private_key.sign(data, _pss(alg), _HASHES[alg]())
    return private_key.sign(data)


def verify(alg: Algorithm, public_key: Any, signature: bytes, data: bytes) -> None:
    """Verify a raw COSE signature; any mismatch raises one undetailed SignatureInvalid."""
    if key_problem(alg, public_key, private=False) is not None:
        raise SignatureInvalid("signature does not verify")
    try:
        if alg.is_ecdsa:
            n = _CURVES[alg][1]
            # P1363 has a fixed length; a DER signature (or anything else) fails here.
            if len(signature) != 2 * n:
                raise InvalidSignature
            r = int.from_bytes(signature[:n], "big")
            s = int.from_bytes(signature[n:], "big")
            public_key.verify(encode_dss_signature(r, s), data, _VerifyingECDSA(_HASHES[alg]()))
        elif alg.is_pss:
            if len(signature) != (public_key.key_size + 7) // 8:
                raise InvalidSignature
            public_key.verify(signature, data, _pss(alg), _HASHES[alg]())
        else:
            public_key.verify(signature, data)
    except (InvalidSignature, ValueError, TypeError):
        raise SignatureInvalid("signature does not verify") from None


def algorithm_for_key(private_key: Any) -> Algorithm:
    """Default algorithm for a key: ES* by curve, PS256 for RSA, Ed25519."""
    if isinstance(private_key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        try:
            return _CURVE_ALGS[private_key.curve.name]
        except KeyError:
            raise SigningError(f"unsupported EC curve {private_key.curve.name}") from None
    from cryptography.hazmat.primitives.asymmetric import rsa

    if isinstance(private_key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return Algorithm.PS256
    if isinstance(private_key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return Algorithm.ED25519
    raise SigningError(f"unsupported key type {type(private_key).__name__}")
