"""fakemedia.serve.service: the server's own inputs, checked before it starts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("starlette")  # the serve extra: skipped on a base install

from fakemedia.errors import InvalidRequest
from fakemedia.serve.service import read_token


def test_read_token_wants_16_characters_and_names_a_shared_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("  0123456789abcdef\n")
    path.chmod(0o600)
    assert read_token(path) == (b"0123456789abcdef", None)  # surrounding blanks are no part of it
    if os.name == "posix":
        path.chmod(0o644)
        assert read_token(path)[1] == f"{path} is readable by other users"
    path.write_text("short")
    with pytest.raises(InvalidRequest, match="at least 16") as short:
        read_token(path)
    with pytest.raises(InvalidRequest, match="cannot read") as missing:
        read_token(tmp_path / "absent")
    assert short.value.about == missing.value.about == "token_file"  # the CLI names --token-file
