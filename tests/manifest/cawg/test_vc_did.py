"""Verifiable credential shape (W3C VC Data Model 2.0 as CAWG ICA uses it) and offline DID
resolution, including hostile sizes and nesting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fakemedia import limits
from fakemedia.manifest.cawg import codes
from fakemedia.manifest.cawg.did import DidProblem, resolve_key
from fakemedia.manifest.cawg.vc import CredentialInvalid, parse_credential

from .vectors import HASH_DATA, credential, did_jwk, did_key, raw_public

KEY = Ed25519PrivateKey.generate()


def _bytes(vc: Any) -> bytes:
    return json.dumps(vc).encode()


def test_credential_fields_are_read() -> None:
    vc = credential(did_jwk(KEY), validUntil="2030-01-01T00:00:00+02:00")
    parsed = parse_credential(_bytes(vc))
    assert parsed.issuer == did_jwk(KEY)
    assert parsed.valid_until is not None and parsed.valid_until.utcoffset().total_seconds() == 7200
    assert parsed.c2pa_asset.referenced_assertions[0].hash == HASH_DATA.hash  # base64 decoded
    assert parsed.identities[0].uri == "https://social.example/jdoe"


def test_issuer_object_and_subject_array_are_accepted() -> None:
    vc = credential("did:example:x")
    vc["issuer"] = {"id": did_jwk(KEY), "name": "Issuer"}
    vc["credentialSubject"] = [vc["credentialSubject"]]
    assert parse_credential(_bytes(vc)).issuer == did_jwk(KEY)


def test_hash_as_bytes_of_base64_text_is_accepted() -> None:
    """The form the reference SDK writes: the base64 text as an array of byte values."""
    vc = credential(did_jwk(KEY))
    ref = vc["credentialSubject"]["c2paAsset"]["referenced_assertions"][0]
    ref["hash"] = list(ref["hash"].encode())
    assert parse_credential(_bytes(vc)).c2pa_asset.referenced_assertions[0].hash == HASH_DATA.hash


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    vc = credential(did_jwk(KEY))
    target = vc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return vc


@pytest.mark.parametrize("broken", [
    _without(("@context",)), _without(("type",)), _without(("issuer",)),
    _without(("credentialSubject",)), _without(("credentialSubject", "verifiedIdentities")),
    _without(("credentialSubject", "c2paAsset")),
    {**credential(did_jwk(KEY)), "type": []},
    {**credential(did_jwk(KEY)), "issuer": 7},
    {**credential(did_jwk(KEY)), "id": None},
    {**credential(did_jwk(KEY)), "validFrom": "2026-01-01"},  # a date, not a date-time
    {**credential(did_jwk(KEY)), "validFrom": "2026-01-01T00:00:00"},  # no offset
    [1, 2, 3],
], ids=["context", "type", "issuer", "subject", "identities", "asset", "empty-type", "issuer-int",
        "null-id", "date-only", "no-offset", "array"])
def test_malformed_credentials_are_refused(broken: Any) -> None:
    with pytest.raises(CredentialInvalid):
        parse_credential(_bytes(broken))


@pytest.mark.parametrize("field", ["verifiedAt", "provider", "type"])
def test_verified_identity_required_fields(field: str) -> None:
    vc = credential(did_jwk(KEY))
    del vc["credentialSubject"]["verifiedIdentities"][0][field]
    with pytest.raises(CredentialInvalid):
        parse_credential(_bytes(vc))


@pytest.mark.parametrize("payload", [
    b"[" * (limits.MAX_CREDENTIAL_DEPTH + 1) + b"]" * (limits.MAX_CREDENTIAL_DEPTH + 1),
    b"[" * 200_000,  # unterminated and far too deep for a recursive decoder
    b" " * (limits.MAX_CREDENTIAL_BYTES + 1),
    b'{"a": 1, "a": 2}',
    b"\xff\xfe",
], ids=["deep", "deep-unterminated", "huge", "duplicate-key", "not-utf8"])
def test_hostile_payloads_are_refused_cleanly(payload: bytes) -> None:
    with pytest.raises(CredentialInvalid):
        parse_credential(payload)


def test_too_many_verified_identities() -> None:
    vc = credential(did_jwk(KEY))
    one = vc["credentialSubject"]["verifiedIdentities"][0]
    vc["credentialSubject"]["verifiedIdentities"] = [one] * (limits.MAX_VERIFIED_IDENTITIES + 1)
    with pytest.raises(CredentialInvalid):
        parse_credential(_bytes(vc))


@pytest.mark.parametrize("did", [did_jwk, did_key], ids=["jwk", "key"])
def test_offline_dids_resolve_to_the_issuer_key(did: Any) -> None:
    from cryptography.hazmat.primitives import serialization

    key = resolve_key(did(KEY) + "#key-1")
    assert key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw_public(KEY)


def test_did_key_vector() -> None:
    """W3C did:key test vector (Ed25519, multicodec 0xed01)."""
    key = resolve_key("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw.hex() == "2e6fcce36701dc791488e0d0b1745cc1e33a4c1c9fcc41c63bd343dbbe0970e6"


@pytest.mark.parametrize(("issuer", "code"), [
    ("https://issuer.example", codes.ICA_INVALID_ISSUER),
    ("did:Upper:x", codes.ICA_INVALID_ISSUER),
    ("did:web:example.com", codes.ICA_DID_UNAVAILABLE),
    ("did:jwk:!!!", codes.ICA_INVALID_ISSUER),  # not DID syntax
    ("did:jwk:%%%%", codes.ICA_INVALID_DID_DOCUMENT),
    ("did:jwk:eyJrdHkiOiJFQyJ9", codes.ICA_INVALID_DID_DOCUMENT),  # {"kty":"EC"}
    ("did:key:zzzz", codes.ICA_INVALID_DID_DOCUMENT),
    ("did:jwk:" + "W1tb" * 2000, codes.ICA_INVALID_DID_DOCUMENT),  # base64url of 6000 "["
    ("did:key:" + "z" * (limits.MAX_DID_CHARS + 1), codes.ICA_INVALID_ISSUER),
])
def test_unusable_dids(issuer: str, code: str) -> None:
    with pytest.raises(DidProblem) as caught:
        resolve_key(issuer)
    assert caught.value.code == code
