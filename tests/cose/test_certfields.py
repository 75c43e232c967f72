"""The DER-read certificate fields against cryptography's parser: wherever the light reader
answers, it answers as cryptography does (generated certificates, and mutations of them)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fakemedia.cose import certfields, certs, profile
from fakemedia.errors import MalformedDer

KEYS: dict[str, Any] = {
    "p256": ec.generate_private_key(ec.SECP256R1()),
    "p384": ec.generate_private_key(ec.SECP384R1()),
    "k256": ec.generate_private_key(ec.SECP256K1()),  # a curve the profile refuses
    "ed25519": ed25519.Ed25519PrivateKey.generate(),
    "rsa2048": rsa.generate_private_key(65537, 2048),
    "rsa1024": rsa.generate_private_key(65537, 1024),  # below the profile's minimum
}
_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}
_NAME_OIDS = [NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME, NameOID.COUNTRY_NAME,
              NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.LOCALITY_NAME, NameOID.EMAIL_ADDRESS,
              NameOID.DOMAIN_COMPONENT, NameOID.SERIAL_NUMBER]
_EKUS = [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.TIME_STAMPING,
         ExtendedKeyUsageOID.OCSP_SIGNING, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
         ExtendedKeyUsageOID.CODE_SIGNING, certs.C2PA_CLAIM_SIGNING, certs.DOCUMENT_SIGNING]
_KU = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
       "key_agreement", "key_cert_sign", "crl_sign")
_SPKI = PublicFormat.SubjectPublicKeyInfo
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


def _name(draw: Any) -> x509.Name:
    attributes = []
    for oid in draw(st.lists(st.sampled_from(_NAME_OIDS), min_size=0, max_size=4)):
        if oid == NameOID.COUNTRY_NAME:
            value = draw(st.sampled_from(["US", "DE", "FR"]))
        elif oid == NameOID.SERIAL_NUMBER:  # a PrintableString
            value = draw(st.text("AZaz09 '()+,-./:=?", min_size=1, max_size=8))
        elif oid in (NameOID.EMAIL_ADDRESS, NameOID.DOMAIN_COMPONENT):  # IA5String
            value = draw(st.text(st.characters(max_codepoint=0x7F), min_size=1, max_size=8))
        else:
            value = draw(_TEXT)
        attributes.append(x509.NameAttribute(oid, value))
    return x509.Name(attributes)


@st.composite
def certificates(draw: Any) -> bytes:
    subject_key = KEYS[draw(st.sampled_from(sorted(KEYS)))]
    issuer_key = KEYS[draw(st.sampled_from(["p256", "p384", "ed25519", "rsa2048"]))]
    subject = _name(draw)
    issuer = subject if draw(st.booleans()) else _name(draw)
    start = datetime(1950, 1, 1) + timedelta(days=draw(st.integers(0, 60_000)),
                                             seconds=draw(st.integers(0, 86_399)))
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(subject_key.public_key())
               .serial_number(draw(st.integers(1, 2**159 - 1)))
               .not_valid_before(start)
               .not_valid_after(start + timedelta(days=draw(st.integers(0, 20_000)))))
    if draw(st.booleans()):
        ca = draw(st.booleans())
        path = draw(st.none() | st.integers(0, 5)) if ca else None
        builder = builder.add_extension(x509.BasicConstraints(ca, path), draw(st.booleans()))
    if draw(st.booleans()):
        chosen = draw(st.sets(st.sampled_from(_KU)))
        builder = builder.add_extension(
            x509.KeyUsage(**{f: f in chosen for f in _KU}, encipher_only=False,
                          decipher_only=False), draw(st.booleans()))
    if draw(st.booleans()):
        usages = draw(st.lists(st.sampled_from(_EKUS), min_size=1, max_size=3, unique=True))
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), draw(st.booleans()))
    if draw(st.booleans()):
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), False)
    if draw(st.booleans()):
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False)
    if draw(st.integers(0, 5)) == 0:  # an extension the light reader leaves to cryptography
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name("a@example.com")]), draw(st.booleans()))
    if draw(st.integers(0, 5)) == 0:  # an unknown extension, perhaps critical
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"),
            draw(st.booleans()))
    digest = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else \
        _HASHES[draw(st.sampled_from(sorted(_HASHES)))]
    if isinstance(issuer_key, rsa.RSAPrivateKey) and draw(st.booleans()):  # RSASSA-PSS
        mgf_hash = _HASHES[draw(st.sampled_from(sorted(_HASHES)))]
        salt = draw(st.sampled_from([padding.PSS.DIGEST_LENGTH, 0, 20, 32, 48]))
        pss = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=salt)
        return builder.sign(issuer_key, digest, rsa_padding=pss).public_bytes(Encoding.DER)
    return builder.sign(issuer_key, digest).public_bytes(Encoding.DER)


def _same_as_cryptography(data: bytes) -> bool:
    """Compare every answer of the light reader with cryptography's; False when the light
    reader left the certificate to cryptography."""
    try:
        fields = certfields.parse(data)
        facts = fields.facts()
    except MalformedDer:
        return False
    cert = x509.load_der_x509_certificate(data)  # whatever the light reader reads, this reads
    assert fields.describe() == certs.describe(cert)
    assert fields.sha256_fingerprint() == certs.sha256_fingerprint(cert)
    assert fields.not_before == cert.not_valid_before_utc
    assert fields.not_after == cert.not_valid_after_utc
    assert fields.public_key().public_bytes(Encoding.DER, _SPKI) == \
        cert.public_key().public_bytes(Encoding.DER, _SPKI)
    for extra, replace in [((), None), (("1.3.6.1.5.5.7.3.3",), None), ((), ("1.3.6.1.5.5.7.3.8",))]:
        ours = profile.problems(facts, profile.accepted_ekus(extra, replace))
        theirs = certs.profile_problems(cert, extra_ekus=extra, ekus=replace)
        assert ours == theirs
    return True




@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(certificates())
def test_light_reader_agrees_with_cryptography(data: bytes) -> None:
    event("read lightly" if _same_as_cryptography(data) else "left to cryptography")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(certificates(), st.integers(0, 10_000), st.integers(0, 255), st.booleans())
def test_mutated_certificates_are_refused_or_read_alike(data: bytes, where: int, byte: int,
                                                        truncate: bool) -> None:
    where %= len(data)
    mutated = data[:where] if truncate else data[:where] + bytes([byte]) + data[where + 1:]
    try:
        event("read lightly" if _same_as_cryptography(mutated) else "refused")
    except ValueError as exc:  # cryptography refused what the light reader accepted
        pytest.fail(f"light reader accepted a certificate cryptography refuses: {exc}")


def test_everyday_signer_is_read_without_cryptography_x509() -> None:
    key = KEYS["p256"]
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Acme, "Inc" <x>'),
                      x509.NameAttribute(NameOID.COMMON_NAME, "# signer ")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7)
            .not_valid_before(datetime(2049, 12, 31, 23, 59, 59))
            .not_valid_after(datetime(2050, 1, 1))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                           False)
            .sign(key, hashes.SHA256()))
    data = cert.public_bytes(Encoding.DER)
    assert _same_as_cryptography(data)
    fields = certfields.parse(data)
    assert fields.describe()["issuer"] == "CN=\\# signer\\ ,O=Acme\\, \\\"Inc\\\" \\<x\\>"
    assert fields.not_after == datetime(2050, 1, 1, tzinfo=timezone.utc)  # GeneralizedTime
    assert profile.problems(fields.facts(), profile.ACCEPTED_EKUS) == []


def test_signer_chain_falls_back_to_cryptography() -> None:
    key = KEYS["rsa1024"]  # outside the subset read: cryptography answers
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "small")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(datetime(2020, 1, 1)).not_valid_after(datetime(2030, 1, 1))
            .sign(KEYS["p256"], hashes.SHA256()))
    data = cert.public_bytes(Encoding.DER)
    with pytest.raises(MalformedDer):
        certfields.parse(data)
    chain = certfields.SignerChain([data])
    assert chain.fields is None
    assert chain.profile_problems() == certs.profile_problems(cert)
    assert "RSA key of 1024 bits is below 2048" in chain.profile_problems()
    assert chain.is_valid_at(datetime(2025, 1, 1)) and not chain.is_valid_at(datetime(2031, 1, 1))
    assert certfields.describe(data) == certs.describe(cert)


def test_constants_are_cryptographys_oids() -> None:
    assert certfields.COMMON_NAME == NameOID.COMMON_NAME.dotted_string
    assert certfields.ORGANIZATION_NAME == NameOID.ORGANIZATION_NAME.dotted_string
    assert profile.TIME_STAMPING == ExtendedKeyUsageOID.TIME_STAMPING.dotted_string
    assert profile.OCSP_SIGNING == ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string
    assert profile.ANY_EXTENDED_KEY_USAGE == ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string
    assert profile.EMAIL_PROTECTION == ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string
    assert set(certfields.SHORT_NAMES.values()) == {"CN", "L", "ST", "O", "OU", "C", "STREET", "DC", "UID"}
    for oid, short in certfields.SHORT_NAMES.items():
        assert x509.Name([x509.NameAttribute(x509.ObjectIdentifier(oid), "v" if short != "C" else "US")
                          ]).rfc4514_string().split("=")[0] == short


def test_first_pem_block() -> None:
    certs_pem = []
    for key in ("p256", "ed25519"):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key)])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(KEYS[key].public_key()).serial_number(5)
                .not_valid_before(datetime(2020, 1, 1)).not_valid_after(datetime(2030, 1, 1))
                .sign(KEYS["p256"], hashes.SHA256()))
        certs_pem.append(cert)
    pem = b"junk\n" + b"".join(c.public_bytes(Encoding.PEM) for c in certs_pem)
    assert certfields.first_pem(pem) == certs_pem[0].public_bytes(Encoding.DER)
    with pytest.raises(MalformedDer):
        certfields.first_pem(b"-----BEGIN CERTIFICATE-----\nno end")
    with pytest.raises(MalformedDer):
        certfields.first_pem(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")


@pytest.mark.parametrize(("mgf_hash", "salt", "light"), [
    (hashes.SHA256(), padding.PSS.DIGEST_LENGTH, True),  # the c2pa-rs test PKI's form
    (hashes.SHA384(), padding.PSS.DIGEST_LENGTH, True),  # digest and MGF1 differ: a problem
    (hashes.SHA256(), 20, True),  # the default salt length, left out of the encoding
])
def test_pss_signed_certificates(mgf_hash: Any, salt: Any, light: bool) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pss")])
    key = KEYS["p256"]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(3)
            .not_valid_before(datetime(2020, 1, 1)).not_valid_after(datetime(2030, 1, 1))
            .sign(KEYS["rsa2048"], hashes.SHA256(),
                  rsa_padding=padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=salt)))
    data = cert.public_bytes(Encoding.DER)
    assert _same_as_cryptography(data) is light
    problems = certfields.SignerChain([data]).profile_problems()
    assert problems == certs.profile_problems(cert)
    pss_problem = "RSASSA-PSS certificate signature must use one SHA-2 hash for both digest and MGF1"
    assert (pss_problem in problems) is (type(mgf_hash) is not hashes.SHA256)


FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not present")
def test_reference_signers_read_alike() -> None:
    """Every signing certificate of the reference files (ECDSA, Ed25519, RSA and RSASSA-PSS
    keys, PSS-signed) that the light reader reads, it reads as cryptography does."""
    from fakemedia import api
    from fakemedia.cose import sign1
    from fakemedia.errors import FakemediaError

    read = 0
    for path in sorted(FIXTURES.rglob("*.jpg")):
        try:
            store = api.open_asset(path).store
        except FakemediaError:
            continue
        for m in store.manifests if store else []:
            try:
                chain = sign1.decode_sign1(m.signature_bytes or b"").x5chain
            except FakemediaError:
                continue
            read += sum(_same_as_cryptography(d) for d in chain)
    assert read >= 50  # most of them: the reference SDK's test PKI is in the subset
