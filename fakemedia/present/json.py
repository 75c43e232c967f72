"""The JSON documents of results: what ``verify --json`` and ``history --json`` print, and what a
server returns, from one function each (described by ``schemas/report.schema.json`` and
``schemas/history.schema.json``).

Both carry the two verdicts apart: ``verdict.provenance`` (Trusted/Valid/Invalid, the time the
signer was judged at) and ``verdict.content_assessment`` (``P(synthetic) by <model or
person>``, or null).
"""

from __future__ import annotations

from typing import Any

from fakemedia.manifest.reader import VerificationReport
from fakemedia.manifest.verdict import verdict_of

__all__ = ["error_document", "history_document", "validate_document", "verify_document"]


def verify_document(report: VerificationReport) -> dict[str, Any]:
    """The report of one asset, as ``fakemedia verify --json`` prints it."""
    return {**report.to_dict(), "verdict": verdict_of(report).to_dict()}


def history_document(report: VerificationReport) -> dict[str, Any]:
    """The provenance chain and tree of one asset, as ``fakemedia history --json`` prints it."""
    return {**report.history(), "verdict": verdict_of(report).to_dict()}


def error_document(source: str | None, message: str, exit_code: int) -> dict[str, Any]:
    """An input that could not be checked, as a batch lists it."""
    return {"source": source, "error": message, "exit_code": exit_code}


def validate_document(document: Any, kind: str = "report") -> None:
    """Check ``document`` against its schema (``report`` or ``history``); raises
    :class:`fakemedia.errors.AnnotationInvalid` listing the issues. Loads jsonschema: for tests
    and servers, not the command line's read path."""
    from fakemedia.annotation.schema import issues_of, raise_issues

    raise_issues(issues_of(document, kind), kind)
