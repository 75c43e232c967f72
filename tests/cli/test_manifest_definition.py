"""``annotate --manifest DEF.json``: a c2patool-style definition, our flags winning over it."""

from __future__ import annotations

import json
from pathlib import Path

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


def _definition(tmp_path: Path) -> Path:
    (tmp_path / "part.jpg").write_bytes(jpeg_bytes(16, 16, (0, 255, 0)))
    path = tmp_path / "def.json"
    path.write_text(json.dumps({
        "title": "From the file",
        "claim_generator_info": [{"name": "NewsroomTool", "version": "2.1"}],
        "assertions": [{"label": "com.example.desk", "data": {"desk": "photo"}}],
        "ingredients": [{"file_path": "part.jpg", "relationship": "componentOf", "title": "Part"}],
        "fakemedia": {"modification_types": ["composed"], "author": "File Author"},
    }))
    return path


def test_definition_with_flags_winning(run: Run, photo: Path, identity: IdentityPaths,
                                       tmp_path: Path) -> None:
    out = tmp_path / "out.jpg"
    result = run("annotate", photo, "-o", out, "--identity", identity.directory,
                 "--manifest", _definition(tmp_path), "--author", "Flag Author", "--json")
    assert result.exit_code == 0, result.stderr
    active = _active(out)
    claim = active.claim or {}
    assert claim["dc:title"] == "From the file"
    assert claim["claim_generator_info"]["name"] == "NewsroomTool"
    custom = active.assertion("com.example.desk")
    assert custom is not None and custom.content() == {"desk": "photo"}
    component = active.assertion("c2pa.ingredient.v3__1")
    assert component is not None and component.content()["dc:title"] == "Part"
    verify = json.loads(run("verify", out, "--json").stdout)
    annotation = verify["manifests"][-1]["annotation"]
    assert annotation["author"] == "Flag Author"  # the flag wins over the file
    assert annotation["modification_types"] == ["composed"]
    titled = tmp_path / "titled.jpg"
    assert run("annotate", photo, "-o", titled, "--identity", identity.directory, "--manifest",
               _definition(tmp_path), "--title", "From the flag").exit_code == 0
    assert (_active(titled).claim or {})["dc:title"] == "From the flag"


def test_bad_definition_is_one_line(run: Run, photo: Path, identity: IdentityPaths,
                                    tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"assertions": [{"label": "c2pa.hash.data", "data": {}}]}))
    line = assert_one_error(run("annotate", photo, "-o", tmp_path / "x.jpg", "--identity",
                                identity.directory, "--manifest", bad), 2)
    assert "c2pa.hash.data" in line
    assert not (tmp_path / "x.jpg").exists()
    schema = json.loads(run("schema", "manifest-definition").stdout)
    assert schema["$schema"].endswith("2020-12/schema")
