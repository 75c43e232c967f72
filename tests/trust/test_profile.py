"""Trust Profile loading: YAML 1.2 core schema, confined includes, evaluation rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakemedia.trust.evaluate import evaluate
from fakemedia.trust.formula import FormulaError
from fakemedia.trust.profile import ProfileError, load_profile, load_yaml_documents

HEADER = 'profile_metadata: {name: t, issuer: tests, date: 2026-01-02, version: "1.0.0", language: no}\n'


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_yaml_core_schema() -> None:
    doc = load_yaml_documents(
        "a: no\nb: yes\nc: 2026-01-02\nd: 1_000\ne: 0o17\nf: 0x1F\ng: .inf\nh: ~\ni: True\nj: 1:30\n"
        "k: 1.5e3\ntrue: x\n", "t")[0]
    assert doc == {"a": "no", "b": "yes", "c": "2026-01-02", "d": "1_000", "e": 15, "f": 31,
                   "g": float("inf"), "h": None, "i": True, "j": "1:30", "k": 1500.0, "true": "x"}


def test_aliases_are_refused() -> None:
    with pytest.raises(ProfileError):
        load_yaml_documents("a: &x [1, 2]\nb: *x\n", "t")


def test_dates_and_language_stay_text(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path, "p.yml", HEADER + "---\n- id: i\n  report_text: hi\n"))
    assert profile.metadata["date"] == "2026-01-02"
    assert profile.metadata["language"] == "no"


def test_includes_stay_inside_the_profile_folder(tmp_path: Path) -> None:
    _write(tmp_path, "secret.yml", HEADER)
    inner = tmp_path / "profiles"
    _write(inner, "lib.yml", "variables: {$x: 2}\n---\n- id: from_lib\n  expression: $x * 2\n"
                             "  report_text: {'true': {en: t}}\n")
    ok = load_profile(_write(inner, "ok.yml", HEADER + "include: [lib.yml]\n"))
    assert ok.variables == {"$x": 2}
    assert [s["id"] for s in ok.statements()] == ["from_lib"]
    for bad in ("../secret.yml", str(tmp_path / "secret.yml"), "missing.yml"):
        with pytest.raises(ProfileError):
            load_profile(_write(inner, "bad.yml", HEADER + f"include: [{bad!r}]\n"))


def test_statements_in_order_with_back_references_and_languages(tmp_path: Path) -> None:
    text = HEADER + """variables: {$limit: 0.5}
expressions: {_high: "p > $limit"}
---
- id: intro
  title: Intro
  report_text: {en: English title text, fr: Texte français}
- id: high
  expression: _high(@)
  report_text:
    "true": {en: "High: {{expr \\"p\\"}}", fr: "Élevé : {{expr \\"p\\"}}"}
    "false": {en: Low}
- id: jpt:profile_compliance
  expression: "!profile.high"
  report_text:
    "true": {en: ok}
    "false": {en: "not ok because {{profile.high}}"}
- block: {name: "fakemedia:decision", value: '{{expr "if(profile.high, ''warn'', ''accept'')"}}'}
"""
    profile = load_profile(_write(tmp_path, "p.yml", text))
    english = evaluate(profile, {"p": 0.7})
    assert english.report["statements"][0] == [
        {"id": "intro", "title": "Intro", "report_text": "English title text"},
        {"id": "high", "value": True, "report_text": "High: 0.7"},
        {"id": "jpt:profile_compliance", "value": False, "report_text": "not ok because true"},
    ]
    assert english.compliance is False
    french = evaluate(profile, {"p": 0.7}, language="fr")
    assert french.report["statements"][0][1]["report_text"] == "Élevé : 0.7"
    # A language the profile lacks falls back to English.
    assert evaluate(profile, {"p": 0.1}, language="de").report["statements"][0][1]["report_text"] == "Low"


def test_decision_block_and_escaping(tmp_path: Path) -> None:
    text = HEADER + """---
- id: who
  expression: name == "Joe's"
  report_text: {"true": {en: "Signed by {{name}}"}}
- block: {name: "fakemedia:decision", value: warn}
"""
    evaluation = evaluate(load_profile(_write(tmp_path, "p.yml", text)), {"name": "Joe's"})
    # Handlebars escapes inserted values, as the reference does in every output format.
    assert evaluation.report["statements"][0][0]["report_text"] == "Signed by Joe&#x27;s"
    assert evaluation.decision == "warn" and evaluation.compliance is None


def test_expression_errors_stop_the_evaluation(tmp_path: Path) -> None:
    text = HEADER + "---\n- id: bad\n  expression: contains(1, 2)\n  report_text: {'true': {en: x}}\n"
    with pytest.raises(FormulaError):
        evaluate(load_profile(_write(tmp_path, "p.yml", text)), {})


@pytest.mark.parametrize("text", [
    "just text", "- a list first\n", "profile_metadata: 3\n",
    HEADER + "---\n- expression: 1\n  report_text: x\n",
    HEADER + "expressions: {bad name: 1}\n",
])
def test_malformed_profiles_are_profile_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(ProfileError) as info:
        load_profile(_write(tmp_path, "p.yml", text))
    assert info.value.exit_code == 2


def test_missing_report_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError):
        evaluate(load_profile(_write(tmp_path, "p.yml", HEADER + "---\n- id: x\n  expression: '1'\n")), {})
