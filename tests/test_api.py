"""The Python API on paths, bytes and binary streams, and annotate_file's writing rules."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from fakemedia import api
from fakemedia.errors import FakemediaError

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
ANNOTATION: dict[str, Any] = {"modification_types": ["edited"], "author": "Jane Doe",
                              "purpose": "satire"}


def _without_source(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "source"}


@pytest.fixture
def on_disk(tmp_path: Path, signed_jpeg: bytes) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(signed_jpeg)
    return path


def _sources(path: Path) -> dict[str, Callable[[], Any]]:
    return {"path": lambda: path, "str": lambda: str(path), "bytes": path.read_bytes,
            "stream": lambda: io.BytesIO(path.read_bytes()), "file": lambda: path.open("rb")}


def test_verify_path_bytes_stream_give_identical_reports(on_disk: Path, es256) -> None:  # type: ignore[no-untyped-def]
    # One validation time for all: the messages name it, to the second.
    now = datetime.now(timezone.utc)
    reports = {kind: api.verify(make(), trust_anchors=es256.anchors, now=now).to_dict()
               for kind, make in _sources(on_disk).items()}
    assert reports["bytes"]["state"] == "Trusted"
    assert reports["path"]["source"] == reports["file"]["source"] == "photo.jpg"
    first = _without_source(reports["bytes"])
    assert all(_without_source(r) == first for r in reports.values())


def test_history_path_bytes_stream_give_identical_chains(on_disk: Path, es256) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(timezone.utc)  # one validation time: the messages name it
    chains = {kind: _without_source(api.history(make(), trust_anchors=es256.anchors, now=now))
              for kind, make in _sources(on_disk).items()}
    assert len(chains["bytes"]["chain"]) == 1
    assert all(c == chains["bytes"] for c in chains.values())


def test_annotate_path_bytes_stream_give_equivalent_files(tmp_path: Path, source_jpeg: bytes,
                                                          es256) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plain.jpg"
    path.write_bytes(source_jpeg)
    options = api.AnnotateOptions(when=WHEN, title="plain.jpg")
    outputs = {kind: api.annotate(make(), ANNOTATION, es256.signer, options)
               for kind, make in _sources(path).items()}
    summaries = []
    for data in outputs.values():
        assert api.strip_manifest(data) == source_jpeg
        report = api.verify_bytes(data, trust_anchors=es256.anchors)
        assert report.state == "Trusted"
        view = report.manifests[-1]
        summaries.append((view.title, view.annotation, view.generator, view.algorithm))
    assert all(s == summaries[0] for s in summaries)
    assert summaries[0][1]["author"] == "Jane Doe"


def test_annotate_file_writes_default_output_and_no_temp_files(tmp_path: Path,
                                                               source_jpeg: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.jpg"
    src.write_bytes(source_jpeg)
    out = api.annotate_file(src, ANNOTATION, es256.signer)
    assert out == tmp_path / "in.signed.jpg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jpg", "in.signed.jpg"]
    assert src.read_bytes() == source_jpeg
    assert api.verify(out, trust_anchors=es256.anchors).state == "Trusted"


def test_annotate_file_failed_rename_leaves_target_and_no_temp(tmp_path: Path, source_jpeg: bytes,
                                                               es256,  # type: ignore[no-untyped-def]
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    src, target = tmp_path / "in.jpg", tmp_path / "out.jpg"
    src.write_bytes(source_jpeg)
    target.write_bytes(b"previous")

    def broken_replace(a: Any, b: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        api.annotate_file(src, ANNOTATION, es256.signer, output=target)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jpg", "out.jpg"]


def test_annotate_file_output_equal_to_input_refused_unless_in_place(tmp_path: Path,
                                                                     source_jpeg: bytes,
                                                                     es256) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in.jpg"
    src.write_bytes(source_jpeg)
    with pytest.raises(FakemediaError) as info:
        api.annotate_file(src, ANNOTATION, es256.signer, output=tmp_path / "." / "in.jpg")
    assert "\n" not in str(info.value)
    assert src.read_bytes() == source_jpeg
    assert [p.name for p in tmp_path.iterdir()] == ["in.jpg"]
    assert api.annotate_file(src, ANNOTATION, es256.signer, in_place=True) == src
    assert api.strip_manifest(src.read_bytes()) == source_jpeg
    assert api.verify(src, trust_anchors=es256.anchors).state == "Trusted"
    assert [p.name for p in tmp_path.iterdir()] == ["in.jpg"]


def test_detector_regions_are_clipped_to_the_image_with_a_warning() -> None:
    from PIL import Image

    from fakemedia.annotation.model import Annotation, Region

    buf = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buf, "JPEG")
    found = Annotation(regions=(Region("rectangle", "pixel", 40.0, 30.0, 40.0, 40.0),
                                Region("rectangle", "pixel", 100.0, 100.0, 5.0, 5.0)))
    clipped, warnings = api._clip_detected(buf.getvalue(), found)
    assert [(r.x, r.y, r.width, r.height) for r in clipped.regions] == [(40, 30, 24, 18)]
    assert len(warnings) == 2 and all(w.startswith("detector: region") for w in warnings)
    inside = Annotation(regions=(Region("rectangle", "pixel", 0.0, 0.0, 64.0, 48.0),))
    assert api._clip_detected(buf.getvalue(), inside) == (inside, [])


def test_repository_remove_returns_the_label_and_a_second_removal_is_not_found(tmp_path: Path,
                                                                                on_disk: Path) -> None:
    from fakemedia.errors import ManifestNotFound

    db = tmp_path / "repo.db"
    added, = api.repository_add_files(db, [on_disk])
    bare = added["manifest"].removeprefix("urn:c2pa:")
    assert api.repository_remove(db, bare) == added["manifest"]
    assert api.repository_listing(db)["count"] == 0
    with pytest.raises(ManifestNotFound, match=f"no manifest {bare} in {db}"):
        api.repository_remove(db, bare)
