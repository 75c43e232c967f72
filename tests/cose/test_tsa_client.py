"""The RFC 3161 HTTP client and time-stamped COSE_Sign1 (C2PA 2.x §10.3.2.5), against the
tests' own TSA on 127.0.0.1."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from asn1crypto import cms, tsp
from tsa_server import LocalTsa

from fakemedia.cose import sign1, timestamp
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.signer import TimeStamper
from fakemedia.cose.tsa_client import HttpTimeStamper
from fakemedia.errors import SigningError


@pytest.fixture()
def tsa() -> Iterator[LocalTsa]:
    with LocalTsa.running() as server:
        yield server


def test_request_and_token(tsa: LocalTsa) -> None:
    stamper = HttpTimeStamper(tsa.url)
    assert isinstance(stamper, TimeStamper)
    token = stamper.time_stamp(b"message")
    (request_der,) = tsa.behaviour.requests
    request = tsp.TimeStampReq.load(request_der)
    # Version 1, SHA-256 imprint, a 64-bit nonce, certReq TRUE (§10.3.2.5.3).
    assert request["version"].native == "v1"
    assert request["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert request["message_imprint"]["hashed_message"].native == hashlib.sha256(b"message").digest()
    assert 0 <= request["nonce"].native < 2**64 and request["cert_req"].native is True
    # What comes back is the TimeStampToken alone, the form sigTst2 stores.
    info = cms.ContentInfo.load(token)
    assert info["content_type"].native == "signed_data"
    assert info["content"]["encap_content_info"]["content"].parsed["nonce"].native == request["nonce"].native


@pytest.mark.parametrize(("knob", "value", "message"), [
    ("echo_nonce", False, "did not echo the request's nonce"),
    ("imprint_override", b"\x01" * 32, "stamped a different message"),
    ("status", 2, "refused the request: rejection"),
    ("content_type", "text/html", "Content-Type text/html"),
    ("raw_reply", b"\x30\x03\x02\x01", "unreadable reply"),
])
def test_bad_replies_are_refused(tsa: LocalTsa, knob: str, value: Any, message: str) -> None:
    setattr(tsa.behaviour, knob, value)
    with pytest.raises(SigningError, match=message):
        HttpTimeStamper(tsa.url).time_stamp(b"message")


def test_unreachable_and_bad_urls() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SigningError, match="unreachable"):
        HttpTimeStamper(f"http://127.0.0.1:{port}/", timeout=5).time_stamp(b"m")
    with pytest.raises(SigningError, match="http or https"):
        HttpTimeStamper("file:///etc/passwd")


def test_time_stamped_sign1_round_trip(tsa: LocalTsa, signers: Any) -> None:
    signer = signers[Algorithm.ES256]
    reserve = sign1.reserve_size(signer, HttpTimeStamper(tsa.url))
    assert reserve == sign1.reserve_size(signer) + sign1.TIMESTAMP_RESERVE
    encoded = sign1.encode_sign1(b"claim", signer, pad_to=reserve, timestamper=HttpTimeStamper(tsa.url))
    assert len(encoded) == reserve
    decoded = sign1.decode_sign1(encoded)
    sign1.verify_sign1(decoded, b"claim")
    assert set(decoded.unprotected) >= {"sigTst2", "pad"}
    result = timestamp.check(decoded.unprotected, decoded.protected_bytes, decoded.signature,
                             b"claim", 2, [tsa.pki.root])
    assert [c for c, _ in result.statuses] == ["timeStamp.validated", "timeStamp.trusted"]


class _WrongStamper:
    """A third-party TimeStamper that returns a token over something else."""

    def __init__(self, tsa: LocalTsa) -> None:
        self.tsa = tsa

    def time_stamp(self, message: bytes) -> bytes:
        return self.tsa.token(hashlib.sha256(message + b"!").digest())


def test_a_token_that_does_not_match_is_not_stored(tsa: LocalTsa, signers: Any) -> None:
    with pytest.raises(SigningError, match="time-stamp rejected: time-stamp imprint does not match"):
        sign1.encode_sign1(b"claim", signers[Algorithm.ES256], timestamper=_WrongStamper(tsa))


def test_a_token_larger_than_the_reserve(tsa: LocalTsa, signers: Any) -> None:
    class Huge:
        def time_stamp(self, message: bytes) -> bytes:
            return tsa.token(hashlib.sha256(message).digest())

    signer = signers[Algorithm.ES256]
    with pytest.raises(SigningError, match="too large for the reserved space"):
        sign1.encode_sign1(b"claim", signer, pad_to=sign1.reserve_size(signer), timestamper=Huge())
