"""Real photographs from Debian packages, with their records.

Three packages carry genuine photographs with a recorded author and licence:

* ``plasma-workspace-wallpapers``: KDE wallpapers as
  ``usr/share/wallpapers/<Name>/contents/images/<W>x<H>.jpg``, credited in ``<Name>/metadata.json``.
  Most are illustrations or renders; the photographs among them were picked out by eye.
* ``palapeli-data``: the jigsaw puzzles of KDE's Palapeli, ``usr/share/palapeli/collection/<n>.jpg``,
  credited in ``<n>.desktop`` (Wikimedia Commons photographs).
* ``opencv-doc``: OpenCV's sample images under ``usr/share/doc/opencv-doc/examples/``; the
  package's ``copyright`` file gives every file without a stanza of its own the project's licence.
  Only genuine colour photographs of distinct scenes are kept (no drawings, renders, paintings,
  grey test patterns, stereo twins, or the error-level-analysis pair, which is edited).

Each kept photograph's package, version, path, author and licence are written to ``SOURCES.json``
beside it. This is an explicit training-data step (``fakemedia-lab fetch-photos DIR``): nothing in
the tool downloads it. Some wallpaper packages are reserved for evaluation and are refused by
name, so no image of them can reach training or threshold choice by accident.

The ``.deb`` is read here (an ``ar`` archive holding ``control.tar.*`` and ``data.tar.*``), so
neither ``dpkg-deb`` nor root is needed once the file is present.
"""

from __future__ import annotations

import fnmatch
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakemedia.errors import DetectorError

#: Packages kept for evaluation only: never fetched or read by a training command.
RESERVED_PACKAGES: tuple[str, ...] = ("ukui-wallpapers", "mate-backgrounds", "lomiri-wallpapers*")
SOURCES_FILE = "SOURCES.json"


@dataclass(frozen=True)
class DebianPhoto:
    name: str  # the scene: the wallpaper folder, puzzle name, or the kept file's stem
    author: str
    licence: str
    path: str = ""  # the file inside the package, where the package has no naming scheme


PLASMA = "plasma-workspace-wallpapers"
PALAPELI = "palapeli-data"
OPENCV = "opencv-doc"
PACKAGE = PLASMA  # the first source, kept for callers of the single-package form

#: The genuine photographs of plasma-workspace-wallpapers 4:5.27.5 (checked visually; the others
#: are illustrations or renders). Author and licence as the package's metadata.json states them.
GENUINE: tuple[DebianPhoto, ...] = (
    DebianPhoto("BytheWater", "Maciej Wiklo", "LGPLv3"),
    DebianPhoto("ColdRipple", "Risto Saukonpää", "LGPLv3"),
    DebianPhoto("ColorfulCups", "Dmitri Popov", "LGPLv3"),
    DebianPhoto("DarkestHour", "Risto Saukonpää", "LGPLv3"),
    DebianPhoto("EveningGlow", "Ian Hex", "LGPLv3"),
    DebianPhoto("FallenLeaf", "Martin Klapetek", "LGPLv3"),
    DebianPhoto("Grey", "Sigi Sagi", "LGPLv3"),
    DebianPhoto("Kite", "Risto Saukonpää", "LGPLv3"),
    DebianPhoto("OneStandsOut", "Risto Saukonpää", "LGPLv3"),
    DebianPhoto("Path", "Risto Saukonpää", "LGPLv3"),
    DebianPhoto("summer_1am", "Risto Saukonpää", "LGPLv3"),
)

#: Palapeli's puzzle photographs (palapeli-data 4:22.12.3), credited as their .desktop files say.
PALAPELI_PHOTOS: tuple[DebianPhoto, ...] = (
    DebianPhoto("castle-maintenon", "Eric Pouhier", "FDL"),
    DebianPhoto("cincinnati-bridge", "Derek Jensen", "Public Domain"),
    DebianPhoto("citrus-fruits", "US Department of Agriculture", "Public Domain"),
    DebianPhoto("european-honey-bee", "John Severns", "Public Domain"),
    DebianPhoto("panther-chameleon-female", "B. Navez and others", "GNU-FDL"),
)

