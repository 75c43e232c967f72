"""annotate never writes a file it could not verify: the output is checked before the rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakemedia import _io, api
from fakemedia.errors import SigningError


def test_check_failure_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"

    def refuse(data: bytes) -> None:
        assert data == b"payload"
        raise SigningError("does not verify")

    with pytest.raises(SigningError):
        _io.write_atomic(target, b"payload", check=refuse)
    assert list(tmp_path.iterdir()) == []


def test_check_failure_keeps_existing_target(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    target.write_bytes(b"old")
    with pytest.raises(SigningError):
        _io.write_atomic(target, b"new", check=lambda data: api.check_signed(data))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


def test_unsigned_jpeg_is_refused() -> None:
    jpeg = (Path(__file__).parent / "assets" / "small-exif-xmp-icc.jpg").read_bytes()
    with pytest.raises(SigningError):
        api.check_signed(jpeg)
