"""Acceptance: every reference JPEG (the c2pa-rs fixtures, the further c2pa-rs fixtures with
time-stamps, legacy ingredient hashes and CAWG identity, and the peer fixtures), with and without
trust anchors, gets fakemedia's verdict equal to c2pa-python's recorded one: the same state and
the same set of failure codes. ``python bench/fixture_agreement.py`` prints the same comparison
as a table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from fakemedia import api

from .reference_cases import FIXTURES, Case, all_cases, observe

REPO = Path(__file__).resolve().parents[2]

#: Known disagreements, with the feature each one needs (none at present).
WAITING: dict[str, str] = {}


def _params() -> list[Any]:
    out = []
    for case in all_cases():
        reason = WAITING.get(f"{case.folder}/{case.name}")
        marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
        out.append(pytest.param(case, marks=marks, id=case.id))
    return out or [pytest.param(None, marks=pytest.mark.skip(reason="no shared fixtures"))]


@pytest.mark.parametrize("case", _params())
def test_reference_fixture_verdict_matches_c2pa_python(case: Case) -> None:
    assert observe(case) == (case.state, case.failures)


def test_every_reference_jpeg_is_a_case() -> None:
    if not FIXTURES.is_dir():
        pytest.skip("no shared fixtures")
    files = {f"{p.parent.name}/{p.name}" for folder in ("c2pa-rs", "c2pa-rs-more", "peer")
             for p in (FIXTURES / folder).glob("*.jpg")}
    cases = [f"{c.folder}/{c.name}" for c in all_cases()]
    assert set(cases) == files and len(cases) == 2 * len(files)


def _live_params() -> list[Any]:
    return [pytest.param(c, id=c.id) for c in all_cases()
            if c.folder != "c2pa-rs" and c.state is not None]


@pytest.mark.parametrize("case", _live_params())
def test_recorded_expectation_is_what_c2pa_python_says(case: Case) -> None:
    """Guards the recorded files (and the derived no-anchor peer cases) against the oracle."""
    from . import c2pa_oracle as oracle

    anchors = case.anchors()
    result = oracle.read(case.path.read_bytes(), anchors.decode() if anchors else None)
    assert (result.state, result.failures) == (case.state, case.failures)


def _need(name: str) -> bytes:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{name} missing from the shared fixtures")
    return path.read_bytes()


def test_verified_ica_identity_is_in_the_report() -> None:
    report = api.verify_bytes(_need("c2pa-rs-more/ica-success.jpg"))
    [identity] = report.manifests[-1].identities
    assert identity.verified and not identity.trusted  # no trusted ICA issuers configured
    assert identity.issuer is not None and identity.issuer.startswith("did:jwk:")
    assert identity.name == "First-Name Last-Name"
    social = [i for i in identity.identities if i.type == "cawg.social_media"]
    assert [(i.username, i.uri) for i in social] == [("username", "https://example-social-network.com/username")]
    history = api.history(_need("c2pa-rs-more/ica-success.jpg"))
    assert history["chain"][-1]["identities"][0]["name"] == "First-Name Last-Name"
    for name, instance in (("report", report.to_dict()), ("history", history)):
        schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
        Draft202012Validator(schema).validate(instance)


@pytest.mark.parametrize(("name", "problem"), [
    ("c2pa-rs-more/ica-signature_mismatch.jpg", "cawg.ica.signature_mismatch"),
    ("c2pa-rs-more/ica-valid_until_in_past.jpg", "cawg.ica.valid_until.invalid"),
    ("c2pa-rs-more/vm-pad1_invalid.jpg", "cawg.identity.pad.invalid"),
])
def test_forged_identity_is_shown_unverified(name: str, problem: str) -> None:
    [identity] = api.verify_bytes(_need(name)).manifests[-1].identities
    assert not identity.verified and problem in identity.problems


def test_x509_identity_untrusted_even_with_the_c2pa_anchors() -> None:
    """The identity certificate chains to the C2PA test root, but CAWG trust is separate."""
    anchors = _need("c2pa-rs/test_cert_root_bundle.pem")
    report = api.verify_bytes(_need("c2pa-rs/C_with_CAWG_data.jpg"), trust_anchors=anchors)
    [identity] = report.manifests[-1].identities
    assert identity.verified and not identity.trusted
    assert report.state == "Valid" and "cawg.x509.credential.untrusted" in report.failures()


def test_legacy_ingredient_hash_is_reported_informational() -> None:
    report = api.verify_bytes(_need("c2pa-rs-more/legacy_ingredient_hash.jpg"))
    assert report.results is not None
    assert "org.fakemedia.ingredient.legacyHash" in report.results.active_manifest.codes("informational")
    assert "ingredient.manifest.mismatch" not in report.failures()
