"""Annotating over a parent manifest that does not validate: written, said plainly, exit 8, logged."""

from __future__ import annotations

import json
from pathlib import Path

from fakemedia.identity import IdentityPaths

from .conftest import Run


def _tampered_parent(run: Run, photo: Path, identity: IdentityPaths) -> Path:
    signed = photo.with_name("signed.jpg")
    made = run("annotate", photo, "--type", "edited", "-o", signed, "--identity", identity.directory)
    assert made.exit_code == 0
    data = bytearray(signed.read_bytes())
    data[-100] ^= 0xFF  # scan data: the parent's data hash no longer matches
    bad = photo.with_name("bad.jpg")
    bad.write_bytes(bytes(data))
    return bad


def test_parent_that_fails_validation_exits_8_after_writing(run: Run, photo: Path,
                                                            identity: IdentityPaths) -> None:
    bad = _tampered_parent(run, photo, identity)
    out, log = photo.with_name("out.jpg"), photo.with_name("log.jsonl")
    result = run("annotate", bad, "--type", "edited", "-o", out, "--identity", identity.directory,
                 "--log", log)
    assert result.exit_code == 8, (result.stdout, result.stderr)
    assert out.is_file()
    assert "parent:   ✘ Invalid: the new manifest is sound" in result.stdout
    assert "does not validate" in result.stderr and "Traceback" not in result.stderr
    record = json.loads(log.read_text().splitlines()[-1])
    assert record["status"] == "ok" and record["parent_state"] == "Invalid"
    # The new manifest is sound and its ingredient records the parent's failures (C2PA's
    # validationResults), so the output verifies as Valid: the log says what the parent was.
    assert record["state"] == "Valid"


def test_a_sound_parent_is_logged_as_such(run: Run, photo: Path, identity: IdentityPaths) -> None:
    first = photo.with_name("first.jpg")
    made = run("annotate", photo, "--type", "edited", "-o", first, "--identity", identity.directory)
    assert made.exit_code == 0
    log = photo.with_name("log.jsonl")
    result = run("annotate", first, "--type", "edited", "-o", photo.with_name("second.jpg"),
                 "--identity", identity.directory, "--log", log, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["parent_state"] == "Valid"
    assert json.loads(log.read_text().splitlines()[-1])["parent_state"] == "Valid"
