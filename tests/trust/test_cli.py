"""``fakemedia trust``: evaluation, eval of a set, indicators, profile check; exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakemedia.cli import main

from .conftest import OwnFile

PROFILE = """\
profile_metadata: {name: cli, issuer: tests, date: "2026-01-01", version: "1.0.0"}
---
- id: integrity
  title: Integrity
  report_text: Every manifest verified.
- id: jpt:profile_compliance
  expression: >-
    length(manifests) > 0 && length(manifests[?status.signature != "claimSignature.validated"]) == 0
    && manifests[0].status.content == "assertion.dataHash.match"
  report_text:
    "true": {en: Compliant, fr: Conforme}
    "false": {en: Not compliant, fr: Non conforme}
"""


@pytest.fixture()
def files(tmp_path: Path, own_files: dict[str, OwnFile], es256: object) -> dict[str, Path]:
    out = {"profile": tmp_path / "p.yml", "anchors": tmp_path / "anchors.pem"}
    out["profile"].write_text(PROFILE)
    out["anchors"].write_bytes(es256.anchors)  # type: ignore[attr-defined]
    for name in ("chained", "tampered", "forged"):
        out[name] = tmp_path / f"{name}.jpg"
        out[name].write_bytes(own_files[name].data)
    return out


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_compliant_image_exits_0(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, _ = _run("trust", str(files["chained"]), "--profile", str(files["profile"]),
                   "--trust-anchors", str(files["anchors"]), "-o", str(out))
    assert code == 0
    report = json.loads(out.read_text())
    assert report["fakemedia:evaluation"]["compliance"] is True
    assert report["fakemedia:evaluation"]["indicators_verified"] is True
    assert report["statements"][0][1]["report_text"] == "Compliant"


@pytest.mark.parametrize("name", ["tampered", "forged"])
def test_tampered_or_forged_exits_1(files: dict[str, Path], name: str) -> None:
    code, output = _run("trust", str(files[name]), "--profile", str(files["profile"]),
                        "--trust-anchors", str(files["anchors"]), "--format", "md", "--lang", "fr")
    assert code == 1
    assert "❌ `jpt:profile_compliance` — Non conforme" in output
    assert "decision **reject**" in output


def test_yaml_format(files: dict[str, Path]) -> None:
    code, output = _run("trust", str(files["chained"]), "--profile", str(files["profile"]),
                        "--format", "yaml")
    assert code == 0
    assert "statements:" in output and "fakemedia:evaluation:" in output


def test_indicators_then_eval(files: dict[str, Path], tmp_path: Path) -> None:
    set_path = tmp_path / "set.json"
    code, _ = _run("trust", "indicators", str(files["tampered"]), "--trust-anchors", str(files["anchors"]),
                   "-o", str(set_path))
    assert code == 0
    active = json.loads(set_path.read_text())["manifests"][0]
    assert active["status"]["content"] == "assertion.dataHash.mismatch"
    code, output = _run("trust", "eval", "--profile", str(files["profile"]), str(set_path))
    assert code == 1
    envelope = json.loads(output)["fakemedia:evaluation"]
    assert envelope["indicators_verified"] is False and envelope["decision"] == "reject"


def test_profile_check(files: dict[str, Path], tmp_path: Path) -> None:
    code, output = _run("trust", "profile", "check", str(files["profile"]))
    assert code == 0 and "ok" in output
    broken = tmp_path / "broken.yml"
    broken.write_text(PROFILE.replace("length(manifests) > 0", "length(manifests > "))
    code, output = _run("trust", "profile", "check", str(broken))
    assert code == 2 and "SyntaxError" in output


def test_usage_errors_exit_2(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(PROFILE.replace("length(manifests) > 0", "contains(1, 2)"))
    code, output = _run("trust", str(files["chained"]), "--profile", str(bad))
    assert code == 2 and output.count("\n") == 1 and "TypeError" in output
    code, _ = _run("trust", str(files["chained"]), "--profile", str(tmp_path / "missing.yml"))
    assert code == 2
    code, _ = _run("trust", str(files["chained"]))
    assert code == 2


def test_unreadable_image_exits_3(files: dict[str, Path], tmp_path: Path) -> None:
    text = tmp_path / "x.jpg"
    text.write_text("not a jpeg")
    code, _ = _run("trust", str(text), "--profile", str(files["profile"]))
    assert code == 3
