"""``fakemedia trust``: evaluation, eval of a set, indicators, profile check; exit codes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("template", ["newsroom", "wire-intake", "ai-label", "blank"])
def test_profile_new_writes_a_template_that_checks_clean(template: str, tmp_path: Path) -> None:
    target = tmp_path / "mine.yml"
    code, output = _run("trust", "profile", "new", "--template", template, "-o", str(target))
    assert code == 0 and f"wrote {target}" in output
    assert (tmp_path / "library.yml").is_file() is (template != "blank")
    code, output = _run("trust", "profile", "check", str(target))
    assert code == 0 and "ok (0 warning(s))" in output, output
    before = target.read_text()
    target.write_text("mine")
    code, output = _run("trust", "profile", "new", "--template", template, "-o", str(target))
    assert code == 2 and "--force" in output and target.read_text() == "mine"
    code, _ = _run("trust", "profile", "new", "--template", template, "-o", str(target), "--force")
    assert code == 0 and target.read_text() == before


def test_profile_new_keeps_an_identical_library(tmp_path: Path) -> None:
    assert _run("trust", "profile", "new", "--template", "newsroom", "-o", str(tmp_path / "a.yml"))[0] == 0
    code, output = _run("trust", "profile", "new", "--template", "wire-intake", "-o", str(tmp_path / "b.yml"))
    assert code == 0 and "library.yml" not in output
    (tmp_path / "library.yml").write_text("# edited\n")
    code, output = _run("trust", "profile", "new", "--template", "ai-label", "-o", str(tmp_path / "c.yml"))
    assert code == 2 and "library.yml" in output and not (tmp_path / "c.yml").exists()


def test_shipped_profile_by_name(files: dict[str, Path]) -> None:
    code, output = _run("trust", str(files["chained"]), "--profile", "wire-intake",
                        "--trust-anchors", str(files["anchors"]), "--format", "md")
    assert code == 1 and "fakemedia wire intake" in output and "camera_original" in output
    code, output = _run("trust", str(files["chained"]), "--profile", "ai-label",
                        "--trust-anchors", str(files["anchors"]))
    assert code == 0 and json.loads(output)["fakemedia:label"] == "Unknown origin"


def test_profile_check_against_sets(files: dict[str, Path], tmp_path: Path) -> None:
    sets = tmp_path / "chained.json"
    assert _run("trust", "indicators", str(files["chained"]), "-o", str(sets))[0] == 0
    mistyped = tmp_path / "mistyped.yml"
    mistyped.write_text(PROFILE.replace("manifests[0].status.content", "manifests[0].status.contnet"))
    code, output = _run("trust", "profile", "check", str(mistyped), "--against", str(sets))
    assert code == 0 and "reads field 'contnet'" in output and "(1 warning(s))" in output


def test_embed_report(files: dict[str, Path], es256: Any, tmp_path: Path) -> None:
    from fakemedia import api
    from fakemedia.trust.embed import report_assertion

    out = tmp_path / "reported.jpg"
    args = ["trust", str(files["chained"]), "--profile", "newsroom", "--trust-anchors", str(files["anchors"]),
            "--embed-report", str(out), "--identity", str(es256.directory)]
    code, output = _run(*args)
    assert code == 1  # the chained file names no author: not compliant, still reported
    report = report_assertion(out.read_bytes())
    assert report is not None and report == json.loads(output[output.index("{"):])
    assert report["fakemedia:evaluation"]["asset"]["sha256"] == hashlib.sha256(
        files["chained"].read_bytes()).hexdigest()
    verified = api.verify_bytes(out.read_bytes(), trust_anchors=es256.anchors)
    assert (verified.state, verified.failures()) == ("Trusted", [])
    before = out.read_bytes()
    code, output = _run(*args)
    assert code == 2 and "--force" in output and out.read_bytes() == before
    assert _run(*args, "--force")[0] == 1 and out.read_bytes() != before
    code, output = _run("trust", str(files["chained"]), "--profile", "newsroom", "--embed-report",
                        str(files["chained"]), "--identity", str(es256.directory), "--force")
    assert code == 2 and "overwrite the input" in output
