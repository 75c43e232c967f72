"""The display value of a Trust Report (what the HTML report page shows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakemedia import trust
from fakemedia.trust.presentation import ReportView, StatementView, present_report

from .conftest import OwnFile


def _report(own: OwnFile, tmp_path: Path, anchors: bytes, profile: str) -> dict[str, Any]:
    image = tmp_path / f"{own.name}.jpg"
    image.write_bytes(own.data)
    return trust.evaluate_image(image, profile, trust_anchors=anchors)


def test_newsroom_report_as_a_view(own_files: dict[str, OwnFile], es256: Any, tmp_path: Path) -> None:
    view = present_report(_report(own_files["tampered"], tmp_path, es256.anchors, "newsroom"))
    assert isinstance(view, ReportView)
    assert (view.profile_name, view.profile_version) == ("fakemedia newsroom intake", "1.0.0")
    assert (view.compliance, view.decision, view.asset) == (False, "reject", "tampered.jpg")
    assert view.indicators_verified is True and view.evaluated_at is not None
    assert [s.title for s in view.sections] == ["Integrity", "Synthetic content", "Authorship", "Verdict"]
    integrity = view.sections[0]
    assert integrity.text and "content hash" in integrity.text
    by_id = {s.id: s for section in view.sections for s in section.statements}
    assert by_id["has_provenance"] == StatementView("has_provenance", "pass",
                                                    "The image carries 2 manifest(s).")
    assert by_id["manifests_valid"].outcome == "fail"
    assert by_id["manifests_valid"].text.startswith("Verification failed")
    compliance = by_id["jpt:profile_compliance"]
    assert compliance.is_compliance and compliance.outcome == "fail"
    assert dict(view.data) == {"fakemedia:decision": "reject"}


def test_texts_are_plain_and_labels_are_data(own_files: dict[str, OwnFile], es256: Any,
                                             tmp_path: Path) -> None:
    view = present_report(_report(own_files["chained"], tmp_path, es256.anchors, "newsroom"))
    detector = next(s for sec in view.sections for s in sec.statements if s.id == "detector_below_threshold")
    # The report escapes as Handlebars does; the view gives plain text to escape once.
    assert "P(synthetic) is 0.72" in detector.text and "&#x" not in detector.text
    label = present_report(_report(own_files["synthetic"], tmp_path, es256.anchors, "ai-label"))
    assert label.compliance is None and dict(label.data) == {"fakemedia:label": "Generated with AI"}


def test_values_and_a_set_read_from_a_file(tmp_path: Path) -> None:
    report = {
        "statements": [[{"id": "count", "value": 3}, {"id": "note", "report_text": "a &amp; b"}]],
        "fakemedia:evaluation": {"profile": {"name": "p", "version": None}, "compliance": None,
                                 "decision": "accept", "indicators_verified": False},
    }
    view = present_report(report)
    (section,) = view.sections
    assert section.title is None
    assert section.statements == (StatementView("count", "value", "3"),
                                  StatementView("note", "info", "a & b"))
    assert view.indicators_verified is False and view.asset is None and view.profile_version is None
