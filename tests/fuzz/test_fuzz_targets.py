"""The fuzz targets stay runnable: every seed of the corpus goes through its targets once, and
none raises anything but fakemedia's own errors (what ``fuzz/run.py`` would report)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
sys.path.insert(0, str(FUZZ))
import run as fuzz_run  # noqa: E402
import targets  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_target_runs_its_seeds(name: str) -> None:
    seeds = sorted((FUZZ / "corpus" / fuzz_run.SEEDS.get(name, name)).iterdir())
    assert seeds, f"no seeds for {name}"
    for seed in seeds:
        targets.run_one(name, seed.read_bytes())


def test_every_target_has_a_seed_folder() -> None:
    kinds = {fuzz_run.SEEDS.get(name, name) for name in targets.TARGETS}
    assert kinds == {p.name for p in (FUZZ / "corpus").iterdir()}
