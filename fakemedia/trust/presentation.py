"""A Trust Report as a small typed value for display (the HTML report page shows it).

Texts are plain: the report's Handlebars-escaped texts (``&#x3D;`` for ``=`` …) are
unescaped here, so a renderer escapes once for its own format.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any, Literal

from .evaluate import COMPLIANCE_ID
from .report import ENVELOPE

Outcome = Literal["pass", "fail", "value", "info"]


@dataclass(frozen=True)
class StatementView:
    """One expression statement: ``pass``/``fail`` for a boolean result, ``value`` for any
    other result (``text`` then holds it as text)."""

    id: str
    outcome: Outcome
    text: str
    is_compliance: bool = False


@dataclass(frozen=True)
class SectionView:
    """A section: its heading (from its information statement, when it has one) and its
    statements in order."""

    title: str | None
    text: str | None
    statements: tuple[StatementView, ...]


@dataclass(frozen=True)
class ReportView:
    profile_name: str | None
    profile_version: str | None
    #: True / False from ``jpt:profile_compliance``; None when the profile states none.
    compliance: bool | None
    decision: str | None
    sections: tuple[SectionView, ...]
    #: Data blocks other than the profile's metadata (``fakemedia:label`` …), as text.
    data: tuple[tuple[str, str], ...]
    asset: str | None
    evaluated_at: str | None
    #: False when the indicator set was read from a file rather than built by verifying.
    indicators_verified: bool | None


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def _statement(entry: dict[str, Any]) -> StatementView:
    value = entry.get("value")
    if isinstance(value, bool):
        outcome: Outcome = "pass" if value else "fail"
        text = _plain(entry.get("report_text", ""))
    elif "value" in entry:
        outcome, text = "value", _plain(value)
    else:
        outcome, text = "info", _plain(entry.get("report_text", ""))
    ident = str(entry.get("id"))
    return StatementView(ident, outcome, text, ident == COMPLIANCE_ID)


def _section(entries: list[Any]) -> SectionView:
    items = [e for e in entries if isinstance(e, dict)]
    title = text = None
    if items and "title" in items[0]:
        head = items.pop(0)
        title = _plain(head["title"])
        text = _plain(head["report_text"]) if head.get("report_text") is not None else None
    return SectionView(title, text, tuple(_statement(e) for e in items))


def present_report(report: dict[str, Any]) -> ReportView:
    """The display value of a report made by :func:`fakemedia.trust.evaluate_image` (or read
    back from a signed report)."""
    envelope = _mapping(report.get(ENVELOPE))
    profile = _mapping(envelope.get("profile"))
    asset = _mapping(envelope.get("asset"))
    sections = tuple(_section(s) for s in report.get("statements") or [] if isinstance(s, list))
    data = tuple((str(k), _plain(v)) for k, v in report.items()
                 if k not in ("statements", ENVELOPE, "profile_metadata"))
    compliance = envelope.get("compliance")
    return ReportView(
        profile_name=_optional_text(profile.get("name")),
        profile_version=_optional_text(profile.get("version")),
        compliance=compliance if isinstance(compliance, bool) else None,
        decision=_optional_text(envelope.get("decision")),
        sections=sections,
        data=data,
        asset=_optional_text(asset.get("file")),
        evaluated_at=_optional_text(envelope.get("evaluated_at")),
        indicators_verified=envelope.get("indicators_verified")
        if isinstance(envelope.get("indicators_verified"), bool) else None,
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _optional_text(value: Any) -> str | None:
    return None if value is None else _plain(value)


__all__ = ["ReportView", "SectionView", "StatementView", "present_report"]
