"""``fakemedia annotate`` runs the detector by default; verify and history show its finding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fakemedia.identity import IdentityPaths

from .conftest import REPO, Run, assert_one_error, assert_valid

pytest.importorskip("torch")
pytest.importorskip("safetensors")

pytestmark = pytest.mark.detect

SAMPLES = REPO / "samples"
COMPOSITE_BOX = (96, 64, 224, 192)  # x0, y0, x1, y1 as recorded in samples/README.md
COMPOSITE_IOU_FLOOR = 0.3  # measured 0.57 under the test rule; see tests/test_annotate_detect.py


@pytest.fixture(scope="module")
def rule_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped model with a test area rule recorded (test figures, not measured), so the tests
    see a rule's wording they chose; the shipped model's own calibrated rule is tested beside it."""
    from dataclasses import replace

    from fakemedia.detect.model import load_default_model
    from fakemedia.lab.compile import save_model

    rule = {"threshold": 0.5, "min_cells": 16, "gap": 1, "max_regions": 8, "smoothing": 1,
            "false_area_rate": 0.01, "target": 0.02, "calibration": "a test set"}
    model = load_default_model()
    out = tmp_path_factory.mktemp("model") / "with-rule.safetensors"
    save_model(replace(model, meta={**model.meta, "area_rule": rule}), out)
    return out


