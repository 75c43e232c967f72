"""Shared fixtures for detector tests: one --small benchmark and one tiny model per session."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")


@pytest.fixture(scope="session")
def small_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fakemedia.detect.benchmark import build_benchmark

    out = tmp_path_factory.mktemp("bench")
    build_benchmark(out, small=True, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_model(small_bench: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fakemedia.detect.data import read_dataset
    from fakemedia.detect.experiment import FeatureSource, train_detector
    from fakemedia.detect.model import save_model

    ds = read_dataset(small_bench).split("train")
    src = FeatureSource.load(ds, size=64, cache_dir=tmp_path_factory.mktemp("cache"))
    model, _ = train_detector(src, search=False)
    out = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    save_model(model, out)
    return out


@pytest.fixture(scope="session")
def cli() -> click.Group:
    """The detector commands under a group that maps FakemediaError to one line + exit code,
    as the main CLI does (so these tests do not depend on its registration)."""
    from fakemedia.cli.detect_commands import COMMANDS
    from fakemedia.errors import FakemediaError

    class G(click.Group):
        def invoke(self, ctx: click.Context) -> object:
            try:
                return super().invoke(ctx)
            except FakemediaError as exc:
                click.echo(f"error: {exc}", err=True)
                ctx.exit(exc.exit_code)

    g = G("fakemedia")
    for c in COMMANDS:
        g.add_command(c)
    return g
