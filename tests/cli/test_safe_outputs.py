"""Safe outputs and inputs: no silent overwrite, impossible values refused by name, regions
within the image, ``strip --json`` and ``detect`` on folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakemedia.errors import EXIT_USAGE
from fakemedia.identity import IdentityPaths
from tests.cli.conftest import Run, assert_one_error, jpeg_bytes, sha


def test_annotate_refuses_existing_output_without_force(run: Run, photo: Path,
                                                        identity: IdentityPaths, tmp_path: Path) -> None:
    out = tmp_path / "out.jpg"
    out.write_bytes(b"keep me")
    result = run("annotate", photo, "--identity", identity.directory, "--type", "edited", "-o", out)
    line = assert_one_error(result, EXIT_USAGE)
    assert "--force" in line and str(out) in line
    assert out.read_bytes() == b"keep me"
    result = run("annotate", photo, "--identity", identity.directory, "--type", "edited", "-o", out,
                 "--force")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() != b"keep me"


def test_strip_refuses_existing_output_and_prints_json(run: Run, photo: Path, identity: IdentityPaths,
                                                        tmp_path: Path) -> None:
    signed = tmp_path / "signed.jpg"
    assert run("annotate", photo, "--identity", identity.directory, "--type", "edited",
               "-o", signed).exit_code == 0
    out = tmp_path / "plain.jpg"
    out.write_bytes(b"keep me")
    line = assert_one_error(run("strip", signed, "-o", out), EXIT_USAGE)
    assert "--force" in line
    assert out.read_bytes() == b"keep me"
    result = run("strip", signed, "-o", out, "--force", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["output"] == str(out) and doc["removed_bytes"] > 0
    assert sha(out) != sha(signed)
    assert run("verify", out).exit_code == 4


def test_probability_nan_names_the_option(run: Run, photo: Path, identity: IdentityPaths) -> None:
    for bad in ("nan", "inf", "1.5"):
        result = run("annotate", photo, "--identity", identity.directory, "--type", "edited",
                     "--probability", bad)
        line = assert_one_error(result, EXIT_USAGE)
        assert "--probability" in line and "required property" not in line


def test_declared_region_outside_the_image_is_refused(run: Run, photo: Path,
                                                      identity: IdentityPaths) -> None:
    # photo is 64x48: a rectangle reaching x = 70 lies partly outside it.
    result = run("annotate", photo, "--identity", identity.directory, "--type", "edited",
                 "--region", "10,10,60,10")
    line = assert_one_error(result, EXIT_USAGE)
    assert "width" in line
    assert not photo.with_name("photo.signed.jpg").exists()
    inside = run("annotate", photo, "--identity", identity.directory, "--type", "edited",
                 "--region", "10,10,54,38")
    assert inside.exit_code == 0, inside.stderr


@pytest.mark.detect
def test_detect_takes_folders(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg_bytes(64, 64))
    (folder / "notes.txt").write_text("not an image")
    result = run("detect", folder, "--json")
    if result.exit_code == 6:  # the detector stack is not installed here
        assert "detect" in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(d["file"]).name for d in lines] == ["a.jpg"]
