"""Shared helpers for the container-layer tests: fixture discovery and tiny synthetic files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakemedia.formats.jumbf import ContentBox, DescriptionBox, SuperBox, c2pa_uuid

#: ../shared next to the repository root (read-only reference material).
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURE_DIR = SHARED / "fixtures"


def fixture_files() -> list[Path]:
    if not FIXTURE_DIR.is_dir():
        return []
    return sorted(FIXTURE_DIR.glob("*/*.jpg"))


def fixture_params() -> list[object]:
    files = fixture_files()
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="shared fixtures missing"))]
    return [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in files]


def fixture_bytes(name: str) -> bytes:
    path = FIXTURE_DIR / name
    if not path.is_file():
        pytest.skip(f"fixture {name} missing")
    return path.read_bytes()


# A minimal, structurally valid JPEG header: SOI, APP0, SOF0, SOS, a few scan bytes, EOI.
SOI = bytes.fromhex("FFD8")
APP0 = bytes.fromhex("FFE0 0010 4A46494600 0101 00 0001 0001 0000")
SOF0 = bytes.fromhex("FFC0 000B 08 0001 0001 01 01 11 00")
SOS = bytes.fromhex("FFDA 0008 01 01 00 00 3F 00")
SCAN = bytes.fromhex("1234 FF00 56 FFD0 78 FFD9")


def mini_jpeg(*extra_segments: bytes) -> bytes:
    """SOI, APP0, the given segments, SOF0, SOS, scan data."""
    return SOI + APP0 + b"".join(extra_segments) + SOF0 + SOS + SCAN


def store_jumbf(filler: int = 0, label: str = "c2pa") -> bytes:
    """A c2pa-typed superbox padded with a ``free`` box of ``filler`` zero bytes."""
    children: list[SuperBox | ContentBox] = [ContentBox(b"free", bytes(filler))]
    return SuperBox(DescriptionBox(c2pa_uuid("c2pa"), label), children).to_bytes()
