"""COSE_Encrypt for restricted annotation metadata (RFC 9052 §5.1; layout in ENCRYPTION.md).

``tag 96 [ bstr({1: 3}), {5: iv}, ciphertext, [recipient, …] ]``: the content is A256GCM under a
fresh 256-bit CEK with AAD = Enc_structure (RFC 9052 §5.3). Each recipient carries the CEK:

* ECDH-ES + A256KW (-31, RFC 9053 §6.4): ``[bstr({1: -31}), {-1: epk, 4: kid}, wrapped_cek]``,
  KEK = HKDF-SHA-256(shared secret, info = COSE_KDF_Context (RFC 9053 §5.2)), RFC 3394 wrap.
* RSA-OAEP-256 (-41, RFC 8230 §3): ``[bstr({1: -41}), {4: kid}, OAEP(cek)]``.

Every decryption failure is one :class:`DecryptionError`; which step failed is not revealed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from fakemedia import limits
from fakemedia.cose._cbor import loads_exact
from fakemedia.cose.recipients import (
    MAX_RSA_BITS,
    Recipient,
    generate_recipient_key,
    key_id_of,
    key_problem,
    load_private_key,
    write_recipient_key,
)
from fakemedia.errors import DecryptionError, LimitExceeded, SigningError

__all__ = [
    "COSE_ENCRYPT_TAG",
    "MAX_RECIPIENTS",
    "Recipient",
    "decrypt",
    "describe",
    "enc_structure",
    "encrypt",
    "generate_recipient_key",
    "kdf_context",
    "key_id_of",
    "load_private_key",
    "recipient_ids",
    "write_recipient_key",
]

COSE_ENCRYPT_TAG = 96
# Header labels (RFC 9052 §3.1) and the ephemeral key (RFC 9053 §6.4.1).
H_ALG, H_KID, H_IV, H_EPK = 1, 4, 5, -1
# Algorithms (RFC 9053 §4.1, §6.2.1, §6.4.1; RFC 8230 §3).
A256GCM, A256KW, ECDH_ES_A256KW, RSA_OAEP_256 = 3, -5, -31, -41
# COSE_Key labels and values (RFC 9052 §7.1, RFC 9053 §7.1-7.2).
K_KTY, K_CRV, K_X, K_Y = 1, -1, -2, -3
KTY_OKP, KTY_EC2 = 1, 2
CRV_P256, CRV_P384, CRV_X25519 = 1, 2, 4

CEK_BYTES, IV_BYTES, TAG_BYTES = 32, 12, 16
WRAPPED_CEK_BYTES = CEK_BYTES + 8  # RFC 3394 adds one 64-bit block
MAX_RECIPIENTS = 64
#: Per-recipient allowance: the largest RSA wrapped key plus generous room for headers.
_RECIPIENT_OVERHEAD = MAX_RSA_BITS // 8 + 2048
MAX_MESSAGE_BYTES = limits.MAX_CBOR_BYTES + MAX_RECIPIENTS * _RECIPIENT_OVERHEAD + 1024

_EC_CRV = {"secp256r1": CRV_P256, "secp384r1": CRV_P384}
_CRV_EC: dict[int, ec.EllipticCurve] = {CRV_P256: ec.SECP256R1(), CRV_P384: ec.SECP384R1()}
_OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_AUTH_FAILED = "restricted metadata cannot be decrypted: authentication failed"


def enc_structure(protected: bytes, external_aad: bytes) -> bytes:
    """The AEAD additional data: ``["Encrypt", protected, external_aad]`` (RFC 9052 §5.3)."""
    return cbor2.dumps(["Encrypt", protected, bytes(external_aad)])


def kdf_context(recipient_protected: bytes) -> bytes:
    """COSE_KDF_Context for ECDH-ES + A256KW (RFC 9053 §5.2): the KEK is for A256KW (-5), 256 bits.

    PartyU/PartyV identity, nonce and other are nil: no -21..-26 header parameters are sent.
    """
    party = [None, None, None]
    return cbor2.dumps([A256KW, party, party, [CEK_BYTES * 8, recipient_protected]])


def _kek(shared_secret: bytes, recipient_protected: bytes) -> bytes:
    # HKDF-SHA-256 without salt (RFC 9053 §5.1: salt absent unless header -20 is sent).
    hkdf = HKDF(hashes.SHA256(), CEK_BYTES, salt=None, info=kdf_context(recipient_protected))
    return hkdf.derive(shared_secret)


def _cose_key(public_key: Any) -> dict[int, Any]:
    """The ephemeral public key as a COSE_Key (OKP X25519, or EC2 with x and y)."""
    if isinstance(public_key, x25519.X25519PublicKey):
        return {K_KTY: KTY_OKP, K_CRV: CRV_X25519, K_X: public_key.public_bytes_raw()}
    size = (public_key.curve.key_size + 7) // 8
    numbers = public_key.public_numbers()
    return {
        K_KTY: KTY_EC2,
        K_CRV: _EC_CRV[public_key.curve.name],
        K_X: numbers.x.to_bytes(size, "big"),
        K_Y: numbers.y.to_bytes(size, "big"),
    }


def _wrap(cek: bytes, recipient: Recipient) -> list[Any]:
    public_key = recipient.public_key
    if isinstance(public_key, rsa.RSAPublicKey):
        protected = cbor2.dumps({H_ALG: RSA_OAEP_256})
        return [protected, {H_KID: recipient.key_id}, public_key.encrypt(cek, _OAEP)]
    ephemeral: Any
    if isinstance(public_key, x25519.X25519PublicKey):
        ephemeral = x25519.X25519PrivateKey.generate()
        shared = ephemeral.exchange(public_key)
    else:
        ephemeral = ec.generate_private_key(public_key.curve)
        shared = ephemeral.exchange(ec.ECDH(), public_key)
    protected = cbor2.dumps({H_ALG: ECDH_ES_A256KW})
    wrapped = aes_key_wrap(_kek(shared, protected), cek)
    unprotected = {H_EPK: _cose_key(ephemeral.public_key()), H_KID: recipient.key_id}
    return [protected, unprotected, wrapped]


def encrypt(plaintext: bytes, recipients: Sequence[Recipient], *, external_aad: bytes = b"") -> bytes:
    """Encrypt ``plaintext`` for ``recipients``; COSE_Encrypt_Tagged bytes (CBOR tag 96).

    Recipients repeated by key id are kept once; ValueError without any, LimitExceeded past
    :data:`MAX_RECIPIENTS` or when the ciphertext would exceed ``limits.MAX_CBOR_BYTES``.
    """
    unique: dict[bytes, Recipient] = {}
    for recipient in recipients:
        if not isinstance(recipient, Recipient):
            raise TypeError(f"expected a Recipient, got {type(recipient).__name__}")
        unique.setdefault(recipient.key_id, recipient)
    if not unique:
        raise ValueError("restricted metadata needs at least one recipient")
    if len(unique) > MAX_RECIPIENTS:
        raise LimitExceeded(f"{len(unique)} recipients exceed the limit of {MAX_RECIPIENTS}")
    if len(plaintext) + TAG_BYTES > limits.MAX_CBOR_BYTES:
        raise LimitExceeded(f"restricted metadata of {len(plaintext)} bytes exceeds {limits.MAX_CBOR_BYTES}")
    cek, iv = AESGCM.generate_key(bit_length=256), os.urandom(IV_BYTES)
    protected = cbor2.dumps({H_ALG: A256GCM})
    ciphertext = AESGCM(cek).encrypt(iv, bytes(plaintext), enc_structure(protected, external_aad))
    layers = [_wrap(cek, r) for r in unique.values()]
    return cbor2.dumps(cbor2.CBORTag(COSE_ENCRYPT_TAG, [protected, {H_IV: iv}, ciphertext, layers]))


# --- decoding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layer:
    protected: bytes
    alg: Any
    kid: bytes
    epk: Mapping[Any, Any] | None
    encrypted_key: bytes


@dataclass(frozen=True)
class _Message:
    protected: bytes
    alg: Any
    iv: bytes
    ciphertext: bytes
    recipients: list[_Layer]


def _malformed(reason: str) -> DecryptionError:
    return DecryptionError(f"restricted metadata is malformed: {reason}")


def _cbor(data: bytes, what: str) -> Any:
    try:
        return loads_exact(data, max_depth=16)
    except ValueError as exc:
        raise _malformed(f"{what} {exc}") from None


def _headers(protected: Any, unprotected: Any, what: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    if not isinstance(protected, bytes) or not isinstance(unprotected, Mapping):
        raise _malformed(f"{what} headers are not (bstr, map)")
    # A zero-length bstr stands for the empty map (RFC 9052 §3).
    decoded = _cbor(protected, f"{what} protected header") if protected else {}
    if not isinstance(decoded, Mapping):
        raise _malformed(f"{what} protected header is not a map")
    if set(decoded) & set(unprotected):
        raise _malformed(f"{what} repeats a label in both header buckets")  # RFC 9052 §3
    return dict(decoded), dict(unprotected)


def _layer(item: Any) -> _Layer:
    if not isinstance(item, (list, tuple)) or len(item) != 3:
        raise _malformed("a recipient is not a 3-element array")
    protected_map, unprotected = _headers(item[0], item[1], "recipient")
    kid, epk, encrypted_key = unprotected.get(H_KID), unprotected.get(H_EPK), item[2]
    if not isinstance(kid, bytes) or not isinstance(encrypted_key, bytes):
        raise _malformed("a recipient lacks a kid or an encrypted key bstr")
    if epk is not None and not isinstance(epk, Mapping):
        raise _malformed("a recipient ephemeral key is not a COSE_Key map")
    return _Layer(item[0], protected_map.get(H_ALG), kid, epk, encrypted_key)


def _decode(message: bytes) -> _Message:
    if not isinstance(message, (bytes, bytearray, memoryview)):
        raise _malformed(f"expected bytes, got {type(message).__name__}")
    # Size first, before cbor2 allocates anything.
    if len(message) > MAX_MESSAGE_BYTES:
        raise DecryptionError(f"restricted metadata of {len(message)} bytes exceeds {MAX_MESSAGE_BYTES}")
    item = _cbor(bytes(message), "COSE_Encrypt")
    if not isinstance(item, cbor2.CBORTag) or item.tag != COSE_ENCRYPT_TAG:
        raise _malformed("no COSE_Encrypt tag 96")
    parts = item.value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:
        raise _malformed("COSE_Encrypt is not a 4-element array")
    protected_map, unprotected = _headers(parts[0], parts[1], "content")
    ciphertext, layers = parts[2], parts[3]
    if not isinstance(ciphertext, bytes) or not isinstance(layers, (list, tuple)):
        raise _malformed("COSE_Encrypt ciphertext or recipients have the wrong type")
    if not layers or len(layers) > MAX_RECIPIENTS:
        raise _malformed(f"{len(layers)} recipients (need 1..{MAX_RECIPIENTS})")
    if len(ciphertext) > limits.MAX_CBOR_BYTES + TAG_BYTES:
        raise DecryptionError(f"restricted metadata ciphertext exceeds {limits.MAX_CBOR_BYTES} bytes")
    iv = unprotected.get(H_IV)
    if not isinstance(iv, bytes):
        raise _malformed("content IV missing")
    return _Message(parts[0], protected_map.get(H_ALG), iv, ciphertext, [_layer(x) for x in layers])


def recipient_ids(message: bytes) -> list[bytes]:
    """The recipients' key ids, in order, without decrypting; DecryptionError if malformed."""
    return [layer.kid for layer in _decode(message).recipients]


