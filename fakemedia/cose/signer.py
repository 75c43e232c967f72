"""Who signs: the :class:`Signer` protocol and a local, in-process implementation.

A KMS, HSM or remote signing service needs no subclassing: any object with an ``algorithm``,
a ``certificate_chain`` (DER, leaf first, root excluded) and a ``sign(data) -> bytes`` returning
the raw COSE signature (RFC 9053 §2: r‖s for ECDSA) can be handed to
:func:`fakemedia.cose.sign1.encode_sign1`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from fakemedia.cose import algorithms
from fakemedia.cose.algorithms import Algorithm
from fakemedia.errors import IdentityError, SigningError


@runtime_checkable
class Signer(Protocol):
    """Anything that can produce a COSE signature for a C2PA claim.

    Implement this for keys you cannot hold in memory (cloud KMS, PKCS#11 HSM, a remote
    service): ``sign`` receives the complete Sig_structure bytes and must return the raw
    signature for ``algorithm`` (ECDSA as ``r‖s``, not DER).
    """

    @property
    def algorithm(self) -> Algorithm: ...

    @property
    def certificate_chain(self) -> Sequence[bytes]: ...

    def sign(self, data: bytes) -> bytes: ...


@runtime_checkable
class TimeStamper(Protocol):
    """Anything that obtains an RFC 3161 time-stamp for a finished claim signature.

    ``time_stamp`` receives the message to stamp - the COSE countersignature structure over the
    signature (C2PA 2.x §10.3.2.5.3) - and returns the DER TimeStampToken (the CMS
    ContentInfo, not the whole TimeStampResp). Implement it to use your own TSA client;
    :class:`fakemedia.cose.tsa_client.HttpTimeStamper` speaks RFC 3161 over HTTP. The token is
    checked against the message before it is stored.
    """

    def time_stamp(self, message: bytes) -> bytes: ...


def _public_bytes(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization  # signing only: verify never loads keys

    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


class LocalSigner:
    """A private key held in memory plus its certificate chain."""

    def __init__(
        self,
        private_key: Any,
        chain_der: Sequence[bytes],
        algorithm: Algorithm | None = None,
    ) -> None:
        from cryptography import x509  # signing only: a verify reads certificates lightly

        if not chain_der:
            raise IdentityError("signer has no certificate chain")
        try:
            leaf = x509.load_der_x509_certificate(bytes(chain_der[0]))
        except ValueError:
            raise IdentityError("signer leaf certificate is not valid DER") from None
        try:
            key_public = _public_bytes(private_key.public_key())
        except AttributeError:
            raise SigningError(f"unsupported key type {type(private_key).__name__}") from None
        if _public_bytes(leaf.public_key()) != key_public:
            raise IdentityError("private key does not match the leaf certificate")
        alg = algorithm or algorithms.algorithm_for_key(private_key)
        problem = algorithms.key_problem(alg, private_key)
        if problem:
            raise SigningError(f"cannot sign with {alg.name}: {problem}")
        self._key = private_key
        self._chain = tuple(bytes(c) for c in chain_der)
        self._algorithm = alg

    @classmethod
    def from_pem(
        cls,
        key_pem: bytes,
        chain_pem: bytes,
        passphrase: bytes | None = None,
        algorithm: Algorithm | None = None,
    ) -> LocalSigner:
        """Load a PKCS#8/traditional PEM key and a PEM chain (leaf first, root excluded)."""
        from cryptography import x509

        key = load_private_key(key_pem, passphrase)
        try:
            chain = x509.load_pem_x509_certificates(chain_pem)
        except ValueError:
            raise IdentityError("certificate chain is not readable PEM") from None
        from cryptography.hazmat.primitives import serialization

        der = [c.public_bytes(serialization.Encoding.DER) for c in chain]
        return cls(key, der, algorithm)

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    @property
    def certificate_chain(self) -> Sequence[bytes]:
        return self._chain

    def sign(self, data: bytes) -> bytes:
        return algorithms.sign(self._algorithm, self._key, data)


def load_private_key(key_pem: bytes, passphrase: bytes | None = None) -> Any:
    """Load a PEM private key; SigningError with a one-line reason on any failure."""
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(key_pem, password=passphrase)
    except TypeError:
        # cryptography: encrypted key without a password, or a password for a plain key.
        if passphrase is None:
            raise SigningError("wrong passphrase for private key: none given") from None
        raise SigningError("private key is not encrypted but a passphrase was given") from None
    except ValueError as exc:
        if _is_encrypted_pem(key_pem):
            raise SigningError("wrong passphrase for private key (could not decrypt)") from None
        raise SigningError(f"unreadable private key: {exc}") from None
    except Exception as exc:  # unsupported algorithms and the like from the backend
        raise SigningError(f"unreadable private key: {type(exc).__name__}") from None


def _is_encrypted_pem(key_pem: bytes) -> bool:
    return b"ENCRYPTED PRIVATE KEY" in key_pem or b"Proc-Type: 4,ENCRYPTED" in key_pem
