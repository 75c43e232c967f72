"""X.509 identity credentials (CAWG identity 1.1 §8.2) and the assertion structure checks shared
by every signature type (§5, §7.1); hostile content always ends in status codes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakemedia import limits
from fakemedia.cose import certs, sign1
from fakemedia.manifest.cawg import validate_identity
from fakemedia.manifest.cawg.payload import parse_signer_payload
from fakemedia.manifest.store import HashedURI

from .vectors import (
    ACTIONS,
    CLAIM_REFS,
    HASH_DATA,
    MANIFEST,
    FakeAssertion,
    FakeManifest,
    Trust,
    identity_content,
    payload_map,
)

X509 = "cawg.x509.cose"
#: The holder certificates below are made now, valid 30 days.
TODAY = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def holder(identity_factory: Callable[[str], Any]) -> Any:
    """An Ed25519 certificate holder (the session's local identity) and its root."""
    identity = identity_factory("ed25519")
    return identity.signer, certs.load_certificates(identity.anchors)


def _signed(holder: Any, payload: dict[str, Any]) -> bytes:
    parsed = parse_signer_payload(payload)
    assert parsed is not None
    return sign1.encode_sign1(parsed.to_cbor(), holder[0])


def _run(content: Any, trust: Trust | None = None, refs: list[HashedURI] | None = None) -> Any:
    return validate_identity(FakeManifest(), FakeAssertion("cawg.identity", content),  # type: ignore[arg-type]
                             refs if refs is not None else CLAIM_REFS, trust or Trust(now=TODAY))


def _codes(result: Any) -> set[str]:
    return {code for code, _, _ in result.statuses}


def test_signer_payload_vector() -> None:
    """The bytes an identity credential signs, field by field."""
    payload = parse_signer_payload({"sig_type": "cawg.x509.cose", "referenced_assertions": [
        {"hash": b"\x01\x02", "url": "self#jumbf=c2pa.assertions/c2pa.hash.data"}], "extra": 1})
    assert payload is not None
    assert payload.to_cbor().hex() == (
        "a2"                                                  # map(2)
        "75" "7265666572656e6365645f617373657274696f6e73"     # "referenced_assertions"
        "81"                                                  # array(1)
        "a2"                                                  # map(2): url, hash (no alg)
        "6375726c"                                            # "url"
        "782973656c66236a756d62663d633270612e617373657274696f6e732f633270612e686173682e64617461"
        "6468617368" "420102"                                 # "hash": h'0102'
        "687369675f74797065"                                  # "sig_type"
        "6e636177672e783530392e636f7365")                     # "cawg.x509.cose"


def test_x509_credential_verifies_and_is_untrusted_without_cawg_anchors(holder: Any) -> None:
    payload = payload_map(sig_type=X509)
    result = _run(identity_content(payload, _signed(holder, payload)))
    assert _codes(result) == {"cawg.x509.credential.untrusted", "cawg.x509.signature.validated",
                              "cawg.identity.well-formed"}
    assert result.identity.verified and not result.identity.trusted
    assert result.identity.credential_type == "X.509 certificate"


def test_cawg_anchors_trust_the_credential(holder: Any) -> None:
    payload = payload_map(sig_type=X509)
    result = _run(identity_content(payload, _signed(holder, payload)),
                  Trust(now=TODAY, cawg_anchors=tuple(holder[1])))
    assert "cawg.x509.credential.trusted" in _codes(result)
    assert result.identity.trusted


def test_c2pa_signer_anchors_do_not_trust_a_cawg_credential(holder: Any) -> None:
    """The C2PA anchors are a separate list: validation with only those stays untrusted."""
    from fakemedia.manifest.validate import TrustSettings

    payload = payload_map(sig_type=X509)
    content = identity_content(payload, _signed(holder, payload))
    result = validate_identity(FakeManifest(), FakeAssertion("cawg.identity", content),  # type: ignore[arg-type]
                               CLAIM_REFS, TrustSettings(anchors=holder[1], now=TODAY))
    assert "cawg.x509.credential.untrusted" in _codes(result)


def test_x509_tampered_payload_is_a_mismatch(holder: Any) -> None:
    signature = _signed(holder, payload_map(sig_type=X509))
    result = _run(identity_content(payload_map(sig_type=X509, roles=["cawg.editor"]), signature))
    assert "cawg.x509.signature.mismatch" in _codes(result)
    assert not result.identity.verified


def test_x509_expired_credential_is_outside_validity(holder: Any) -> None:
    payload = payload_map(sig_type=X509)
    later = Trust(now=TODAY + timedelta(days=3650))
    result = _run(identity_content(payload, _signed(holder, payload)), later)
    assert "cawg.x509.signature.outside_validity" in _codes(result)
    assert result.identity.problems == ("cawg.x509.signature.outside_validity",)


@pytest.mark.parametrize("signature", [b"", b"\xd2", cbor2.dumps(cbor2.CBORTag(18, [b"", {}, None, b"x"]))],
                         ids=["empty", "truncated", "no-certificate"])
def test_x509_unusable_signatures(signature: bytes) -> None:
    codes = _codes(_run(identity_content(payload_map(sig_type=X509), signature)))
    assert codes & {"cawg.x509.signature.mismatch", "cawg.x509.algorithm.unsupported"}


def test_padding_must_be_zero(holder: Any) -> None:
    payload = payload_map(sig_type=X509)
    for pads in ({"pad1": b"\x00\x01"}, {"pad2": b"\x01"}, {"pad1": b"\x01", "pad2": b"\x01"}):
        content = {**identity_content(payload, _signed(holder, payload)), **pads}
        result = _run(content)
        assert [c for c, _, _ in result.statuses].count("cawg.identity.pad.invalid") == 1


def test_reference_checks_against_the_claim() -> None:
    stranger = HashedURI("self#jumbf=c2pa.assertions/org.example.other", b"\x00" * 32)
    cases = {
        "cawg.identity.hard_binding_missing": payload_map([ACTIONS]),
        "cawg.identity.assertion.duplicate": payload_map([HASH_DATA, ACTIONS, ACTIONS]),
        "cawg.identity.assertion.mismatch": payload_map([HASH_DATA, stranger]),
    }
    for code, payload in cases.items():
        assert code in _codes(_run(identity_content(payload, b""))), code


def test_absolute_and_relative_references_are_the_same_assertion() -> None:
    absolute = HashedURI(f"self#jumbf=/c2pa/{MANIFEST}/c2pa.assertions/c2pa.hash.data", HASH_DATA.hash)
    result = _run(identity_content(payload_map([absolute]), b""))
    assert "cawg.identity.assertion.mismatch" not in _codes(result)


def test_reference_with_another_hash_ends_the_check() -> None:
    forged = HashedURI(HASH_DATA.url, hashlib.sha256(b"other bytes").digest())
    result = _run(identity_content(payload_map([forged]), b"not checked"))
    assert _codes(result) == {"cawg.identity.assertion.mismatch"}
    assert result.identity is None


def test_unknown_signature_type() -> None:
    result = _run(identity_content(payload_map(sig_type="cawg.example"), b""))
    assert _codes(result) == {"cawg.identity.sig_type.unknown"}


@pytest.mark.parametrize("content", [
    None, 7, [], {}, {"signer_payload": {}, "signature": b"", "pad1": b""},
    {"signer_payload": payload_map(), "signature": "text", "pad1": b""},
    {"signer_payload": payload_map(), "signature": b"", "pad1": b"", "pad2": 0},
    {"signer_payload": {**payload_map(), "role": "one"}, "signature": b"", "pad1": b""},
    {"signer_payload": {"referenced_assertions": [{"url": 1, "hash": b""}], "sig_type": X509},
     "signature": b"", "pad1": b""},
    {"signer_payload": {"referenced_assertions": [HASH_DATA.to_cbor()] * (limits.MAX_IDENTITY_REFERENCES + 1),
                        "sig_type": X509}, "signature": b"", "pad1": b""},
], ids=["none", "int", "list", "empty", "empty-payload", "text-signature", "int-pad2", "role-text",
        "url-int", "too-many-refs"])
def test_malformed_assertion_is_assertion_required_missing(content: Any) -> None:
    result = _run(content)
    assert result.statuses == [("assertion.required.missing", f"self#jumbf=/c2pa/{MANIFEST}",
                                "cawg.identity is not a well-formed identity assertion")]
    assert result.identity is None


_cbor_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.binary(max_size=64), st.text(max_size=32))
_cbor = st.recursive(_cbor_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({
    "signer_payload": st.one_of(_cbor, st.just(payload_map()), st.just(payload_map(sig_type=X509))),
    "signature": st.one_of(st.binary(max_size=200), _cbor),
    "pad1": st.one_of(st.binary(max_size=8), _cbor)}, optional={"pad2": _cbor}))
def test_any_content_gives_status_codes_never_an_exception(content: dict[str, Any]) -> None:
    result = _run(content)
    assert result.statuses and all(code.startswith(("cawg.", "assertion.")) for code, _, _ in result.statuses)


def test_every_truncation_of_a_real_credential_is_reported(holder: Any) -> None:
    payload = payload_map(sig_type=X509)
    signature = _signed(holder, payload)
    check: Callable[[bytes], set[str]] = lambda sig: _codes(_run(identity_content(payload, sig)))  # noqa: E731
    for cut in range(0, len(signature), 7):
        assert "cawg.x509.signature.validated" not in check(signature[:cut])