def describe(message: bytes) -> dict[str, Any]:
    """A JSON-ready view of the structure (schemas/restricted.schema.json); nothing decrypted."""
    msg = _decode(message)
    recipients: list[dict[str, Any]] = []
    for layer in msg.recipients:
        entry: dict[str, Any] = {"alg": layer.alg, "kid": layer.kid.hex()}
        if layer.epk is not None:
            entry["ephemeral_key"] = {"kty": layer.epk.get(K_KTY), "crv": layer.epk.get(K_CRV)}
        entry["encrypted_key_length"] = len(layer.encrypted_key)
        recipients.append(entry)
    return {
        "cose_tag": COSE_ENCRYPT_TAG,
        "alg": msg.alg,
        "iv": msg.iv.hex(),
        "ciphertext_length": len(msg.ciphertext),
        "recipients": recipients,
    }


def _peer_key(epk: Mapping[Any, Any], private_key: Any) -> Any:
    """The sender's ephemeral public key, if it fits ``private_key``'s type and curve; else None."""
    # cbor2 decodes simple values as an int subclass that compares equal to the int: a flipped
    # major type would otherwise pass for a COSE_Key label. Labels and kty/crv must be true ints.
    if any(type(k) is not int for k in epk) or any(type(epk.get(k)) is not int for k in (K_KTY, K_CRV)):
        return None
    x = epk.get(K_X)
    if not isinstance(x, bytes):
        return None
    if isinstance(private_key, x25519.X25519PrivateKey):
        if epk.get(K_KTY) != KTY_OKP or epk.get(K_CRV) != CRV_X25519 or len(x) != 32 or K_Y in epk:
            return None
        return x25519.X25519PublicKey.from_public_bytes(x)
    crv, y = epk.get(K_CRV), epk.get(K_Y)
    size = (private_key.curve.key_size + 7) // 8
    if epk.get(K_KTY) != KTY_EC2 or crv != _EC_CRV[private_key.curve.name] or not isinstance(y, bytes):
        return None
    if len(x) != size or len(y) != size:
        return None
    # from_encoded_point rejects points not on the curve (invalid-curve attacks).
    return ec.EllipticCurvePublicKey.from_encoded_point(_CRV_EC[crv], b"\x04" + x + y)


