"""COSE_Sign1 for C2PA claim signatures (RFC 9052 §4.2; C2PA 2.2 §13.2).

Layout written: ``tag 18 [ bstr({1: alg, 33: x5chain}), {"pad": h'00…'}, null, bstr(sig) ]``.
The payload (the claim bytes) is detached; the signature covers
``["Signature1", protected_bstr, h'', payload]`` built from the *stored* protected bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import cbor2

from fakemedia import limits
from fakemedia._record import Frozen
from fakemedia.cose import algorithms, certfields
from fakemedia.cose._cbor import loads_exact
from fakemedia.cose.algorithms import Algorithm
from fakemedia.errors import LimitExceeded, ManifestError, SignatureInvalid, SigningError

if TYPE_CHECKING:
    from fakemedia.cose.signer import Signer, TimeStamper

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_CRIT = 2
HEADER_X5CHAIN = 33
#: Protected header labels this verifier processes beyond RFC 9052's own (which ``crit`` may
#: not list): a ``crit`` naming anything else means "you do not understand me" (RFC 9052 §3.1).
UNDERSTOOD_CRITICAL = frozenset({HEADER_X5CHAIN})
#: Unprotected header labels of RFC 3161 time-stamps, newest first (C2PA §15.8.1.1: sigTst2 is
#: looked for before sigTst). Here, not in ``timestamp``, so that finding none costs no ASN.1
#: import on the verify path.
SIGTST2 = "sigTst2"
SIGTST = "sigTst"


def header_tokens(unprotected: Mapping[Any, Any]) -> tuple[str, list[Any]] | None:
    """The header holding time-stamps (``sigTst2`` first) and its raw ``tstTokens`` list."""
    for label in (SIGTST2, SIGTST):
        if label in unprotected:
            container = unprotected[label]
            tokens = container.get("tstTokens") if isinstance(container, Mapping) else None
            return label, list(tokens) if isinstance(tokens, (list, tuple)) else []
    return None
_RFC9052_COMMON = frozenset(range(1, 8))
#: Legacy files carry the chain in the unprotected bucket under this *string* label (c2pa-rs reads it).
LEGACY_X5CHAIN = "x5chain"
#: Headroom added by :func:`reserve_size` (c2pa-rs reserves the same).
RESERVE_MARGIN = 1024
#: Room kept for an RFC 3161 token when a time-stamper is used (real tokens are 1-7 kB; the
#: reference SDK reserves the same 10 000 bytes).
TIMESTAMP_RESERVE = 10_000


class UnsupportedAlgorithm(SignatureInvalid):
    """The protected header names no algorithm, or one we do not support."""


class Sign1(Frozen):
    """A decoded COSE_Sign1; ``protected_bytes`` are kept verbatim for verification."""

    __slots__ = ("payload", "protected", "protected_bytes", "signature", "unprotected")
    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    signature: bytes
    #: Embedded payload; None for the detached payload C2PA uses.
    payload: bytes | None

    def __init__(self, protected_bytes: bytes, protected: dict[Any, Any], unprotected: dict[Any, Any],
                 signature: bytes, payload: bytes | None = None) -> None:
        self._init(protected_bytes=protected_bytes, protected=protected, unprotected=unprotected,
                   signature=signature, payload=payload)

    @property
    def alg_id(self) -> Any:
        return self.protected.get(HEADER_ALG)

    @property
    def algorithm(self) -> Algorithm | None:
        try:
            return Algorithm.from_cose_id(self.alg_id)
        except ValueError:
            return None

    @property
    def x5chain(self) -> list[bytes]:
        """DER certificates, leaf first; ManifestError when malformed or in both buckets."""
        in_protected = HEADER_X5CHAIN in self.protected
        in_unprotected = LEGACY_X5CHAIN in self.unprotected
        if in_protected and in_unprotected:
            raise ManifestError("COSE x5chain present in both protected and unprotected headers")
        if in_protected:
            return _chain_list(self.protected[HEADER_X5CHAIN])
        if in_unprotected:
            return _chain_list(self.unprotected[LEGACY_X5CHAIN])
        return []

    @property
    def timestamp_tokens(self) -> list[bytes]:
        """RFC 3161 tokens from ``sigTst2`` then ``sigTst`` (§6.4); not validated here."""
        tokens: list[bytes] = []
        for label in ("sigTst2", "sigTst"):
            container = self.unprotected.get(label)
            if not isinstance(container, Mapping):
                continue
            entries = container.get("tstTokens")
            if not isinstance(entries, (list, tuple)):
                continue
            for entry in entries:
                if isinstance(entry, Mapping) and isinstance(entry.get("val"), bytes):
                    tokens.append(entry["val"])
        return tokens


def _chain_list(value: Any) -> list[bytes]:
    if isinstance(value, bytes):
        certs = [value]
    elif isinstance(value, (list, tuple)) and value:
        certs = list(value)
    else:
        raise ManifestError("COSE x5chain is neither a bstr nor a non-empty array")
    if len(certs) > limits.MAX_CHAIN_CERTS:
        raise LimitExceeded(f"COSE x5chain has {len(certs)} certificates (limit {limits.MAX_CHAIN_CERTS})")
    if not all(isinstance(c, bytes) and c for c in certs):
        raise ManifestError("COSE x5chain holds an entry that is not a certificate bstr")
    return certs


def sig_structure(protected_bytes: bytes, payload: bytes) -> bytes:
    """The bytes actually signed (RFC 9052 §4.4), external AAD empty."""
    return cbor2.dumps(["Signature1", protected_bytes, b"", payload])


def _protected_header(signer: Signer) -> bytes:
    chain = [bytes(c) for c in signer.certificate_chain]
    if not chain:
        raise ValueError("signer has an empty certificate chain")
    x5chain: bytes | list[bytes] = chain[0] if len(chain) == 1 else chain
    # Insertion order gives c2pa-rs's bytes: A2 01 <alg> 18 21 <x5chain> (RFC 9052 §4.2, RFC 9360).
    return cbor2.dumps({HEADER_ALG: signer.algorithm.cose_id, HEADER_X5CHAIN: x5chain})


def _assemble(protected: bytes, signature: bytes, pad: int, pad2: int | None,
              extra: Mapping[str, Any]) -> bytes:
    unprotected: dict[str, Any] = {**extra, "pad": bytes(pad)}
    if pad2 is not None:
        unprotected["pad2"] = bytes(pad2)
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, unprotected, None, signature]))


def _padded(protected: bytes, signature: bytes, pad_to: int, extra: Mapping[str, Any]) -> bytes:
    # A bstr header grows 1 -> 2 -> 3 -> 5 bytes at lengths 24, 256, 65536, so some totals are
    # unreachable with "pad" alone; a second, "pad2", shifts the jump out of the way.
    for pad2 in (None, 0):
        base = len(_assemble(protected, signature, 0, pad2, extra))
        for header_growth in (0, 1, 2, 4):
            pad = pad_to - base - header_growth
            if pad < 0:
                break
            encoded = _assemble(protected, signature, pad, pad2, extra)
            if len(encoded) == pad_to:
                return encoded
    minimum = len(_assemble(protected, signature, 0, None, extra))
    raise ValueError(f"pad_to={pad_to} is too small: the COSE_Sign1 needs {minimum} bytes")


def _time_stamp_header(protected: bytes, signature: bytes, stamper: TimeStamper) -> dict[str, Any]:
    """``sigTst2`` over the finished signature (§10.3.2.5: the v2 "CTT" countersignature)."""
    from fakemedia.cose import timestamp  # asn1crypto only when stamping

    message = timestamp.countersign_data(protected, timestamp.v2_payload(signature))
    token = bytes(stamper.time_stamp(message))
    problem = timestamp.token_problem(token, message)
    if problem:
        raise SigningError(f"time-stamp rejected: {problem}")
    return {SIGTST2: timestamp.header(token)}


def encode_sign1(payload: bytes, signer: Signer, *, pad_to: int | None = None,
                 timestamper: TimeStamper | None = None) -> bytes:
    """Sign ``payload`` (detached) and return COSE_Sign1_Tagged bytes, ``pad_to`` long if given.

    With ``timestamper`` the finished signature is time-stamped and the token stored in the
    unprotected ``sigTst2`` header, which no signature covers, so padding still fits it.
    """
    protected = _protected_header(signer)
    signature = bytes(signer.sign(sig_structure(protected, payload)))
    alg = signer.algorithm
    # Cheap guard for third-party signers: the classic mistake is a DER ECDSA signature
    # (RFC 9053 §2.1 wants raw r‖s).
    if not alg.is_pss and len(signature) != alg.max_signature_size():
        raise SigningError(
            f"signer returned {len(signature)} bytes for {alg.name}, expected "
            f"{alg.max_signature_size()} (ECDSA must be raw r‖s, not DER)"
        )
    extra = _time_stamp_header(protected, signature, timestamper) if timestamper else {}
    if pad_to is None:
        return _assemble(protected, signature, 0, None, extra)
    try:
        return _padded(protected, signature, pad_to, extra)
    except ValueError as exc:
        if not extra:
            raise
        raise SigningError(f"time-stamp token too large for the reserved space: {exc}") from None


def reserve_size(signer: Signer, timestamper: TimeStamper | None = None) -> int:
    """A COSE_Sign1 size every signature by ``signer`` fits in (and can be padded to exactly),
    with room for a time-stamp token when ``timestamper`` is given."""
    chain = [bytes(c) for c in signer.certificate_chain]
    sig_max = signer.algorithm.max_signature_size()
    if signer.algorithm.is_pss and chain:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import rsa

        try:
            key = x509.load_der_x509_certificate(chain[0]).public_key()
            if isinstance(key, rsa.RSAPublicKey):
                sig_max = (key.key_size + 7) // 8
        except ValueError:
            pass
    # Each bstr header is at most 5 bytes here; the fixed CBOR frame is well under the margin.
    stamp = TIMESTAMP_RESERVE if timestamper is not None else 0
    return sig_max + sum(len(c) + 5 for c in chain) + RESERVE_MARGIN + stamp


def _loads_exact(data: bytes, what: str) -> Any:
    try:
        return loads_exact(data, max_depth=64)
    except ValueError as exc:
        raise ManifestError(f"{what} {exc}") from None


def decode_sign1(data: bytes) -> Sign1:
    """Parse COSE_Sign1_Tagged bytes; ManifestError for anything but the shape of §6.1."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ManifestError("COSE_Sign1 is not a byte string")  # e.g. a CBOR field of another type
    if len(data) > limits.MAX_CBOR_BYTES:
        raise LimitExceeded(f"COSE_Sign1 of {len(data)} bytes exceeds {limits.MAX_CBOR_BYTES}")
    item = _loads_exact(bytes(data), "COSE_Sign1")
    if not isinstance(item, cbor2.CBORTag) or item.tag != COSE_SIGN1_TAG:
        raise ManifestError("COSE_Sign1 lacks CBOR tag 18")
    parts = item.value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:
        raise ManifestError("COSE_Sign1 is not a 4-element array")
    protected_bytes, unprotected, payload, signature = parts
    if not isinstance(protected_bytes, bytes):
        raise ManifestError("COSE_Sign1 protected header is not a bstr")
    if not isinstance(unprotected, Mapping):
        raise ManifestError("COSE_Sign1 unprotected header is not a map")
    if payload is not None and not isinstance(payload, bytes):
        raise ManifestError("COSE_Sign1 payload is neither null nor a bstr")
    if not isinstance(signature, bytes):
        raise ManifestError("COSE_Sign1 signature is not a bstr")
    # A zero-length protected bstr stands for the empty map (RFC 9052 §3).
    protected = _loads_exact(protected_bytes, "COSE protected header") if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise ManifestError("COSE protected header is not a map")
    _check_crit(protected)
    sign1 = Sign1(protected_bytes, dict(protected), dict(unprotected), signature, payload)
    sign1.x5chain  # noqa: B018 - validates shape and MAX_CHAIN_CERTS now, not at first use
    return sign1


