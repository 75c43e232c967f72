"""Decentralized identifiers (W3C DID 1.0) of credential issuers, resolved offline.

* ``did:jwk`` — the key is the identifier: base64url JSON of a JWK (RFC 7517, RFC 8037 OKP).
* ``did:key`` — the key is the identifier: multibase base58btc of a multicodec-tagged key.
* ``did:web`` — needs an HTTPS fetch of the DID document; never attempted here, so it is
  reported as unavailable, as the reference SDK reports it when it cannot reach the host.

Only Ed25519 keys are accepted (the identity claims aggregation profile signs with EdDSA).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fakemedia import limits
from fakemedia.manifest.cawg import codes

# DID syntax as the reference SDK accepts it (a prefix match: method, then an identifier).
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9/.%#?_-]+")
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#: Multicodec varint prefix of an Ed25519 public key (0xed).
_ED25519_PUB = b"\xed\x01"


class DidProblem(Exception):
    """Why an issuer key could not be found; ``code`` is the CAWG status to report."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(why)
        self.code = code
        self.why = why


def primary_did(issuer: str) -> str:
    """The DID without its fragment (``did:jwk:…#0`` → ``did:jwk:…``)."""
    return issuer.split("#", 1)[0]


def resolve_key(issuer: str) -> Ed25519PublicKey:
    """The issuer's Ed25519 verification key; DidProblem otherwise."""
    if len(issuer) > limits.MAX_DID_CHARS or not _DID.match(issuer):
        raise DidProblem(codes.ICA_INVALID_ISSUER, "issuer is not a DID")
    did = primary_did(issuer)
    method, _, specific = did[4:].partition(":")
    if method == "jwk":
        return _jwk_key(specific)
    if method == "key":
        return _multibase_key(specific)
    if method == "web":
        raise DidProblem(codes.ICA_DID_UNAVAILABLE, "did:web needs a network fetch, not made offline")
    raise DidProblem(codes.ICA_INVALID_ISSUER, f"unsupported DID method {method!r}")


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk_key(specific: str) -> Ed25519PublicKey:
    try:
        jwk = json.loads(_b64url(specific))
    except (binascii.Error, ValueError, RecursionError):
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "did:jwk is not base64url JSON") from None
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "did:jwk is not an Ed25519 OKP key")
    if "d" in jwk:
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "did:jwk carries a private key")
    x = jwk.get("x")
    try:
        raw = _b64url(x) if isinstance(x, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    return _ed25519(raw)


def _multibase_key(specific: str) -> Ed25519PublicKey:
    if not specific.startswith("z"):
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "did:key is not base58btc multibase")
    raw = _base58(specific[1:])
    if raw is None or not raw.startswith(_ED25519_PUB):
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "did:key is not an Ed25519 key")
    return _ed25519(raw[len(_ED25519_PUB):])


def _ed25519(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != 32:
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "Ed25519 key is not 32 bytes")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise DidProblem(codes.ICA_INVALID_DID_DOCUMENT, "not an Ed25519 public key") from None


def _base58(text: str) -> bytes | None:
    number = 0
    for char in text:
        digit = _BASE58.find(char)
        if digit < 0:
            return None
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body

