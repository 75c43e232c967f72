"""Raw COSE signatures (C2PA 2.2 §13.2; RFC 9053 §2)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from fakemedia.cose import algorithms
from fakemedia.cose.algorithms import Algorithm
from fakemedia.errors import SignatureInvalid, SigningError

DATA = b"claim bytes to sign"


class TestAlgorithmEnum:
    @pytest.mark.parametrize(
        ("alg", "cose_id", "label"),
        [
            (Algorithm.ES256, -7, "es256"),
            (Algorithm.ES384, -35, "es384"),
            (Algorithm.ES512, -36, "es512"),
            (Algorithm.PS256, -37, "ps256"),
            (Algorithm.PS384, -38, "ps384"),
            (Algorithm.PS512, -39, "ps512"),
            (Algorithm.ED25519, -8, "ed25519"),
        ],
    )
    def test_ids_and_labels(self, alg: Algorithm, cose_id: int, label: str) -> None:
        assert (alg.cose_id, alg.label) == (cose_id, label)
        assert Algorithm.from_cose_id(cose_id) is alg
        assert Algorithm.from_label(label) is alg

    @pytest.mark.parametrize("bad", [-257, 0, 1, True, "-7", None])
    def test_unknown_id(self, bad: Any) -> None:
        with pytest.raises(ValueError):
            Algorithm.from_cose_id(bad)

    @pytest.mark.parametrize("bad", ["rs256", "", "es 256"])
    def test_unknown_label(self, bad: str) -> None:
        with pytest.raises(ValueError):
            Algorithm.from_label(bad)


@pytest.mark.parametrize("alg", list(Algorithm))
def test_sign_verify_round_trip(alg: Algorithm, keys: dict[Algorithm, Any]) -> None:
    key = keys[alg]
    signature = algorithms.sign(alg, key, DATA)
    algorithms.verify(alg, key.public_key(), signature, DATA)
    with pytest.raises(SignatureInvalid):
        algorithms.verify(alg, key.public_key(), signature, DATA + b"!")


@pytest.mark.parametrize(("alg", "n"), [(Algorithm.ES256, 32), (Algorithm.ES384, 48), (Algorithm.ES512, 66)])
def test_ecdsa_is_raw_r_s(alg: Algorithm, n: int, keys: dict[Algorithm, Any]) -> None:
    key = keys[alg]
    digest = {32: hashes.SHA256(), 48: hashes.SHA384(), 66: hashes.SHA512()}[n]
    for _ in range(8):  # r or s with leading zero bytes must still be n bytes wide
        signature = algorithms.sign(alg, key, DATA)
        assert len(signature) == 2 * n
        r, s = int.from_bytes(signature[:n], "big"), int.from_bytes(signature[n:], "big")
        # Independent check: the halves re-encoded as DER verify with plain cryptography.
        key.public_key().verify(encode_dss_signature(r, s), DATA, ec.ECDSA(digest))


def test_ecdsa_der_signature_rejected(keys: dict[Algorithm, Any]) -> None:
    key = keys[Algorithm.ES256]
    der = key.sign(DATA, ec.ECDSA(hashes.SHA256()))
    decode_dss_signature(der)  # it is a genuine, valid DER signature ...
    key.public_key().verify(der, DATA, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(SignatureInvalid):  # ... but COSE wants r‖s
        algorithms.verify(Algorithm.ES256, key.public_key(), der, DATA)


@pytest.mark.parametrize("alg", [Algorithm.PS256, Algorithm.PS384, Algorithm.PS512])
def test_pss_salt_is_hash_length(alg: Algorithm, rsa_key: rsa.RSAPrivateKey) -> None:
    digest = {Algorithm.PS256: hashes.SHA256, Algorithm.PS384: hashes.SHA384}.get(alg, hashes.SHA512)()
    signature = algorithms.sign(alg, rsa_key, DATA)
    # Verifies only when the salt is exactly the digest length and MGF1 uses the same hash.
    pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    rsa_key.public_key().verify(signature, DATA, pss, digest)


def test_ed25519_rfc8032_vector() -> None:
    # RFC 8032 §7.1, TEST 1 (empty message).
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    expected = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    key = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
    assert algorithms.sign(Algorithm.ED25519, key, b"") == expected
    algorithms.verify(Algorithm.ED25519, key.public_key(), expected, b"")


@pytest.mark.parametrize(
    ("alg", "key_alg"),
    [
        (Algorithm.ES256, Algorithm.ES384),  # c2pa-rs rejects ES256 with P-384
        (Algorithm.ES384, Algorithm.ES256),
        (Algorithm.ES512, Algorithm.ES256),
        (Algorithm.ES256, Algorithm.PS256),
        (Algorithm.PS256, Algorithm.ES256),
        (Algorithm.ED25519, Algorithm.ES256),
        (Algorithm.ES256, Algorithm.ED25519),
    ],
)
def test_key_mismatch(alg: Algorithm, key_alg: Algorithm, keys: dict[Algorithm, Any]) -> None:
    key = keys[key_alg]
    with pytest.raises(SigningError):
        algorithms.sign(alg, key, DATA)
    genuine = algorithms.sign(key_alg, key, DATA)
    with pytest.raises(SignatureInvalid):
        algorithms.verify(alg, key.public_key(), genuine, DATA)


def test_small_rsa_refused() -> None:
    small = rsa.generate_private_key(65537, 1024)
    with pytest.raises(SigningError, match="1024"):
        algorithms.sign(Algorithm.PS256, small, DATA)
    forged = small.sign(DATA, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    with pytest.raises(SignatureInvalid):
        algorithms.verify(Algorithm.PS256, small.public_key(), forged, DATA)


@pytest.mark.parametrize("alg", list(Algorithm))
def test_wrong_length_and_garbage(alg: Algorithm, keys: dict[Algorithm, Any]) -> None:
    public = keys[alg].public_key()
    signature = algorithms.sign(alg, keys[alg], DATA)
    for bad in (b"", signature[:-1], signature + b"\0", bytes(len(signature))):
        with pytest.raises(SignatureInvalid):
            algorithms.verify(alg, public, bad, DATA)


def test_verify_refuses_private_key_object(keys: dict[Algorithm, Any]) -> None:
    key = keys[Algorithm.ES256]
    signature = algorithms.sign(Algorithm.ES256, key, DATA)
    with pytest.raises(SignatureInvalid):
        algorithms.verify(Algorithm.ES256, key, signature, DATA)


def test_algorithm_for_key(keys: dict[Algorithm, Any]) -> None:
    for alg in (Algorithm.ES256, Algorithm.ES384, Algorithm.ES512, Algorithm.ED25519):
        assert algorithms.algorithm_for_key(keys[alg]) is alg
    assert algorithms.algorithm_for_key(keys[Algorithm.PS512]) is Algorithm.PS256
    with pytest.raises(SigningError):
        algorithms.algorithm_for_key(ec.generate_private_key(ec.SECP256K1()))
    with pytest.raises(SigningError):
        algorithms.algorithm_for_key(b"not a key")
