"""Certificate profile (C2PA 2.2 §14.5.1), validity and anchor chaining (RFC 5280 §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from fakemedia.cose import certs
from fakemedia.cose._x509build import LEAF_EKUS, issue_certificate, issue_root, make_name
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.sign1 import decode_sign1, encode_sign1, verify_sign1
from fakemedia.cose.signer import LocalSigner
from fakemedia.errors import CertificateError

from .conftest import PEER_PKI, SHARED, der

Leaf = Callable[..., x509.Certificate]
needs_shared = pytest.mark.skipif(not PEER_PKI.is_dir(), reason="shared fixtures not present")


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_good_leaf_conforms(make_leaf: Leaf, ec_key: Any) -> None:
    assert certs.profile_problems(make_leaf(ec_key.public_key())) == []


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"ca": True}, "is a CA certificate"),
        ({"ekus": None}, "no Extended Key Usage"),
        ({"aki": False}, "no Authority Key Identifier"),
        ({"key_usage": None}, "no Key Usage"),
        ({"key_usage": ("key_encipherment",)}, "lacks digitalSignature"),
        ({"key_usage": ("digital_signature", "key_cert_sign")}, "keyCertSign"),
        (
            {"ekus": [ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE, *LEAF_EKUS]},
            "anyExtendedKeyUsage",
        ),
        ({"ekus": [ExtendedKeyUsageOID.SERVER_AUTH]}, "no C2PA signing purpose"),
        (
            {"ekus": [ExtendedKeyUsageOID.TIME_STAMPING, *LEAF_EKUS]},
            "timeStamping must appear alone",
        ),
        (
            {"ekus": [ExtendedKeyUsageOID.OCSP_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]},
            "OCSPSigning must appear alone",
        ),
        (
            {
                "extra_extensions": [
                    (x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00"), True)
                ]
            },
            "unknown critical extension 1.2.3.4",
        ),
    ],
)
def test_profile_catches(make_leaf: Leaf, ec_key: Any, kwargs: dict[str, Any], expected: str) -> None:
    problems = certs.profile_problems(make_leaf(ec_key.public_key(), **kwargs))
    assert any(expected in p for p in problems), problems


def test_non_critical_unknown_extension_is_fine(make_leaf: Leaf, ec_key: Any) -> None:
    ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4"), b"\x05\x00")
    assert certs.profile_problems(make_leaf(ec_key.public_key(), extra_extensions=[(ext, False)])) == []


def test_non_repudiation_alone_tolerated(make_leaf: Leaf, ec_key: Any) -> None:
    # c2pa-rs accepts nonRepudiation (contentCommitment) without digitalSignature.
    leaf = make_leaf(ec_key.public_key(), key_usage=("content_commitment",))
    assert certs.profile_problems(leaf) == []


def test_self_signed_ca(ec_key: Any) -> None:
    # The default output of `openssl req -x509`: rejected as self-signed CA.
    cert = issue_certificate(ec_key.public_key(), make_name("me", "Org"), ec_key, ca=True)
    problems = certs.profile_problems(cert)
    assert "is a self-signed CA certificate" in problems
    assert "is a CA certificate (expected end-entity)" in problems


def test_self_signed_end_entity_conforms(ec_key: Any) -> None:
    # cA=FALSE with AKI, KU and EKU: valid (untrusted) for c2pa-rs.
    cert = issue_certificate(ec_key.public_key(), make_name("me", "Org"), ec_key)
    assert certs.profile_problems(cert) == []
    assert certs.chain_to_anchor([cert], [cert])


def test_extra_ekus(make_leaf: Leaf, ec_key: Any) -> None:
    custom = x509.ObjectIdentifier("1.3.6.1.4.1.99999.1")
    leaf = make_leaf(ec_key.public_key(), ekus=[custom])
    assert certs.profile_problems(leaf) == ["Extended Key Usage has no C2PA signing purpose"]
    assert certs.profile_problems(leaf, extra_ekus=["1.3.6.1.4.1.99999.1"]) == []


def test_small_rsa_key(make_leaf: Leaf) -> None:
    small = rsa.generate_private_key(65537, 1024)
    problems = certs.profile_problems(make_leaf(small.public_key()))
    assert problems == ["RSA key of 1024 bits is below 2048"]


def test_wrong_curve(make_leaf: Leaf) -> None:
    k1 = ec.generate_private_key(ec.SECP256K1())
    assert certs.profile_problems(make_leaf(k1.public_key())) == [
        "EC curve secp256k1 is not P-256, P-384 or P-521"
    ]


def test_rsa_pss_signed_certificate(rsa_key: rsa.RSAPrivateKey, ec_key: Any) -> None:
    name = make_name("pss leaf", "Org")
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(make_name("pss root", "Org"))
        .public_key(ec_key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2025, 1, 1, tzinfo=timezone.utc))
        .not_valid_after(datetime(2035, 1, 1, tzinfo=timezone.utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, *[False] * 8), critical=True)
        .add_extension(x509.ExtendedKeyUsage(list(LEAF_EKUS)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(rsa_key.public_key()),
            critical=False,
        )
    )
    good = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    cert = builder.sign(rsa_key, hashes.SHA256(), rsa_padding=good)
    assert cert.signature_algorithm_oid == x509.oid.SignatureAlgorithmOID.RSASSA_PSS
    assert certs.profile_problems(cert) == []
    mixed = padding.PSS(padding.MGF1(hashes.SHA512()), 32)
    cert = builder.sign(rsa_key, hashes.SHA256(), rsa_padding=mixed)
    assert any("RSASSA-PSS" in p for p in certs.profile_problems(cert))


def test_disallowed_signature_algorithm(ec_key: Any) -> None:
    cert = issue_certificate(ec_key.public_key(), make_name("x", "O"), ec_key, hash_algorithm=hashes.SHA224())
    assert any("signature algorithm 1.2.840.10045.4.3.1" in p for p in certs.profile_problems(cert))


# --- validity ----------------------------------------------------------------------------------


def test_is_valid_at(make_leaf: Leaf, ec_key: Any) -> None:
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    expired = make_leaf(ec_key.public_key(), not_before=start, not_after=start + timedelta(days=30))
    assert certs.profile_problems(expired) == []  # the profile ignores dates
    assert certs.is_valid_at(expired, start + timedelta(days=1))
    assert certs.is_valid_at(expired, datetime(2020, 1, 2))  # naive means UTC
    assert not certs.is_valid_at(expired, datetime.now(timezone.utc))
    assert not certs.is_valid_at(expired, start - timedelta(seconds=1))
    assert certs.is_valid_at(make_leaf(ec_key.public_key()), datetime.now(timezone.utc))


# --- chaining ----------------------------------------------------------------------------------


def test_chain_to_anchor(make_leaf: Leaf, ec_key: Any, root: tuple[Any, x509.Certificate]) -> None:
    _, root_cert = root
    leaf = make_leaf(ec_key.public_key())
    assert certs.chain_to_anchor([leaf], [root_cert])
    assert certs.chain_to_anchor([leaf, root_cert], [root_cert])  # root included: fine
    assert not certs.chain_to_anchor([leaf], [])
    assert not certs.chain_to_anchor([], [root_cert])
    other_key = ec.generate_private_key(ec.SECP256R1())
    # Same name, different key: the name matches, the signature does not.
    impostor = issue_root(other_key, "cose test root", "fakemedia tests", 30)
    assert impostor.subject == root_cert.subject
    assert not certs.chain_to_anchor([leaf], [impostor])
    assert certs.chain_to_anchor([leaf], [impostor, root_cert])


def test_chain_with_broken_link(ec_key: Any, root: tuple[Any, x509.Certificate]) -> None:
    root_key, root_cert = root
    inter_key = ec.generate_private_key(ec.SECP384R1())
    inter = issue_certificate(
        inter_key.public_key(),
        make_name("inter", "O"),
        root_key,
        root_cert,
        ca=True,
        path_length=0,
        key_usage=("key_cert_sign", "crl_sign"),
        ekus=None,
    )
    leaf = issue_certificate(ec_key.public_key(), make_name("leaf", "O"), inter_key, inter)
    assert certs.profile_problems(leaf) == []
    assert certs.chain_to_anchor([leaf, inter], [root_cert])
    assert not certs.chain_to_anchor([leaf], [root_cert])  # intermediate missing
    # An unrelated certificate between leaf and intermediate breaks the chain.
    stranger = issue_root(ec.generate_private_key(ec.SECP256R1()), "stranger", "O", 30)
    assert not certs.chain_to_anchor([leaf, stranger, inter], [root_cert])
    # A leaf the intermediate did not sign, placed in front of a good intermediate.
    forged = issue_certificate(ec_key.public_key(), make_name("leaf", "O"), ec_key, inter)
    assert not certs.chain_to_anchor([forged, inter], [root_cert])


# --- loading and describing --------------------------------------------------------------------


def test_load_and_describe(make_leaf: Leaf, ec_key: Any) -> None:
    leaf = make_leaf(ec_key.public_key(), not_before=datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc))
    assert certs.load_certificates(der(leaf)) == [leaf]
    pem = leaf.public_bytes(Encoding.PEM)
    assert certs.load_certificates(pem + pem) == [leaf, leaf]
    info = certs.describe(leaf)
    assert info["common_name"] == "cose test signer"
    assert info["organization"] == "fakemedia tests"
    assert info["issuer"] == "CN=cose test root,O=fakemedia tests"
    assert info["serial_number"] == str(leaf.serial_number)
    assert info["not_before"] == "2025-03-04T05:06:07Z"
    assert info["not_after"] == "2027-03-04T05:06:07Z"


@pytest.mark.parametrize("data", [b"", b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n"])
def test_load_garbage(data: bytes) -> None:
    with pytest.raises(CertificateError):
        certs.load_certificates(data)


# --- the peer PKI and the c2pa-rs bundle (shared fixtures) --------------------------------------


@needs_shared
@pytest.mark.parametrize("name", ["es256", "ps256", "ed25519"])
def test_peer_pki(name: str) -> None:
    leaf = certs.load_certificates((PEER_PKI / f"{name}.cert.pem").read_bytes())[0]
    chain = certs.load_certificates((PEER_PKI / f"{name}.chain.pem").read_bytes())
    anchors = certs.load_certificates((PEER_PKI / "trust-anchors.pem").read_bytes())
    assert chain[0] == leaf
    assert certs.profile_problems(leaf) == []
    assert certs.chain_to_anchor(chain, anchors)
    assert not certs.chain_to_anchor([leaf], anchors)  # needs the intermediate
    # Sign and verify with the peer key and its chain: x5chain is an array of two.
    signer = LocalSigner.from_pem(
        (PEER_PKI / f"{name}.key.pem").read_bytes(), (PEER_PKI / f"{name}.chain.pem").read_bytes()
    )
    assert signer.algorithm is Algorithm.from_label(name)
    decoded = decode_sign1(encode_sign1(b"claim", signer))
    assert decoded.x5chain == [der(c) for c in chain]
    verify_sign1(decoded, b"claim")


@needs_shared
def test_c2pa_rs_root_bundle() -> None:
    bundle = certs.load_certificates(
        (SHARED / "fixtures" / "c2pa-rs" / "test_cert_root_bundle.pem").read_bytes()
    )
    assert len(bundle) >= 1
    assert all(certs.describe(c)["serial_number"].isdigit() for c in bundle)


# --- issuerUniqueID / subjectUniqueID (not exposed by cryptography; built by hand) -------------


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = bytes([n]) if n < 0x80 else bytes([0x80 | 2]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + content


def _elements(der_bytes: bytes) -> list[bytes]:
    """Top-level TLVs inside the outer SEQUENCE, each as its full encoding."""

    def span(pos: int) -> tuple[int, int]:
        first = der_bytes[pos + 1]
        if first < 0x80:
            return pos + 2, first
        k = first & 0x7F
        return pos + 2 + k, int.from_bytes(der_bytes[pos + 2 : pos + 2 + k], "big")

    pos, _ = span(0)
    out = []
    while pos < len(der_bytes):
        start, length = span(pos)
        out.append(der_bytes[pos : start + length])
        pos = start + length
    return out


def test_unique_ids_rejected(make_leaf: Leaf, ec_key: Any) -> None:
    leaf = make_leaf(ec_key.public_key())
    tbs, sig_alg, sig = _elements(der(leaf))
    parts = _elements(tbs)
    assert parts[-1][0] == 0xA3  # extensions [3]
    # issuerUniqueID [1] IMPLICIT BIT STRING, placed before the extensions as RFC 5280 orders it.
    tbs_uid = _tlv(0x30, b"".join([*parts[:-1], _tlv(0x81, b"\x00\x01"), parts[-1]]))
    cert = x509.load_der_x509_certificate(_tlv(0x30, tbs_uid + sig_alg + sig))
    assert certs.profile_problems(leaf) == []
    assert certs.profile_problems(cert) == ["carries issuerUniqueID or subjectUniqueID"]
