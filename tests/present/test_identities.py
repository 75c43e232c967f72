"""CAWG identities, as validation recorded them, in verify's text, history, the page and JSON."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fakemedia import api
from fakemedia.present import html, text
from fakemedia.present import json as documents

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@pytest.fixture
def fixtures(shared_dir: Path) -> Path:
    folder = shared_dir / "fixtures" / "c2pa-rs-more"
    if not folder.is_dir():
        pytest.skip("the CAWG reference fixtures are not available")
    return folder


def _verify(folder: Path, name: str) -> api.VerificationReport:
    anchors = (folder / "test_cert_root_bundle.pem").read_bytes()
    return api.verify(folder / name, trust_anchors=anchors)


class _Identities(HTMLParser):
    """Text of each <li class="identity …"> on the page, with its class."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "li" and cls.startswith("identity ") and not self.depth:
            self.found.append((cls, ""))
            self.depth = 1
        elif tag == "li" and self.depth:
            self.depth += 1
            self.found[-1] = (self.found[-1][0], self.found[-1][1] + " | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] = (self.found[-1][0], self.found[-1][1] + data)


def test_a_verified_ica_identity_is_shown_everywhere(fixtures: Path) -> None:
    report = _verify(fixtures, "ica-success.jpg")
    shown = text.report_text(report)
    assert "identity:     First-Name Last-Name (verified, not on your CAWG trust list)" in shown
    assert "social account: username <https://example-social-network.com/username> via " \
           "Example Social Network" in shown
    assert "attested by did:jwk:" in shown and "(identity claims aggregation)" in shown
    history = text.history_text(report, report.history(), tree=False)
    assert "   identity:     First-Name Last-Name (verified" in history

    page = _Identities()
    page.feed(html.render_report(report, (fixtures / "ica-success.jpg").read_bytes()))
    [(cls, facts)] = page.found
    assert cls == "identity identity-verified"
    assert facts.startswith("First-Name Last-Name (verified, not on your CAWG trust list)")
    assert "document: First-Name Last-Name via Example ID Verifier" in facts
    assert "affiliation via Example Affiliated Organization" in facts

    document = documents.verify_document(report)
    [identity] = [i for m in document["manifests"] for i in m["identities"]]
    assert identity["name"] == "First-Name Last-Name" and identity["verified"] is True
    assert {i["type"] for i in identity["verified_identities"]} >= {"cawg.social_media"}


def test_a_forged_identity_is_shown_not_verified_with_its_code(fixtures: Path) -> None:
    report = _verify(fixtures, "ica-signature_mismatch.jpg")
    shown = text.report_text(report)
    assert "First-Name Last-Name (not verified)" in shown
    assert "cawg.ica.signature_mismatch: an identity check failed" in shown
    page = _Identities()
    page.feed(html.render_report(report, b""))
    assert [cls for cls, _ in page.found] == ["identity identity-failed"]
    assert "cawg.ica.signature_mismatch" in page.found[0][1]


def test_an_x509_identity_names_its_issuer(fixtures: Path) -> None:
    shown = text.report_text(_verify(fixtures, "vm-extra_field.jpg"))
    assert "identity:     C2PA Signer (verified, not on your CAWG trust list)" in shown
    assert "attested by Intermediate CA (X.509 certificate)" in shown


def test_documents_with_identities_validate_against_their_schemas(fixtures: Path) -> None:
    from jsonschema import Draft202012Validator

    for kind, render in (("report", documents.verify_document), ("history", documents.history_document)):
        validator = Draft202012Validator(json.loads((SCHEMAS / f"{kind}.schema.json").read_text()))
        for name in ("ica-success.jpg", "ica-signature_mismatch.jpg", "vm-extra_field.jpg"):
            errors = [e.message for e in validator.iter_errors(render(_verify(fixtures, name)))]
            assert not errors, (kind, name, errors)
