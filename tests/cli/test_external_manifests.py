"""``annotate --sidecar`` / ``--remote`` and ``verify`` of sidecars and store files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakemedia.formats import app11, xmp
from fakemedia.identity import IdentityPaths
from tests.cli.conftest import Run, assert_one_error

URL = "https://media.example.com/manifests/photo.c2pa"


def test_sidecar_leaves_the_image_untouched(run: Run, photo: Path, identity: IdentityPaths,
                                            tmp_path: Path) -> None:
    out = tmp_path / "side.jpg"
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--type", "edited",
                 "--sidecar")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == photo.read_bytes()
    assert (tmp_path / "side.c2pa").is_file()
    page = tmp_path / "side.html"
    assert run("report", out, "-o", page).exit_code == 0  # the page reads the sidecar too
    assert "No Content Credentials" not in page.read_text()
    verified = run("verify", out, "--json", "--trust-anchors", identity.trust_anchors)
    assert verified.exit_code == 0, verified.stderr
    assert json.loads(verified.stdout)["state"] == "Trusted"
    # The store next to it exists: a second run needs --force for both files.
    again = run("annotate", photo, "-o", out, "--identity", identity.directory, "--type", "edited",
                "--sidecar")
    assert "--force" in assert_one_error(again, 2)
    oracle = pytest.importorskip("tests.interop.c2pa_oracle")
    c2pa = oracle.c2pa
    settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False},
                "trust": {"trust_anchors": identity.trust_anchors.read_text()}}
    with open(out, "rb") as stream, c2pa.Reader(
            "image/jpeg", stream, manifest_data=(tmp_path / "side.c2pa").read_bytes(),
            context=c2pa.Context(c2pa.Settings.from_dict(settings))) as reader:
        assert reader.get_validation_state() == "Trusted"
        assert not oracle.failure_codes(reader.get_validation_results())


def test_remote_reference_and_manifest_file(run: Run, photo: Path, identity: IdentityPaths,
                                            tmp_path: Path) -> None:
    out = tmp_path / "cloud.jpg"
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--type", "edited",
                 "--remote", URL)
    assert result.exit_code == 0, result.stderr
    assert xmp.provenance_url(out.read_bytes()) == URL
    assert app11.find_c2pa_store(out.read_bytes()) is None
    store = tmp_path / "cloud.c2pa"
    moved = tmp_path / "upload.c2pa"
    store.rename(moved)
    assert run("verify", out).exit_code == 4  # remote only, never fetched
    assert run("verify", out, "--manifest-file", moved).exit_code == 0
    oracle = pytest.importorskip("tests.interop.c2pa_oracle")
    settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False},
                "trust": {"trust_anchors": identity.trust_anchors.read_text()}}
    with open(out, "rb") as stream, oracle.c2pa.Reader(
            "image/jpeg", stream, manifest_data=moved.read_bytes(),
            context=oracle.c2pa.Context(oracle.c2pa.Settings.from_dict(settings))) as reader:
        assert reader.get_validation_state() == "Trusted"
        assert not oracle.failure_codes(reader.get_validation_results())
    # Annotating a file whose manifest is remote keeps the reference and says so.
    top = tmp_path / "top.jpg"
    again = run("annotate", out, "-o", top, "--identity", identity.directory, "--type", "edited")
    assert again.exit_code == 0, again.stderr
    assert URL in again.stderr and "kept" in again.stderr
    assert xmp.provenance_url(top.read_bytes()) == URL
    line = assert_one_error(run("annotate", photo, "-o", tmp_path / "bad.jpg", "--identity",
                                identity.directory, "--type", "edited", "--remote", "ftp://x"), 2)
    assert "ftp://x" in line
