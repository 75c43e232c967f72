"""``--trust-config FILE``: every setting of the reference SDK's trust model loads from one
JSON file and changes a verdict, the C2PA signer trust and the CAWG identity trust apart."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fakemedia import api
from fakemedia.cose import certs, sign1
from fakemedia.cose._x509build import issue_certificate, make_name
from fakemedia.cose.signer import LocalSigner
from fakemedia.errors import InvalidRequest
from fakemedia.formats import app11
from fakemedia.manifest import trust_config
from fakemedia.manifest.cawg import validate_identity
from fakemedia.manifest.cawg.payload import parse_signer_payload
from fakemedia.manifest.store import parse_store

from .cawg.vectors import CLAIM_REFS, FakeAssertion, FakeManifest, identity_content, payload_map

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
CUSTOM_EKU = "1.3.6.1.4.1.99999.7"
NOW = datetime.now(timezone.utc)


def _need(name: str) -> Path:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{name} missing from the shared fixtures")
    return path


def _config(tmp_path: Path, document: Any, **files: bytes) -> Path:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(document))
    return path


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _verify(name: str, settings: Any) -> Any:
    return api.verify_bytes(_need(name).read_bytes(), trust=settings)


def _peer_leaf() -> x509.Certificate:
    """The signer certificate of the peer's ES256 file, read from its claim signature."""
    data = _need("peer/signed-es256.jpg").read_bytes()
    location = app11.find_c2pa_store(data)
    assert location is not None
    manifest = parse_store(location.jumbf).active
    assert manifest is not None and manifest.signature_bytes is not None
    return x509.load_der_x509_certificate(sign1.decode_sign1(manifest.signature_bytes).x5chain[0])


# --- C2PA signer trust -----------------------------------------------------------------------

def test_trust_anchors_make_a_signer_trusted(tmp_path: Path) -> None:
    anchors = _need("peer/pki/trust-anchors.pem").read_bytes()
    settings = trust_config.load(_config(tmp_path, {"trust": {"trust_anchors": "anchors.pem"}},
                                         **{"anchors.pem": anchors}))
    assert _verify("peer/signed-es256.jpg", settings).state == "Trusted"
    assert _verify("peer/signed-es256.jpg", trust_config.load(
        _config(tmp_path, {"trust": {}}))).state == "Valid"


@pytest.mark.parametrize("form", ["hex", "colon-hex", "base64", "pem"])
def test_end_entity_allow_list_trusts_the_signer_without_a_chain(tmp_path: Path, form: str) -> None:
    leaf = _peer_leaf()
    digest = certs.sha256_fingerprint(leaf)
    sections: dict[str, dict[str, Any]] = {
        "hex": {"end_entity_sha256": digest.hex()},
        "colon-hex": {"end_entity_sha256": [":".join(f"{b:02X}" for b in digest)]},
        "base64": {"end_entity_sha256": [base64.b64encode(digest).decode()]},
        "pem": {"end_entity_certs": ["leaf.pem"]},
    }
    section = sections[form]
    settings = trust_config.load(_config(tmp_path, {"trust": section}, **{"leaf.pem": _pem(leaf)}))
    assert settings.end_entities == frozenset({digest}) and not settings.anchors
    report = _verify("peer/signed-es256.jpg", settings)
    assert report.state == "Trusted"
    assert "signingCredential.trusted" in report.results.active_manifest.codes("success")


def test_allowed_ekus_extend_the_accepted_signer_ekus(tmp_path: Path) -> None:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = issue_certificate(root_key.public_key(), make_name("eku root", "tests"), root_key,
                             ca=True, key_usage=("key_cert_sign", "crl_sign"), ekus=None)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_certificate(key.public_key(), make_name("eku signer", "tests"), root_key, root,
                             ekus=[x509.ObjectIdentifier(CUSTOM_EKU)])
    assert certs.profile_problems(leaf)  # not a C2PA EKU by default
    settings = trust_config.load(_config(tmp_path, {"trust": {"allowed_ekus": [CUSTOM_EKU]}}))
    assert settings.extra_ekus == (CUSTOM_EKU,)
    assert certs.profile_problems(leaf, extra_ekus=settings.extra_ekus) == []