def _unwrap(layer: _Layer, private_key: Any) -> bytes | None:
    """The CEK from one recipient layer, or None when anything does not check out."""
    try:
        if isinstance(private_key, rsa.RSAPrivateKey):
            if layer.alg != RSA_OAEP_256 or layer.epk is not None:
                return None
            if len(layer.encrypted_key) != (private_key.key_size + 7) // 8:
                return None
            cek = private_key.decrypt(layer.encrypted_key, _OAEP)
        else:
            if layer.alg != ECDH_ES_A256KW or layer.epk is None:
                return None
            if len(layer.encrypted_key) != WRAPPED_CEK_BYTES:
                return None
            peer = _peer_key(layer.epk, private_key)
            if peer is None:
                return None
            if isinstance(private_key, x25519.X25519PrivateKey):
                shared = private_key.exchange(peer)  # ValueError on a low-order point
            else:
                shared = private_key.exchange(ec.ECDH(), peer)
            cek = aes_key_unwrap(_kek(shared, layer.protected), layer.encrypted_key)
    except (InvalidUnwrap, ValueError, TypeError):
        return None
    return cek if len(cek) == CEK_BYTES else None


def decrypt(message: bytes, private_key: Any, *, external_aad: bytes = b"") -> bytes:
    """The plaintext for the recipient holding ``private_key``; DecryptionError otherwise."""
    if not isinstance(external_aad, (bytes, bytearray, memoryview)):
        raise DecryptionError("external_aad must be bytes")
    problem = key_problem(private_key)
    if problem or not hasattr(private_key, "private_bytes"):
        raise DecryptionError(f"cannot decrypt with this key: {problem or 'not a private key'}")
    try:
        key_id = key_id_of(private_key.public_key())
    except SigningError:
        raise DecryptionError("cannot decrypt with this key: unsupported key type") from None
    msg = _decode(message)
    matches = [layer for layer in msg.recipients if layer.kid == key_id]
    if not matches:
        raise DecryptionError(f"no recipient matches this key (key id {key_id.hex()})")
    if msg.alg != A256GCM or len(msg.iv) != IV_BYTES or len(msg.ciphertext) < TAG_BYTES:
        raise DecryptionError(_AUTH_FAILED)
    aad = enc_structure(msg.protected, external_aad)
    for layer in matches:  # a forged duplicate kid must not hide the genuine layer
        cek = _unwrap(layer, private_key)
        if cek is None:
            continue
        try:
            return AESGCM(cek).decrypt(msg.iv, msg.ciphertext, aad)
        except InvalidTag:
            continue
    raise DecryptionError(_AUTH_FAILED)
