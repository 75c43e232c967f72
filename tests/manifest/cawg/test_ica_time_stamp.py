"""Time-stamps inside identity claims aggregation credentials: the RFC 3161 token in the
credential's COSE_Sign1 unprotected header, checked as the reference SDK checks it (no TSA
trust list), its time also bounding the credential's validity window. Tokens come from the
tests' own TSA (tests/tsa_server.py)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import cbor2
import pytest
from asn1crypto import cms, tsp  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from tsa_server import LocalTsa

from fakemedia import limits
from fakemedia.cose import sign1, timestamp
from fakemedia.manifest.cawg import validate_identity

from .vectors import (
    CLAIM_REFS,
    FakeAssertion,
    FakeManifest,
    Trust,
    credential,
    did_jwk,
    identity_content,
    payload_map,
)

KEY = Ed25519PrivateKey.generate()
ISSUER = did_jwk(KEY)
PROTECTED = cbor2.dumps({1: -8, 3: "application/vc"})
INVALID, VALIDATED = "cawg.ica.time_stamp.invalid", "cawg.ica.time_stamp.validated"
UNTRUSTED_ISSUER = "cawg.ica.untrusted_issuer"
#: The validation time: the TSA's certificate (issued for the real clock) covers it.
NOW = datetime.now(timezone.utc).replace(microsecond=0)

#: Makes the unprotected header from (protected bytes, signature, payload).
Stamp = Callable[[bytes, bytes, bytes], dict[str, Any]]


@pytest.fixture(scope="module")
def tsa() -> LocalTsa:
    return LocalTsa()


def _signed(vc: dict[str, Any], stamp: Stamp) -> bytes:
    body = json.dumps(vc).encode()
    signature = KEY.sign(sign1.sig_structure(PROTECTED, body))
    return cbor2.dumps(cbor2.CBORTag(18, [PROTECTED, stamp(PROTECTED, signature, body), body, signature]))


def _run(signature: bytes, now: datetime = NOW) -> Any:
    content = identity_content(payload_map(), signature)
    return validate_identity(FakeManifest(), FakeAssertion("cawg.identity", content),  # type: ignore[arg-type]
                             CLAIM_REFS, Trust(now=now))


def _codes(result: Any) -> set[str]:
    return {code for code, _, _ in result.statuses}


def _vc(**fields: Any) -> dict[str, Any]:
    return credential(ISSUER, **{"validFrom": (NOW - timedelta(days=1)).isoformat(), **fields})


def _v2(tsa: LocalTsa, **token: Any) -> Stamp:
    def stamp(protected: bytes, signature: bytes, _body: bytes) -> dict[str, Any]:
        digest = token.pop("digest", None) or timestamp.message_imprint(protected, signature)
        return {"sigTst2": timestamp.header(tsa.token(digest, **token))}
    return stamp


def _raw(header: Any) -> Stamp:
    return lambda _p, _s, _b: header


def test_sound_time_stamp_is_validated_and_shown(tsa: LocalTsa) -> None:
    result = _run(_signed(_vc(), _v2(tsa)))
    assert _codes(result) == {VALIDATED, UNTRUSTED_ISSUER}
    assert result.identity.verified and result.identity.time_stamp is not None
    assert datetime.fromisoformat(result.identity.time_stamp) <= datetime.now(timezone.utc)


def test_v1_sigtst_holds_a_response_over_the_credential(tsa: LocalTsa) -> None:
    def stamp(protected: bytes, _signature: bytes, body: bytes) -> dict[str, Any]:
        digest = hashlib.sha256(timestamp.countersign_data(protected, body)).digest()
        response = tsp.TimeStampResp({"status": {"status": "granted"},
                                      "time_stamp_token": cms.ContentInfo.load(tsa.token(digest))})
        return {"sigTst": timestamp.header(response.dump())}
    assert _codes(_run(_signed(_vc(), stamp))) == {VALIDATED, UNTRUSTED_ISSUER}


def test_time_stamp_over_other_bytes_is_invalid(tsa: LocalTsa) -> None:
    result = _run(_signed(_vc(), _v2(tsa, digest=hashlib.sha256(b"another credential").digest())))
    assert _codes(result) == {INVALID, UNTRUSTED_ISSUER}
    assert not result.identity.verified and result.identity.problems == (INVALID,)
    assert result.identity.time_stamp is None


def test_time_stamp_outside_its_tsa_certificate_is_invalid(tsa: LocalTsa) -> None:
    long_ago = NOW - timedelta(days=300)  # the TSA certificate starts a day ago
    assert _codes(_run(_signed(_vc(), _v2(tsa, gen_time=long_ago)))) == {INVALID, UNTRUSTED_ISSUER}


def test_time_stamp_without_certificates_is_invalid(tsa: LocalTsa) -> None:
    assert _codes(_run(_signed(_vc(), _v2(tsa, with_certs=False)))) == {INVALID, UNTRUSTED_ISSUER}


def test_time_stamp_before_valid_from_is_outside_the_window(tsa: LocalTsa) -> None:
    stamped = NOW - timedelta(hours=2)
    vc = _vc(validFrom=(NOW - timedelta(hours=1)).isoformat())
    result = _run(_signed(vc, _v2(tsa, gen_time=stamped)))
    assert _codes(result) == {VALIDATED, "cawg.ica.valid_from.invalid", UNTRUSTED_ISSUER}
    # without the time-stamp the same window holds at validation time
    assert _codes(_run(_signed(vc, _raw({})))) == {UNTRUSTED_ISSUER}


def test_time_stamp_after_valid_until_is_outside_the_window(tsa: LocalTsa) -> None:
    vc = _vc(validUntil=(NOW - timedelta(minutes=30)).isoformat())
    earlier = NOW - timedelta(hours=1)  # validated before the end of the window...
    result = _run(_signed(vc, _v2(tsa, gen_time=NOW)), now=earlier)  # ... but stamped after it
    assert _codes(result) == {VALIDATED, "cawg.ica.valid_until.invalid", UNTRUSTED_ISSUER}


@pytest.mark.parametrize("header", [
    {"sigTst2": {"tstTokens": []}},
    {"sigTst2": {"tstTokens": [{"val": "text"}]}},
    {"sigTst2": {"tstTokens": "nope"}},
    {"sigTst2": 7},
], ids=["empty", "text", "not-a-list", "not-a-map"])
def test_undecodable_container_counts_as_unstamped(header: dict[str, Any]) -> None:
    """The reference SDK cannot decode these containers and reports nothing for them."""
    assert _codes(_run(_signed(_vc(), _raw(header)))) == {UNTRUSTED_ISSUER}


def _nested(depth: int) -> bytes:
    item = b"\x05\x00"
    for _ in range(depth):
        length = len(item)
        size = b"\x84" + length.to_bytes(4, "big") if length >= 128 else bytes([length])
        item = b"\x30" + size + item
    return item


@pytest.mark.parametrize("token", [
    b"", b"\x30", _nested(20_000), bytes(limits.MAX_TIMESTAMP_BYTES + 1),
    cms.ContentInfo({"content_type": "data", "content": b"x"}).dump(),
], ids=["empty", "truncated-header", "deeply-nested", "too-large", "wrong-content-type"])
def test_hostile_tokens_are_invalid_not_exceptions(token: bytes) -> None:
    start = time.perf_counter()
    result = _run(_signed(_vc(), _raw({"sigTst2": timestamp.header(token)})))
    assert time.perf_counter() - start < 2
    assert _codes(result) == {INVALID, UNTRUSTED_ISSUER}


def test_two_tokens_are_invalid(tsa: LocalTsa) -> None:
    token = tsa.token(hashlib.sha256(b"x").digest())
    header = {"sigTst2": {"tstTokens": [{"val": token}, {"val": token}]}}
    assert _codes(_run(_signed(_vc(), _raw(header)))) == {INVALID, UNTRUSTED_ISSUER}


def test_truncated_token_is_invalid(tsa: LocalTsa) -> None:
    def stamp(protected: bytes, signature: bytes, _body: bytes) -> dict[str, Any]:
        token = tsa.token(timestamp.message_imprint(protected, signature))
        return {"sigTst2": timestamp.header(token[: len(token) - 40])}
    assert _codes(_run(_signed(_vc(), stamp))) == {INVALID, UNTRUSTED_ISSUER}


_GOOD: dict[str, bytes] = {}


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutated_credential_tokens_never_raise(data: st.DataObject) -> None:
    if not _GOOD:
        _GOOD["token"] = LocalTsa().token(hashlib.sha256(b"whatever").digest())
    token = bytearray(_GOOD["token"])
    token[data.draw(st.integers(0, len(token) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(token)))
    result = _run(_signed(_vc(), _raw({"sigTst2": timestamp.header(bytes(token[:cut]))})))
    assert _codes(result) <= {INVALID, VALIDATED, UNTRUSTED_ISSUER}
