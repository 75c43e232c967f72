"""``--cluster local:2``: the same batch on a real Dask LocalCluster (processes, loopback only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakemedia.identity import IdentityPaths

from .conftest import Run, jpeg_bytes
from .test_batch import _files, _folder, _log

pytest.importorskip("distributed", reason="--cluster needs the 'dask' extra")


def test_annotate_and_verify_a_folder_with_a_corrupt_file_on_a_local_cluster(
        run: Run, identity: IdentityPaths, tmp_path: Path) -> None:
    src, out, log = _folder(tmp_path), tmp_path / "out", tmp_path / "run.jsonl"
    result = run("annotate", src, "-r", "-o", out, "--type", "edited", "--cluster", "local:2",
                 "--log", log, "--identity", identity.directory, "--json")
    assert result.exit_code == 7, result.stderr
    assert _files(out) == ["a.jpg", "b.JPEG", "sub/c.jpeg"]  # no partial file for bad.jpg
    assert result.stderr.splitlines()[-1] == "fakemedia: error: 1 of 4 files failed"
    assert "bad.jpg" in result.stderr
    items = {Path(i["input"]).name: i for i in json.loads(result.stdout)}
    assert items["bad.jpg"]["exit_code"] == 3
    assert {items[n]["state"] for n in ("a.jpg", "b.JPEG", "c.jpeg")} == {"Valid"}
    assert items["c.jpeg"]["output"] == str(out / "sub" / "c.jpeg")
    records = {Path(str(r["input"])).name: r for r in _log(log)}  # completion order: by name
    assert sorted(records) == ["a.jpg", "b.JPEG", "bad.jpg", "c.jpeg"]
    assert records["bad.jpg"]["status"] == "error" and records["bad.jpg"]["output"] is None
    assert all(r["state"] == "Valid" and r["manifest"] for n, r in records.items() if n != "bad.jpg")

    before = {name: (out / name).read_bytes() for name in _files(out)}
    again = run("annotate", src, "-r", "-o", out, "--type", "edited", "--cluster", "local:2",
                "--identity", identity.directory)
    assert again.exit_code == 7, again.stderr  # the signed copies are skipped, not re-signed
    assert {name: (out / name).read_bytes() for name in _files(out)} == before

    (out / "plain.jpg").write_bytes(jpeg_bytes())  # no manifest: exit 4 for this one
    verified = run("verify", out, "-r", "--cluster", "local:2", "--trust-anchors",
                   identity.trust_anchors, "--json")
    assert verified.exit_code == 7, verified.stderr
    assert "plain.jpg: no C2PA manifest" in verified.stderr
    documents = json.loads(verified.stdout)
    states = sorted(str(d.get("state")) for d in documents)
    assert states.count("Trusted") == 3 and len(documents) == 4, documents


def test_a_bad_cluster_spec_is_a_usage_error(run: Run, photo: Path) -> None:
    result = run("verify", photo, photo, "--cluster", "local:zero")
    assert result.exit_code == 2
    assert "local:N" in result.stderr and "Traceback" not in result.stderr
