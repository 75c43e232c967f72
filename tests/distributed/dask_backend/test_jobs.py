"""The per-item function without a cluster: dask.bag over fsspec's in-memory file system,
re-runs, refusals to overwrite, and keys loaded from the worker's own environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dask.bag
import fsspec  # type: ignore[import-untyped]
import pytest

from fakemedia.annotation.model import Annotation
from fakemedia.distributed import AnnotateJob, VerifyJob, WorkerIdentity, process
from fakemedia.identity import create_identity, load_trust_anchors

from .support import make_jpeg


@pytest.fixture
def memory() -> Any:
    fs = fsspec.filesystem("memory")
    fs.store.clear()
    fs.pseudo_dirs[:] = [""]
    return fs


def test_bag_over_memory_urls_writes_once_then_skips(memory: Any, identity: Path) -> None:
    memory.pipe_file("/in/a.jpg", make_jpeg(1))
    memory.pipe_file("/in/b.jpg", make_jpeg(2))
    memory.pipe_file("/in/bad.jpg", b"not a jpeg")
    urls = [f"memory://in/{n}" for n in ("a.jpg", "b.jpg", "bad.jpg")]
    job = AnnotateJob(WorkerIdentity(str(identity)), Annotation.from_dict({"modification_types": ["edited"]}),
                      output="memory://out")
    first = dask.bag.from_sequence(urls, npartitions=2).map(process, job=job).compute(scheduler="sync")
    assert [(r.source, r.ok, r.exit_code) for r in first] == [("a.jpg", True, 0), ("b.jpg", True, 0),
                                                              ("bad.jpg", False, 3)]
    assert sorted(memory.ls("/out", detail=False)) == ["/out/a.jpg", "/out/b.jpg"]
    check = VerifyJob((load_trust_anchors(identity),))
    reports = [process(f"memory://out/{n}", check).report for n in ("a.jpg", "b.jpg")]
    assert [r.state if r else None for r in reports] == ["Trusted"] * 2

    again = [process(url, job) for url in urls[:2]]
    assert [r.skipped for r in again] == [True, True]


def test_a_foreign_file_at_the_target_is_never_overwritten(memory: Any, identity: Path) -> None:
    memory.pipe_file("/in/a.jpg", make_jpeg(1))
    foreign = make_jpeg(5)
    memory.pipe_file("/out/a.jpg", foreign)  # someone else's image
    job = AnnotateJob(WorkerIdentity(str(identity)), Annotation.from_dict({"modification_types": ["edited"]}),
                      output="memory://out")
    result = process("memory://in/a.jpg", job)
    assert not result.ok and result.exit_code == 2 and "not overwritten" in str(result.error)
    assert memory.cat_file("/out/a.jpg") == foreign


def test_a_locked_identity_needs_its_variable_on_the_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = create_identity(tmp_path / "id", passphrase=b"correct horse", valid_days=30).directory
    source = tmp_path / "a.jpg"
    source.write_bytes(make_jpeg(3))
    job = AnnotateJob(WorkerIdentity(str(directory), passphrase_env="FM_TEST_PASS"),
                      Annotation.from_dict({"modification_types": ["edited"]}), output=str(tmp_path / "out"))
    monkeypatch.delenv("FM_TEST_PASS", raising=False)
    missing = process(str(source), job)
    assert missing.exit_code == 5 and "FM_TEST_PASS is not set" in str(missing.error)
    monkeypatch.setenv("FM_TEST_PASS", "correct horse")
    signed = process(str(source), job)
    assert signed.ok and Path(str(signed.target)).is_file()
