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
from fakemedia.lab.debian_photos import (
    GENUINE,
    OPENCV_PHOTOS,
    PALAPELI_PHOTOS,
    check_allowed,
    extract_photos,
    load_sources,
)


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


def _deb(path: Path, package: str, files: dict[str, bytes]) -> Path:
    control = _tar({"./control": f"Package: {package}\nVersion: 1.0-1\n".encode()})
    path.write_bytes(_ar({"debian-binary": b"2.0\n", "control.tar.gz": control, "data.tar.gz": _tar(files)}))
    return path


def _palapeli_deb(path: Path, licence_of_bee: str = "Public Domain") -> Path:
    files: dict[str, bytes] = {}
    for p in PALAPELI_PHOTOS:
        base = f"./usr/share/palapeli/collection/{p.name}"
        licence = licence_of_bee if p.name == "european-honey-bee" else p.licence
        desktop = (f"[Desktop Entry]\nName=x\nName[de]=y\nX-KDE-PluginInfo-Author={p.author}\n"
                   f"X-KDE-PluginInfo-License={licence}\nX-KDE-PluginInfo-License[de]=other\n")
        files[base + ".desktop"] = desktop.encode()
        files[base + ".jpg"] = b"puzzle " + p.name.encode()
    return _deb(path, "palapeli-data", files)


def _opencv_deb(path: Path, licence: str = "Apache-2.0 AND BSD-3-Clause") -> Path:
    files = {f"./{p.path}": b"sample " + p.name.encode() for p in OPENCV_PHOTOS}
    files["./usr/share/doc/opencv-doc/examples/data/starry_night.jpg"] = b"a painting: never kept"
    files["./usr/share/doc/opencv-doc/copyright"] = (
        f"Files: *\nCopyright: someone\nLicense: {licence}\n\nFiles: other/*\nLicense: GPL-2.0+\n"
    ).encode()
    return _deb(path, "opencv-doc", files)


def test_several_packages_go_into_one_sources_file(tmp_path: Path) -> None:
    debs = [make_deb(tmp_path / "p.deb"), _palapeli_deb(tmp_path / "q.deb"), _opencv_deb(tmp_path / "o.deb")]
    args = ["fetch-photos", str(tmp_path / "out")] + [a for d in debs for a in ("--deb", str(d))]
    r = CliRunner().invoke(lab, args)
    assert r.exit_code == 0, r.output
    assert r.output.startswith(f"{len(GENUINE) + len(PALAPELI_PHOTOS) + len(OPENCV_PHOTOS)} photographs")
    doc = json.loads((tmp_path / "out" / "SOURCES.json").read_text())
    assert [p["package"] for p in doc["packages"]] == ["plasma-workspace-wallpapers", "palapeli-data",
                                                       "opencv-doc"]
    by_file = {p["file"]: p for p in doc["photos"]}
    bee = by_file["european-honey-bee.jpg"]
    assert (bee["author"], bee["licence"]) == ("John Severns", "Public Domain")
    assert bee["package"] == "palapeli-data"
    dog = by_file["opencv-dog.png"]
    assert dog["path"] == "/usr/share/doc/opencv-doc/examples/data/chicky_512.png"
    assert dog["licence"] == "Apache-2.0 AND BSD-3-Clause"
    assert (tmp_path / "out" / "opencv-dog.png").read_bytes() == b"sample opencv-dog"
    assert not list((tmp_path / "out").glob("*starry*"))
    assert len(load_sources(tmp_path / "out")) == len(by_file)


def test_a_credit_that_changed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="european-honey-bee: the package credits"):
        extract_photos(_palapeli_deb(tmp_path / "q.deb", licence_of_bee="CC-BY-SA"), tmp_path / "out")
    with pytest.raises(DetectorError, match="opencv-aerial: the package credits ''"):
        extract_photos(_opencv_deb(tmp_path / "o.deb", licence="GPL-3.0"), tmp_path / "out")
    assert not (tmp_path / "out" / "SOURCES.json").exists()


def test_the_old_single_package_sources_file_still_loads(tmp_path: Path) -> None:
    extract_photos(make_deb(tmp_path / "p.deb"), tmp_path / "out")
    assert "package" in json.loads((tmp_path / "out" / "SOURCES.json").read_text())
    assert len(load_sources(tmp_path / "out")) == len(GENUINE)
    (tmp_path / "out" / "SOURCES.json").write_text(json.dumps({"package": "mate-backgrounds", "photos": []}))
    with pytest.raises(DetectorError, match="reserved for evaluation"):
        load_sources(tmp_path / "out")
