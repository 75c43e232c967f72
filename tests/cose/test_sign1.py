"""COSE_Sign1 encoding, decoding and verification (RFC 9052 §4.2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fakemedia import limits
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.sign1 import (
    Sign1,
    UnsupportedAlgorithm,
    decode_sign1,
    encode_sign1,
    reserve_size,
    sig_structure,
    verify_sign1,
)
from fakemedia.cose.signer import LocalSigner, Signer
from fakemedia.errors import LimitExceeded, ManifestError, SignatureInvalid, SigningError

CLAIM = cbor2.dumps({"claim_generator_info": [{"name": "fakemedia"}], "alg": "sha256"})


class StubSigner:
    """A Signer that is not a LocalSigner: fixed chain and a canned signature."""

    def __init__(self, alg: Algorithm, chain: Sequence[bytes], signature: bytes) -> None:
        self.algorithm = alg
        self.certificate_chain = list(chain)
        self._signature = signature
        self.seen: list[bytes] = []

    def sign(self, data: bytes) -> bytes:
        self.seen.append(data)
        return self._signature


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# --- test vector -----------------------------------------------------------------------------

FAKE_CERT = bytes.fromhex("3003020107")  # DER SEQUENCE { INTEGER 7 }: a stand-in certificate
FIXED_SIG = bytes(range(64))

ES256_VECTOR = bytes.fromhex(
    "d2"  # tag 18: COSE_Sign1_Tagged
    "84"  # array(4)
    "4b"  # protected: bstr(11) holding ...
    "a2"  # ... map(2)
    "01"  # key 1 (alg)
    "26"  # -7 = ES256
    "1821"  # key 33 (x5chain)
    "45"
    "3003020107"  # one certificate: a single bstr(5), not an array
    "a1"  # unprotected: map(1)
    "63"
    "706164"  # "pad"
    "40"  # bstr(0): the pad is present even when empty
    "f6"  # payload: null (detached claim)
    "5840" + FIXED_SIG.hex()  # signature: bstr(64), raw r‖s
)


def test_es256_vector() -> None:
    stub = StubSigner(Algorithm.ES256, [FAKE_CERT], FIXED_SIG)
    assert encode_sign1(CLAIM, stub) == ES256_VECTOR
    # What was handed to the signer is exactly the §6.2 Sig_structure.
    expected_tbs = cbor2.dumps(["Signature1", ES256_VECTOR[3:14], b"", CLAIM])
    assert stub.seen == [expected_tbs]
    assert ES256_VECTOR[3:8] == bytes.fromhex("a201261821")  # c2pa-rs's header prefix
    decoded = decode_sign1(ES256_VECTOR)
    assert decoded.algorithm is Algorithm.ES256
    assert decoded.x5chain == [FAKE_CERT]
    assert decoded.unprotected == {"pad": b""}
    assert decoded.payload is None
    assert decoded.signature == FIXED_SIG


def test_sig_structure_bytes() -> None:
    # ["Signature1", h'A0', h'', h'01'] encoded by hand.
    assert sig_structure(b"\xa0", b"\x01") == bytes.fromhex("846a5369676e61747572653141a0404101")


def test_chain_of_two_is_an_array() -> None:
    stub = StubSigner(Algorithm.ED25519, [FAKE_CERT, b"\x30\x00"], bytes(64))
    decoded = decode_sign1(encode_sign1(CLAIM, stub))
    assert cbor2.loads(decoded.protected_bytes)[33] == [FAKE_CERT, b"\x30\x00"]
    assert decoded.x5chain == [FAKE_CERT, b"\x30\x00"]


def test_stub_satisfies_protocol(signers: dict[Algorithm, LocalSigner]) -> None:
    assert isinstance(StubSigner(Algorithm.ES256, [FAKE_CERT], FIXED_SIG), Signer)
    assert isinstance(signers[Algorithm.ES256], Signer)


# --- round trips and tampering ---------------------------------------------------------------


@pytest.mark.parametrize("alg", list(Algorithm))
def test_round_trip(alg: Algorithm, signers: dict[Algorithm, LocalSigner]) -> None:
    signer = signers[alg]
    encoded = encode_sign1(CLAIM, signer, pad_to=reserve_size(signer))
    assert len(encoded) == reserve_size(signer)
    decoded = decode_sign1(encoded)
    assert decoded.algorithm is alg and decoded.alg_id == alg.cose_id
    assert decoded.x5chain == list(signer.certificate_chain)
    verify_sign1(decoded, CLAIM)
    with pytest.raises(SignatureInvalid):
        verify_sign1(decoded, CLAIM + b"\x00")
    with pytest.raises(SignatureInvalid):
        verify_sign1(decoded, flip(CLAIM, 5))


@pytest.mark.parametrize("alg", list(Algorithm))
def test_tampered_signature(alg: Algorithm, signers: dict[Algorithm, LocalSigner]) -> None:
    decoded = decode_sign1(encode_sign1(CLAIM, signers[alg]))
    for index in (0, len(decoded.signature) // 2, len(decoded.signature) - 1):
        bad = Sign1(
            decoded.protected_bytes, decoded.protected, decoded.unprotected, flip(decoded.signature, index)
        )
        with pytest.raises(SignatureInvalid):
            verify_sign1(bad, CLAIM)


def test_tampered_protected_bytes(signers: dict[Algorithm, LocalSigner]) -> None:
    decoded = decode_sign1(encode_sign1(CLAIM, signers[Algorithm.ES256]))
    # Same parsed header, different bytes: a non-minimal length for the x5chain bstr.
    # Verification must use the stored bytes, so the signature no longer matches.
    reencoded = bytearray(decoded.protected_bytes)
    assert reencoded[5] == 0x59  # bstr with 2-byte length
    altered = bytes(reencoded[:5]) + b"\x5a\x00\x00" + bytes(reencoded[6:])
    assert cbor2.loads(altered) == decoded.protected
    bad = Sign1(altered, decoded.protected, decoded.unprotected, decoded.signature)
    with pytest.raises(SignatureInvalid):
        verify_sign1(bad, CLAIM)
    # And a flipped byte inside the certificate part of the header.
    flipped = flip(decoded.protected_bytes, len(decoded.protected_bytes) - 40)
    bad = Sign1(flipped, decoded.protected, decoded.unprotected, decoded.signature)
    with pytest.raises(SignatureInvalid):
        verify_sign1(bad, CLAIM)


def test_wrong_leaf_certificate(signers: dict[Algorithm, LocalSigner]) -> None:
    # A genuine ES256 signature, but the header names another ES256 leaf.
    other = StubSigner(Algorithm.ES256, signers[Algorithm.ES384].certificate_chain, b"")
    protected = cbor2.dumps({1: -7, 33: signers[Algorithm.ES256].certificate_chain[0]})
    signature = signers[Algorithm.ES256].sign(sig_structure(protected, CLAIM))
    verify_sign1(Sign1(protected, cbor2.loads(protected), {}, signature), CLAIM)
    wrong = cbor2.dumps({1: -7, 33: other.certificate_chain[0]})
    with pytest.raises(SignatureInvalid):
        verify_sign1(Sign1(wrong, cbor2.loads(wrong), {}, signature), CLAIM)


def test_independent_encoding_verifies(
    keys: dict[Algorithm, Any], signers: dict[Algorithm, LocalSigner]
) -> None:
    """A COSE_Sign1 built by hand (plain cbor2 + cryptography) passes verify_sign1."""
    key, leaf = keys[Algorithm.ES384], signers[Algorithm.ES384].certificate_chain[0]
    protected = cbor2.dumps({1: -35, 33: leaf})
    tbs = cbor2.dumps(["Signature1", protected, b"", CLAIM])
    r, s = decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA384())))
    raw = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    data = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, None, raw]))
    verify_sign1(decode_sign1(data), CLAIM)


def test_legacy_unprotected_x5chain(signers: dict[Algorithm, LocalSigner]) -> None:
    signer = signers[Algorithm.ED25519]
    protected = cbor2.dumps({1: -8})
    signature = signer.sign(sig_structure(protected, CLAIM))
    leaf = signer.certificate_chain[0]
    data = cbor2.dumps(cbor2.CBORTag(18, [protected, {"x5chain": leaf}, None, signature]))
    decoded = decode_sign1(data)
    assert decoded.x5chain == [leaf]
    verify_sign1(decoded, CLAIM)
    # Integer 33 is not looked up in the unprotected bucket (as in c2pa-rs).
    data = cbor2.dumps(cbor2.CBORTag(18, [protected, {33: leaf}, None, signature]))
    with pytest.raises(SignatureInvalid):
        verify_sign1(decode_sign1(data), CLAIM)


def test_x5chain_in_both_buckets() -> None:
    protected = cbor2.dumps({1: -7, 33: FAKE_CERT})
    data = cbor2.dumps(cbor2.CBORTag(18, [protected, {"x5chain": FAKE_CERT}, None, b"s"]))
    with pytest.raises(ManifestError, match="both"):
        decode_sign1(data)


def test_chain_bound() -> None:
    protected = cbor2.dumps({1: -7, 33: [FAKE_CERT] * (limits.MAX_CHAIN_CERTS + 1)})
    with pytest.raises(LimitExceeded):
        decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, None, b"s"])))
    protected = cbor2.dumps({1: -7, 33: [FAKE_CERT] * limits.MAX_CHAIN_CERTS})
    assert len(decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, None, b"s"]))).x5chain) == 16


# RFC 9052 §3.1 crit: a non-empty array of labels that are present and understood.
@pytest.mark.parametrize(("crit", "why"), [
    ([99], "not in the protected header"),   # a label nobody sent
    ([1], "not understood"),                 # RFC 9052's own labels may not be listed
    ([], "non-empty array"),
    (5, "non-empty array"),
    ([[33]], "neither int nor text"),
])
def test_crit_refused(crit: Any, why: str) -> None:
    header: dict[Any, Any] = {1: -7, 2: crit, 33: FAKE_CERT}
    if crit == [99]:
        header.pop(99, None)
    data = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(header), {}, None, b"s"]))
    with pytest.raises(ManifestError, match=why):
        decode_sign1(data)


def test_crit_unknown_label_present_is_still_refused() -> None:
    header = {1: -7, 2: [99], 33: FAKE_CERT, 99: "must understand"}
    with pytest.raises(ManifestError, match="not understood"):
        decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(header), {}, None, b"s"])))


def test_crit_naming_x5chain_is_accepted() -> None:
    header = {1: -7, 2: [33], 33: FAKE_CERT}
    assert decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(header), {}, None, b"s"])))


@pytest.mark.parametrize("value", [5, "text", None, [b"x"]])
def test_not_bytes_is_refused(value: Any) -> None:
    with pytest.raises(ManifestError, match="not a byte string"):
        decode_sign1(value)


@pytest.mark.parametrize("alg_value", [None, -257, "ES256", 0])
def test_unsupported_algorithm(alg_value: Any, signers: dict[Algorithm, LocalSigner]) -> None:
    header: dict[int, Any] = {33: signers[Algorithm.ES256].certificate_chain[0]}
    if alg_value is not None:
        header[1] = alg_value
    protected = cbor2.dumps(header)
    decoded = decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, None, bytes(64)])))
    assert decoded.algorithm is None
    assert decoded.alg_id == alg_value
    with pytest.raises(UnsupportedAlgorithm):
        verify_sign1(decoded, CLAIM)


def test_no_certificate() -> None:
    protected = cbor2.dumps({1: -7})
    decoded = decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, None, bytes(64)])))
    assert decoded.x5chain == []
    with pytest.raises(SignatureInvalid):
        verify_sign1(decoded, CLAIM)
    garbage_cert = cbor2.dumps({1: -7, 33: b"not a certificate"})
    decoded = decode_sign1(cbor2.dumps(cbor2.CBORTag(18, [garbage_cert, {}, None, bytes(64)])))
    with pytest.raises(SignatureInvalid):
        verify_sign1(decoded, CLAIM)


def test_timestamp_tokens() -> None:
    unprotected = {
        "sigTst2": {"tstTokens": [{"val": b"token-v2"}]},
        "sigTst": {"tstTokens": [{"val": b"token-v1"}, {"val": "not bytes"}]},
    }
    data = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -7}), unprotected, None, b"s"]))
    assert decode_sign1(data).timestamp_tokens == [b"token-v2", b"token-v1"]
    assert decode_sign1(ES256_VECTOR).timestamp_tokens == []


# --- malformed input -------------------------------------------------------------------------


def _tagged(*parts: Any, tag: int = 18) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(tag, list(parts)))


GOOD_PROTECTED = cbor2.dumps({1: -7, 33: FAKE_CERT})


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xff",
        ES256_VECTOR[:-1],  # truncated
        ES256_VECTOR + b"\x00",  # trailing bytes
        ES256_VECTOR[1:],  # untagged: c2pa-rs cannot read it either
        _tagged(GOOD_PROTECTED, {}, None, b"s", tag=98),  # COSE_Sign, not Sign1
        _tagged(GOOD_PROTECTED, {}, None),  # 3 elements
        _tagged(GOOD_PROTECTED, {}, None, b"s", b"x"),
        cbor2.dumps(cbor2.CBORTag(18, {"a": 1})),
        _tagged({1: -7}, {}, None, b"s"),  # protected not wrapped in a bstr
        _tagged(GOOD_PROTECTED, [], None, b"s"),
        _tagged(GOOD_PROTECTED, {}, "payload", b"s"),
        _tagged(GOOD_PROTECTED, {}, None, "sig"),
        _tagged(cbor2.dumps([1, 2]), {}, None, b"s"),  # protected is not a map
        _tagged(GOOD_PROTECTED + b"\x00", {}, None, b"s"),  # trailing bytes in protected
        _tagged(b"\xa2\x01\x26\x01\x26", {}, None, b"s"),  # duplicate key in protected
        _tagged(cbor2.dumps({1: -7, 33: 5}), {}, None, b"s"),  # x5chain not a bstr
        _tagged(cbor2.dumps({1: -7, 33: []}), {}, None, b"s"),
        _tagged(cbor2.dumps({1: -7, 33: [FAKE_CERT, 7]}), {}, None, b"s"),
    ],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(ManifestError) as info:
        decode_sign1(data)
    assert "\n" not in str(info.value)


def test_empty_protected_and_embedded_payload() -> None:
    decoded = decode_sign1(_tagged(b"", {}, b"inline", b"s"))
    assert decoded.protected == {} and decoded.payload == b"inline"
    assert decoded.algorithm is None


# --- padding ---------------------------------------------------------------------------------

ED_STUB = StubSigner(Algorithm.ED25519, [FAKE_CERT], bytes(64))
ED_MIN = len(encode_sign1(CLAIM, ED_STUB))


@settings(max_examples=300, deadline=None)
@given(extra=st.integers(min_value=0, max_value=70_000))
@example(extra=24)  # bstr header 1 -> 2 bytes: needs pad2
@example(extra=257)  # 2 -> 3 bytes
@example(extra=65_538)  # 3 -> 5 bytes
@example(extra=65_539)
def test_pad_to_exact(extra: int) -> None:
    encoded = encode_sign1(CLAIM, ED_STUB, pad_to=ED_MIN + extra)
    assert len(encoded) == ED_MIN + extra
    decoded = decode_sign1(encoded)
    assert decoded.signature == bytes(64)
    pads = [v for k, v in decoded.unprotected.items() if k in ("pad", "pad2")]
    assert "pad" in decoded.unprotected and all(p == bytes(len(p)) for p in pads)


def test_pad_to_every_size_near_the_jumps() -> None:
    for extra in [*range(0, 300), *range(65_500, 65_560)]:
        assert len(encode_sign1(CLAIM, ED_STUB, pad_to=ED_MIN + extra)) == ED_MIN + extra


@pytest.mark.parametrize("alg", [Algorithm.ES256, Algorithm.ES512, Algorithm.ED25519])
def test_wrong_signature_length_from_signer(alg: Algorithm, keys: dict[Algorithm, Any]) -> None:
    # A third-party signer returning DER ECDSA is caught before anything is written.
    der_sig = keys[Algorithm.ES256].sign(b"x", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(SigningError, match="r‖s"):
        encode_sign1(CLAIM, StubSigner(alg, [FAKE_CERT], der_sig))


def test_pad_to_too_small() -> None:
    with pytest.raises(ValueError, match="too small"):
        encode_sign1(CLAIM, ED_STUB, pad_to=ED_MIN - 1)


@pytest.mark.parametrize("alg", list(Algorithm))
def test_padded_signature_still_verifies(alg: Algorithm, signers: dict[Algorithm, LocalSigner]) -> None:
    signer = signers[alg]
    minimum = len(encode_sign1(CLAIM, signer))
    assert reserve_size(signer) >= minimum + 1000
    for size in (minimum, minimum + 24, reserve_size(signer)):
        verify_sign1(decode_sign1(encode_sign1(CLAIM, signer, pad_to=size)), CLAIM)


def test_reserve_size_covers_long_chains(signers: dict[Algorithm, LocalSigner]) -> None:
    chain = list(signers[Algorithm.PS256].certificate_chain) * 3
    stub = StubSigner(Algorithm.PS256, chain, bytes(256))
    assert len(encode_sign1(CLAIM, stub, pad_to=reserve_size(stub))) == reserve_size(stub)
