"""Interop for RFC 3161 time-stamps (C2PA 2.x §10.3.2.5, §15.8): files c2pa-python 0.38.1 signs
with the tests' own TSA, tokens swapped into them, and fakemedia's own time-stamped output; each
read by both validators, which must agree on the state and the failure codes.

The signer whose certificate expires is made to expire a few seconds after signing (neither
tool signs with an expired certificate, and c2pa-python has no validation-time setting), so
the module waits for that moment once."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tsa_server import LocalTsa, TsaPki, cert_der, cert_pem

from fakemedia import api
from fakemedia.cose import sign1, timestamp
from fakemedia.cose._x509build import issue_certificate, issue_root, make_name
from fakemedia.cose.signer import LocalSigner
from fakemedia.formats import app11
from fakemedia.manifest.store import parse_store

from . import c2pa_oracle as oracle

IMAGE = Path(__file__).resolve().parents[1] / "assets" / "small-exif-xmp-icc.jpg"
#: Seconds the short-lived signer stays valid after the module starts signing.
LIFETIME = 8


@dataclass
class Identity:
    key: Any
    leaf: x509.Certificate

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def ours(self) -> LocalSigner:
        return LocalSigner(self.key, [cert_der(self.leaf)])


def _identity(root_key: Any, root: x509.Certificate, **window: Any) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_certificate(key.public_key(), make_name("ts interop signer", "fakemedia tests"),
                             root_key, root, **window)
    return Identity(key, leaf)


def c2pa_sign(identity: Identity, tsa_url: str | None) -> bytes:
    c2pa = oracle.c2pa
    info = c2pa.C2paSignerInfo(b"es256", cert_pem(identity.leaf), identity.key_pem,
                               tsa_url.encode() if tsa_url else None)
    manifest = {"claim_generator_info": [{"name": "fakemedia-tests", "version": "1"}],
                "title": "ts.jpg",
                "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [
                    {"action": "c2pa.created",
                     "digitalSourceType": oracle.IPTC + "trainedAlgorithmicMedia"}]}}]}
    with c2pa.Builder(manifest) as builder:
        out = io.BytesIO()
        builder.sign(c2pa.Signer.from_info(info), "image/jpeg", io.BytesIO(IMAGE.read_bytes()), out)
    return out.getvalue()


def ours_sign(identity: Identity, tsa_url: str | None) -> bytes:
    return api.annotate_bytes(IMAGE.read_bytes(), {"modification_types": ["edited"]}, identity.ours(),
                              api.AnnotateOptions(detect=False, tsa_url=tsa_url))


@dataclass
class World:
    root: x509.Certificate
    tsa: LocalTsa
    files: dict[str, bytes]
    normal: Identity

    def anchors(self, mode: str) -> list[bytes]:
        return {"both": [cert_pem(self.root), self.tsa.pki.root_pem], "signer": [cert_pem(self.root)],
                "none": []}[mode]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = issue_root(root_key, "ts interop root", "fakemedia tests", 30)
    normal = _identity(root_key, root)
    now = datetime.now(timezone.utc)
    short = _identity(root_key, root, not_before=now - timedelta(minutes=50),
                      not_after=now + timedelta(seconds=LIFETIME))
    with LocalTsa.running() as tsa:
        files = {"theirs": c2pa_sign(normal, tsa.url), "ours": ours_sign(normal, tsa.url)}
        tsa.behaviour.time_offset = -timedelta(minutes=10)  # inside the short signer's window
        files["theirs-expired"] = c2pa_sign(short, tsa.url)
        files["ours-expired"] = ours_sign(short, tsa.url)
        files["ours-expired-unstamped"] = ours_sign(short, None)
        tsa.behaviour.time_offset = timedelta(0)
        wait = (short.leaf.not_valid_after_utc - datetime.now(timezone.utc)).total_seconds() + 1.5
        time.sleep(max(wait, 0))
        yield World(root, tsa, files, normal)


def _both(world: World, data: bytes, mode: str) -> tuple[Any, Any]:
    anchors = world.anchors(mode)
    theirs = oracle.read(data, oracle.anchors_text(anchors) if anchors else None)
    ours = api.verify_bytes(data, trust_anchors=anchors)
    return theirs, ours


def _their_codes(result: Any) -> set[str]:
    active = result.results.get("activeManifest") or {}
    return {s["code"] for kind in ("success", "informational", "failure") for s in active.get(kind) or []}


def _our_codes(report: Any) -> set[str]:
    return {s.code for s in report.results.active_manifest.statuses}


def _agree(theirs: Any, ours: Any) -> tuple[str, frozenset[str]]:
    assert (ours.state, frozenset(ours.failures())) == (theirs.state, theirs.failures), [
        (s.code, s.explanation) for s in ours.results.active_manifest.statuses
        if not s.code.startswith("assertion.")]
    return theirs.state, theirs.failures


# --- case a: a signer with a time-stamp ----------------------------------------------------------

@pytest.mark.parametrize(("mode", "state", "failures", "ts_codes"), [
    ("both", "Trusted", set(), {"timeStamp.validated", "timeStamp.trusted"}),
    ("signer", "Trusted", set(), {"timeStamp.validated", "timeStamp.untrusted"}),
    ("none", "Valid", {"signingCredential.untrusted"}, {"timeStamp.validated", "timeStamp.untrusted"}),
])
@pytest.mark.parametrize("name", ["theirs", "ours"])
def test_time_stamped_signer(world: World, name: str, mode: str, state: str, failures: set[str],
                             ts_codes: set[str]) -> None:
    theirs, ours = _both(world, world.files[name], mode)
    assert _agree(theirs, ours) == (state, failures)
    assert {c for c in _their_codes(theirs) if c.startswith("timeStamp.")} == ts_codes
    assert {c for c in _our_codes(ours) if c.startswith("timeStamp.")} == ts_codes


def test_our_time_stamp_is_sigtst2_over_the_signature(world: World) -> None:
    cose = _cose(world.files["ours"])
    found = timestamp.header_tokens(cose.unprotected)
    assert found is not None and found[0] == "sigTst2" and len(found[1]) == 1


# --- case b: an expired signer saved by its time-stamp --------------------------------------------

@pytest.mark.parametrize(("mode", "state", "failures"), [
    ("both", "Trusted", set()),
    ("signer", "Invalid", {"signingCredential.expired", "signingCredential.untrusted"}),
])
@pytest.mark.parametrize("name", ["theirs-expired", "ours-expired"])
def test_expired_signer_saved_by_a_trusted_time_stamp(world: World, name: str, mode: str, state: str,
                                                       failures: set[str]) -> None:
    theirs, ours = _both(world, world.files[name], mode)
    assert _agree(theirs, ours) == (state, failures)
    if mode == "both":
        assert "timeStamp.validated" in _their_codes(theirs)
        assert "claimSignature.insideValidity" in _our_codes(ours)
        inside = [s for s in ours.results.active_manifest.statuses
                  if s.code == "claimSignature.insideValidity"]
        assert "at the time-stamp's time" in inside[0].explanation


def test_expired_signer_without_a_time_stamp_is_invalid_in_both(world: World) -> None:
    theirs, ours = _both(world, world.files["ours-expired-unstamped"], "both")
    state, failures = _agree(theirs, ours)
    assert state == "Invalid" and "signingCredential.expired" in failures


def test_verify_at_a_later_time_still_accepts_a_time_stamped_file(world: World) -> None:
    later = world.normal.leaf.not_valid_after_utc + timedelta(days=1)
    anchors = world.anchors("both")
    stamped = api.verify_bytes(world.files["ours"], trust_anchors=anchors, now=later)
    assert stamped.state == "Trusted"
    unstamped = ours_sign(world.normal, None)
    assert api.verify_bytes(unstamped, trust_anchors=anchors, now=later).state == "Invalid"
    assert api.verify_bytes(unstamped, trust_anchors=anchors).state == "Trusted"


# --- swapped tokens: c (wrong imprint), E (time before the signer existed), F (TSA expired) -------

def _cose(data: bytes) -> sign1.Sign1:
    location = app11.find_c2pa_store(data)
    assert location is not None
    manifest = parse_store(location.jumbf).active
    assert manifest is not None and manifest.signature_bytes is not None
    return sign1.decode_sign1(manifest.signature_bytes)


def _swap(data: bytes, make: Any) -> bytes:
    """``data`` with its time-stamp token replaced by one of the same length from ``make()``
    (the unprotected header is covered by no hash, so nothing else changes)."""
    found = timestamp.header_tokens(_cose(data).unprotected)
    assert found is not None
    old = found[1][0]["val"]
    nonce = cms.ContentInfo.load(old)["content"]["encap_content_info"]["content"].parsed["nonce"].native
    for _ in range(200):  # DER ECDSA signatures vary by a byte or two
        new = make(nonce)
        if len(new) == len(old):
            assert data.count(old) == 1
            return data.replace(old, new)
    raise _NoSameLength("no same-length token")


class _NoSameLength(AssertionError):
    """Token lengths never matched (another TSA certificate can differ in length)."""


def test_wrong_imprint_is_a_mismatch_in_both(world: World) -> None:
    import hashlib

    data = _swap(world.files["theirs"], lambda n: world.tsa.token(hashlib.sha256(b"other").digest(), nonce=n))
    theirs, ours = _both(world, data, "both")
    assert _agree(theirs, ours) == ("Trusted", frozenset())
    assert "timeStamp.mismatch" in _their_codes(theirs) and "timeStamp.mismatch" in _our_codes(ours)


def test_trusted_time_before_the_signer_existed_is_invalid_in_both(world: World) -> None:
    cose = _cose(world.files["theirs"])
    imprint = timestamp.message_imprint(cose.protected_bytes, cose.signature)
    before = world.normal.leaf.not_valid_before_utc - timedelta(hours=2)
    data = _swap(world.files["theirs"], lambda n: world.tsa.token(imprint, gen_time=before, nonce=n))
    theirs, ours = _both(world, data, "both")
    assert _agree(theirs, ours) == ("Invalid", frozenset({"signingCredential.expired",
                                                          "signingCredential.untrusted"}))


def test_tsa_certificate_expired_before_its_time(world: World) -> None:
    now = datetime.now(timezone.utc)
    cose = _cose(world.files["theirs"])
    imprint = timestamp.message_imprint(cose.protected_bytes, cose.signature)
    for _ in range(20):  # a fresh TSA certificate can differ in length from the original's
        old = LocalTsa(TsaPki.create(not_before=now - timedelta(days=3), not_after=now - timedelta(days=1)))
        try:
            data = _swap(world.files["theirs"], lambda n, tsa=old: tsa.token(imprint, nonce=n))
            break
        except _NoSameLength:
            continue
    else:
        pytest.fail("no TSA certificate of the original's length")
    anchors = [*world.anchors("signer"), old.pki.root_pem]
    theirs = oracle.read(data, oracle.anchors_text(anchors))
    ours = api.verify_bytes(data, trust_anchors=anchors)
    assert _agree(theirs, ours) == ("Trusted", frozenset())
    assert "timeStamp.outsideValidity" in _their_codes(theirs) & _our_codes(ours)