def test_tsa_anchors_are_apart_from_the_signer_anchors(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    tsa_root = issue_certificate(key.public_key(), make_name("tsa root", "tests"), key, ca=True,
                                 key_usage=("key_cert_sign", "crl_sign"), ekus=None)
    settings = trust_config.load(_config(tmp_path, {"trust": {"tsa_anchors": ["tsa.pem"]}},
                                         **{"tsa.pem": _pem(tsa_root)}))
    assert settings.tsa_anchors == [tsa_root] and not settings.anchors
    assert settings.time_stamp_anchors == [tsa_root]


# --- CAWG identity trust ---------------------------------------------------------------------

def test_cawg_anchors_trust_x509_identities_but_not_claim_signers(tmp_path: Path) -> None:
    bundle = _need("c2pa-rs/test_cert_root_bundle.pem").read_bytes()
    settings = trust_config.load(_config(tmp_path, {"cawg_trust": {"trust_anchors": ["root.pem"]}},
                                         **{"root.pem": bundle}))
    assert settings.cawg_anchors and not settings.anchors
    report = _verify("c2pa-rs/C_with_CAWG_data.jpg", settings)
    codes = report.results.active_manifest.codes("success")
    assert "cawg.x509.credential.trusted" in codes and "signingCredential.untrusted" in report.failures()
    [identity] = report.manifests[-1].identities
    assert identity.trusted and identity.verified


def test_cawg_anchors_under_the_trust_section_still_load(tmp_path: Path) -> None:
    bundle = _need("c2pa-rs/test_cert_root_bundle.pem").read_bytes()
    settings = trust_config.load(_config(tmp_path, {"trust": {"cawg_anchors": "root.pem"}},
                                         **{"root.pem": bundle}))
    assert settings.cawg_anchors == certs.load_certificates(bundle)


def test_trusted_ica_issuers_give_credential_valid(tmp_path: Path) -> None:
    plain = _verify("c2pa-rs-more/ica-success.jpg", None)
    [identity] = plain.manifests[-1].identities
    assert identity.issuer is not None and not identity.trusted
    did = identity.issuer.split("#")[0]
    settings = trust_config.load(_config(tmp_path, {"cawg_trust": {"trusted_ica_issuers": [did]}}))
    assert settings.cawg_ica_issuers == (did,)
    report = _verify("c2pa-rs-more/ica-success.jpg", settings)
    [identity] = report.manifests[-1].identities
    assert identity.trusted and identity.verified
    assert "cawg.ica.credential_valid" in report.results.active_manifest.codes("success")
    assert "cawg.ica.untrusted_issuer" not in report.results.active_manifest.codes("informational")


def _x509_identity(ekus: list[x509.ObjectIdentifier]) -> tuple[bytes, x509.Certificate, x509.Certificate]:
    """A signed X.509 identity assertion signature, its leaf and its root."""
    root_key = Ed25519PrivateKey.generate()
    root = issue_certificate(root_key.public_key(), make_name("cawg root", "tests"), root_key,
                             ca=True, key_usage=("key_cert_sign", "crl_sign"), ekus=None,
                             not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=30))
    key = Ed25519PrivateKey.generate()
    leaf = issue_certificate(key.public_key(), make_name("cawg holder", "tests"), root_key, root,
                             ekus=ekus, not_before=NOW - timedelta(days=1),
                             not_after=NOW + timedelta(days=30))
    signer = LocalSigner(key, [leaf.public_bytes(serialization.Encoding.DER)])
    parsed = parse_signer_payload(payload_map(sig_type="cawg.x509.cose"))
    assert parsed is not None
    return sign1.encode_sign1(parsed.to_cbor(), signer), leaf, root


