"""JPEG Trust (ISO/IEC 21617-1): Trust Indicator Sets built from our own verification,
Trust Profiles evaluated with a json-formula engine, and Trust Reports.

The functions here are what ``fakemedia trust`` calls; they return data and raise
:mod:`fakemedia.errors` types (profile and expression errors are usage errors, exit 2).
Exit status of an evaluation: 0 compliant (or no compliance statement), 1 not compliant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..cose import certs
from ..errors import InputImageError, InvalidRequest
from ..formats import jpeg
from ..limits import MAX_FILE_BYTES, MAX_INDICATOR_SET_BYTES
from ..manifest.reader import VerificationReport, read_report
from ..manifest.validate import TrustSettings
from . import shipped
from .evaluate import evaluate
from .formula import FormulaEngine, FormulaError
from .indicators import build_indicators
from .profile import Profile, ProfileError, load_profile
from .report import RENDERERS, build_report
from .shipped import resolve_profile

__all__ = ["FormulaError", "ProfileError", "check_profile", "evaluate_image", "evaluate_image_with_bytes",
           "evaluate_indicator_file", "evaluate_verified", "exit_status", "image_indicators", "render_report",
           "shipped"]


def _read(path: Path, limit: int, what: str) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise InvalidRequest(f"{path.name}: {what} larger than {limit} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise InputImageError(f"cannot read {path}: {exc.strerror}") from exc


def image_indicators(image: str | Path, *, trust_anchors: bytes | None = None,
                     decrypt_keys: Sequence[Any] = ()) -> tuple[dict[str, Any], bytes]:
    """Verify ``image`` and build its indicator set; returns (set, image bytes)."""
    data = _read(Path(image), MAX_FILE_BYTES, "image")
    jpeg.parse_jpeg(data)  # a clear format error (exit 3) before anything else
    anchors = certs.load_certificates(trust_anchors) if trust_anchors else []
    report = read_report(data, TrustSettings(anchors), str(image), decrypt_keys)
    return build_indicators(data, report), data


def _evaluate(profile: Profile, indicators: dict[str, Any], language: str, *, asset_name: str | None,
              asset_sha256: str | None, verified: bool) -> dict[str, Any]:
    evaluation = evaluate(profile, indicators, language=language, engine=FormulaEngine())
    report = build_report(evaluation, profile, indicators, language=language, asset_name=asset_name,
                          asset_sha256=asset_sha256)
    # A set read from a file was not verified here: the report says so, whatever it claims.
    report["fakemedia:evaluation"]["indicators_verified"] = verified
    return report


def evaluate_image_with_bytes(image: str | Path, profile_path: str | Path, *, language: str = "en",
                              trust_anchors: bytes | None = None,
                              decrypt_keys: Sequence[Any] = ()) -> tuple[dict[str, Any], bytes]:
    """The report on ``image`` and the image's bytes (what the report's asset hash names)."""
    indicators, data = image_indicators(image, trust_anchors=trust_anchors, decrypt_keys=decrypt_keys)
    profile = load_profile(resolve_profile(profile_path))
    report = _evaluate(profile, indicators, language, asset_name=Path(image).name,
                       asset_sha256=hashlib.sha256(data).hexdigest(), verified=True)
    return report, data


def evaluate_verified(data: bytes, report: VerificationReport, profile_path: str | Path, *,
                      language: str = "en", asset_name: str | None = None) -> dict[str, Any]:
    """The report of a profile on ``data`` whose verification ``report`` was just made here
    (the report page's case: the image is verified once)."""
    profile = load_profile(resolve_profile(profile_path))
    return _evaluate(profile, build_indicators(data, report), language, asset_name=asset_name,
                     asset_sha256=hashlib.sha256(data).hexdigest(), verified=True)


def evaluate_image(image: str | Path, profile_path: str | Path, *, language: str = "en",
                   trust_anchors: bytes | None = None, decrypt_keys: Sequence[Any] = ()) -> dict[str, Any]:
    """Verify ``image``, build its indicator set and evaluate a profile (a path or the name
    of a shipped one) on it."""
    return evaluate_image_with_bytes(image, profile_path, language=language, trust_anchors=trust_anchors,
                                     decrypt_keys=decrypt_keys)[0]


def evaluate_indicator_file(set_path: str | Path, profile_path: str | Path, *,
                            language: str = "en") -> dict[str, Any]:
    """Evaluate an existing indicator set (e.g. from another tool). It is not verified here,
    and the report's envelope records ``indicators_verified: false``."""
    raw = _read(Path(set_path), MAX_INDICATOR_SET_BYTES, "indicator set")
    try:
        indicators = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidRequest(f"{Path(set_path).name}: not a JSON indicator set") from exc
    if not isinstance(indicators, dict):
        raise InvalidRequest(f"{Path(set_path).name}: an indicator set is a JSON object")
    profile = load_profile(resolve_profile(profile_path))
    return _evaluate(profile, indicators, language, asset_name=None, asset_sha256=None, verified=False)


def exit_status(report: dict[str, Any]) -> int:
    """0 when compliant (or the profile states no compliance), 1 when not compliant."""
    return 1 if report["fakemedia:evaluation"]["compliance"] is False else 0


def render_report(report: dict[str, Any], fmt: str) -> str:
    if fmt not in RENDERERS:
        raise InvalidRequest(f"unknown report format {fmt!r} (choose from {', '.join(RENDERERS)})")
    return RENDERERS[fmt](report)


def check_profile(profile_path: str | Path, against: Sequence[str | Path] = ()) -> list[str]:
    """Lint a profile: it loads, every expression parses, ids are unique, every expression
    statement has true/false report texts, and every field it reads exists in some reference
    indicator set (``against``, else the shipped ones; see :mod:`fakemedia.trust.lint`).
    Returns warnings; raises on errors."""
    from . import lint
    from .formula import compile_expression

    profile = load_profile(resolve_profile(profile_path))
    warnings: list[str] = []
    for text in profile.all_expressions():
        try:
            compile_expression(text)
        except FormulaError as exc:
            raise ProfileError(f"{Path(profile_path).name}: expression {text[:60]!r}: {exc}") from exc
    seen: set[str] = set()
    for item in profile.statements():
        if "block" in item:
            continue
        ident = str(item.get("id"))
        if ident in seen:
            warnings.append(f"id {ident!r} is used more than once (the later result wins)")
        seen.add(ident)
        texts = item.get("report_text")
        if item.get("expression") and isinstance(texts, dict) and not {"true", "false"} <= set(texts):
            warnings.append(f"statement {ident!r} lacks a 'true' or 'false' report_text")
    for key in ("manifests", "content", "metadata", "declaration"):
        if key in profile.info:
            warnings.append(f"information-block key {key!r} hides the indicator section of that name")
    sets = lint.load_sets(against) if against else lint.reference_sets()
    warnings.extend(lint.missing_paths(profile, sets))
    return warnings