_OPENCV_AUTHOR = "OpenCV contributors (sample data)"
_OPENCV_LICENCE = "Apache-2.0 AND BSD-3-Clause"
_OPENCV_DIR = "usr/share/doc/opencv-doc/examples/"


def _cv(name: str, path: str) -> DebianPhoto:
    return DebianPhoto(f"opencv-{name}", _OPENCV_AUTHOR, _OPENCV_LICENCE, _OPENCV_DIR + path)


#: OpenCV's sample photographs (opencv-doc 4.6.0), one per scene, chosen by eye.
OPENCV_PHOTOS: tuple[DebianPhoto, ...] = (
    _cv("aerial", "data/aero1.jpg"),
    _cv("aloe", "data/aloeL.jpg"),
    _cv("apple", "data/apple.jpg"),
    _cv("baboon", "data/baboon.jpg"),
    _cv("circuit-board", "data/board.jpg"),
    _cv("building", "data/building.jpg"),
    _cv("butterfly", "data/butterfly.jpg"),
    _cv("dog", "data/chicky_512.png"),
    _cv("fruits", "data/fruits.jpg"),
    _cv("tower", "data/home.jpg"),
    _cv("leuven", "data/leuvenA.jpg"),
    _cv("football", "data/messi5.jpg"),
    _cv("orange", "data/orange.jpg"),
    _cv("desk-objects", "data/pca_test1.jpg"),
    _cv("toys", "data/rubberwhale1.png"),
    _cv("squirrel", "data/squirrel_cls.jpg"),
    _cv("graffiti", "data/graf1.png"),
    _cv("plant", "alphamat/input_images/plant.jpg"),
    _cv("monarch", "dnn_superres/butterfly.png"),
    _cv("robin", "hfs/data/000.jpg"),
    _cv("brick-house", "reg/home.png"),
    _cv("street-sign", "text/scenetext01.jpg"),
    _cv("campus-sign", "text/scenetext02.jpg"),
    _cv("copy-shop", "text/scenetext03.jpg"),
    _cv("yellow-hut", "text/scenetext04.jpg"),
    _cv("no-parking", "text/scenetext05.jpg"),
    _cv("gallery-shop", "text/scenetext06.jpg"),
)

#: Every photograph source, by package.
SOURCES: dict[str, tuple[DebianPhoto, ...]] = {
    PLASMA: GENUINE,
    PALAPELI: PALAPELI_PHOTOS,
    OPENCV: OPENCV_PHOTOS,
}

_WALLPAPER = re.compile(
    r"^(?:\./)?usr/share/wallpapers/([^/]+)/(?:contents/images/(\d+)x(\d+)\.jpe?g|metadata\.json)$"
)
_PUZZLE = re.compile(r"^(?:\./)?usr/share/palapeli/collection/([^/]+)\.(jpg|desktop)$")
_OPENCV_COPYRIGHT = "usr/share/doc/opencv-doc/copyright"


def check_allowed(package: str) -> None:
    """Refuse the packages reserved for evaluation (and anything but the ones we know)."""
    for pattern in RESERVED_PACKAGES:
        if fnmatch.fnmatchcase(package, pattern):
            raise DetectorError(
                f"package {package!r} is reserved for evaluation and is never used for training"
            )
    if package not in SOURCES:
        raise DetectorError(
            f"package {package!r} is not a known photograph source (only {', '.join(SOURCES)})"
        )


def _ar_members(raw: bytes) -> dict[str, bytes]:
    """Members of a System V ``ar`` archive (the .deb container)."""
    if not raw.startswith(b"!<arch>\n"):
        raise DetectorError("not a Debian package (no ar archive header)")
    out: dict[str, bytes] = {}
    pos = 8
    while pos + 60 <= len(raw):
        header = raw[pos : pos + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        try:
            size = int(header[48:58].decode("ascii").strip())
        except ValueError:
            raise DetectorError("not a Debian package (corrupt ar member header)") from None
        start = pos + 60
        out[name] = raw[start : start + size]
        pos = start + size + (size & 1)
    return out


def _open_tar(members: dict[str, bytes], stem: str) -> tarfile.TarFile:
    for name, data in members.items():
        if name.startswith(stem + ".tar"):
            if name.endswith(".zst"):
                raise DetectorError(f"{name}: zstd-compressed members are not supported")
            return tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    raise DetectorError(f"not a Debian package (no {stem}.tar member)")


def _control(members: dict[str, bytes]) -> dict[str, str]:
    with _open_tar(members, "control") as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.lstrip("./") == "control":
                f = tar.extractfile(m)
                text = f.read().decode("utf-8") if f else ""
                break
        else:
            raise DetectorError("Debian package without a control file")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line[0].isspace() and ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip()] = v.strip()
    return fields


