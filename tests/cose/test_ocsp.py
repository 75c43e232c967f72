"""Stapled OCSP responses (C2PA 2.x §10.3.2.6, §15.7; RFC 6960) and the reference SDK's
``signingCredential.ocsp.*`` codes; revoked makes the manifest Invalid."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from fakemedia import api
from fakemedia.cose import ocsp, sign1
from fakemedia.cose._x509build import issue_certificate, make_name
from fakemedia.cose.signer import LocalSigner
from fakemedia.formats import app11
from fakemedia.manifest.store import parse_store

NOW = datetime.now(timezone.utc).replace(microsecond=0)
ASSETS = Path(__file__).resolve().parents[1] / "assets"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def pki() -> dict[str, Any]:
    root_key, inter_key, leaf_key, responder_key = _key(), _key(), _key(), _key()
    window = {"not_before": NOW - timedelta(days=30), "not_after": NOW + timedelta(days=30)}
    root = issue_certificate(root_key.public_key(), make_name("ocsp root", "O"), root_key, ca=True,
                             key_usage=("key_cert_sign", "crl_sign"), ekus=None, **window)
    inter = issue_certificate(inter_key.public_key(), make_name("ocsp inter", "O"), root_key, root,
                              ca=True, key_usage=("key_cert_sign", "crl_sign"), ekus=None, **window)
    leaf = issue_certificate(leaf_key.public_key(), make_name("ocsp signer", "O"), inter_key, inter,
                             **window)
    responder = issue_certificate(responder_key.public_key(), make_name("ocsp responder", "O"),
                                  inter_key, inter, ekus=[ExtendedKeyUsageOID.OCSP_SIGNING], **window)
    no_eku = issue_certificate(responder_key.public_key(), make_name("plain responder", "O"),
                               inter_key, inter, **window)
    return {"root": root, "inter": inter, "leaf": leaf, "leaf_key": leaf_key,
            "responder": responder, "responder_key": responder_key, "no_eku": no_eku}


def _response(pki: dict[str, Any], status: x509_ocsp.OCSPCertStatus, *, cert: x509.Certificate | None = None,
              responder: str = "responder", this_update: datetime | None = None,
              next_update: datetime | None = None, revoked_at: datetime | None = None,
              reason: x509.ReasonFlags | None = None) -> bytes:
    builder = x509_ocsp.OCSPResponseBuilder().add_response(
        cert=cert or pki["leaf"], issuer=pki["inter"], algorithm=hashes.SHA256(), cert_status=status,
        this_update=this_update or NOW - timedelta(hours=1),
        next_update=next_update or NOW + timedelta(days=1),
        revocation_time=revoked_at if status is x509_ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=reason if status is x509_ocsp.OCSPCertStatus.REVOKED else None,
    ).responder_id(x509_ocsp.OCSPResponderEncoding.HASH, pki[responder]).certificates([pki[responder]])
    signed = builder.sign(pki["responder_key"], hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.DER)


def _staple(der: bytes) -> dict[str, Any]:
    return {"rVals": {"ocspVals": [der]}}


def _check(pki: dict[str, Any], header: dict[str, Any], *, anchors: bool = True,
           signing_time: datetime | None = None) -> list[str]:
    chain = [pki["leaf"], pki["inter"]]
    return [code for code, _ in ocsp.check(header, chain, [pki["root"]] if anchors else [],
                                           signing_time, NOW)]


GOOD, REVOKED, UNKNOWN = (x509_ocsp.OCSPCertStatus.GOOD, x509_ocsp.OCSPCertStatus.REVOKED,
                          x509_ocsp.OCSPCertStatus.UNKNOWN)


def test_good(pki: dict[str, Any]) -> None:
    assert _check(pki, _staple(_response(pki, GOOD))) == ["signingCredential.ocsp.notRevoked"]


def test_revoked(pki: dict[str, Any]) -> None:
    der = _response(pki, REVOKED, revoked_at=NOW - timedelta(days=2), reason=x509.ReasonFlags.key_compromise)
    assert _check(pki, _staple(der)) == ["signingCredential.ocsp.revoked"]
    # With a trusted time-stamp from before the revocation, the signature stands (and no code).
    assert _check(pki, _staple(der), signing_time=NOW - timedelta(days=3)) == []
    no_reason = _response(pki, REVOKED, revoked_at=NOW - timedelta(days=2))
    assert _check(pki, _staple(no_reason), signing_time=NOW - timedelta(days=3)) == [
        "signingCredential.ocsp.revoked"]


def test_unknown(pki: dict[str, Any]) -> None:
    assert _check(pki, _staple(_response(pki, UNKNOWN))) == ["signingCredential.ocsp.unknown"]


def test_good_response_that_does_not_cover_the_signing_time(pki: dict[str, Any]) -> None:
    stale = _response(pki, GOOD, this_update=NOW - timedelta(days=5), next_update=NOW - timedelta(days=4))
    assert _check(pki, _staple(stale), signing_time=NOW - timedelta(days=1)) == [
        "signingCredential.ocsp.revoked"]


@pytest.mark.parametrize("case", ["absent", "bad-shape"])
def test_nothing_stapled_is_skipped(pki: dict[str, Any], case: str) -> None:
    header = {"pad": b""} if case == "absent" else {"rVals": {"ocspVals": "not a list"}}
    assert _check(pki, header) == ["signingCredential.ocsp.skipped"]


@pytest.mark.parametrize("case", ["untrusted", "no-eku", "other-cert", "garbage"])
def test_unusable_responses_are_ignored(pki: dict[str, Any], case: str) -> None:
    """Treated as absent (§15.7) and, like the reference SDK, without a code; a revoked
    status from such a response must never count."""
    header: dict[str, Any]
    anchors = True
    if case == "untrusted":
        header, anchors = _staple(_response(pki, REVOKED, revoked_at=NOW)), False
    elif case == "no-eku":
        header = _staple(_response(pki, REVOKED, revoked_at=NOW, responder="no_eku"))
    elif case == "other-cert":
        header = _staple(_response(pki, REVOKED, revoked_at=NOW, cert=pki["responder"]))
    else:
        header = _staple(b"\x30\x03\x0a\x01\x00")
    assert _check(pki, header, anchors=anchors) == []


def _with_staple(signed: bytes, der: bytes) -> bytes:
    """``signed`` with an OCSP response put in its COSE unprotected header, same size (the
    unprotected header is covered by no signature or hash)."""
    location = app11.find_c2pa_store(signed)
    assert location is not None
    cose_bytes = parse_store(location.jumbf).active.signature_bytes  # type: ignore[union-attr]
    assert cose_bytes is not None and signed.count(cose_bytes) == 1
    cose = sign1.decode_sign1(cose_bytes)
    restapled = sign1._padded(cose.protected_bytes, cose.signature, len(cose_bytes), _staple(der))
    return signed.replace(cose_bytes, restapled)


def test_revocation_in_a_signed_file(pki: dict[str, Any]) -> None:
    signer = LocalSigner(pki["leaf_key"], [_der(pki["leaf"]), _der(pki["inter"])])
    image = (ASSETS / "small-exif-xmp-icc.jpg").read_bytes()
    signed = api.annotate_bytes(image, {"modification_types": ["edited"]}, signer,
                                api.AnnotateOptions(detect=False))
    anchors = pki["root"].public_bytes(serialization.Encoding.PEM)
    plain = api.verify_bytes(signed, trust_anchors=anchors)
    assert plain.state == "Trusted"
    assert plain.results is not None and plain.results.active_manifest.has("signingCredential.ocsp.skipped")
    good = api.verify_bytes(_with_staple(signed, _response(pki, GOOD)), trust_anchors=anchors)
    assert good.state == "Trusted"
    assert good.results is not None and good.results.active_manifest.has("signingCredential.ocsp.notRevoked")
    revoked = _with_staple(signed, _response(pki, REVOKED, revoked_at=NOW - timedelta(hours=1)))
    report = api.verify_bytes(revoked, trust_anchors=anchors)
    assert (report.state, report.failures()) == ("Invalid", ["signingCredential.ocsp.revoked"])
