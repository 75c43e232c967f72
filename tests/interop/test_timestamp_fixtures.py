"""The reference SDK's own files, time-stamp, revocation and chain-dependent: fakemedia reports
the same state and failure codes as recorded for c2pa-python 0.38.1 (expected.json), and the
same ``timeStamp.*`` / ``signingCredential.ocsp.*`` codes as c2pa-python reports live, with and
without the SDK's test root bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakemedia import api

from . import c2pa_oracle as oracle

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
MORE = SHARED / "c2pa-rs-more"
#: expected.json entries whose verdict depends on time-stamps, OCSP or chains (the CAWG identity
#: and legacy-ingredient files are checked with their own features).
TIME_DEPENDENT = ("ocsp.jpg", "boxhash.jpg")
PREFIXES = ("timeStamp.", "signingCredential.ocsp.")


def _need(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"{path.name} missing from the shared fixtures")
    return path.read_bytes()


def _bundle() -> bytes:
    return _need(SHARED / "c2pa-rs" / "test_cert_root_bundle.pem")


@pytest.mark.parametrize("anchored", [False, True], ids=["plain", "anchors"])
@pytest.mark.parametrize("name", TIME_DEPENDENT)
def test_more_fixture_matches_expected(name: str, anchored: bool) -> None:
    mode = "with_anchors" if anchored else "without_anchors"
    expected = json.loads(_need(MORE / "expected.json"))[name][mode]
    report = api.verify_bytes(_need(MORE / name), trust_anchors=_bundle() if anchored else None)
    assert (report.state, frozenset(report.failures())) == (
        expected["state"], frozenset(expected["failures"]))


def test_expired_adobe_signer_is_judged_at_the_time_stamp() -> None:
    report = api.verify_bytes(_need(MORE / "ocsp.jpg"))
    assert report.results is not None
    statuses = {s.code: s.explanation for s in report.results.active_manifest.statuses}
    assert "legacy v1 rule" in statuses["timeStamp.trusted"]
    assert statuses["claimSignature.insideValidity"].startswith(
        "signing certificate valid at the time-stamp's time 2025-08-13T")
    # The signer's certificate has expired: only the time-stamp keeps the file Valid.
    active = report.manifest(report.active_manifest)
    assert active is not None and active.signer is not None
    assert str(active.signer["not_after"]) < "2026"
    assert report.state == "Valid"


def _fixtures() -> list[Any]:
    names = sorted(p for folder in ("c2pa-rs", "c2pa-rs-more", "peer")
                   for p in (SHARED / folder).glob("*.jpg")) if SHARED.is_dir() else []
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in names]


def _their_codes(result: Any) -> set[str]:
    active = result.results.get("activeManifest") or {}
    return {s["code"] for kind in ("success", "informational", "failure") for s in active.get(kind) or []
            if s["code"].startswith(PREFIXES)}


@pytest.mark.parametrize("anchored", [False, True], ids=["plain", "anchors"])
@pytest.mark.parametrize("path", _fixtures())
def test_time_stamp_and_ocsp_codes_match_c2pa_python(path: Path, anchored: bool) -> None:
    data = path.read_bytes()
    anchors = _bundle() if anchored else None
    if oracle.read_error(data, anchors.decode() if anchors else None) is not None:
        pytest.skip("c2pa-python reports no manifest results (reader error or no manifest)")
    theirs = oracle.read(data, anchors.decode() if anchors else None)
    report = api.verify_bytes(data, trust_anchors=anchors)
    ours = set() if report.results is None else {
        s.code for s in report.results.active_manifest.statuses if s.code.startswith(PREFIXES)}
    assert ours == _their_codes(theirs)
