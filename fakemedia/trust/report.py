"""Trust Reports: the reference profile evaluator's layout (data blocks first, then
``statements``) plus one ``fakemedia:evaluation`` envelope that ties the verdict to exact
bytes: the profile's SHA-256 (includes folded in), the asset's and the indicator set's,
the evaluator, the time, the compliance and the decision.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

import yaml

from .. import __version__
from .evaluate import COMPLIANCE_ID, Evaluation
from .profile import Profile
from .template import js_string

ENVELOPE = "fakemedia:evaluation"
ENGINE = "fakemedia json-formula (json-formula 2.0 subset)"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def build_report(evaluation: Evaluation, profile: Profile, indicators: dict[str, Any], *,
                 language: str, asset_name: str | None = None, asset_sha256: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    meta = profile.metadata
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    envelope: dict[str, Any] = {
        "profile": {"name": meta.get("name"), "version": meta.get("version"), "issuer": meta.get("issuer"),
                    "sha256": profile.sha256},
        "asset": {"file": asset_name, "sha256": asset_sha256} if asset_sha256 else None,
        "indicators_sha256": hashlib.sha256(canonical_json(indicators)).hexdigest(),
        "evaluator": {"name": "fakemedia", "version": __version__, "engine": ENGINE},
        "evaluated_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": language,
        "compliance": evaluation.compliance,
        "decision": evaluation.decision,
    }
    return {**evaluation.report, ENVELOPE: envelope}


def peer_layout(report: dict[str, Any]) -> dict[str, Any]:
    """The report without our envelope: what the reference evaluator writes."""
    return {k: v for k, v in report.items() if k != ENVELOPE}


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Block-style YAML; strings that YAML 1.1 readers would retype stay quoted."""


def to_yaml(report: dict[str, Any]) -> str:
    return yaml.dump(report, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100)


def to_markdown(report: dict[str, Any]) -> str:
    envelope = report.get(ENVELOPE) or {}
    profile = envelope.get("profile") or {}
    asset = (envelope.get("asset") or {}).get("file") or "indicator set"
    compliance = envelope.get("compliance")
    lines = [
        f"# Trust report: {asset}",
        "",
        f"Profile **{profile.get('name')}** {profile.get('version') or ''} — "
        f"decision **{envelope.get('decision')}**, "
        f"compliance **{'n/a' if compliance is None else 'yes' if compliance else 'no'}**",
        "",
    ]
    for section in report.get("statements", []):
        for entry in section:
            if "title" in entry:
                lines += [f"## {entry['title']}", ""]
                if entry.get("report_text"):
                    lines += [str(entry["report_text"]), ""]
                continue
            value = entry.get("value")
            if isinstance(value, bool):
                mark = "✅" if value else "❌"
                text = entry.get("report_text", "")
                lines.append(f"- {mark} `{entry['id']}` — {text}".rstrip(" —"))
            elif "value" in entry:
                lines.append(f"- `{entry['id']}` = {_inline(value)}")
            else:
                lines.append(f"- `{entry['id']}` — {entry.get('report_text', '')}")
        lines.append("")
    blocks = {k: v for k, v in report.items() if k not in ("statements", ENVELOPE)}
    if blocks:
        lines += ["## Data", ""]
        lines += [f"- `{k}` = {_inline(v)}" for k, v in blocks.items()]
        lines.append("")
    if envelope:
        lines += ["---", "", f"Evaluated {envelope.get('evaluated_at')} by fakemedia "
                  f"{(envelope.get('evaluator') or {}).get('version')}; "
                  f"profile sha256 `{profile.get('sha256')}`; "
                  f"indicators sha256 `{envelope.get('indicators_sha256')}`.", ""]
    return "\n".join(lines)


def _inline(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "`" + json.dumps(value, ensure_ascii=False) + "`"
    return js_string(value)


RENDERERS = {"json": to_json, "yaml": to_yaml, "md": to_markdown}

__all__ = ["COMPLIANCE_ID", "ENVELOPE", "RENDERERS", "build_report", "peer_layout"]