def _annotate(run: Run, identity: IdentityPaths, name: str, out: Path, *args: Any) -> dict[str, Any]:
    result = run("annotate", SAMPLES / name, "-o", out, "--identity", identity.directory, "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _recorded(run: Run, identity: IdentityPaths, path: Path) -> dict[str, Any]:
    result = run("verify", path, "--trust-anchors", identity.trust_anchors, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert_valid(report, "report")
    assert report["state"] == "Trusted"
    return report["manifests"][-1]["annotation"]


def test_verify_shows_probability_and_areas(run: Run, identity: IdentityPaths,
                                            tmp_path: Path, rule_model: Path) -> None:
    plain = tmp_path / "plain.signed.jpg"
    said = _annotate(run, identity, "synthetic.jpg", plain)
    assert said["detection"]["probability"] > 0.5 and not said["detection"]["regions"]
    assert not _recorded(run, identity, plain).get("regions")  # the shipped rule draws none here
    # under the test rule the composite's pasted box gets an area (the synthetic sample's map is
    # too faint for it)
    out = tmp_path / "composite.signed.jpg"
    said = _annotate(run, identity, "composite.jpg", out, "--model", rule_model)
    assert said["detection"]["regions"]
    ann = _recorded(run, identity, out)
    assert ann["probability"]["value"] == said["detection"]["probability"] and len(ann["regions"]) >= 1
    assert ann["modification_types"] == []
    human = run("verify", out, "--trust-anchors", identity.trust_anchors).stdout
    model = said["detection"]["model"]
    assert f"detector {model['name']} {model['version']}: P(synthetic) = " in human
    # The shipped model (here with a test area rule) records a held-out ECE ≤ 0.05.
    assert "(calibrated)" in human and "uncalibrated" not in human
    assert "P(synthetic) ≥ 0.5 over ≥ 16 cells (area rule calibrated on a test set" in human


def test_real_photograph_scores_below_one_half(run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    out = tmp_path / "astronaut.signed.jpg"
    _annotate(run, identity, "astronaut.jpg", out)
    assert _recorded(run, identity, out)["probability"]["value"] < 0.5


def test_composite_area_overlaps_the_pasted_box(run: Run, identity: IdentityPaths, tmp_path: Path,
                                                rule_model: Path) -> None:
    out = tmp_path / "composite.signed.jpg"
    _annotate(run, identity, "composite.jpg", out, "--model", rule_model)
    x0, y0, x1, y1 = COMPOSITE_BOX
    scores = []
    for r in _recorded(run, identity, out)["regions"]:
        ix = max(0.0, min(x1, r["x"] + r["width"]) - max(x0, r["x"]))
        iy = max(0.0, min(y1, r["y"] + r["height"]) - max(y0, r["y"]))
        scores.append(ix * iy / ((x1 - x0) * (y1 - y0) + r["width"] * r["height"] - ix * iy))
    print(f"composite IoU per detected region: {scores}")
    assert scores and max(scores) >= COMPOSITE_IOU_FLOOR


def test_declared_type_and_probability_win(run: Run, identity: IdentityPaths, tmp_path: Path,
                                           rule_model: Path) -> None:
    typed = tmp_path / "typed.jpg"
    _annotate(run, identity, "synthetic.jpg", typed, "--type", "edited")
    assert _recorded(run, identity, typed).get("probability") is None  # a declared type: no detection
    forced = tmp_path / "forced.jpg"
    said = _annotate(run, identity, "composite.jpg", forced, "--type", "synthetic", "--detect",
                     "--probability", "0.3", "--assessor", "photo desk", "--model", rule_model)
    ann = _recorded(run, identity, forced)
    assert ann["modification_types"] == ["synthetic"]
    assert ann["probability"]["value"] == 0.3 and ann["probability"]["method"] == "human"
    assert ann["regions"] and ann["regions"] == said["detection"]["regions"]  # the detector's stand
    human = run("annotate", SAMPLES / "synthetic.jpg", "-o", tmp_path / "h.jpg", "--identity",
                identity.directory, "--probability", "0.3", "--assessor", "photo desk").stdout
    assert "recorded: the declared probability, not the detector's" in human


def test_no_detect_records_no_probability(run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    out = tmp_path / "plain.jpg"
    said = _annotate(run, identity, "synthetic.jpg", out, "--no-detect")
    assert said["detection"] is None
    ann = _recorded(run, identity, out)
    assert ann.get("probability") is None and not ann.get("regions")


def test_heatmap_is_written_and_needs_detection(run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    png = tmp_path / "heat.png"
    said = _annotate(run, identity, "composite.jpg", tmp_path / "c.jpg", "--heatmap", png)
    assert said["detection"]["heatmap"] == str(png)
    with Image.open(png) as im:
        assert im.format == "PNG" and im.size == (256, 256)
    refused = run("annotate", SAMPLES / "composite.jpg", "-o", tmp_path / "x.jpg", "--no-detect",
                  "--heatmap", png)
    assert_one_error(refused, 2)
    assert not (tmp_path / "x.jpg").exists()


def test_bad_model_fails_with_exit_6(run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.safetensors"
    bogus.write_bytes(b"not a model")
    result = run("annotate", SAMPLES / "synthetic.jpg", "-o", tmp_path / "y.jpg", "--identity",
                 identity.directory, "--model", bogus)
    assert_one_error(result, 6)
    assert not (tmp_path / "y.jpg").exists()


def test_history_shows_the_score_along_the_chain(run: Run, identity: IdentityPaths, tmp_path: Path,
                                                 rule_model: Path) -> None:
    first = tmp_path / "first.jpg"
    said = _annotate(run, identity, "composite.jpg", first, "--model", rule_model)
    second = tmp_path / "second.jpg"
    result = run("annotate", first, "-o", second, "--identity", identity.directory,
                 "--probability", "0.2", "--assessor", "photo desk", "--no-detect")
    assert result.exit_code == 0, result.stderr
    history = run("history", second, "--trust-anchors", identity.trust_anchors)
    assert history.exit_code == 0, history.stderr
    detected = f"{said['detection']['probability']:.2f}"
    assert f"Probability along the chain: {detected} → 0.20" in history.stdout
    assert "regions: 1 (rectangle " in history.stdout
    assert "P(synthetic) = " in history.stdout


def test_unreadable_image_is_named_once(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"garbage")
    line = assert_one_error(run("detect", bad), 3)
    assert line.count("bad.jpg") == 1 and "<bytes>" not in line
    both = run("detect", bad, tmp_path / "missing.jpg")
    assert both.exit_code == 7
    failures = [ln for ln in both.stderr.splitlines() if ln.startswith("fakemedia: failed: ")]
    assert len(failures) == 2 and all(ln.count(".jpg") == 1 for ln in failures)
