"""Fixtures for the command-line tests: identities, small JPEGs and a runner."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator
from PIL import Image

from fakemedia.cli import main
from fakemedia.identity import IdentityPaths, create_identity

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
C2PA_FIXTURES = SHARED / "fixtures" / "c2pa-rs"
REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="session")
def identity(tmp_path_factory: pytest.TempPathFactory) -> IdentityPaths:
    return create_identity(tmp_path_factory.mktemp("id") / "identity", organization="Example News",
                           common_name="Example News signer")


@pytest.fixture(scope="session")
def encrypted_identity(tmp_path_factory: pytest.TempPathFactory) -> IdentityPaths:
    return create_identity(tmp_path_factory.mktemp("enc") / "identity", passphrase=PASSPHRASE.encode())


@pytest.fixture(autouse=True)
def isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No test touches the real home directory or inherits the caller's settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FAKEMEDIA_HOME", str(home))
    for var in ("FAKEMEDIA_KEY_PASSPHRASE", "FAKEMEDIA_TRUST_ANCHORS", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    return home


def jpeg_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (120, 30, 200)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_bytes())
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    def invoke(*args: Any, input: str | None = None) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def schema_validator(name: str) -> Draft202012Validator:
    schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def assert_valid(instance: Any, name: str) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schema_validator(name).iter_errors(instance)]
    assert not errors, errors


def assert_one_error(result: Result, code: int) -> str:
    """Exit ``code``, exactly one stderr line starting 'fakemedia: error:', no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fakemedia: error: ")
    assert "Traceback" not in result.stdout + result.stderr
    return lines[0]
