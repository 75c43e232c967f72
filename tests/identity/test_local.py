"""Local identities (``fakemedia keys init``): files, permissions, passphrases, profile."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fakemedia import identity
from fakemedia.cose import certs
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.sign1 import decode_sign1, encode_sign1, reserve_size, verify_sign1
from fakemedia.cose.signer import LocalSigner
from fakemedia.errors import IdentityError, SigningError

ALL = [a.label for a in Algorithm]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, identity.IdentityPaths]:
    """One identity per algorithm (RSA keygen is slow: make each once)."""
    base = tmp_path_factory.mktemp("identities")
    return {label: identity.create_identity(base / label, algorithm=label) for label in ALL}


@pytest.mark.parametrize("label", ALL)
def test_identity_for_every_algorithm(label: str, made: dict[str, identity.IdentityPaths]) -> None:
    paths = made[label]
    leaf = certs.load_certificates(paths.signer_cert.read_bytes())[0]
    root = certs.load_certificates(paths.root_cert.read_bytes())[0]
    anchors = certs.load_certificates(identity.load_trust_anchors(paths.directory))
    assert anchors == [root]
    assert certs.profile_problems(leaf) == []
    assert certs.chain_to_anchor([leaf], anchors)
    assert certs.load_certificates(paths.chain.read_bytes()) == [leaf]  # root excluded
    info = certs.describe(leaf)
    assert info["organization"] == "fakemedia local test identity"
    assert info["common_name"] == "fakemedia local signer"
    # The root is a proper CA (RFC 5280 §4.2.1.9) and outlives the leaf.
    root_bc = root.extensions.get_extension_for_class(certs.x509.BasicConstraints).value
    assert root_bc.ca and root.issuer == root.subject
    assert root.not_valid_after_utc >= leaf.not_valid_after_utc
    signer = identity.load_identity(paths.directory)
    assert signer.algorithm is Algorithm.from_label(label)
    encoded = encode_sign1(b"claim", signer, pad_to=reserve_size(signer))
    verify_sign1(decode_sign1(encoded), b"claim")


@pytest.mark.parametrize("label", ["es256", "ps256"])
def test_permissions(label: str, made: dict[str, identity.IdentityPaths]) -> None:
    paths = made[label]
    assert stat.S_IMODE(paths.directory.stat().st_mode) == 0o700
    for path in paths.files():
        assert path.is_file(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not [p for p in paths.directory.iterdir() if p.name.endswith(".tmp")]
    assert sorted(p.name for p in paths.directory.iterdir()) == sorted(p.name for p in paths.files())


def test_not_valid_before_is_backdated(made: dict[str, identity.IdentityPaths]) -> None:
    leaf = certs.load_certificates(made["es256"].signer_cert.read_bytes())[0]
    now = datetime.now(timezone.utc)
    assert now - timedelta(hours=1) < leaf.not_valid_before_utc < now - timedelta(minutes=1)
    assert certs.is_valid_at(leaf, now)


def test_passphrase_round_trip(tmp_path: Path) -> None:
    paths = identity.create_identity(tmp_path / "id", algorithm="ed25519", passphrase=b"s3cret")
    assert b"ENCRYPTED PRIVATE KEY" in paths.signer_key.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in paths.root_key.read_bytes()
    signer = identity.load_identity(paths.directory, b"s3cret")
    verify_sign1(decode_sign1(encode_sign1(b"c", signer)), b"c")
    for wrong in (b"S3cret", None):
        with pytest.raises(SigningError, match=r"^wrong passphrase for private key") as info:
            identity.load_identity(paths.directory, wrong)
        assert "\n" not in str(info.value)
        assert not isinstance(info.value, IdentityError)


def test_plain_key_with_passphrase(made: dict[str, identity.IdentityPaths]) -> None:
    assert b"BEGIN PRIVATE KEY" in made["es256"].signer_key.read_bytes()
    with pytest.raises(SigningError, match="not encrypted"):
        identity.load_identity(made["es256"].directory, b"unneeded")


def test_refuse_overwrite(tmp_path: Path) -> None:
    first = identity.create_identity(tmp_path / "id", algorithm="es256")
    before = first.signer_key.read_bytes()
    with pytest.raises(IdentityError, match="already exists"):
        identity.create_identity(tmp_path / "id", algorithm="es384")
    assert first.signer_key.read_bytes() == before
    identity.create_identity(tmp_path / "id", algorithm="es384", force=True)
    assert first.signer_key.read_bytes() != before
    assert identity.load_identity(tmp_path / "id").algorithm is Algorithm.ES384


def test_refuse_partial_overwrite(tmp_path: Path) -> None:
    (tmp_path / "id").mkdir()
    (tmp_path / "id" / "root-ca.key.pem").write_bytes(b"precious")
    assert not identity.identity_exists(tmp_path / "id")
    with pytest.raises(IdentityError):
        identity.create_identity(tmp_path / "id")
    assert (tmp_path / "id" / "root-ca.key.pem").read_bytes() == b"precious"


def test_identity_exists_and_missing(tmp_path: Path) -> None:
    assert not identity.identity_exists(tmp_path / "none")
    with pytest.raises(IdentityError, match="no identity"):
        identity.load_identity(tmp_path / "none")
    paths = identity.create_identity(tmp_path / "id")
    assert identity.identity_exists(paths.directory)
    paths.chain.unlink()
    assert not identity.identity_exists(paths.directory)
    with pytest.raises(IdentityError, match=r"chain\.pem") as info:
        identity.load_identity(paths.directory)
    assert "\n" not in str(info.value)
    paths.trust_anchors.unlink()
    with pytest.raises(IdentityError, match=r"trust-anchors\.pem"):
        identity.load_trust_anchors(paths.directory)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(IdentityError, match="unknown algorithm"):
        identity.create_identity(tmp_path / "a", algorithm="rs256")
    with pytest.raises(IdentityError, match="empty passphrase"):
        identity.create_identity(tmp_path / "b", passphrase=b"")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_hand_made_identity_without_metadata(made: dict[str, identity.IdentityPaths]) -> None:
    # No identity.json: the algorithm comes from the key (RSA -> PS256).
    paths = made["ps384"]
    signer = LocalSigner.from_pem(paths.signer_key.read_bytes(), paths.chain.read_bytes())
    assert signer.algorithm is Algorithm.PS256
    assert identity.load_identity(paths.directory).algorithm is Algorithm.PS384


def test_key_must_match_leaf(made: dict[str, identity.IdentityPaths]) -> None:
    key = made["es256"].signer_key.read_bytes()
    other_chain = made["es384"].chain.read_bytes()
    with pytest.raises(IdentityError, match="does not match"):
        LocalSigner.from_pem(key, other_chain)
    same_type_chain = made["es256"].root_cert.read_bytes()  # root: a different P-256 key
    with pytest.raises(IdentityError, match="does not match"):
        LocalSigner.from_pem(key, same_type_chain)


def test_unreadable_key(made: dict[str, identity.IdentityPaths]) -> None:
    chain = made["es256"].chain.read_bytes()
    for junk in (b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"):
        with pytest.raises(SigningError, match="unreadable private key"):
            LocalSigner.from_pem(junk, chain)
    with pytest.raises(IdentityError):
        LocalSigner.from_pem(made["es256"].signer_key.read_bytes(), b"no certificates")


def test_algorithm_must_fit_key(made: dict[str, identity.IdentityPaths]) -> None:
    paths = made["es256"]
    with pytest.raises(SigningError, match="ES384"):
        LocalSigner.from_pem(
            paths.signer_key.read_bytes(), paths.chain.read_bytes(), algorithm=Algorithm.ES384
        )


def test_default_identity_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAKEMEDIA_HOME", str(tmp_path / "fm"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert identity.default_identity_dir() == tmp_path / "fm" / "identity"
    monkeypatch.delenv("FAKEMEDIA_HOME")
    assert identity.default_identity_dir() == tmp_path / "xdg" / "fakemedia" / "identity"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert identity.default_identity_dir() == tmp_path / "home" / ".config" / "fakemedia" / "identity"


def test_issue_certificate_reexported() -> None:
    from fakemedia.cose import _x509build

    assert identity.issue_certificate is _x509build.issue_certificate


def test_signed_by_names_the_identity_of_a_serial(tmp_path: Path) -> None:
    from cryptography import x509 as x509_module

    from fakemedia.identity import create_identity, signed_by

    paths = create_identity(tmp_path / "id", algorithm="es256")
    serial = str(x509_module.load_pem_x509_certificate(paths.signer_cert.read_bytes()).serial_number)
    assert signed_by(paths.directory, serial)
    assert not signed_by(paths.directory, serial + "1")
    assert not signed_by(paths.directory, None)
    assert not signed_by(tmp_path / "missing", serial)
    paths.signer_cert.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert not signed_by(paths.directory, serial)  # unreadable: neither reader names it
