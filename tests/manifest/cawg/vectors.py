"""Builders for CAWG identity test vectors: Ed25519 issuers as did:jwk / did:key, identity
claims aggregation credentials signed as COSE_Sign1 with embedded payload, and stand-ins for
the manifest and assertion an identity assertion lives in."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fakemedia.cose import sign1
from fakemedia.manifest.store import HashedURI

MANIFEST = "urn:c2pa:00000000-0000-4000-8000-000000000001"
HASH_DATA_URL = "self#jumbf=c2pa.assertions/c2pa.hash.data"
HASH_DATA = HashedURI(HASH_DATA_URL, hashlib.sha256(b"hard binding").digest())
ACTIONS = HashedURI("self#jumbf=c2pa.assertions/c2pa.actions.v2", hashlib.sha256(b"actions").digest())
CLAIM_REFS = [HASH_DATA, ACTIONS]
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def did_jwk(key: Ed25519PrivateKey) -> str:
    x = base64.urlsafe_b64encode(raw_public(key)).rstrip(b"=").decode()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": x}
    return "did:jwk:" + base64.urlsafe_b64encode(json.dumps(jwk).encode()).rstrip(b"=").decode()


def did_key(key: Ed25519PrivateKey) -> str:
    raw = b"\xed\x01" + raw_public(key)
    number, digits = int.from_bytes(raw, "big"), ""
    while number:
        number, rem = divmod(number, 58)
        digits = _B58[rem] + digits
    return "did:key:z" + digits


def payload_map(refs: list[HashedURI] | None = None, sig_type: str = "cawg.identity_claims_aggregation",
                roles: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"referenced_assertions": [r.to_cbor() for r in (refs or [HASH_DATA])],
                           "sig_type": sig_type}
    if roles:
        out["role"] = roles
    return out


def credential(issuer: str, payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """An identity claims aggregation VC 2.0 whose c2paAsset restates ``payload``."""
    payload = payload or payload_map()
    asset = {**payload, "referenced_assertions": [
        {**r, "hash": base64.b64encode(r["hash"]).decode()} for r in payload["referenced_assertions"]]}
    vc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://cawg.io/identity/1.1/ica/context/"],
        "type": ["VerifiableCredential", "IdentityClaimsAggregationCredential"],
        "issuer": issuer,
        "validFrom": (NOW - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "verifiedIdentities": [
                {"type": "cawg.social_media", "name": "Jane Doe", "username": "jdoe",
                 "uri": "https://social.example/jdoe", "verifiedAt": "2026-01-02T03:04:05Z",
                 "provider": {"id": "https://social.example", "name": "Social Example"}},
            ],
            "c2paAsset": asset,
        },
    }
    vc.update(fields)
    return vc


def sign_ica(vc: dict[str, Any] | bytes | None, key: Ed25519PrivateKey,
             protected: dict[int, Any] | None = None) -> bytes:
    """COSE_Sign1_Tagged with the credential as embedded payload (CAWG identity 1.1, §8.1.2)."""
    header = cbor2.dumps(protected if protected is not None else {1: -8, 3: "application/vc"})
    body = vc if isinstance(vc, bytes) or vc is None else json.dumps(vc).encode()
    signature = key.sign(sign1.sig_structure(header, body or b""))
    return cbor2.dumps(cbor2.CBORTag(18, [header, {}, body, signature]))


def identity_content(payload: dict[str, Any], signature: bytes, pad1: bytes = bytes(16),
                     pad2: bytes | None = bytes(4)) -> dict[str, Any]:
    out: dict[str, Any] = {"signer_payload": payload, "signature": signature, "pad1": pad1}
    if pad2 is not None:
        out["pad2"] = pad2
    return out


@dataclass
class FakeAssertion:
    """Stands in for a store assertion: a label and its decoded content."""

    label: str
    content: Any

    def try_content(self) -> Any:
        return self.content


@dataclass
class FakeManifest:
    label: str = MANIFEST


@dataclass
class Trust:
    now: datetime = NOW
    cawg_anchors: tuple[Any, ...] = ()
    cawg_ica_issuers: tuple[str, ...] = ()
