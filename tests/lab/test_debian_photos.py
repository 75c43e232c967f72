"""fetch-photos: keeps only the listed photographs, records their sources, refuses reserved packages."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakemedia.errors import DetectorError
from fakemedia.lab.cli import lab
from fakemedia.lab.debian_photos import GENUINE, check_allowed, extract_photos


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _ar(members: dict[str, bytes]) -> bytes:
    out = bytearray(b"!<arch>\n")
    for name, data in members.items():
        out += f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
        out += data + (b"\n" if len(data) % 2 else b"")
    return bytes(out)


def _metadata(author: str, licence: str) -> bytes:
    return json.dumps({"KPlugin": {"Authors": [{"Name": author}], "License": licence}}).encode()


def make_deb(path: Path, package: str = "plasma-workspace-wallpapers", drop: str | None = None) -> Path:
    files: dict[str, bytes] = {}
    for p in GENUINE:
        if p.name == drop:
            continue
        base = f"./usr/share/wallpapers/{p.name}"
        files[f"{base}/metadata.json"] = _metadata(p.author, p.licence)
        files[f"{base}/contents/images/640x480.jpg"] = b"small " + p.name.encode()
        files[f"{base}/contents/images/2560x1600.jpg"] = b"large " + p.name.encode()
    base = "./usr/share/wallpapers/FlyingKonqui"  # an illustration: never kept
    files[f"{base}/metadata.json"] = _metadata("someone", "LGPLv3")
    files[f"{base}/contents/images/2560x1600.jpg"] = b"drawing"
    control = _tar({"./control": f"Package: {package}\nVersion: 4:5.27.5-2\n".encode()})
    path.write_bytes(_ar({"debian-binary": b"2.0\n", "control.tar.gz": control, "data.tar.gz": _tar(files)}))
    return path


def test_fetch_photos_keeps_the_largest_genuine_photographs_with_sources(tmp_path: Path) -> None:
    deb = make_deb(tmp_path / "p.deb")
    r = CliRunner().invoke(lab, ["fetch-photos", str(tmp_path / "out"), "--deb", str(deb)])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "SOURCES.json").read_text())
    assert doc["package"] == "plasma-workspace-wallpapers" and doc["version"] == "4:5.27.5-2"
    assert [p["file"] for p in doc["photos"]] == sorted(f"{p.name}.jpg" for p in GENUINE)
    first = doc["photos"][0]
    assert first["path"] == "/usr/share/wallpapers/BytheWater/contents/images/2560x1600.jpg"
    assert (first["author"], first["licence"]) == ("Maciej Wiklo", "LGPLv3")
    assert (tmp_path / "out" / "BytheWater.jpg").read_bytes() == b"large BytheWater"
    assert not (tmp_path / "out" / "FlyingKonqui.jpg").exists()
    again = CliRunner().invoke(lab, ["fetch-photos", str(tmp_path / "out"), "--deb", str(deb)])
    assert again.exit_code == 6 and "--force" in again.output


@pytest.mark.parametrize(
    "package", ["ukui-wallpapers", "mate-backgrounds", "lomiri-wallpapers", "lomiri-wallpapers-legacy"]
)
def test_reserved_evaluation_packages_are_refused(tmp_path: Path, package: str) -> None:
    with pytest.raises(DetectorError, match="reserved for evaluation"):
        check_allowed(package)
    deb = make_deb(tmp_path / "r.deb", package=package)
    r = CliRunner().invoke(lab, ["fetch-photos", str(tmp_path / "out"), "--deb", str(deb)])
    assert r.exit_code == 6 and "reserved for evaluation" in r.output
    assert not (tmp_path / "out").exists()


def test_a_missing_photograph_or_foreign_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="missing from the package: Kite"):
        extract_photos(make_deb(tmp_path / "m.deb", drop="Kite"), tmp_path / "out")
    (tmp_path / "x.deb").write_bytes(b"not an archive")
    with pytest.raises(DetectorError, match="not a Debian package"):
        extract_photos(tmp_path / "x.deb", tmp_path / "out")