def _metadata_credit(doc: Any) -> tuple[str, str]:
    plugin = doc.get("KPlugin", {}) if isinstance(doc, dict) else {}
    authors = [a.get("Name", "") for a in plugin.get("Authors", []) if isinstance(a, dict)]
    return ", ".join(a for a in authors if a), str(plugin.get("License", ""))


def _desktop_credit(text: str) -> tuple[str, str]:
    """(author, licence) of a Palapeli .desktop entry (untranslated keys only)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and "[" not in key:
            fields[key.strip()] = value.strip()
    return fields.get("X-KDE-PluginInfo-Author", ""), fields.get("X-KDE-PluginInfo-License", "")


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    f = tar.extractfile(info)
    return f.read() if f else b""


def _located(package: str, tar: tarfile.TarFile) -> dict[str, tuple[tarfile.TarInfo, tuple[str, str]]]:
    """name -> (the member to keep, the (author, licence) the package states for it)."""
    wanted = {p.name: p for p in SOURCES[package]}
    found: dict[str, tuple[tarfile.TarInfo, tuple[str, str]]] = {}
    if package == PLASMA:
        best: dict[str, tuple[int, tarfile.TarInfo]] = {}
        credits: dict[str, tuple[str, str]] = {}
        for m in tar.getmembers():
            hit = _WALLPAPER.match(m.name)
            if not m.isfile() or not hit or hit.group(1) not in wanted:
                continue
            name = hit.group(1)
            if hit.group(2) is None:
                credits[name] = _metadata_credit(json.loads(_read(tar, m)))
            else:
                area = int(hit.group(2)) * int(hit.group(3))
                if name not in best or area > best[name][0]:
                    best[name] = (area, m)
        found = {n: (m, credits.get(n, ("", ""))) for n, (_, m) in best.items()}
    elif package == PALAPELI:
        images: dict[str, tarfile.TarInfo] = {}
        desk: dict[str, tuple[str, str]] = {}
        for m in tar.getmembers():
            hit = _PUZZLE.match(m.name)
            if not m.isfile() or not hit or hit.group(1) not in wanted:
                continue
            if hit.group(2) == "jpg":
                images[hit.group(1)] = m
            else:
                desk[hit.group(1)] = _desktop_credit(_read(tar, m).decode("utf-8", "replace"))
        found = {n: (m, desk.get(n, ("", ""))) for n, m in images.items()}
    else:  # OPENCV: fixed paths, one licence for every file without a stanza of its own
        by_path = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}
        copyright_member = by_path.get(_OPENCV_COPYRIGHT)
        text = _read(tar, copyright_member).decode("utf-8", "replace") if copyright_member else ""
        stanza = text.split("Files: *", 1)[1].split("\n\n", 1)[0] if "Files: *" in text else ""
        licence = _OPENCV_LICENCE if f"License: {_OPENCV_LICENCE}" in stanza else ""
        for name, photo in wanted.items():
            if photo.path in by_path:
                found[name] = (by_path[photo.path], (_OPENCV_AUTHOR if licence else "", licence))
    return found


def extract_photos(deb: str | Path, dest: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Keep the genuine photographs of one ``deb`` in ``dest``; write SOURCES.json."""
    return extract_all([Path(deb)], dest, force=force)


