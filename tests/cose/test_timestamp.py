"""RFC 3161 time-stamps on claim signatures (C2PA 2.x §10.3.2.5, §15.8), with the reference
SDK's codes; tokens come from the tests' own TSA (tests/tsa_server.py)."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import cbor2
import pytest
from asn1crypto import cms, tsp
from hypothesis import given, settings
from hypothesis import strategies as st
from tsa_server import LocalTsa, TsaPki, refusal

from fakemedia import limits
from fakemedia.cose import timestamp

PROTECTED = cbor2.dumps({1: -7})
SIGNATURE = bytes(range(64))
CLAIM = b"claim bytes"
CODES = {"timeStamp.validated", "timeStamp.trusted", "timeStamp.untrusted", "timeStamp.mismatch",
         "timeStamp.malformed", "timeStamp.outsideValidity"}


@pytest.fixture(scope="module")
def tsa() -> LocalTsa:
    return LocalTsa()


def _v2_digest(signature: bytes = SIGNATURE) -> bytes:
    return timestamp.message_imprint(PROTECTED, signature)


def _check(header: dict[str, Any], anchors: Any = (), claim_version: int = 2,
           signature: bytes = SIGNATURE) -> timestamp.TimeStampCheck:
    return timestamp.check(header, PROTECTED, signature, CLAIM, claim_version, list(anchors))


def _v2(token: bytes) -> dict[str, Any]:
    return {"sigTst2": timestamp.header(token)}


def _codes(result: timestamp.TimeStampCheck) -> list[str]:
    return [code for code, _ in result.statuses]


def test_message_is_the_countersignature_over_the_encoded_signature() -> None:
    # ["CounterSignature", protected, h'', bstr(cbor(bstr(signature)))] (§10.3.2.5.2-3).
    message = timestamp.countersign_data(PROTECTED, timestamp.v2_payload(SIGNATURE))
    assert message == bytes.fromhex(
        "84"                                  # array(4)
        "70" + b"CounterSignature".hex() +    # text(16)
        "43" + PROTECTED.hex() +              # bstr(3): {1: -7}
        "40"                                  # bstr(0): external AAD
        "5842" "5840" + SIGNATURE.hex())      # bstr(66) holding bstr(64) (header included)
    assert timestamp.message_imprint(PROTECTED, SIGNATURE) == hashlib.sha256(message).digest()


def test_trusted_token_gives_its_time(tsa: LocalTsa) -> None:
    result = _check(_v2(tsa.token(_v2_digest())), [tsa.pki.root])
    assert _codes(result) == ["timeStamp.validated", "timeStamp.trusted"]
    assert result.gen_time is not None
    assert abs(result.gen_time - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_untrusted_tsa_is_validated_but_gives_no_time(tsa: LocalTsa) -> None:
    result = _check(_v2(tsa.token(_v2_digest())))
    assert _codes(result) == ["timeStamp.validated", "timeStamp.untrusted"]
    assert result.gen_time is None


def test_imprint_over_another_digest_is_a_mismatch(tsa: LocalTsa) -> None:
    result = _check(_v2(tsa.token(hashlib.sha256(b"something else").digest())), [tsa.pki.root])
    assert _codes(result) == ["timeStamp.mismatch"]
    assert result.gen_time is None
    # The same token on another signature does not match either: it is bound to the signature.
    assert _codes(_check(_v2(tsa.token(_v2_digest())), [tsa.pki.root],
                         signature=bytes(64))) == ["timeStamp.mismatch"]


def test_imprint_byte_flipped_in_place_breaks_the_cms_digest(tsa: LocalTsa) -> None:
    digest = _v2_digest()
    token = tsa.token(digest)
    flipped = bytearray(digest)
    flipped[0] ^= 1
    tampered = token.replace(digest, bytes(flipped))
    result = _check(_v2(tampered), [tsa.pki.root])
    assert result.statuses == [("timeStamp.mismatch", "time-stamp bad message digest")]


def test_bad_cms_signature_is_untrusted(tsa: LocalTsa) -> None:
    token = bytearray(tsa.token(_v2_digest()))
    info = cms.ContentInfo.load(bytes(token))
    sig = info["content"]["signer_infos"][0]["signature"].native
    at = bytes(token).index(sig)
    token[at + 10] ^= 0xFF
    assert _codes(_check(_v2(bytes(token)), [tsa.pki.root])) == ["timeStamp.untrusted"]


def test_token_without_certificates_is_untrusted(tsa: LocalTsa) -> None:
    result = _check(_v2(tsa.token(_v2_digest(), with_certs=False)), [tsa.pki.root])
    assert result.statuses == [("timeStamp.untrusted", "time-stamp token carries no certificates")]


def test_tsa_certificate_expired_before_gen_time() -> None:
    now = datetime.now(timezone.utc)
    expired = LocalTsa(TsaPki.create(not_before=now - timedelta(days=3), not_after=now - timedelta(days=1)))
    assert _codes(_check(_v2(expired.token(_v2_digest())), [expired.pki.root])) == [
        "timeStamp.outsideValidity"]
    # Back-dated into its validity, the same TSA is fine.
    token = expired.token(_v2_digest(), gen_time=now - timedelta(days=2))
    result = _check(_v2(token), [expired.pki.root])
    assert _codes(result) == ["timeStamp.validated", "timeStamp.trusted"]
    assert result.gen_time == (now - timedelta(days=2)).replace(microsecond=0)


def test_tsa_certificate_needs_the_time_stamping_profile() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from fakemedia.cose._x509build import issue_certificate, make_name

    pki = TsaPki.create()
    key = ec.generate_private_key(ec.SECP256R1())
    mixed = issue_certificate(key.public_key(), make_name("mixed TSA", "O"), pki.root_key, pki.root,
                              ekus=[ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.EMAIL_PROTECTION])
    bad = LocalTsa(TsaPki(pki.root_key, pki.root, key, mixed))
    result = _check(_v2(bad.token(_v2_digest())), [pki.root])
    assert _codes(result) == ["timeStamp.validated", "timeStamp.untrusted"]
    assert "timeStamping must appear alone" in result.statuses[-1][1]


def test_v1_sigtst_holds_a_response_and_follows_the_legacy_trust_rule(tsa: LocalTsa) -> None:
    digest = hashlib.sha256(timestamp.countersign_data(PROTECTED, CLAIM)).digest()
    response = tsa.reply(tsp.TimeStampReq({
        "version": "v1", "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                             "hashed_message": digest}, "cert_req": True}).dump())
    header = {"sigTst": timestamp.header(response)}
    legacy = _check(header, claim_version=1)  # no anchors at all
    assert _codes(legacy) == ["timeStamp.validated", "timeStamp.trusted"]
    assert "legacy v1 rule" in legacy.statuses[-1][1]
    assert legacy.gen_time is not None
    # A v2 claim gets no such exemption.
    assert _codes(_check(header, claim_version=2)) == ["timeStamp.validated", "timeStamp.untrusted"]


def test_sigtst2_is_preferred_over_sigtst(tsa: LocalTsa) -> None:
    header = {"sigTst": timestamp.header(b"\x00garbage"), **_v2(tsa.token(_v2_digest()))}
    assert _codes(_check(header, [tsa.pki.root])) == ["timeStamp.validated", "timeStamp.trusted"]


def test_refused_response_is_malformed(tsa: LocalTsa) -> None:
    refused = refusal()
    result = _check({"sigTst": timestamp.header(refused)}, claim_version=1)
    assert result.statuses == [("timeStamp.malformed", "time-stamp response status is rejection")]


@pytest.mark.parametrize("header", [
    {"sigTst2": {"tstTokens": []}},
    {"sigTst2": {"tstTokens": [{"val": b"a"}, {"val": b"b"}]}},
    {"sigTst2": {"tstTokens": [{"val": "text"}]}},
    {"sigTst2": {"tstTokens": "nope"}},
    {"sigTst2": 7},
    {"sigTst2": {"tstTokens": [{"val": bytes(limits.MAX_TIMESTAMP_BYTES + 1)}]}},
], ids=["empty", "two", "text", "not-a-list", "not-a-map", "too-large"])
def test_malformed_headers(header: dict[str, Any]) -> None:
    result = _check(header)
    assert _codes(result) == ["timeStamp.malformed"] and result.present and result.gen_time is None


def test_no_header_no_codes() -> None:
    result = _check({"pad": b""})
    assert (result.statuses, result.present) == ([], False)


def _nested(depth: int) -> bytes:
    item = b"\x05\x00"
    for _ in range(depth):
        length = len(item)
        size = b"\x84" + length.to_bytes(4, "big") if length >= 128 else bytes([length])
        item = b"\x30" + size + item
    return item


def test_hostile_tokens_get_codes_not_exceptions(tsa: LocalTsa) -> None:
    good = tsa.token(_v2_digest())
    data_type = cms.ContentInfo({"content_type": "data", "content": b"x"}).dump()
    nested = _nested(20_000)
    wrong_inner = good.replace(bytes.fromhex("060b2a864886f70d0109100104"),  # id-ct-TSTInfo
                               bytes.fromhex("060b2a864886f70d0109100102"))
    for token in (good[: len(good) // 2], good + b"\x00", data_type, nested, wrong_inner, b"\x30"):
        start = time.perf_counter()
        result = _check(_v2(token), [tsa.pki.root])
        assert time.perf_counter() - start < 2
        assert _codes(result) in (["timeStamp.malformed"], ["timeStamp.untrusted"], ["timeStamp.mismatch"])
        assert result.gen_time is None


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_tokens_never_raise(data: st.DataObject) -> None:
    token = _TOKEN_CACHE.setdefault("t", LocalTsa().token(_v2_digest()))
    cut = data.draw(st.integers(0, len(token)))
    pos = data.draw(st.integers(0, len(token) - 1))
    byte = data.draw(st.integers(0, 255))
    mutated = bytearray(token[:cut] + token[cut:])
    mutated[pos] = byte
    result = _check(_v2(bytes(mutated[: data.draw(st.integers(1, len(mutated)))])))
    assert set(_codes(result)) <= CODES


_TOKEN_CACHE: dict[str, bytes] = {}
