"""Pipelines on the command line: folders as inputs, --jobs, --log, keep going past bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakemedia.identity import IdentityPaths

from .conftest import Run, jpeg_bytes


def _folder(root: Path) -> Path:
    """Three good JPEGs (one in a subfolder, one .JPEG), a corrupt .jpg and a text file."""
    src = root / "in"
    (src / "sub").mkdir(parents=True)
    for i, name in enumerate(("a.jpg", "b.JPEG", "sub/c.jpeg")):
        (src / name).write_bytes(jpeg_bytes(colour=(40 * i, 90, 10)))
    (src / "bad.jpg").write_bytes(b"\xff\xd8 truncated, not a JPEG")
    (src / "notes.txt").write_text("skipped: not a JPEG")
    return src


def _files(root: Path) -> list[str]:
    """Every file under ``root``, hidden temporaries included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _log(path: Path) -> list[dict[str, object]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_folder_with_a_corrupt_file_keeps_going(run: Run, identity: IdentityPaths, tmp_path: Path,
                                                jobs: str) -> None:
    src, out, log = _folder(tmp_path), tmp_path / "out", tmp_path / "run.jsonl"
    result = run("annotate", src, "-r", "-o", out, "--jobs", jobs, "--no-detect", "--log", log,
                 "--identity", identity.directory, "--json")
    assert result.exit_code == 7, result.stderr
    # Good ones written with their relative paths; nothing at all (no temp file) for bad.jpg.
    assert _files(out) == ["a.jpg", "b.JPEG", "sub/c.jpeg"]
    assert "bad.jpg" in result.stderr and "notes.txt" not in result.stderr
    assert result.stderr.splitlines()[-1] == "fakemedia: error: 1 of 4 files failed"
    items = json.loads(result.stdout)
    assert [Path(i["input"]).name for i in items] == ["a.jpg", "b.JPEG", "c.jpeg", "bad.jpg"]
    assert [i.get("state") for i in items[:3]] == ["Valid"] * 3  # no --trust-anchors given
    assert items[3]["exit_code"] == 3
    records = _log(log)
    assert [Path(str(r["input"])).name for r in records] == ["a.jpg", "b.JPEG", "bad.jpg", "c.jpeg"]
    assert [r["status"] for r in records] == ["ok", "ok", "error", "ok"]
    bad = records[2]
    assert bad["exit_code"] == 3 and bad["output"] is None and "bad.jpg" in str(bad["error"])
    assert all(r["manifest"] and r["state"] == "Valid" for r in records if r["status"] == "ok")
    assert all(isinstance(r["seconds"], float) for r in records)


def test_jobs_two_gives_the_same_outputs_and_states_as_jobs_one(run: Run, identity: IdentityPaths,
                                                                tmp_path: Path) -> None:
    src = _folder(tmp_path)
    states = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = run("annotate", src, "-r", "-o", out, "-j", jobs, "--no-detect", "--type", "edited",
                     "--identity", identity.directory)
        assert result.exit_code == 7
        verified = run("verify", out, "-r", "-j", jobs, "--trust-anchors", identity.trust_anchors,
                       "--json")
        assert verified.exit_code == 0, verified.stderr
        states[jobs] = (_files(out), [r["state"] for r in json.loads(verified.stdout)])
    assert states["1"] == states["2"] == (["a.jpg", "b.JPEG", "sub/c.jpeg"], ["Trusted"] * 3)


def test_verify_folder_reports_each_failure_and_logs_one_line_per_input(
        run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    src, out, log = _folder(tmp_path), tmp_path / "out", tmp_path / "verify.jsonl"
    run("annotate", src, "-o", out, "--no-detect", "--identity", identity.directory)
    (out / "plain.jpg").write_bytes(jpeg_bytes())  # no manifest: exit 4 for this one
    result = run("verify", out, "-j", "2", "--log", log, "--trust-anchors", identity.trust_anchors)
    assert result.exit_code == 7
    assert "plain.jpg: no C2PA manifest" in result.stderr
    assert result.stdout.count("Trusted") >= 2
    records = _log(log)
    assert [(Path(str(r["input"])).name, r["status"], r["exit_code"]) for r in records] == [
        ("a.jpg", "ok", 0), ("b.JPEG", "ok", 0), ("plain.jpg", "error", 4)]


def test_named_non_jpeg_fails_and_a_folder_without_jpegs_is_a_usage_error(
        run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    good = tmp_path / "good.jpg"
    good.write_bytes(jpeg_bytes())
    result = run("annotate", good, notes, "--no-detect", "--identity", identity.directory)
    assert result.exit_code == 7 and "notes.txt" in result.stderr
    assert (tmp_path / "good.signed.jpg").is_file() and not (tmp_path / "notes.signed.jpg").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = run("verify", empty)
    assert refused.exit_code == 2 and "no JPEG files" in refused.stderr


def test_help_documents_jobs_and_log(run: Run) -> None:
    for command in ("annotate", "verify", "history"):
        text = run(command, "--help").stdout
        assert "--jobs" in text and "--log" in text and "--recursive" in text
        assert "JSON object per input" in text


def test_detection_with_two_jobs(run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"t{i}.jpg").write_bytes(jpeg_bytes(256, 256, colour=(30 * i, 60, 200)))
    log = tmp_path / "d.jsonl"
    result = run("annotate", src, "-o", tmp_path / "out", "-j", "2", "--detect", "--log", log,
                 "--identity", identity.directory, "--json")
    assert result.exit_code == 0, result.stderr
    items = json.loads(result.stdout)
    assert len(items) == 3 and all(0.0 <= i["detection"]["probability"] <= 1.0 for i in items)
    records = _log(log)
    assert [r["probability"] for r in records] == [i["detection"]["probability"] for i in items]
