"""The verdict value: provenance and content assessment apart, and the time a signer was judged at."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fakemedia import api
from fakemedia.manifest.verdict import verdict_of
from fakemedia.present import text

PROB = {"value": 0.97, "method": "algorithmic", "name": "det", "version": "2", "calibrated": True}


def test_a_recorded_probability_is_an_assessment_not_part_of_the_state(es256: Any,
                                                                        source_jpeg: bytes) -> None:
    signed = api.annotate_bytes(source_jpeg, {"modification_types": ["synthetic"], "probability": PROB},
                                es256.signer)
    judged = verdict_of(api.verify_bytes(signed, trust_anchors=es256.anchors))
    assert judged.provenance.state == "Trusted" and judged.provenance.problems == ()
    assert judged.assessment is not None
    assert judged.assessment.label == "P(synthetic) by det 2"
    assert judged.assessment.probability == 0.97 and judged.declared == ("synthetic",)
    assert "assessment" not in judged.to_dict()["provenance"]


def test_a_person_is_named_as_the_assessor(es256: Any, source_jpeg: bytes) -> None:
    human = {"value": 0.2, "method": "human", "assessor": "desk editor"}
    signed = api.annotate_bytes(source_jpeg, {"modification_types": ["edited"], "probability": human},
                                es256.signer)
    judged = verdict_of(api.verify_bytes(signed))
    assert judged.assessment is not None and judged.assessment.label == "P(synthetic) by desk editor"
    assert judged.provenance.state == "Valid" and judged.provenance.untrusted


def test_the_one_line_verdict_names_the_time_it_was_judged_at(signed_jpeg: bytes) -> None:
    now = api.verify_bytes(signed_jpeg)
    assert verdict_of(now).provenance.judged_at is not None
    assert verdict_of(now).provenance.judged_at.source == "now"
    assert "(certificate valid at validation time " in text.verdict(now)
    at = datetime.now(timezone.utc).replace(microsecond=0)
    asked = api.verify_bytes(signed_jpeg, now=at)
    judged = verdict_of(asked).provenance.judged_at
    assert judged is not None and judged.source == "requested"
    assert judged.moment == at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f"at the requested time {judged.moment}" in text.verdict(asked)


def test_an_expired_signer_is_invalid_at_the_requested_time(signed_jpeg: bytes) -> None:
    later = datetime(2100, 1, 1, tzinfo=timezone.utc)
    report = api.verify_bytes(signed_jpeg, now=later)
    line = text.verdict(report)
    assert report.state == "Invalid"
    assert "not valid at the requested time 2100-01-01T00:00:00Z" in line
    assert "signingCredential.expired" in line


def test_no_credentials_is_no_state_and_no_assessment(source_jpeg: bytes) -> None:
    judged = verdict_of(api.verify_bytes(source_jpeg))
    assert judged.provenance.found is False and judged.provenance.state is None
    assert judged.assessment is None
