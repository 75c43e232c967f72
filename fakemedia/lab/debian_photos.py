"""Real photographs from Debian's ``plasma-workspace-wallpapers`` package, with their records.

The package ships KDE wallpapers as ``usr/share/wallpapers/<Name>/contents/images/<W>x<H>.jpg``
with the author and licence in ``<Name>/metadata.json``. Most are illustrations or renders; the
genuine photographs among them were picked out by eye and are listed in :data:`GENUINE`. Only
those are kept, at their largest size, and each one's package, version, path, author and licence
are written to ``SOURCES.json`` beside them.

This is an explicit training-data step (``fakemedia-lab fetch-photos DIR``): nothing in the tool
downloads it. Some wallpaper packages are reserved for evaluation and are refused by name, so no
image of them can reach training or threshold choice by accident.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakemedia.errors import DetectorError

PACKAGE = "plasma-workspace-wallpapers"
#: Packages kept for evaluation only: never fetched or read by a training command.
RESERVED_PACKAGES: tuple[str, ...] = ("ukui-wallpapers", "mate-backgrounds", "lomiri-wallpapers*")
SOURCES_FILE = "SOURCES.json"


@dataclass(frozen=True)
class DebianPhoto:
    name: str  # the wallpaper folder under usr/share/wallpapers/
    author: str
    licence: str


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

_WALLPAPER = re.compile(
    r"^(?:\./)?usr/share/wallpapers/([^/]+)/(?:contents/images/(\d+)x(\d+)\.jpe?g|metadata\.json)$"
)


def check_allowed(package: str) -> None:
    """Refuse the packages reserved for evaluation (and anything but the one we know)."""
    for pattern in RESERVED_PACKAGES:
        if fnmatch.fnmatchcase(package, pattern):
            raise DetectorError(
                f"package {package!r} is reserved for evaluation and is never used for training"
            )
    if package != PACKAGE:
        raise DetectorError(f"package {package!r} is not a known photograph source (only {PACKAGE})")


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


def extract_photos(deb: str | Path, dest: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Keep the genuine photographs of ``deb`` (largest size each) in ``dest``; write SOURCES.json."""
    deb, dest = Path(deb), Path(dest)
    try:
        raw = deb.read_bytes()
    except OSError as exc:
        raise DetectorError(f"cannot read {deb}: {exc.strerror}") from None
    members = _ar_members(raw)
    control = _control(members)
    check_allowed(control.get("Package", ""))
    if (dest / SOURCES_FILE).exists() and not force:
        raise DetectorError(f"{dest / SOURCES_FILE} exists; pass --force to replace it")
    wanted = {p.name: p for p in GENUINE}
    best: dict[str, tuple[int, tarfile.TarInfo]] = {}
    credits: dict[str, tuple[str, str]] = {}
    with _open_tar(members, "data") as tar:
        infos = tar.getmembers()
        for m in infos:
            hit = _WALLPAPER.match(m.name)
            if not m.isfile() or not hit or hit.group(1) not in wanted:
                continue
            name = hit.group(1)
            if hit.group(2) is None:
                f = tar.extractfile(m)
                credits[name] = _metadata_credit(json.loads(f.read())) if f else ("", "")
            else:
                area = int(hit.group(2)) * int(hit.group(3))
                if name not in best or area > best[name][0]:
                    best[name] = (area, m)
        missing = sorted(set(wanted) - set(best))
        if missing:
            raise DetectorError(f"{deb.name}: photographs missing from the package: {', '.join(missing)}")
        dest.mkdir(parents=True, exist_ok=True)
        records = []
        for name in sorted(best):
            info = best[name][1]
            f = tar.extractfile(info)
            data = f.read() if f else b""
            out = dest / f"{name}.jpg"
            tmp = out.with_suffix(".jpg.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, out)
            author, licence = credits.get(name, ("", ""))
            expected = wanted[name]
            if (author, licence) != (expected.author, expected.licence):
                raise DetectorError(
                    f"{name}: metadata.json credits {author!r} ({licence!r}), "
                    f"expected {expected.author!r} ({expected.licence!r})"
                )
            records.append(
                {
                    "file": out.name,
                    "package": control["Package"],
                    "version": control.get("Version", ""),
                    "path": "/" + info.name.removeprefix("./"),
                    "author": author,
                    "licence": licence,
                }
            )
    summary = {"package": control["Package"], "version": control.get("Version", ""), "photos": records}
    tmp = dest / (SOURCES_FILE + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, dest / SOURCES_FILE)
    return summary


def download_deb(package: str, workdir: Path) -> Path:
    """``apt-get download PACKAGE`` into ``workdir``; the downloaded .deb."""
    check_allowed(package)
    if shutil.which("apt-get") is None:
        raise DetectorError("apt-get is not available here; download the .deb yourself and pass --deb FILE")
    done = subprocess.run(["apt-get", "download", package], cwd=workdir, capture_output=True, text=True)
    debs = sorted(workdir.glob("*.deb"))
    if done.returncode != 0 or not debs:
        last = (done.stderr.strip().splitlines() or ["no .deb written"])[-1]
        raise DetectorError(f"apt-get download {package} failed: {last}")
    return debs[0]


def fetch_photos(dest: str | Path, *, deb: str | Path | None = None, force: bool = False) -> dict[str, Any]:
    """The ``fetch-photos`` command: download (or read ``deb``) and keep the genuine photographs."""
    if deb is not None:
        return extract_photos(deb, dest, force=force)
    with tempfile.TemporaryDirectory(prefix="fakemedia-deb-") as tmp:
        return extract_photos(download_deb(PACKAGE, Path(tmp)), dest, force=force)


def load_sources(folder: str | Path) -> list[dict[str, Any]]:
    """The photo records of a ``fetch-photos`` folder (DetectorError when it is not one)."""
    path = Path(folder) / SOURCES_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        check_allowed(str(doc["package"]))
        return list(doc["photos"])
    except (OSError, ValueError, KeyError, TypeError):
        raise DetectorError(f"{folder}: not a fetch-photos folder (no readable {SOURCES_FILE})") from None
