"""fakemedia.batch: annotate_many / verify_many over paths, bytes and streams, in order, never
raising on a bad item; the same results with a worker pool."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from fakemedia import batch
from fakemedia.identity import create_identity, load_identity, load_trust_anchors


def make_jpeg(seed: int = 7) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((96, 64), 40 + seed).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture(scope="module")
def ident(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_identity(tmp_path_factory.mktemp("batch") / "identity").directory


def _sources(tmp_path: Path) -> list[object]:
    path = tmp_path / "on-disk.jpg"
    path.write_bytes(make_jpeg(seed=3))
    stream = io.BytesIO(make_jpeg(seed=4))
    stream.name = "streamed.jpg"  # type: ignore[attr-defined]
    return [make_jpeg(seed=1), b"not a jpeg", stream, path, tmp_path / "missing.jpg"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_annotate_many_then_verify_many(ident: Path, tmp_path: Path, jobs: int) -> None:
    signer = batch.IdentityRef(str(ident)) if jobs > 1 else load_identity(ident)
    results = list(batch.annotate_many(_sources(tmp_path), {"modification_types": ["edited"]}, signer,
                                       jobs=jobs))
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.ok for r in results] == [True, False, True, True, False]
    assert [r.source for r in results] == [None, None, "streamed.jpg", "on-disk.jpg", "missing.jpg"]
    assert results[1].exit_code == 3 and "not a JPEG" in str(results[1].error)
    assert results[4].exit_code == 3 and results[4].output is None
    signed = [r.output for r in results if r.ok]
    assert all(out and out.startswith(b"\xff\xd8") for out in signed)

    checked = list(batch.verify_many([*signed, b"junk"], trust_anchors=load_trust_anchors(ident),
                                     jobs=jobs))
    assert [r.report.state if r.report else r.exit_code for r in checked] == ["Trusted"] * 3 + [3]
    assert all(r.report.manifest(r.report.active_manifest).annotation["modification_types"]
               == ["edited"] for r in checked[:3] if r.report)


def test_pool_refuses_a_key_object(ident: Path) -> None:
    with pytest.raises(TypeError, match="IdentityRef"):
        batch.annotate_many([make_jpeg()], None, load_identity(ident), jobs=2)


def test_resolve_jobs() -> None:
    assert batch.resolve_jobs(0) >= 1 and batch.resolve_jobs(3) == 3
    with pytest.raises(ValueError):
        batch.resolve_jobs(-1)
