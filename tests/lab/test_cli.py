"""``fakemedia-lab``: train, evaluate and experiment on the small benchmark; errors are one line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fakemedia.lab.cli import lab


def test_lab_help_needs_no_stack() -> None:
    r = CliRunner().invoke(lab, ["--help"])
    assert r.exit_code == 0
    for name in ("train", "evaluate", "experiment", "benchmark", "train-codec"):
        assert name in r.output


@pytest.mark.detect
def test_train_then_evaluate(tmp_path: Path, small_bench: Path) -> None:
    runner = CliRunner()
    model_out = tmp_path / "m.safetensors"
    r = runner.invoke(lab, ["train", str(small_bench), "--out", str(model_out), "--size", "64",
                            "--no-search", "--json", "--cache", str(tmp_path / "c")])  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["test"]["n"] == 24 and model_out.is_file()
    cm = str(tmp_path / "cm.png")
    args = ["evaluate", str(small_bench), "--model", str(model_out), "--json", "--confusion", cm]
    r = runner.invoke(lab, [*args, "--cache", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout.strip().splitlines()[-1])
    assert ev["accuracy"] == rep["test"]["accuracy"] and (tmp_path / "cm.png").stat().st_size > 0


@pytest.mark.detect
def test_train_records_the_version_and_patch_positions_asked_for(tmp_path: Path, small_bench: Path) -> None:
    from fakemedia.detect.model import load_model

    m = tmp_path / "p.safetensors"
    r = CliRunner().invoke(lab, ["train", str(small_bench), "--out", str(m), "--size", "64", "--no-search",
                                 "--patch-positions", "4", "--model-version", "7", "--cache",
                                 str(tmp_path / "c")])  # fmt: skip
    assert r.exit_code == 0, r.output
    model = load_model(m)
    assert model.meta["version"] == "7"
    assert model.patch_features is not None and model.patch_features.n_patches == 4
    bad = CliRunner().invoke(lab, ["train", str(small_bench), "--out", str(tmp_path / "q.safetensors"),
                                   "--patch-positions", "0"])
    assert bad.exit_code == 2


@pytest.mark.detect
def test_train_with_newsroom_copies_then_choose_threshold(tmp_path: Path, small_bench: Path) -> None:
    runner, cache = CliRunner(), str(tmp_path / "c")
    m = tmp_path / "aug.safetensors"
    r = runner.invoke(lab, ["train", str(small_bench), "--out", str(m), "--size", "64", "--no-search",
                            "--no-patch-map", "--augment", "newsroom", "--augment-copies", "1",
                            "--max-real-fp", "0.25", "--json", "--cache", cache])  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["threshold"]["threshold"] >= 0.5 and rep["threshold"]["oof_real_fp"] <= 0.25
    from fakemedia.detect.model import load_model

    model = load_model(m)
    assert model.meta["augmentation"]["copies"] == 1
    assert model.decision_threshold == pytest.approx(rep["threshold"]["threshold"])
    out = tmp_path / "t.safetensors"
    r = runner.invoke(lab, ["choose-threshold", str(small_bench), "--model", str(m), "--max-real-fp", "0.25",
                            "--per-group", "--out", str(out), "--cache", cache])  # fmt: skip
    assert r.exit_code == 0, r.output
    ch = json.loads(r.stdout.strip().splitlines()[-1])
    assert ch["oof_real_fp"] <= 0.25 and load_model(out).decision_threshold == pytest.approx(ch["threshold"])
    # --processed: re-saved copies of each real training image are held to the bound as well, and
    # a model with a probability map gets the threshold on the map's scale.
    from fakemedia.detect.calibration import apply_calibration
    from fakemedia.lab.compile import save_model

    spec = {"method": "platt", "a": 1.5, "b": 0.5}
    mapped = tmp_path / "mapped.safetensors"
    save_model(replace(model, meta={**model.meta, "probability_calibration": spec}), mapped)
    out2 = tmp_path / "t2.safetensors"
    r = runner.invoke(lab, ["choose-threshold", str(small_bench), "--model", str(mapped), "--max-real-fp",
                            "0.25", "--processed", "2", "--model-version", "8", "--out", str(out2),
                            "--cache", cache])  # fmt: skip
    assert r.exit_code == 0, r.output
    pr = json.loads(r.stdout.strip().splitlines()[-1])
    assert pr["processed"]["n"] == 2 * pr["n_real"] and pr["processed"]["oof_real_fp"] <= 0.25
    assert pr["threshold"] >= pr["processed"]["threshold_alone"]  # the stricter of the two bounds
    written = load_model(out2)
    assert written.meta["version"] == "8"
    assert written.decision_threshold == pytest.approx(float(apply_calibration(pr["threshold"], spec)))
    assert pr["threshold_after_map"] == pytest.approx(written.decision_threshold, abs=1e-4)


@pytest.mark.detect
def test_a_trained_model_scores_with_its_map_and_identity(tiny_model: Path) -> None:
    from fakemedia.detect.model import load_model, score_image

    model = load_model(tiny_model)
    rgb = np.random.default_rng(3).integers(0, 256, (70, 100, 3), dtype=np.uint8)
    res = score_image(rgb, model)
    assert 0.0 <= res.probability <= 1.0
    # shorter side 70 -> 64 (the tiny model's size): 64×91 -> cropped 64×80 -> 4×5 cells
    assert res.patch_map is not None and res.patch_map.shape == (4, 5)
    assert res.model_sha256 == model.sha256 and len(res.model_sha256) == 64


@pytest.mark.detect
def test_experiment_prints_full_grid(tmp_path: Path, small_bench: Path) -> None:
    r = CliRunner().invoke(lab, ["experiment", str(small_bench), "--size", "64", "--no-search",
                                 "--rates", "0", "--classifiers", "rf", "--kinds", "single,patches",
                                 "--csv", str(tmp_path / "e.csv"), "--chart", str(tmp_path / "e.png"),
                                 "--cache", str(tmp_path / "c")])  # fmt: skip
    assert r.exit_code == 0, r.output
    table = [ln for ln in r.stdout.splitlines() if ln.startswith("| ")]
    # header + rf × r0 × {Y,YUV} × {single,patches} × {y,yhat} (8 cells)
    # + spectral + 2 pooled + 3 pooled+spectral (stack, logreg, rf)
    assert len(table) == 1 + 8 + 1 + 2 + 3
    assert any("spectral" in ln for ln in table)
    assert (tmp_path / "e.png").stat().st_size > 0 and len(
        (tmp_path / "e.csv").read_text().splitlines()
    ) == 15


@pytest.mark.detect
def test_lab_errors_are_one_line_with_the_class_exit_code(tmp_path: Path) -> None:
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    (tmp_path / "data").mkdir()
    r = CliRunner().invoke(lab, ["evaluate", str(tmp_path / "data"), "--model",
                                 str(tmp_path / "bad.safetensors")])  # fmt: skip
    assert r.exit_code == 6, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("fakemedia-lab: error:")]
    assert len(lines) == 1 and "Traceback" not in r.output
    r = CliRunner().invoke(lab, ["train-codec", "--out", str(tmp_path / "c.safetensors"), "--crop", "100"])
    assert r.exit_code == 2 and "multiple of 64" in r.output


@pytest.mark.detect
def test_calibrate_areas_records_its_outcome_in_the_model(tmp_path: Path) -> None:
    pytest.importorskip("skimage")
    from fakemedia.detect.model import default_model_path, load_model

    out = tmp_path / "m.safetensors"
    # No variants and no benchmark: nothing to find, so no rule may be recorded.
    r = CliRunner().invoke(lab, ["calibrate-areas", "--variants", "0", "--out", str(out), "--json",
                                 "--scores", str(tmp_path / "s.json")])  # fmt: skip
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["status"] == "not calibrated" and report["area_rule"] is None
    meta = load_model(out).meta
    assert "area_rule" not in meta and meta["area_calibration"]["status"] == "not calibrated"
    assert meta["version"] == load_model(default_model_path()).meta["version"]  # the input's
    assert (tmp_path / "s.json").is_file()
    again = CliRunner().invoke(lab, ["calibrate-areas", "--variants", "0", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output  # never overwritten silently
    # A new rule makes a new model: --model-version names it (the cached scores are reused).
    r = CliRunner().invoke(lab, ["calibrate-areas", "--variants", "0", "--out", str(out), "--force",
                                 "--model-version", "9.1", "--scores", str(tmp_path / "s.json")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert load_model(out).meta["version"] == "9.1"
