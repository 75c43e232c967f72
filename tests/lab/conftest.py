"""Shared fixtures for the lab tests: one small benchmark and one tiny model per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("skimage")
    from fakemedia.lab.benchmark import build_benchmark

    out = tmp_path_factory.mktemp("bench")
    build_benchmark(out, small=True, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_model(small_bench: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sklearn")
    from fakemedia.lab.compile import save_model
    from fakemedia.lab.data import read_dataset
    from fakemedia.lab.experiment import FeatureSource, train_detector

    ds = read_dataset(small_bench).split("train")
    src = FeatureSource.load(ds, size=64, cache_dir=tmp_path_factory.mktemp("cache"))
    model, _ = train_detector(src, search=False)
    out = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    save_model(model, out)
    return out
