from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from fakemedia.detect.model import build_model, load_model, save_model, score_image
from fakemedia.errors import DetectorError


def test_compiled_model_matches_sklearn(tmp_path: Path) -> None:
    from fakemedia.detect.classifier import fit_classifier
    from fakemedia.detect.features import FeatureConfig

    r = np.random.default_rng(0)
    X = r.normal(size=(120, 6)).astype(np.float32)
    y = (X[:, 0] + 0.5 * r.normal(size=120) > 0).astype(int)
    g = np.arange(120) % 6
    for kind, cal in (("hgb", "isotonic"), ("rf", "sigmoid"), ("logreg", "isotonic")):
        fit = fit_classifier(X, y, g, kind, search=False, calibration=cal)
        m = build_model(FeatureConfig("spectral"), fit.estimator, 6)
        save_model(m, tmp_path / f"{kind}.safetensors")
        back = load_model(tmp_path / f"{kind}.safetensors")
        assert np.allclose(back.predict_image(X), fit.predict_proba(X), atol=1e-6), kind


def test_corrupt_and_foreign_model_files(tmp_path: Path, tiny_model: Path) -> None:
    raw = tiny_model.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 100)
    from safetensors.numpy import save_file

    save_file({"w": np.zeros(3, np.float32)}, str(tmp_path / "foreign.safetensors"))
    (tmp_path / "pickle.pkl").write_bytes(b"\x80\x04\x95cos\nsystem\n")
    for name in ("cut.safetensors", "junk.safetensors", "foreign.safetensors", "pickle.pkl"):
        with pytest.raises(DetectorError):
            load_model(tmp_path / name)
    # A tree whose child points backwards would loop forever: rejected at load.
    from safetensors import safe_open
    from safetensors.numpy import load_file

    arrays = load_file(str(tiny_model))
    with safe_open(str(tiny_model), framework="numpy") as f:
        meta = f.metadata()
    key = next(k for k in arrays if k.endswith(".left") and arrays[k].max() > 0)
    arrays[key] = np.where(arrays[key] > 0, 0, arrays[key]).astype(np.int32)
    save_file(arrays, str(tmp_path / "loop.safetensors"), metadata=meta)
    with pytest.raises(DetectorError, match="inconsistent tree"):
        load_model(tmp_path / "loop.safetensors")


def test_score_image_map_and_identity(tiny_model: Path) -> None:
    model = load_model(tiny_model)
    rgb = np.random.default_rng(3).integers(0, 256, (70, 100, 3), dtype=np.uint8)
    res = score_image(rgb, model)
    assert 0.0 <= res.probability <= 1.0
    # shorter side 70 -> 64 (the tiny model's size): 64×91 -> cropped 64×80 -> 4×5 cells
    assert res.patch_map is not None and res.patch_map.shape == (4, 5)
    assert res.model_sha256 == model.sha256 and len(res.model_sha256) == 64


def test_cli_detect_train_evaluate(
    tmp_path: Path, small_bench: Path, tiny_model: Path, cli: click.Group
) -> None:
    runner = CliRunner()
    g = cli
    img = next((small_bench / "fake").rglob("*.png"))
    r = runner.invoke(g, ["detect", str(img), "--model", str(tiny_model), "--json",
                          "--heatmap", str(tmp_path / "h.png")])  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0 <= out["probability_synthetic"] <= 1 and Image.open(tmp_path / "h.png").size == (64, 64)
    model_out = tmp_path / "m.safetensors"
    r = runner.invoke(g, ["train", str(small_bench), "--out", str(model_out), "--size", "64",
                          "--no-search", "--json", "--cache", str(tmp_path / "c")])  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["test"]["n"] == 24 and model_out.is_file()
    cm = str(tmp_path / "cm.png")
    args = ["evaluate", str(small_bench), "--model", str(model_out), "--json", "--confusion", cm]
    r = runner.invoke(g, [*args, "--cache", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout.strip().splitlines()[-1])
    assert ev["accuracy"] == rep["test"]["accuracy"] and (tmp_path / "cm.png").stat().st_size > 0


def test_cli_bad_inputs_one_line(tmp_path: Path, tiny_model: Path, cli: click.Group) -> None:
    runner = CliRunner()
    g = cli
    (tmp_path / "x.txt").write_text("not an image")
    Image.fromarray(np.zeros((8, 40, 3), np.uint8)).save(tmp_path / "tiny.png")
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    ok = tmp_path / "ok.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(ok)
    cases = [
        (["detect", str(tmp_path / "x.txt"), "--model", str(tiny_model)], 3),
        (["detect", str(tmp_path / "tiny.png"), "--model", str(tiny_model)], 3),
        (["detect", str(ok), "--model", str(tmp_path / "bad.safetensors")], 6),
        (["detect", str(ok), "--model", str(tmp_path / "missing.safetensors")], 6),
        (["detect", str(ok), str(tmp_path / "x.txt"), "--model", str(tiny_model)], 7),
    ]
    for args, code in cases:
        r = runner.invoke(g, args)
        assert r.exit_code == code, (args, r.output)
        err_lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
        assert len(err_lines) == 1 and "Traceback" not in r.output


def test_cli_grey_cmyk_16bit_accepted(tmp_path: Path, tiny_model: Path, cli: click.Group) -> None:
    runner = CliRunner()
    g = cli
    rgb = np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    Image.fromarray(rgb[..., 0]).save(tmp_path / "g.png")
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "c.jpg")
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(tmp_path / "d16.png")
    for name in ("g.png", "c.jpg", "d16.png"):
        r = runner.invoke(g, ["detect", str(tmp_path / name), "--model", str(tiny_model), "--json"])
        assert r.exit_code == 0, (name, r.output)
        assert 0 <= json.loads(r.stdout.strip().splitlines()[-1])["probability_synthetic"] <= 1


def test_experiment_prints_full_grid(tmp_path: Path, small_bench: Path, cli: click.Group) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["experiment", str(small_bench), "--size", "64", "--no-search",
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


def test_main_cli_maps_errors(tmp_path: Path, tiny_model: Path) -> None:
    from fakemedia.cli import main

    (tmp_path / "x.txt").write_text("not an image")
    r = CliRunner().invoke(main, ["detect", str(tmp_path / "x.txt"), "--model", str(tiny_model)])
    assert r.exit_code == 3 and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["detect", "--help"])
    assert r.exit_code == 0 and "--heatmap" in r.output


def test_shipped_default_model_is_pinned_and_scores() -> None:
    from fakemedia.detect.model import DEFAULT_MODEL_SHA256, default_model_path, load_default_model

    if not default_model_path().is_file():
        pytest.skip("default model not installed")
    m = load_default_model()
    assert m.sha256 == DEFAULT_MODEL_SHA256 and m.features.kind == "pooled+spectral"
    assert default_model_path().stat().st_size < 5 * 1024 * 1024
    res = score_image(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8), m)
    assert 0 <= res.probability <= 1 and res.patch_map is not None and res.patch_map.shape == (16, 16)
