"""``annotate --parent`` / ``--component`` and thumbnails, read back by us and by c2pa-python."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fakemedia.formats import app11
from fakemedia.identity import IdentityPaths
from fakemedia.manifest.store import Manifest, parse_store
from tests.cli.conftest import Run, assert_one_error, jpeg_bytes


def _active(path: Path) -> Manifest:
    location = app11.find_c2pa_store(path.read_bytes())
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None
    return active


def _actions(manifest: Manifest) -> list[dict[str, Any]]:
    assertion = manifest.assertion("c2pa.actions.v2")
    assert assertion is not None
    return list(assertion.content()["actions"])


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    Image.new("RGB", (20, 20), (0, 0, 230)).save(path)
    return path


def test_parent_and_components_from_files(run: Run, tmp_path: Path, identity: IdentityPaths) -> None:
    ident = ("--identity", identity.directory)
    camera = tmp_path / "camera.jpg"
    (tmp_path / "raw.jpg").write_bytes(jpeg_bytes(64, 48, (10, 200, 30)))
    assert run("annotate", tmp_path / "raw.jpg", "-o", camera, *ident, "--type", "original").exit_code == 0
    export = tmp_path / "export.jpg"  # an editor dropped the metadata
    export.write_bytes(jpeg_bytes(64, 48, (12, 198, 33)))
    out = tmp_path / "out.jpg"
    result = run("annotate", export, "-o", out, *ident, "--type", "composed", "--parent", camera,
                 "--component", f"{_png(tmp_path)}:1,2,10,10")
    assert result.exit_code == 0, result.stderr
    active = _active(out)
    ingredients = [a.content() for a in active.assertions() if a.label.startswith("c2pa.ingredient")]
    assert [(i["relationship"], i["dc:title"]) for i in ingredients] == [
        ("parentOf", "camera.jpg"), ("componentOf", "logo.png")]
    assert "activeManifest" in ingredients[0] and "activeManifest" not in ingredients[1]
    assert ingredients[1]["metadata"]["regionOfInterest"]["region"][0]["shape"]["origin"] == {"x": 1, "y": 2}
    actions = _actions(active)
    names = [a["action"] for a in actions]
    assert names[:2] == ["c2pa.opened", "c2pa.placed"]
    opened, placed = actions[0], actions[1]
    assert opened["parameters"]["ingredients"][0]["url"].endswith("/c2pa.ingredient.v3")
    assert placed["parameters"]["ingredients"][0]["url"].endswith("/c2pa.ingredient.v3__1")
    composed = [a for a in actions[2:] if a["action"] == "c2pa.edited"]
    assert composed and composed[0]["parameters"]["ingredients"] == placed["parameters"]["ingredients"]
    history = run("history", out)
    assert history.exit_code == 0, history.stderr
    assert "parentOf: raw.jpg" in history.stdout and "componentOf: logo.png" in history.stdout


def test_parent_file_with_a_signed_image_is_refused(run: Run, tmp_path: Path,
                                                    identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    ident = ("--identity", identity.directory, "--type", "edited")
    assert run("annotate", tmp_path / "a.jpg", "-o", signed, *ident).exit_code == 0
    result = run("annotate", signed, "-o", tmp_path / "b.jpg", *ident, "--parent", tmp_path / "a.jpg")
    assert "parent" in assert_one_error(result, 2)
    assert not (tmp_path / "b.jpg").exists()
    outside = run("annotate", tmp_path / "a.jpg", "-o", tmp_path / "c.jpg", *ident,
                  "--component", f"{_png(tmp_path)}:60,40,10,10")
    assert "region" in assert_one_error(outside, 2)
    assert not (tmp_path / "c.jpg").exists()


def test_thumbnails_on_by_default_sized_and_off(run: Run, tmp_path: Path, identity: IdentityPaths) -> None:
    src = tmp_path / "big.jpg"
    src.write_bytes(jpeg_bytes(400, 300))
    ident = ("--identity", identity.directory, "--type", "edited")
    assert run("annotate", src, "-o", tmp_path / "d.jpg", *ident).exit_code == 0
    thumb = _active(tmp_path / "d.jpg").assertion("c2pa.thumbnail.claim")
    assert thumb is not None
    result = run("annotate", src, "-o", tmp_path / "s.jpg", *ident, "--thumbnail-size", "64",
                 "--thumbnail-quality", "50")
    assert result.exit_code == 0, result.stderr
    from fakemedia.manifest.thumbnail import read_thumbnail

    small, why = read_thumbnail(_active(tmp_path / "s.jpg"), "c2pa.thumbnail.claim")
    assert small is not None, why
    with Image.open(io.BytesIO(small.data)) as im:
        assert max(im.size) == 64
    assert run("annotate", src, "-o", tmp_path / "n.jpg", *ident, "--no-thumbnail").exit_code == 0
    assert _active(tmp_path / "n.jpg").assertion("c2pa.thumbnail.claim") is None
    line = assert_one_error(run("annotate", src, "-o", tmp_path / "x.jpg", *ident,
                                "--thumbnail-size", "5"), 2)
    assert "--thumbnail-size" in line
    history = run("history", tmp_path / "d.jpg")
    assert "thumbnail: yes" in history.stdout
    assert "thumbnail: yes" not in run("history", tmp_path / "n.jpg").stdout
    page = tmp_path / "d.html"
    assert run("report", tmp_path / "d.jpg", "-o", page).exit_code == 0
    text = page.read_text()
    assert 'class="thumb" src="data:image/jpeg;base64,' in text
    assert "img-src data:" in text


def test_c2pa_python_reads_ingredients_and_thumbnails(run: Run, tmp_path: Path,
                                                       identity: IdentityPaths) -> None:
    oracle = pytest.importorskip("tests.interop.c2pa_oracle")
    ident = ("--identity", identity.directory)
    camera = tmp_path / "camera.jpg"
    (tmp_path / "raw.jpg").write_bytes(jpeg_bytes(64, 48))
    assert run("annotate", tmp_path / "raw.jpg", "-o", camera, *ident, "--type", "original").exit_code == 0
    out = tmp_path / "out.jpg"
    (tmp_path / "export.jpg").write_bytes(jpeg_bytes(64, 48, (1, 2, 3)))
    assert run("annotate", tmp_path / "export.jpg", "-o", out, *ident, "--type", "deepfaked",
               "--parent", camera, "--component", _png(tmp_path)).exit_code == 0
    anchors = identity.trust_anchors.read_text()
    seen = oracle.read(out.read_bytes(), anchors)
    assert seen.state == "Trusted" and not seen.failures, seen.results