def _check(signature: bytes, settings: Any) -> set[str]:
    content = identity_content(payload_map(sig_type="cawg.x509.cose"), signature)
    result = validate_identity(FakeManifest(), FakeAssertion("cawg.identity", content),  # type: ignore[arg-type]
                               CLAIM_REFS, settings)
    return {code for code, _, _ in result.statuses}


def test_cawg_end_entity_allow_list_trusts_one_identity_certificate(tmp_path: Path) -> None:
    signature, leaf, _root = _x509_identity([x509.ObjectIdentifier("1.3.6.1.5.5.7.3.4")])
    empty = trust_config.load(_config(tmp_path, {"cawg_trust": {}}))
    assert "cawg.x509.credential.untrusted" in _check(signature, empty)
    settings = trust_config.load(_config(tmp_path, {"cawg_trust": {"end_entity_certs": ["id.pem"]}},
                                         **{"id.pem": _pem(leaf)}))
    assert settings.cawg_end_entities == {certs.sha256_fingerprint(leaf)} and not settings.end_entities
    assert "cawg.x509.credential.trusted" in _check(signature, settings)
    by_hash = trust_config.load(_config(tmp_path, {"cawg_trust": {
        "end_entity_sha256": [certs.sha256_fingerprint(leaf).hex()]}}))
    assert "cawg.x509.credential.trusted" in _check(signature, by_hash)


def test_cawg_allowed_ekus_are_apart_from_the_signer_ekus(tmp_path: Path) -> None:
    signature, _leaf, root = _x509_identity([x509.ObjectIdentifier(CUSTOM_EKU)])
    files = {"root.pem": _pem(root)}
    anchored = trust_config.load(_config(tmp_path, {"cawg_trust": {"trust_anchors": "root.pem"}}, **files))
    assert "cawg.x509.credential.invalid" in _check(signature, anchored)
    c2pa_eku = trust_config.load(_config(tmp_path, {"trust": {"allowed_ekus": [CUSTOM_EKU]},
                                                    "cawg_trust": {"trust_anchors": "root.pem"}}, **files))
    assert "cawg.x509.credential.invalid" in _check(signature, c2pa_eku)
    cawg_eku = trust_config.load(_config(tmp_path, {"cawg_trust": {"trust_anchors": "root.pem",
                                                                   "allowed_ekus": [CUSTOM_EKU]}}, **files))
    assert cawg_eku.cawg_extra_ekus == (CUSTOM_EKU,) and not cawg_eku.extra_ekus
    codes = _check(signature, cawg_eku)
    assert "cawg.x509.credential.invalid" not in codes and "cawg.x509.credential.trusted" in codes


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize(("document", "message"), [
    ({"trust": {"trust_anchor": []}}, "unknown trust keys trust_anchor"),
    ({"cawg_trust": {"tsa_anchors": []}}, "unknown cawg_trust keys tsa_anchors"),
    ({"trust": {}, "other": {}}, "expected"),
    ({}, "expected"),
    ([], "expected"),
    ({"cawg_trust": []}, "cawg_trust must be an object"),
    ({"trust": {"allowed_ekus": ["not an oid"]}}, "is not a dotted OID"),
    ({"cawg_trust": {"allowed_ekus": ["1.2.x"]}}, "is not a dotted OID"),
    ({"trust": {"end_entity_sha256": ["abcd"]}}, "is not a SHA-256"),
    ({"cawg_trust": {"trusted_ica_issuers": ["https://issuer.example"]}}, "is not a DID"),
    ({"cawg_trust": {"trusted_ica_issuers": ["did:jwk:abc#0"]}}, "without fragment"),
    ({"cawg_trust": {"trusted_ica_issuers": [7]}}, "must be a string or a list of strings"),
    ({"cawg_trust": {"trust_anchors": ["missing.pem"]}}, "cannot read"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_configurations_are_refused_in_one_line(tmp_path: Path, document: Any, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as caught:
        trust_config.load(_config(tmp_path, document))
    assert "\n" not in str(caught.value)
