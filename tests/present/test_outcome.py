"""present.outcome: the error each verdict exits with and what verify, history and recovery
show, one function each for the click commands and the fast path."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from fakemedia import api, errors
from fakemedia.present import outcome


def test_a_valid_report_has_no_problem_and_shows_its_verdict(signed_jpeg: bytes) -> None:
    report = api.verify_bytes(signed_jpeg, source="signed.jpg")
    assert outcome.problem_of(report) is None
    assert outcome.shown(report).splitlines()[0].startswith("✔ Valid")
    assert outcome.shown(report, as_json=True)["verdict"]["provenance"]["state"] == "Valid"
    assert "chain" in outcome.shown(report, history=True, as_json=True)
    assert outcome.shown(report, history=True).strip()


def test_no_manifest_and_a_broken_one_are_their_exit_codes(source_jpeg: bytes, signed_jpeg: bytes) -> None:
    missing = outcome.problem_of(api.verify_bytes(source_jpeg, source="plain.jpg"))
    assert isinstance(missing, errors.ManifestNotFound) and str(missing).startswith("plain.jpg: no C2PA")
    tampered = bytearray(signed_jpeg)
    tampered[-200] ^= 0xFF  # a pixel byte: the hard binding fails
    broken = outcome.problem_of(api.verify_bytes(bytes(tampered), source="t.jpg"))
    assert broken is not None and broken.exit_code == errors.EXIT_INVALID


@pytest.mark.parametrize(("state", "kind"), [("recovered", errors.Recovered),
                                             ("conflict", errors.RecoveryConflict),
                                             ("invalid", errors.VerificationError),
                                             ("not-found", errors.ManifestNotFound)])
def test_recovery_states(state: str, kind: type) -> None:
    found: Any = SimpleNamespace(state=state, recovery=SimpleNamespace(message="why"), repository="r.db")
    problem = outcome.recovery_problem("img.jpg", found, recovered=True)
    assert isinstance(problem, kind) and str(problem).startswith("img.jpg: why")
    if state == "recovered":  # recover: a recovery is success; verify: exit 9, never Valid's 0
        assert outcome.recovery_problem("img.jpg", found) is None
    result: Any = SimpleNamespace(source="img.jpg", recovery=found, report=None)
    assert type(outcome.result_problem(result)) is kind


def test_parent_problem_is_exit_8_for_one_file_or_a_batch() -> None:
    sound = {"output": "a.jpg", "parent_state": "Valid"}
    broken = {"output": "b.jpg", "parent_state": "Invalid"}
    assert outcome.parent_problem([sound]) is None and outcome.parent_problem([sound], 2) is None
    one = outcome.parent_problem([broken])
    assert isinstance(one, errors.ParentInvalid) and str(one).startswith("b.jpg: written, but")
    assert str(outcome.parent_problem([sound, broken], 3)).startswith("1 of 3 files continue")


def test_shown_many_and_failures_of_keep_order_and_name_each_failure(source_jpeg: bytes) -> None:
    from fakemedia.batch import BatchResult
    from fakemedia.errors import ManifestNotFound

    report = api.verify_bytes(source_jpeg, source="plain.jpg")
    ok = BatchResult(0, "plain.jpg", report=report)
    bad = BatchResult(1, "bad.jpg", error="bad.jpg: not a JPEG", exit_code=3)
    text_out = outcome.shown_many([ok, bad])
    assert isinstance(text_out, str) and text_out == outcome.shown(report)
    documents = outcome.shown_many([ok, bad], as_json=True)
    assert isinstance(documents, list) and len(documents) == 2 and documents[1]["exit_code"] == 3
    missing = ManifestNotFound("plain.jpg: no C2PA manifest")
    assert outcome.failures_of([(ok, missing), (bad, None)]) == [
        ("plain.jpg", "plain.jpg: no C2PA manifest"), ("bad.jpg", "bad.jpg: not a JPEG")]
    assert outcome.failures_of([(ok, None)]) == []


def test_annotate_shown_puts_written_before_failed_and_keeps_seconds_out() -> None:
    written = {"input": "a.jpg", "output": "a.signed.jpg", "manifest": "urn:c2pa:1", "seconds": 0.2,
               "parent_state": "Invalid", "state": "Valid", "annotation": {},
               "signer": {"common_name": "s", "organization": "o"}}
    failed = {"input": "b.jpg", "error": "b.jpg: not a JPEG", "seconds": 0.1}
    out, failures, problem = outcome.annotate_shown([dict(failed), dict(written)], as_json=True)
    assert [r["input"] for r in out] == ["a.jpg", "b.jpg"] and all("seconds" not in r for r in out)
    assert failures == [("b.jpg", "b.jpg: not a JPEG")]
    assert isinstance(problem, errors.ParentInvalid) and "1 of 2 files" in str(problem)
    _, none_failed, alone = outcome.annotate_shown([dict(written)], single=True)
    assert none_failed == [] and isinstance(alone, errors.ParentInvalid) and "a.signed.jpg" in str(alone)
    text_out, _, _ = outcome.annotate_shown([dict(failed)])
    assert text_out == ""  # nothing written: the failure is said on stderr only


def test_annotate_records_note_warnings_and_the_missing_detector_once_with_the_first_signed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from fakemedia.present import json as documents

    failed: Any = SimpleNamespace(source="a.jpg", error="cannot read", exit_code=3, seconds=0.1, warnings=[])
    (record, notes), = outcome.annotate_records([failed], {}, (), False, unnoted=True)
    assert record["error"] == "cannot read" and notes == []
    written: Any = SimpleNamespace(source="b.jpg", warnings=["clipped"])
    monkeypatch.setattr(documents, "annotate_record", lambda result, *_: {"input": result.source})
    out = list(outcome.annotate_records([written, written], {}, (), True, unnoted=True))
    assert [notes for _, notes in out] == [["b.jpg: clipped", outcome.NO_DETECTOR], ["b.jpg: clipped"]]


def test_detect_lines_send_failures_to_stderr_and_detect_problem_names_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from fakemedia.present import records

    monkeypatch.setattr(records, "detection_line", lambda source, found: f"{source}: {found['p']}")
    good: Any = SimpleNamespace(source="a.jpg", detection={"p": 0.25}, error=None)
    bad: Any = SimpleNamespace(source="b.jpg", detection=None, error="cannot read")
    named: Any = SimpleNamespace(source="c.jpg", detection=None, error="c.jpg: not a readable image")
    failed: list[str] = []
    assert list(outcome.detect_lines([good, bad, named], as_json=False, failed=failed)) == [
        ("a.jpg: 0.25", False), ("fakemedia: failed: b.jpg: cannot read", True),
        ("fakemedia: failed: c.jpg: not a readable image", True)]
    failed.remove("c.jpg")
    assert list(outcome.detect_lines([good], as_json=True, failed=failed)) == [
        ('{"p": 0.25, "file": "a.jpg"}', False)]
    problem = outcome.detect_problem(failed, 3)
    assert isinstance(problem, errors.BatchError) and str(problem) == "1 of 3 images failed: b.jpg"
    assert outcome.detect_problem([], 3) is None
