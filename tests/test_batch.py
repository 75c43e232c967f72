"""fakemedia.batch: annotate_many / verify_many over paths, bytes and streams, in order, never
raising on a bad item; the same results with a worker pool."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from fakemedia import api, batch
from fakemedia.annotation.model import Annotation
from fakemedia.errors import FakemediaError, InvalidRequest, ManifestNotFound
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


# --- inputs and outputs of a run over files ----------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for rel in ("b.JPG", "a.jpeg", "sub/c.jpg", ".hidden.jpg", "notes.txt", "sub/._mac.jpg"):
        (folder / rel).write_bytes(make_jpeg())
    return folder


def test_expand_inputs_takes_a_folders_visible_jpegs_sorted(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    named = tmp_path / "named.png"
    inputs, empty = batch.expand_inputs([named, folder], recursive=False)
    assert [(i.path, i.rel) for i in inputs] == [(named, None), (folder / "a.jpeg", Path("a.jpeg")),
                                                  (folder / "b.JPG", Path("b.JPG"))]
    assert empty == []
    deep, _ = batch.expand_inputs([folder], recursive=True)
    assert [i.rel for i in deep] == [Path("a.jpeg"), Path("b.JPG"), Path("sub/c.jpg")]
    sub, empty = batch.expand_inputs([folder / "sub"], recursive=False)
    assert [i.rel for i in sub] == [Path("c.jpg")] and empty == []  # ._mac.jpg is OS litter


def test_expand_inputs_names_the_folders_without_a_jpeg(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    inputs, empty = batch.expand_inputs([tmp_path / "empty"], recursive=True)
    assert inputs == [] and empty == [tmp_path / "empty"]


def test_single_is_one_named_file(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    one = [batch.Input(tmp_path / "x.jpg")]
    assert batch.single([tmp_path / "x.jpg"], one)
    assert not batch.single([folder], [batch.Input(folder / "a.jpeg", Path("a.jpeg"))])
    assert not batch.single([tmp_path / "x.jpg", tmp_path / "x.jpg"], one * 2)


def test_plan_outputs_beside_in_a_directory_and_in_place(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    inputs, _ = batch.expand_inputs([folder], recursive=True)
    assert batch.plan_outputs(inputs[:1], None, False) == [folder / "a.signed.jpg"]
    assert batch.plan_outputs(inputs, None, True) == [i.path for i in inputs]
    out = tmp_path / "out"  # created later by the writer: a folder argument keeps its layout
    assert batch.plan_outputs(inputs, out, False) == [out / "a.jpeg", out / "b.JPG", out / "sub/c.jpg"]


@pytest.mark.parametrize(("case", "about", "words"), [
    ("file-for-several", "output", "must be a directory"),
    ("missing-parent", "output", "does not exist"),
    ("onto-input", "in_place", "would overwrite the input"),
    ("twice", "output", "two inputs would both be written"),
])
def test_plan_outputs_refusals_say_what_they_are_about(tmp_path: Path, case: str, about: str,
                                                        words: str) -> None:
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(make_jpeg())
    b.write_bytes(make_jpeg(seed=2))
    (tmp_path / "dir").mkdir()
    inputs, output = {
        "file-for-several": ([batch.Input(a), batch.Input(b)], tmp_path / "one.jpg"),
        "missing-parent": ([batch.Input(a)], tmp_path / "no" / "x.jpg"),
        "onto-input": ([batch.Input(a)], a),
        "twice": ([batch.Input(a), batch.Input(a)], tmp_path / "dir"),
    }[case]
    with pytest.raises(InvalidRequest, match=words) as caught:
        batch.plan_outputs(inputs, output, False)
    assert caught.value.about == about and "--" not in str(caught.value)


def test_annotate_paths_single_raises_naming_the_file_and_logs_it(ident: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    log_path = tmp_path / "log.jsonl"
    with batch.JsonlLog(log_path) as log, pytest.raises(FakemediaError, match=str(bad)):
        list(batch.annotate_paths([bad], [tmp_path / "out.jpg"], Annotation.from_dict(
            {"modification_types": ["edited"]}), api.AnnotateOptions(), load_identity(ident),
            single=True, log=log))
    assert json.loads(log_path.read_text())["status"] == "error"


def test_annotate_paths_signs_each_file_into_its_target(ident: Path, tmp_path: Path) -> None:
    sources = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    for i, path in enumerate(sources):
        path.write_bytes(make_jpeg(seed=i))
    targets = [tmp_path / "a.out.jpg", tmp_path / "b.out.jpg"]
    results = list(batch.annotate_paths(sources, targets, Annotation.from_dict(
        {"modification_types": ["edited"]}), api.AnnotateOptions(detect=False), load_identity(ident),
        identity=batch.IdentityRef(str(ident))))
    assert [r.error for r in results] == [None, None]
    assert all(api.verify(t).state == "Valid" for t in targets)


def test_verify_job_and_results_and_log_record(ident: Path, tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    path.write_bytes(make_jpeg())
    trust = api.Trust([load_trust_anchors(ident)], None, (), None)
    job = batch.verify_job(trust, repository=tmp_path / "r.sqlite", resolver="http://127.0.0.1:1")
    assert job.trust_anchors == trust.anchors and job.repository is None and job.resolver
    [result] = list(batch.verify_results(batch.verify_job(trust), [batch.Item(0, str(path), path=str(path))]))
    assert result.report is not None and not result.report.manifest_found
    record = batch.verify_log_record(str(path), result, ManifestNotFound("none"), 0.5)
    assert record["status"] == "error" and record["exit_code"] == 4 and record["seconds"] == 0.5


def test_verify_paths_judges_logs_each_and_raises_a_single_files_error(ident: Path, tmp_path: Path) -> None:
    signed, plain, broken = tmp_path / "signed.jpg", tmp_path / "plain.jpg", tmp_path / "broken.jpg"
    plain.write_bytes(make_jpeg(seed=2))
    signed.write_bytes(api.annotate_bytes(make_jpeg(seed=1), Annotation.from_dict(
        {"modification_types": ["edited"]}), load_identity(ident)))
    broken.write_bytes(b"not a jpeg")
    trust = api.Trust([load_trust_anchors(ident)], None, (), None)
    inputs, _ = batch.expand_inputs([signed, plain, broken], False)

    def judge(result: batch.BatchResult) -> FakemediaError | None:
        assert result.report is not None  # never asked about an item without a report
        return None if result.report.manifest_found else ManifestNotFound("no manifest")

    log_path = tmp_path / "log.jsonl"
    with batch.JsonlLog(log_path) as log:
        judged = list(batch.verify_paths(batch.verify_job(trust), inputs, judge=judge, log=log))
    assert [Path(str(r.source)).name for r, _ in judged] == ["signed.jpg", "plain.jpg", "broken.jpg"]
    assert [type(p) for _, p in judged] == [type(None), ManifestNotFound, type(None)]
    assert judged[0][0].report.state == "Trusted" and judged[2][0].report is None  # type: ignore[union-attr]
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok", "error", "error"]
    with pytest.raises(FakemediaError, match=r"broken\.jpg"):  # one file alone: its error is raised
        list(batch.verify_paths(batch.verify_job(trust), inputs[2:], judge=judge, single=True))
    job = batch.verify_job(trust)
    [(one, problem)] = list(batch.verify_paths(job, inputs[1:2], judge=judge, single=True))
    assert one.report is not None and isinstance(problem, ManifestNotFound)


@pytest.mark.detect
def test_detect_paths_reports_each_file_numbers_heat_maps_and_raises_one_files_error(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes((Path(__file__).resolve().parents[1] / "samples" / "synthetic.jpg").read_bytes())
    bad.write_bytes(b"not an image")
    heat = tmp_path / "heat.png"
    results = list(batch.detect_paths([str(good), str(bad)], heatmap=heat))
    assert [r.source for r in results] == [str(good), str(bad)]
    found = results[0].detection
    assert found is not None and found["file"] == str(good) and found["label"] == "synthetic"
    assert found["heatmap"] == str(tmp_path / "heat-1.png") and (tmp_path / "heat-1.png").is_file()
    assert results[1].detection is None and results[1].error and results[1].exit_code != 0
    with pytest.raises(FakemediaError):
        list(batch.detect_paths([str(bad)], single=True))
    with pytest.raises(InvalidRequest) as refused:
        list(batch.detect_paths([str(good)], heatmap=heat, cluster="local:1"))
    assert refused.value.about == "heatmap"
