"""``fakemedia detect`` with the shipped model: JSON and heat map, one-line errors, odd inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fakemedia.cli import main

pytest.importorskip("torch")
pytest.importorskip("safetensors")

pytestmark = pytest.mark.detect


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_detect_json_and_heatmap(tmp_path: Path) -> None:
    img = tmp_path / "i.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(img)
    code, out, err = _run("detect", str(img), "--json", "--heatmap", str(tmp_path / "h.png"))
    assert code == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert 0 <= res["probability_synthetic"] <= 1 and Image.open(tmp_path / "h.png").size == (64, 64)


def test_detect_bad_inputs_one_line(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("not an image")
    Image.fromarray(np.zeros((8, 40, 3), np.uint8)).save(tmp_path / "tiny.png")
    (tmp_path / "bad.safetensors").write_bytes(b"garbage")
    ok = tmp_path / "ok.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(ok)
    cases = [
        (["detect", str(tmp_path / "x.txt")], 3),
        (["detect", str(tmp_path / "tiny.png")], 3),
        (["detect", str(ok), "--model", str(tmp_path / "bad.safetensors")], 6),
        (["detect", str(ok), "--model", str(tmp_path / "missing.safetensors")], 6),
        (["detect", str(ok), str(tmp_path / "x.txt")], 7),
    ]
    for args, want in cases:
        code, out, err = _run(*args)
        assert code == want, (args, out, err)
        assert len([ln for ln in err.splitlines() if "error:" in ln]) >= 1 and "Traceback" not in err


def test_detect_grey_cmyk_16bit_accepted(tmp_path: Path) -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    Image.fromarray(rgb[..., 0]).save(tmp_path / "g.png")
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "c.jpg")
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(tmp_path / "d16.png")
    for name in ("g.png", "c.jpg", "d16.png"):
        code, out, err = _run("detect", str(tmp_path / name), "--json")
        assert code == 0, (name, err)
        assert 0 <= json.loads(out.strip().splitlines()[-1])["probability_synthetic"] <= 1


def test_detect_help_names_the_heatmap() -> None:
    code, out, _ = _run("detect", "--help")
    assert code == 0 and "--heatmap" in out
