"""Family benchmark, leave-one-family-out, processing and held-out calibration."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fakemedia.detect.calibration import META_KEY, apply_calibration, calibrated_probability, is_calibrated
from fakemedia.errors import DetectorError
from fakemedia.lab.family_bench import family_of
from fakemedia.lab.generalisation import PROCESSINGS, crossfit_ece, fit_probability_calibration, heldout_ece


def test_family_of_maps_every_benchmark_kind() -> None:
    assert (
        family_of("recon-tconv") == family_of("ae-decode-bilinear") == family_of("composite") == "autoencoder"
    )
    assert family_of("gan") == "gan" and family_of("diffusion-sdedit") == "diffusion"
    assert family_of("real") == "real"
    assert family_of("composite-gan") == "gan" and family_of("composite-diffusion-sample") == "diffusion"
    assert family_of("composite-ae-recon-tconv") == "autoencoder"


def test_processings_change_pixels_and_sizes_as_named() -> None:
    img = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    assert PROCESSINGS["resize-50%"](img).shape == (32, 48, 3)
    assert PROCESSINGS["crop-centre-75%"](img).shape == (48, 72, 3)
    q60, q90 = PROCESSINGS["jpeg-q60"](img), PROCESSINGS["jpeg-q90"](img)
    assert q60.shape == img.shape
    assert np.abs(q60.astype(int) - img).mean() > np.abs(q90.astype(int) - img).mean() > 0


@pytest.mark.detect
def test_calibration_maps_fix_a_miscalibrated_score_and_apply_in_numpy() -> None:
    pytest.importorskip("sklearn")  # fitting the maps is lab work (the lab extra)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.05, 400), 0.01, 0.99)  # under-confident
    groups = np.arange(400) % 4
    for method in ("platt", "isotonic"):
        spec = fit_probability_calibration(p, y, method)
        res = crossfit_ece(p, y, groups, method)
        assert res["ece_after"] < res["ece_before"] - 0.1, (method, res)
        q = calibrated_probability(0.7, {META_KEY: spec})
        assert q > 0.9 and q == pytest.approx(float(apply_calibration(0.7, spec)))
    assert calibrated_probability(0.42, {}) == 0.42
    with pytest.raises(DetectorError):
        calibrated_probability(0.5, {META_KEY: {"method": "isotonic", "x": [0.2, 0.1], "y": [0, 1]}})
    with pytest.raises(DetectorError):
        calibrated_probability(0.5, {META_KEY: {"method": "magic"}})


@pytest.fixture(scope="module")
def family_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("skimage")
    out = tmp_path_factory.mktemp("fam") / "b"
    r = CliRunner().invoke(_lab(), ["family-benchmark", "--out", str(out), "--small"])
    assert r.exit_code == 0, r.output
    return out


def _lab():  # type: ignore[no-untyped-def]
    from fakemedia.lab.cli import lab

    return lab


@pytest.mark.detect
def test_family_benchmark_holds_every_family_in_both_splits(family_bench: Path) -> None:
    rows = list(csv.DictReader(open(family_bench / "benchmark.csv")))
    for split in ("train", "test"):
        fams = {family_of(r["kind"]) for r in rows if r["split"] == split}
        assert fams == {"real", "autoencoder", "gan", "diffusion"}, (split, fams)
    assert not {r["group"] for r in rows if r["split"] == "test"} & {
        r["group"] for r in rows if r["split"] == "train"
    }
    splices = [r for r in rows if r["kind"].startswith("composite-")]
    assert {family_of(r["kind"]) for r in splices} == {"autoencoder", "gan", "diffusion"}
    for r in splices:  # a pasted box inside the image, covering part of it
        x0, y0, x1, y1 = (int(v) for v in r["box"].split())
        assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64 and (x1 - x0) * (y1 - y0) < 64 * 64
    assert all(r["box"] == "" for r in rows if not r["kind"].startswith("composite-"))
    again = CliRunner().invoke(_lab(), ["family-benchmark", "--out", str(family_bench), "--small"])
    assert again.exit_code == 6


@pytest.mark.detect
def test_leave_one_family_out_reports_each_family(family_bench: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        _lab(),
        [
            "leave-one-family-out",
            str(family_bench),
            "--size",
            "64",
            "--no-search",
            "--json",
            "--cache",
            str(tmp_path / "c"),
        ],
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout.strip().splitlines()[-1])
    assert [row["family"] for row in rows] == ["autoencoder", "gan", "diffusion"]
    bench = list(csv.DictReader(open(family_bench / "benchmark.csv")))
    train_fakes = sum(1 for b in bench if b["split"] == "train" and b["label"] == "0")
    # Each training fake is left out exactly once: when its own family is the held-out one.
    assert sum(row["n_train_fake"] for row in rows) == 2 * train_fakes
    for row in rows:
        assert 0.0 <= row["held_out_auc"] <= 1.0 and 0.0 <= row["in_family_auc"] <= 1.0
        # the whole figure lies between its two parts' (the same reals against each part)
        parts = (row["held_out_auc_generated"], row["held_out_auc_splices"])
        assert min(parts) - 1e-9 <= row["held_out_auc"] <= max(parts) + 1e-9
        assert "shipped_auc" not in row  # the shipped model runs at 256 only


@pytest.mark.detect
def test_robustness_and_calibrate_probability_on_a_tiny_model(
    small_bench: Path, tiny_model: Path, tmp_path: Path
) -> None:
    r = CliRunner().invoke(_lab(), ["robustness", str(small_bench), "--model", str(tiny_model), "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout.strip().splitlines()[-1])
    assert [row["processing"] for row in rows] == list(PROCESSINGS)
    assert all(0.0 <= row["real_with_area"] <= 1.0 and row["n_real"] == 12 for row in rows)
    out = tmp_path / "cal.safetensors"
    r = CliRunner().invoke(
        _lab(),
        [
            "calibrate-probability",
            str(small_bench),
            "--model",
            str(tiny_model),
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "c"),
        ],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["n"] == 24 and 0.0 <= rep["ece_after"] <= 1.0
    from fakemedia.detect.model import load_model

    meta = load_model(out).meta[META_KEY]
    assert meta["method"] == "platt" and {"a", "b", "ece_before", "fitted_on"} <= set(meta)
    again = CliRunner().invoke(
        _lab(), ["calibrate-probability", str(small_bench), "--model", str(tiny_model), "--out", str(out)]
    )
    assert again.exit_code == 6


@pytest.mark.detect
def test_calibrate_probability_moves_the_decision_threshold_with_the_map(
    small_bench: Path, tiny_model: Path, tmp_path: Path
) -> None:
    """The label compares the mapped probability with the threshold, so a threshold chosen on the
    unmapped scale is carried through the map: every image keeps its label."""
    from dataclasses import replace

    from fakemedia.detect.calibration import apply_calibration
    from fakemedia.detect.model import load_model
    from fakemedia.lab.compile import save_model

    model = load_model(tiny_model)
    with_t = tmp_path / "t.safetensors"
    save_model(replace(model, meta={**model.meta, "decision_threshold": 0.6}), with_t)
    out = tmp_path / "mapped.safetensors"
    r = CliRunner().invoke(_lab(), ["calibrate-probability", str(small_bench), "--model", str(with_t),
                                    "--out", str(out), "--cache", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    mapped = load_model(out)
    spec = mapped.meta[META_KEY]
    assert mapped.decision_threshold == pytest.approx(float(apply_calibration(0.6, spec)))
    assert rep["decision_threshold"] == {"before_map": 0.6, "after_map": mapped.decision_threshold}
    raw = np.linspace(0.01, 0.99, 99)
    assert np.array_equal(raw > 0.6, mapped.calibrate(raw) > mapped.decision_threshold)


def test_heldout_ece_measures_the_stored_map_on_other_images() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.05, 300), 0.01, 0.99)
    sharpen = {"method": "platt", "a": 4.0, "b": 0.0}
    res = heldout_ece(sharpen, p, y)
    assert res["heldout_ece"] < res["heldout_ece_before"] - 0.1
    assert res["heldout_accuracy"] == res["heldout_accuracy_before"]  # a monotone map through 0.5
    assert heldout_ece({"method": "platt", "a": 1.0, "b": 0.0}, p, y)["heldout_ece"] == pytest.approx(
        res["heldout_ece_before"], abs=1e-6)


def _test_rows_csv(bench: Path, out: Path, groups: set[str]) -> Path:
    """The test rows of ``bench`` whose group is in ``groups``, with absolute paths."""
    rows = [r for r in csv.DictReader(open(bench / "benchmark.csv"))
            if r["split"] == "test" and r["group"] in groups]  # fmt: skip
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows([{**r, "path": str(bench / r["path"])} for r in rows])
    return out


@pytest.mark.detect
def test_calibrate_probability_records_a_heldout_ece_only_when_measured_on_other_images(
    small_bench: Path, tiny_model: Path, tmp_path: Path
) -> None:
    from fakemedia.detect.model import load_model

    rows = list(csv.DictReader(open(small_bench / "benchmark.csv")))
    groups = sorted({r["group"] for r in rows if r["split"] == "test"})
    held = groups[-1]
    base = ["calibrate-probability", "--model", str(tiny_model), "--cache", str(tmp_path / "c")]
    out = tmp_path / "held.safetensors"
    r = CliRunner().invoke(_lab(), [*base, str(small_bench), "--measure-groups", held, "--out", str(out)])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["measured_on"]["groups"] == [held] and rep["n"] + rep["measured_on"]["n"] == 24
    assert 0.0 <= rep["heldout_ece"] <= 1.0 and rep["calibrated"] is (rep["heldout_ece"] <= 0.05)
    model = load_model(out)
    entry = model.meta[META_KEY]
    assert entry["heldout_ece"] == rep["heldout_ece"] and entry["fit_groups"] == groups[:-1]
    assert model.calibrated is is_calibrated(model.meta) is rep["calibrated"]

    fit_csv = _test_rows_csv(small_bench, tmp_path / "fit.csv", set(groups[:-1]))
    held_csv = _test_rows_csv(small_bench, tmp_path / "held.csv", {held})
    r = CliRunner().invoke(_lab(), [*base, str(fit_csv), "--measure-on", str(held_csv)])
    assert r.exit_code == 0, r.output
    same = json.loads(r.stdout.strip().splitlines()[-1])
    assert same["heldout_ece"] == rep["heldout_ece"]  # the same images either way

    renamed = tmp_path / "renamed.csv"  # the fit's images under another group name
    text = fit_csv.read_text()
    for i, g in enumerate(groups[:-1]):
        text = text.replace(f",{g},", f",elsewhere{i},")
    renamed.write_text(text)
    # Not held out: the fit's own images, a group of the fit, or the model's training scenes.
    for args, why in ([str(fit_csv), "--measure-on", str(fit_csv)], "shares group"), \
                     ([str(fit_csv), "--measure-on", str(renamed)], "image(s) with DATA"), \
                     ([str(small_bench), "--measure-on", str(held_csv)], "shares group"), \
                     ([str(small_bench), "--split", "all"], "training scenes"):  # fmt: skip
        r = CliRunner().invoke(_lab(), [*base, *args])
        assert r.exit_code != 0 and why in r.output, (args, r.output)
    # Without a held-out measure nothing is claimed.
    r = CliRunner().invoke(_lab(), [*base, str(small_bench)])
    assert r.exit_code == 0 and json.loads(r.stdout.strip().splitlines()[-1])["calibrated"] is False


@pytest.mark.detect
def test_splice_matches_colours_and_keeps_the_outside_untouched() -> None:
    pytest.importorskip("torch")  # fakemedia.lab.generators trains its models with torch
    from fakemedia.lab.generators import splice

    rng = np.random.default_rng(3)
    real = np.full((64, 64, 3), (40, 120, 200), np.uint8) + rng.integers(0, 20, (64, 64, 3), dtype=np.uint8)
    fake = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    hows = set()
    for seed in range(12):
        img, (x0, y0, x1, y1), how = splice(real, fake, np.random.default_rng(seed))
        hows.add(how.split(",")[0].split()[0])
        inside = img[y0:y1, x0:x1].reshape(-1, 3).astype(float)
        # colour-matched: the pasted noise takes the covered region's mean colour
        assert np.abs(inside.mean(0) - real[y0:y1, x0:x1].reshape(-1, 3).mean(0)).max() < 6
        if "JPEG" not in how:  # without the re-save the outside stays the photograph's pixels
            mask = np.ones((64, 64), bool)
            mask[y0:y1, x0:x1] = False
            assert np.array_equal(img[mask], real[mask])
    assert hows == {"hard", "feathered"}


@pytest.mark.detect
def test_a_relative_patch_map_is_fitted_on_real_images_and_composites_and_scores_through_the_file(
    family_bench: Path, tmp_path: Path
) -> None:
    pytest.importorskip("sklearn")
    from fakemedia.detect.model import load_model, score_image
    from fakemedia.lab.compile import save_model
    from fakemedia.lab.data import read_dataset
    from fakemedia.lab.experiment import FeatureSource, train_detector

    ds = read_dataset(family_bench).split("train")
    src = FeatureSource.load(ds, size=64, cache_dir=tmp_path / "cache")
    model, info = train_detector(src, search=False, patch_context="relative")
    wanted = sum(1 for lab, box in zip(src.labels, ds.boxes, strict=True) if lab == 0 or box is not None)
    assert 0 < info["patch_images"] == wanted < len(ds)  # the fully synthetic images are left out
    save_model(model, tmp_path / "m.safetensors")
    again = load_model(tmp_path / "m.safetensors")
    assert again.patch_features is not None and again.patch_features.context == "relative"
    assert again.n_patch_features == 512
    img = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    result = score_image(img, again)
    assert result.patch_map is not None and result.patch_map.shape == (4, 4)
    assert np.all((result.patch_map >= 0) & (result.patch_map <= 1))