def _extract_one(deb: Path, dest: Path) -> tuple[dict[str, str], list[dict[str, Any]]]:
    try:
        raw = deb.read_bytes()
    except OSError as exc:
        raise DetectorError(f"cannot read {deb}: {exc.strerror}") from None
    members = _ar_members(raw)
    control = _control(members)
    package = control.get("Package", "")
    check_allowed(package)
    wanted = {p.name: p for p in SOURCES[package]}
    records = []
    with _open_tar(members, "data") as tar:
        found = _located(package, tar)
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise DetectorError(f"{deb.name}: photographs missing from the package: {', '.join(missing)}")
        dest.mkdir(parents=True, exist_ok=True)
        for name in sorted(found):
            info, (author, licence) = found[name]
            expected = wanted[name]
            if (author, licence) != (expected.author, expected.licence):
                raise DetectorError(
                    f"{name}: the package credits {author!r} ({licence!r}), "
                    f"expected {expected.author!r} ({expected.licence!r})"
                )
            suffix = Path(info.name).suffix.lower() or ".jpg"
            out = dest / f"{name}{suffix}"
            tmp = out.with_name(out.name + ".tmp")
            tmp.write_bytes(_read(tar, info))
            os.replace(tmp, out)
            records.append(
                {
                    "file": out.name,
                    "package": package,
                    "version": control.get("Version", ""),
                    "path": "/" + info.name.removeprefix("./"),
                    "author": author,
                    "licence": licence,
                }
            )
    return {"package": package, "version": control.get("Version", "")}, records


def extract_all(debs: Sequence[Path], dest: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Keep the genuine photographs of every ``deb`` in ``dest``; write one SOURCES.json."""
    dest = Path(dest)
    if (dest / SOURCES_FILE).exists() and not force:
        raise DetectorError(f"{dest / SOURCES_FILE} exists; pass --force to replace it")
    packages: list[dict[str, str]] = []
    photos: list[dict[str, Any]] = []
    for deb in debs:
        package, records = _extract_one(Path(deb), dest)
        if any(p["package"] == package["package"] for p in packages):
            raise DetectorError(f"{deb.name}: {package['package']} was given twice")
        packages.append(package)
        photos += records
    summary: dict[str, Any] = {"packages": packages, "photos": photos}
    if len(packages) == 1:  # the single-package form earlier folders were written in
        summary = {**packages[0], "photos": photos}
    tmp = dest / (SOURCES_FILE + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, dest / SOURCES_FILE)
    return summary


def download_deb(package: str, workdir: Path) -> Path:
    """``apt-get download PACKAGE`` into ``workdir``; the downloaded .deb."""
    check_allowed(package)
    if shutil.which("apt-get") is None:
        raise DetectorError("apt-get is not available here; download the .deb yourself and pass it in")
    workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["apt-get", "download", package], cwd=workdir, capture_output=True, text=True)
    debs = sorted(workdir.glob("*.deb"))
    if done.returncode != 0 or not debs:
        last = (done.stderr.strip().splitlines() or ["no .deb written"])[-1]
        raise DetectorError(f"apt-get download {package} failed: {last}")
    return debs[0]


def fetch_photos(
    dest: str | Path,
    *,
    deb: str | Path | Sequence[str | Path] | None = None,
    packages: Sequence[str] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """The ``fetch-photos`` command: download (or read ``deb``) and keep the genuine photographs."""
    if deb is not None:
        debs = [Path(deb)] if isinstance(deb, (str, Path)) else [Path(d) for d in deb]
        return extract_all(debs, dest, force=force)
    wanted = list(packages or SOURCES)
    for package in wanted:
        check_allowed(package)
    if (Path(dest) / SOURCES_FILE).exists() and not force:
        raise DetectorError(f"{Path(dest) / SOURCES_FILE} exists; pass --force to replace it")
    with tempfile.TemporaryDirectory(prefix="fakemedia-deb-") as tmp:
        debs = [download_deb(p, Path(tmp) / p) for p in wanted]
        return extract_all(debs, dest, force=force)


def load_sources(folder: str | Path) -> list[dict[str, Any]]:
    """The photo records of a ``fetch-photos`` folder (DetectorError when it is not one)."""
    path = Path(folder) / SOURCES_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        packages = doc["packages"] if "packages" in doc else [{"package": doc["package"]}]
        for p in packages:
            check_allowed(str(p["package"]))
        photos = list(doc["photos"])
        for rec in photos:
            check_allowed(str(rec.get("package", packages[0]["package"])))
        return photos
    except (OSError, ValueError, KeyError, TypeError):
        raise DetectorError(f"{folder}: not a fetch-photos folder (no readable {SOURCES_FILE})") from None
