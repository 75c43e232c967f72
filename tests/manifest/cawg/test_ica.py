"""Identity claims aggregation credentials: every check of CAWG identity 1.1 §8.1 that the
reference SDK makes, each failure mode built with real Ed25519 keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fakemedia.manifest.cawg import validate_identity

from .vectors import (
    CLAIM_REFS,
    NOW,
    FakeAssertion,
    FakeManifest,
    Trust,
    credential,
    did_jwk,
    did_key,
    identity_content,
    payload_map,
    sign_ica,
)

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()


def _run(signature: bytes, payload: dict[str, Any] | None = None, trust: Trust | None = None) -> Any:
    content = identity_content(payload or payload_map(), signature)
    return validate_identity(FakeManifest(), FakeAssertion("cawg.identity", content),  # type: ignore[arg-type]
                             CLAIM_REFS, trust or Trust())


def _codes(result: Any) -> set[str]:
    return {code for code, _, _ in result.statuses}


@pytest.mark.parametrize("did", [did_jwk, did_key], ids=["did:jwk", "did:key"])
def test_good_credential_verifies_with_untrusted_issuer_informational(did: Any) -> None:
    result = _run(sign_ica(credential(did(KEY)), KEY))
    assert _codes(result) == {"cawg.ica.untrusted_issuer"}
    identity = result.identity
    assert identity.verified and not identity.trusted
    assert identity.issuer == did(KEY) and identity.name == "Jane Doe"
    assert [(i.type, i.username, i.provider_name) for i in identity.identities] == [
        ("cawg.social_media", "jdoe", "Social Example")]


def test_trusted_issuer_gets_credential_valid() -> None:
    issuer = did_jwk(KEY)
    result = _run(sign_ica(credential(issuer + "#0"), KEY), trust=Trust(cawg_ica_issuers=(issuer,)))
    assert _codes(result) == {"cawg.ica.credential_valid"}
    assert result.identity.trusted and result.identity.verified


def test_signature_by_another_key_is_a_mismatch() -> None:
    result = _run(sign_ica(credential(did_jwk(KEY)), OTHER))
    assert _codes(result) == {"cawg.ica.signature_mismatch"}
    assert not result.identity.verified
    assert result.identity.problems == ("cawg.ica.signature_mismatch",)


def test_tampered_credential_is_a_mismatch() -> None:
    signature = bytearray(sign_ica(credential(did_jwk(KEY)), KEY))
    at = signature.index(b"Jane Doe")
    signature[at] ^= 0x01  # still valid JSON: "Kane Doe"
    assert _codes(_run(bytes(signature))) == {"cawg.ica.signature_mismatch"}


@pytest.mark.parametrize(("signature", "code"), [
    (b"\xd2\x84", "cawg.ica.invalid_cose_sign1"),  # tag 18, array header, then nothing
    (sign_ica(credential(did_jwk(KEY)), KEY) + b"\x00", "cawg.ica.invalid_cose_sign1"),  # trailing byte
    (sign_ica(credential(did_jwk(KEY)), KEY, {1: -7, 3: "application/vc"}), "cawg.ica.invalid_alg"),
    (sign_ica(credential(did_jwk(KEY)), KEY, {3: "application/vc"}), "cawg.ica.invalid_alg"),
    (sign_ica(None, KEY), "cawg.ica.invalid_verifiable_credential"),
    (sign_ica(b"xxx{not json", KEY), "cawg.ica.invalid_verifiable_credential"),
], ids=["truncated", "trailing", "es256", "no-alg", "no-payload", "not-json"])
def test_structural_failures_end_the_check(signature: bytes, code: str) -> None:
    result = _run(signature)
    assert _codes(result) == {code}
    assert result.identity is not None and not result.identity.verified


@pytest.mark.parametrize("protected", [{1: -8}, {1: -8, 3: "application/json"}, {1: -8, 3: 42}])
def test_wrong_content_type_is_reported_and_checking_goes_on(protected: dict[int, Any]) -> None:
    result = _run(sign_ica(credential(did_jwk(KEY)), KEY, protected))
    assert _codes(result) == {"cawg.ica.invalid_content_type", "cawg.ica.untrusted_issuer"}


@pytest.mark.parametrize(("issuer", "code"), [
    ("not-did:jwk:abc", "cawg.ica.invalid_issuer"),
    ("did:example:123", "cawg.ica.invalid_issuer"),
    ("did:web:issuer.example", "cawg.ica.did_unavailable"),  # never fetched
    ("did:jwk:bm90IGpzb24", "cawg.ica.invalid_did_document"),  # base64url of "not json"
    ("did:key:z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc", "cawg.ica.invalid_did_document"),  # X25519
])
def test_issuer_problems(issuer: str, code: str) -> None:
    assert _codes(_run(sign_ica(credential(issuer), KEY))) == {code}


def test_validity_window_is_checked_at_validation_time() -> None:
    issuer = did_jwk(KEY)
    future = credential(issuer, validFrom=(NOW + timedelta(days=1)).isoformat())
    past = credential(issuer, validUntil=(NOW - timedelta(seconds=1)).isoformat())
    missing = credential(issuer)
    del missing["validFrom"]
    untrusted = "cawg.ica.untrusted_issuer"
    assert _codes(_run(sign_ica(future, KEY))) == {"cawg.ica.valid_from.invalid", untrusted}
    assert _codes(_run(sign_ica(past, KEY))) == {"cawg.ica.valid_until.invalid", untrusted}
    assert _codes(_run(sign_ica(missing, KEY))) == {"cawg.ica.valid_from.missing", untrusted}
    # the same credential, validated before it expired
    assert _codes(_run(sign_ica(past, KEY), trust=Trust(now=NOW - timedelta(days=1)))) == {
        "cawg.ica.untrusted_issuer"}


def test_c2pa_asset_must_restate_the_signer_payload() -> None:
    signed = payload_map(roles=["cawg.creator"])
    other = payload_map(roles=["cawg.editor"])
    result = _run(sign_ica(credential(did_jwk(KEY), other), KEY), payload=signed)
    assert _codes(result) == {"cawg.ica.signer_payload.mismatch", "cawg.ica.untrusted_issuer"}
    assert not result.identity.verified


def test_c2pa_asset_alg_fills_a_reference_without_one() -> None:
    signed = payload_map()
    vc = credential(did_jwk(KEY))
    vc["credentialSubject"]["c2paAsset"]["referenced_assertions"][0]["alg"] = "sha256"
    assert _codes(_run(sign_ica(vc, KEY), payload=signed)) == {"cawg.ica.untrusted_issuer"}
