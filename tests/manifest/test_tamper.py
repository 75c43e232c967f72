"""Tampering: one flipped byte in any protected part of a signed file makes verify report
Invalid with the code that names that part; one flipped byte anywhere never crashes verify.

Regions are found by parsing the store (see ``store_map``), not by searching for magic bytes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fakemedia import api
from fakemedia.errors import FakemediaError
from fakemedia.formats import app11

from .store_map import Regions, flip, regions

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
BITS = st.sampled_from([1 << i for i in range(8)])

#: A flipped claim byte either breaks the signature over it or, when the CBOR no longer
#: decodes to a well-formed claim, is reported as what it broke (the claim then cannot be
#: checked at all). c2pa-python raises a reader error for the latter instead of a report.
CLAIM_CODES = {"claimSignature.mismatch", "claim.malformed", "claim.cbor.invalid",
               "claimSignature.missing", "algorithm.unsupported"}


@pytest.fixture(scope="module")
def signed(source_jpeg: bytes, es256) -> tuple[bytes, bytes, Regions]:  # type: ignore[no-untyped-def]
    annotation = {"modification_types": ["edited"], "author": "Jane Doe",
                  "regions": [{"shape": "rectangle", "unit": "pixel", "x": 1, "y": 2,
                               "width": 10, "height": 10}]}
    data = api.annotate_bytes(source_jpeg, annotation, es256.signer)
    return data, es256.anchors, regions(data)


def _verify(data: bytes, anchors: bytes) -> tuple[str | None, set[str]]:
    report = api.verify_bytes(data, trust_anchors=anchors)
    return report.state, set(report.failures())


def test_regions_untouched_file_is_trusted(signed: tuple[bytes, bytes, Regions]) -> None:
    data, anchors, where = signed
    assert _verify(data, anchors) == ("Trusted", set())
    assert where.scan and where.claim and where.signature and where.certificate
    assert {"c2pa.actions.v2", "c2pa.hash.data", "org.fakemedia.annotation"} <= set(where.assertions)


@SETTINGS
@given(pick=st.data(), mask=BITS)
def test_verify_scan_byte_flipped_reports_datahash_mismatch(
        signed: tuple[bytes, bytes, Regions], pick: st.DataObject, mask: int) -> None:
    data, anchors, where = signed
    offset = pick.draw(st.sampled_from(where.scan))
    assume(data[offset] ^ mask != 0xFF)  # a new marker would change the JPEG structure
    state, failures = _verify(flip(data, offset, mask), anchors)
    assert state == "Invalid"
    assert failures == {"assertion.dataHash.mismatch"}


@SETTINGS
@given(pick=st.data(), mask=BITS)
def test_verify_claim_byte_flipped_reports_claim_failure(
        signed: tuple[bytes, bytes, Regions], pick: st.DataObject, mask: int) -> None:
    data, anchors, where = signed
    offset = pick.draw(st.sampled_from(where.claim))
    state, failures = _verify(flip(data, offset, mask), anchors)
    assert state == "Invalid"
    assert failures & CLAIM_CODES, failures


@SETTINGS
@given(pick=st.data(), mask=BITS)
def test_verify_assertion_byte_flipped_reports_hashed_uri_mismatch(
        signed: tuple[bytes, bytes, Regions], pick: st.DataObject, mask: int) -> None:
    data, anchors, where = signed
    label = pick.draw(st.sampled_from(sorted(where.assertions)))
    offset = pick.draw(st.sampled_from(where.assertions[label]))
    state, failures = _verify(flip(data, offset, mask), anchors)
    assert state == "Invalid"
    assert "assertion.hashedURI.mismatch" in failures, (label, failures)


@SETTINGS
@given(pick=st.data(), mask=BITS)
def test_verify_signature_byte_flipped_reports_signature_mismatch(
        signed: tuple[bytes, bytes, Regions], pick: st.DataObject, mask: int) -> None:
    data, anchors, where = signed
    offset = pick.draw(st.sampled_from(where.signature))
    state, failures = _verify(flip(data, offset, mask), anchors)
    assert state == "Invalid"
    assert failures == {"claimSignature.mismatch"}


@SETTINGS
@given(pick=st.data(), mask=BITS)
def test_verify_certificate_byte_flipped_reports_credential_or_signature_failure(
        signed: tuple[bytes, bytes, Regions], pick: st.DataObject, mask: int) -> None:
    # x5chain sits in the protected header, so any change to it also breaks the signature;
    # the altered certificate no longer chains to the root either (its issuer's signature
    # covers the bytes), which c2pa-rs reports as untrusted beside the mismatch.
    data, anchors, where = signed
    offset = pick.draw(st.sampled_from(where.certificate))
    state, failures = _verify(flip(data, offset, mask), anchors)
    assert state == "Invalid"
    assert "claimSignature.mismatch" in failures
    allowed = {"claimSignature.mismatch", "signingCredential.invalid", "signingCredential.untrusted"}
    assert failures <= allowed, failures


def _cert_flip(signed: tuple[bytes, bytes, Regions], needle: bytes, at: int) -> bytes:
    data, _, where = signed
    cert = bytes(data[i] for i in where.certificate)
    found = cert.find(needle)
    assert found >= 0
    return flip(data, where.certificate[found + at])


def test_verify_certificate_version_flipped_reports_invalid_credential(
        signed: tuple[bytes, bytes, Regions]) -> None:
    # [0] EXPLICIT INTEGER 2 (v3) becomes 3, which cryptography refuses with InvalidVersion.
    tampered = _cert_flip(signed, b"\xa0\x03\x02\x01\x02", 4)
    state, failures = _verify(tampered, signed[1])
    assert state == "Invalid"
    assert "signingCredential.invalid" in failures


def test_verify_certificate_key_oid_flipped_reports_invalid_credential(
        signed: tuple[bytes, bytes, Regions]) -> None:
    # id-ecPublicKey 1.2.840.10045.2.1; flipping its last arc gives an unknown key type.
    tampered = _cert_flip(signed, bytes.fromhex("06072a8648ce3d0201"), 8)
    state, failures = _verify(tampered, signed[1])
    assert state == "Invalid"
    assert failures & {"signingCredential.invalid", "claimSignature.mismatch"}


@pytest.fixture(scope="module")
def chained(source_jpeg: bytes, identity_factory) -> tuple[bytes, list[bytes]]:  # type: ignore[no-untyped-def]
    """A compressed ES256 step under an uncompressed PS256 step: ingredient paths exercised."""
    first, second = identity_factory("es256"), identity_factory("ps256")
    data = api.annotate_bytes(source_jpeg, None, first.signer, api.AnnotateOptions(compress=True))
    data = api.annotate_bytes(data, {"modification_types": ["edited"]}, second.signer)
    return data, [first.anchors, second.anchors]


def _verify_never_crashes(data: bytes, anchors: bytes | list[bytes]) -> None:
    try:
        report = api.verify_bytes(data, trust_anchors=anchors)
        api.history(data, trust_anchors=anchors)
    except FakemediaError as exc:
        assert "\n" not in str(exc)
        return
    assert report.state in (None, "Invalid", "Valid", "Trusted")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(pick=st.data(), mask=st.integers(1, 255))
def test_verify_any_byte_flipped_returns_report_or_fakemedia_error(
        signed: tuple[bytes, bytes, Regions], pick: st.DataObject, mask: int) -> None:
    data, anchors, where = signed
    # Half the draws inside the store, where the parsers work hardest.
    offset = pick.draw(st.one_of(st.integers(0, len(data) - 1), st.sampled_from(where.store)))
    _verify_never_crashes(flip(data, offset, mask), anchors)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(pick=st.data(), mask=st.integers(1, 255))
def test_verify_chained_store_byte_flipped_returns_report_or_fakemedia_error(
        chained: tuple[bytes, list[bytes]], pick: st.DataObject, mask: int) -> None:
    data, anchors = chained
    loc = app11.find_c2pa_store(data)
    assert loc is not None
    offset = pick.draw(st.integers(loc.offset, loc.offset + loc.length - 1))
    _verify_never_crashes(flip(data, offset, mask), anchors)
