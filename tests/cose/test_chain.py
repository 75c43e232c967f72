"""Certificate path rules (RFC 5280 §6.1 as the C2PA trust model uses them, C2PA 2.x §14.5):
every issuer a CA with keyCertSign, path-length limits, issuer EKUs, the validity of every
element at the judging time, and the hostile "chain through an end-entity" file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from fakemedia import api
from fakemedia.cose import certs
from fakemedia.cose._x509build import issue_certificate, issue_root, make_name

from .conftest import SHARED

HOSTILE = SHARED / "fixtures" / "hostile"
NOW = datetime.now(timezone.utc)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def pki() -> dict[str, Any]:
    root_key = _key()
    root = issue_root(root_key, "chain root", "fakemedia tests", 30)
    return {"root_key": root_key, "root": root}


def _intermediate(issuer_key: Any, issuer: x509.Certificate, name: str,
                  **kwargs: Any) -> tuple[Any, x509.Certificate]:
    key = _key()
    options: dict[str, Any] = {"ca": True, "key_usage": ("key_cert_sign", "crl_sign"), "ekus": None}
    options.update(kwargs)
    return key, issue_certificate(key.public_key(), make_name(name, "O"), issuer_key, issuer, **options)


def _leaf(issuer_key: Any, issuer: x509.Certificate, **kwargs: Any) -> x509.Certificate:
    return issue_certificate(_key().public_key(), make_name("leaf", "O"), issuer_key, issuer, **kwargs)


def test_good_two_level_chain(pki: dict[str, Any]) -> None:
    ikey, inter = _intermediate(pki["root_key"], pki["root"], "inter", path_length=0)
    leaf = _leaf(ikey, inter)
    assert certs.chain_problems([leaf, inter], [pki["root"]]) == []
    assert certs.chain_problems([leaf, inter, pki["root"]], [pki["root"]]) == []


def test_issuer_without_ca_basic_constraint_is_untrusted(pki: dict[str, Any]) -> None:
    # An end-entity certificate (no cA, no keyCertSign) used to issue another: §6.1.4 (k), (n).
    ekey, ee = _intermediate(pki["root_key"], pki["root"], "ee-as-issuer", ca=None,
                             key_usage=("digital_signature",))
    leaf = _leaf(ekey, ee)
    problems = certs.chain_problems([leaf, ee], [pki["root"]])
    assert any("is not a CA" in p for p in problems)
    assert any("lacks keyCertSign" in p for p in problems)
    fkey, explicit_false = _intermediate(pki["root_key"], pki["root"], "ca-false", ca=False,
                                         key_usage=("digital_signature",))
    assert any("is not a CA" in p for p in certs.chain_problems(
        [_leaf(fkey, explicit_false), explicit_false], [pki["root"]]))


def test_ca_without_key_cert_sign(pki: dict[str, Any]) -> None:
    ikey, inter = _intermediate(pki["root_key"], pki["root"], "no-kcs", key_usage=("crl_sign",))
    assert certs.chain_problems([_leaf(ikey, inter), inter], [pki["root"]]) == [
        "issuer 'no-kcs' lacks keyCertSign"]


def test_path_length_constraint(pki: dict[str, Any]) -> None:
    akey, a = _intermediate(pki["root_key"], pki["root"], "a", path_length=0)
    bkey, b = _intermediate(akey, a, "b")
    leaf = _leaf(bkey, b)
    problems = certs.chain_problems([leaf, b, a], [pki["root"]])
    assert problems == ["issuer 'a' allows 0 intermediate(s) below it, found 1"]
    akey1, a1 = _intermediate(pki["root_key"], pki["root"], "a1", path_length=1)
    bkey1, b1 = _intermediate(akey1, a1, "b1")
    assert certs.chain_problems([_leaf(bkey1, b1), b1, a1], [pki["root"]]) == []


def test_issuer_eku_must_allow_the_leaf_purpose(pki: dict[str, Any]) -> None:
    ikey, inter = _intermediate(pki["root_key"], pki["root"], "tls-only",
                                ekus=[ExtendedKeyUsageOID.SERVER_AUTH])
    assert certs.chain_problems([_leaf(ikey, inter), inter], [pki["root"]]) == [
        "issuer 'tls-only' does not allow the leaf's Extended Key Usage"]
    okey, ok = _intermediate(pki["root_key"], pki["root"], "any",
                             ekus=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    assert certs.chain_problems([_leaf(okey, ok), ok], [pki["root"]]) == []


def test_unknown_critical_extension_on_an_issuer(pki: dict[str, Any]) -> None:
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.7"), b"\x05\x00")
    ikey, inter = _intermediate(pki["root_key"], pki["root"], "odd", extra_extensions=[(odd, True)])
    assert certs.chain_problems([_leaf(ikey, inter), inter], [pki["root"]]) == [
        "issuer 'odd' has unknown critical extension 1.3.6.1.4.1.99999.7"]


def test_every_element_valid_at_the_judging_time() -> None:
    root_key = _key()
    root = issue_certificate(root_key.public_key(), make_name("dated root", "O"), root_key, ca=True,
                             key_usage=("key_cert_sign",), ekus=None,
                             not_before=NOW - timedelta(days=10), not_after=NOW + timedelta(days=10))
    short_key, short = _intermediate(root_key, root, "short", not_before=NOW - timedelta(days=2),
                                     not_after=NOW - timedelta(days=1))
    leaf = _leaf(short_key, short, not_before=NOW - timedelta(days=2))
    assert certs.chain_problems([leaf, short], [root], NOW) == [
        f"issuing certificate 1 not valid at {NOW:%Y-%m-%dT%H:%M:%SZ}"]
    # Judged at a time inside every window (a trusted time-stamp's time): trusted.
    assert certs.chain_problems([leaf, short], [root], NOW - timedelta(days=1, hours=12)) == []
    # The anchor is an input, not dated (RFC 5280 §6.1.1): only carried certificates are.
    before_root = NOW - timedelta(days=11)
    assert certs.chain_problems([leaf, short], [root], before_root) == [
        f"signing certificate 0 not valid at {before_root:%Y-%m-%dT%H:%M:%SZ}",
        f"issuing certificate 1 not valid at {before_root:%Y-%m-%dT%H:%M:%SZ}"]
    # ... unless the chain carries it.
    assert certs.chain_problems([leaf, short, root], [root], before_root)[-1].startswith(
        "issuing certificate 2 not valid")


def test_order_chain_from_an_unordered_pool(pki: dict[str, Any]) -> None:
    akey, a = _intermediate(pki["root_key"], pki["root"], "a")
    bkey, b = _intermediate(akey, a, "b")
    leaf = _leaf(bkey, b)
    stranger = issue_root(_key(), "stranger", "O", 30)
    assert certs.order_chain(leaf, [pki["root"], stranger, a, b]) == [leaf, b, a, pki["root"]]
    assert certs.order_chain(leaf, []) == [leaf]


@pytest.mark.skipif(not (HOSTILE / "chain-through-non-ca.jpg").is_file(), reason="hostile fixtures absent")
def test_hostile_chain_through_end_entity_is_not_trusted() -> None:
    data = (HOSTILE / "chain-through-non-ca.jpg").read_bytes()
    anchors = (HOSTILE / "keys" / "anchors-all.pem").read_bytes()
    report = api.verify_bytes(data, trust_anchors=anchors)
    # c2pa-python reads it as Valid: signature intact, signer untrusted.
    assert (report.state, report.failures()) == ("Valid", ["signingCredential.untrusted"])
    assert report.results is not None
    untrusted = [s for s in report.results.active_manifest.statuses
                 if s.code == "signingCredential.untrusted"]
    assert "is not a CA" in untrusted[0].explanation
