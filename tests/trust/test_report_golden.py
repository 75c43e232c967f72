"""Our reports against the reference profile evaluator's committed outputs.

For every ``output/<set>_report.json`` of the evaluator's test files whose profile is
shipped, our report (without the ``fakemedia:evaluation`` envelope) must equal it. The
documented differences:
* ``expression_profile`` prints the weekday of ``now()``; we check ours names today;
* ``s01-standard-manifest-with-actions-2ed_report.json`` was written by an older evaluator
  from an older profile (keys ``metadata``/``sections``, profile version 1.0.0); it is
  compared through the peer itself in ``test_peer_reports.py`` instead.
The YAML outputs hold the same reports: they are read back and compared too.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fakemedia.trust.evaluate import evaluate
from fakemedia.trust.profile import load_profile, load_yaml_documents
from fakemedia.trust.report import build_report, peer_layout, to_json, to_yaml

from .peer import PEER_SOURCE

TESTFILES = PEER_SOURCE / "testfiles"
OUTPUT = PEER_SOURCE / "output"
STALE = {"s01-standard-manifest-with-actions-2ed"}
pytestmark = pytest.mark.skipif(not OUTPUT.is_dir(), reason="../shared/peers/profile-evaluator not present")


def _pairs() -> list[tuple[str, Path, Path]]:
    if not OUTPUT.is_dir():
        return []
    pairs = []
    for out in sorted(OUTPUT.glob("*_report.json")):
        stem = out.name[: -len("_report.json")]
        profile = TESTFILES / (stem.replace("_indicators", "") + "_profile.yml")
        if stem not in STALE and profile.is_file():
            pairs.append((stem, profile, out))
    return pairs


def _ours(stem: str, profile: Path) -> dict:
    indicators = json.loads((TESTFILES / f"{stem}.json").read_text())
    return evaluate(load_profile(profile), indicators).report


def _weekday_fixed(report: dict) -> dict:
    """The expression profile's clock line, set to what the committed file says."""
    for section in report["statements"]:
        for entry in section:
            if entry["id"] == "generalInfo" and entry["report_text"].startswith("Report run on "):
                today = datetime.now(timezone.utc).strftime("%A")
                assert entry["report_text"] == f"Report run on {today}"
                entry["report_text"] = "Report run on Thursday"
    return report


def test_every_shipped_pair_is_compared() -> None:
    assert len(_pairs()) == 7


@pytest.mark.parametrize(("stem", "profile", "expected"), _pairs(), ids=[p[0] for p in _pairs()])
def test_report_equals_the_reference_output(stem: str, profile: Path, expected: Path) -> None:
    ours = _ours(stem, profile)
    if stem.startswith("expression"):
        ours = _weekday_fixed(ours)
    assert ours == json.loads(expected.read_text())


@pytest.mark.parametrize(("stem", "profile", "expected"), _pairs(), ids=[p[0] for p in _pairs()])
def test_yaml_output_reads_back_as_the_reference_yaml(stem: str, profile: Path, expected: Path) -> None:
    reference_yaml = expected.with_suffix(".yml")
    if not reference_yaml.is_file():
        pytest.skip("no YAML output committed")
    evaluation = evaluate(load_profile(profile), json.loads((TESTFILES / f"{stem}.json").read_text()))
    ours = peer_layout(load_yaml_documents(to_yaml(build_report(evaluation, load_profile(profile), {},
                                                                 language="en")), "ours")[0])
    if stem.startswith("expression"):
        ours = _weekday_fixed(ours)
    assert ours == load_yaml_documents(reference_yaml.read_text(), reference_yaml.name)[0]


def test_envelope_ties_the_verdict_to_the_inputs() -> None:
    stem, profile_path, _ = next(p for p in _pairs() if p[0] == "genai_indicators")
    profile = load_profile(profile_path)
    indicators = json.loads((TESTFILES / f"{stem}.json").read_text())
    evaluation = evaluate(profile, indicators)
    report = build_report(evaluation, profile, indicators, language="en", asset_name="a.jpg",
                          asset_sha256="00" * 32, now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    envelope = report["fakemedia:evaluation"]
    assert envelope["profile"]["sha256"] == profile.sha256 and len(profile.sha256) == 64
    assert envelope["evaluated_at"] == "2026-01-02T00:00:00Z"
    compliance = next(e for s in report["statements"] for e in s if e["id"] == "jpt:profile_compliance")
    assert envelope["compliance"] is compliance["value"]
    assert envelope["decision"] == ("accept" if compliance["value"] else "reject")
    assert json.loads(to_json(report)) == report
    # A different indicator set gives a different digest: the report names what it judged.
    other = build_report(evaluation, profile, {**indicators, "content": {"x": 1}}, language="en")
    assert other["fakemedia:evaluation"]["indicators_sha256"] != envelope["indicators_sha256"]
