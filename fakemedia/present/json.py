"""The JSON documents of results: what ``verify --json`` and ``history --json`` print, and what a
server returns, from one function each (described by ``schemas/report.schema.json`` and
``schemas/history.schema.json``).

Both carry the two verdicts apart: ``verdict.provenance`` (Trusted/Valid/Invalid, the time the
signer was judged at) and ``verdict.content_assessment`` (``P(synthetic) by <model or
person>``, or null).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fakemedia.manifest.reader import VerificationReport
from fakemedia.manifest.verdict import verdict_of

__all__ = ["annotate_record", "error_document", "history_document", "recovery_document",
           "validate_document", "verify_document"]


def verify_document(report: VerificationReport) -> dict[str, Any]:
    """The report of one asset, as ``fakemedia verify --json`` prints it."""
    return {**report.to_dict(), "verdict": verdict_of(report).to_dict()}


def recovery_document(embedded: VerificationReport, found: Any) -> dict[str, Any]:
    """``verify --repo --json`` after a soft-binding look-up: the embedded report as always,
    and under ``recovery`` the look-up's state and evidence with, when a manifest was found,
    the report of the image with that store re-attached. ``found``: a
    :class:`fakemedia.api.RecoveryResult`."""
    recovery = found.to_dict()
    recovery["report"] = verify_document(found.report) if found.report is not None else None
    return {**verify_document(embedded), "recovery": recovery}


def history_document(report: VerificationReport) -> dict[str, Any]:
    """The provenance chain and tree of one asset, as ``fakemedia history --json`` prints it."""
    return {**report.history(), "verdict": verdict_of(report).to_dict()}


def annotate_record(result: Any, annotation: Mapping[str, Any], restricted: Sequence[str],
                    detecting: bool) -> dict[str, Any]:
    """What ``annotate`` prints (``--json``) and logs for one file: ``result`` is a
    :class:`fakemedia.batch.BatchResult`, ``annotation`` the declared one; values of the
    ``restricted`` fields never appear (they are secrets of their recipients)."""
    if result.error is not None:
        return {"input": result.source, "error": result.error, "exit_code": result.exit_code,
                "seconds": result.seconds}
    report = result.report
    active = report.manifest(report.active_manifest)
    recorded = active.annotation if active else {}
    found = result.detection
    out: dict[str, Any] = {
        "input": result.source, "output": result.written, "manifest": report.active_manifest,
        "annotation": {k: ("(restricted)" if k in restricted else v) for k, v in annotation.items()},
        "detection": found}
    if detecting and found is None:
        out["detection_note"] = result.detection_note or "not run"
    out.update({
        "recorded": {k: ("(restricted)" if k in restricted else recorded.get(k))
                     for k in ("probability", "regions")},
        "signer": active.signer if active else None,
        "restricted": active.annotation.get("restricted") if active else None,
        "redacted": list(result.redacted), "state": report.state, "failures": report.failures(),
        "parent_state": result.parent_state, "durable": result.durable, "seconds": result.seconds})
    return out


def error_document(source: str | None, message: str, exit_code: int) -> dict[str, Any]:
    """An input that could not be checked, as a batch lists it."""
    return {"source": source, "error": message, "exit_code": exit_code}


def validate_document(document: Any, kind: str = "report") -> None:
    """Check ``document`` against its schema (``report`` or ``history``); raises
    :class:`fakemedia.errors.AnnotationInvalid` listing the issues. Loads jsonschema: for tests
    and servers, not the command line's read path."""
    from fakemedia.annotation.schema import issues_of, raise_issues

    raise_issues(issues_of(document, kind), kind)