def _check_crit(protected: Mapping[Any, Any]) -> None:
    """RFC 9052 §3.1: ``crit`` is a non-empty array of labels, each present in the protected
    header; a message whose critical labels are not all understood is rejected."""
    if HEADER_CRIT not in protected:
        return
    crit = protected[HEADER_CRIT]
    if not isinstance(crit, (list, tuple)) or not crit:
        raise ManifestError("COSE crit header is not a non-empty array")
    for label in crit:
        if isinstance(label, bool) or not isinstance(label, (int, str)):
            raise ManifestError("COSE crit header holds a label that is neither int nor text")
        if label not in protected:
            raise ManifestError(f"COSE crit label {label!r} is not in the protected header")
        if label in _RFC9052_COMMON or label not in UNDERSTOOD_CRITICAL:
            raise ManifestError(f"COSE crit label {label!r} is not understood")


def verify_sign1(sign1: Sign1, payload: bytes, public_key: Any = None) -> None:
    """Verify with the x5chain leaf (``public_key``: its key, when the caller has read it);
    UnsupportedAlgorithm or SignatureInvalid on failure."""
    alg = sign1.algorithm
    if alg is None:
        raise UnsupportedAlgorithm(f"unsupported or missing COSE algorithm {sign1.alg_id!r}")
    try:
        chain = sign1.x5chain
        if public_key is None and chain:
            public_key = certfields.leaf_public_key(chain[0])
    except (ManifestError, LimitExceeded, ValueError):
        raise SignatureInvalid("signing certificate is unreadable") from None
    if public_key is None:
        raise SignatureInvalid("COSE_Sign1 carries no signing certificate")
    algorithms.verify(alg, public_key, sign1.signature, sig_structure(sign1.protected_bytes, payload))
