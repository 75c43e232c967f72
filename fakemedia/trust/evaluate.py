"""Evaluate a Trust Profile against a Trust Indicator Set, with the reference profile
evaluator's semantics (statement order, ``profile.<id>`` back-references, data-block
coercion, report texts only for boolean results).

Deliberate differences from the reference, all documented in the README:
* ``language`` picks the report text (falling back to ``en``, then to the first given);
  the reference always uses ``en``;
* an information statement may give its ``report_text`` or ``title`` as a language map
  (the reference crashes on one);
* any profile or expression error stops the evaluation with one error (exit code 2), as
  the reference aborts; nothing is reported half-done.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .formula import FormulaEngine
from .profile import Profile, ProfileError
from .template import render

COMPLIANCE_ID = "jpt:profile_compliance"
DECISION_BLOCK = "fakemedia:decision"
DECISIONS = ("accept", "warn", "reject")
_JS_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


@dataclass
class Evaluation:
    """The report body (the reference layout) and the verdicts drawn from it."""

    report: dict[str, Any]
    compliance: bool | None
    decision: str


def evaluate(profile: Profile, indicators: dict[str, Any], *, language: str = "en",
             engine: FormulaEngine | None = None) -> Evaluation:
    engine = engine or FormulaEngine()
    data: dict[str, Any] = copy.deepcopy(indicators)
    # Document 1 is visible to expressions and templates (the reference copies it in).
    for key, value in profile.info.items():
        data[key] = copy.deepcopy(value)
    variables = profile.variables
    for name, body in profile.expressions.items():
        engine.search(f'register("{name}", &{body.strip()})', {}, variables)

    def expr(text: str) -> Any:
        return engine.search(text.strip(), data, variables)

    report: dict[str, Any] = {}
    statements: list[list[dict[str, Any]]] = []
    for section in profile.sections:
        items = section if isinstance(section, list) else [section]
        section_report: list[dict[str, Any]] = []
        for item in items:
            if not item.get("id"):
                if isinstance(item.get("block"), dict):
                    name, value = _data_block(item["block"], data, expr)
                    report[name] = value
                    data.setdefault("profile", {})[name] = value
                continue
            entry = _statement(item, data, expr, variables, engine, language)
            if isinstance(section, list):
                section_report.append(entry)
        if section_report:
            statements.append(section_report)
    report["statements"] = statements
    compliance = data.get("profile", {}).get(COMPLIANCE_ID)
    verdict = compliance if isinstance(compliance, bool) else None
    block = report.get(DECISION_BLOCK)
    if isinstance(block, str) and block in DECISIONS:
        decision = block
    else:
        decision = "reject" if verdict is False else "accept"
    return Evaluation(report=report, compliance=verdict, decision=decision)


def _pick_language(value: Any, language: str) -> Any:
    if isinstance(value, dict):
        for lang in (language, "en"):
            if lang in value:
                return value[lang]
        return next(iter(value.values()), None)
    return value


def _statement(item: dict[str, Any], data: dict[str, Any], expr: Any, variables: dict[str, Any],
               engine: FormulaEngine, language: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": item["id"]}
    if not item.get("expression"):
        title = _pick_language(item.get("title"), language)
        if title:
            entry["title"] = title
        text = _pick_language(item.get("report_text"), language)
        if not text:
            raise ProfileError(f"statement {item['id']!r} has no report_text")
        entry["report_text"] = render(str(text), data, expr) if "{{" in str(text) else text
        return entry
    result = engine.search(str(item["expression"]).strip(), data, variables)
    entry["value"] = result
    data.setdefault("profile", {})[item["id"]] = result
    texts = item.get("report_text")
    if texts is None:
        raise ProfileError(f"statement {item['id']!r} has no report_text")
    if isinstance(result, bool) and isinstance(texts, dict):
        chosen = texts.get("true" if result else "false")
        if isinstance(chosen, dict):
            text = _pick_language(chosen, language)
            if text is not None:
                text = str(text)
                entry["report_text"] = render(text, data, expr) if "{{" in text else text
    return entry


def _data_block(block: dict[str, Any], data: dict[str, Any], expr: Any) -> tuple[str, Any]:
    name = str(block.get("name"))
    value = block.get("value")
    if isinstance(value, list):
        return name, [_block_item(v, data, expr) for v in value]
    if isinstance(value, dict):
        return name, {k: _block_item(v, data, expr) for k, v in value.items() if k != "name"}
    return name, _block_item(value, data, expr)


def _block_item(item: Any, data: dict[str, Any], expr: Any) -> Any:
    """One block value: a string that is wholly a template is rendered (unescaped), then
    "true"/"false" become booleans, numeric text a number, and JSON text an object or array
    whose string members are processed the same way."""
    out = item
    if isinstance(item, str):
        trimmed = item.strip()
        if trimmed.startswith("{{") and trimmed.endswith("}}"):
            out = render(trimmed, data, expr, escape=False)
    if isinstance(out, str):
        lowered = out.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        number = _js_number(out)
        if number is not None:
            return number
        try:
            parsed = json.loads(out)
        except ValueError:
            return out
        if isinstance(parsed, list):
            return [_block_item(v, data, expr) if isinstance(v, str) else v for v in parsed]
        if isinstance(parsed, dict):
            return {k: _block_item(v, data, expr) if isinstance(v, str) else v for k, v in parsed.items()}
    return out


def _js_number(text: str) -> int | float | None:
    """JavaScript Number(text) for decimal text, or None when it is NaN or blank."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped in ("Infinity", "+Infinity", "-Infinity"):
        return math.inf if not stripped.startswith("-") else -math.inf
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", stripped):
        return int(stripped, 16)
    if not _JS_NUMBER.match(stripped):
        return None
    value = float(stripped)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
