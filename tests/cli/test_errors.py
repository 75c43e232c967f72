"""Bad input: one 'fakemedia: error:' line, the documented exit code, no traceback, no leftovers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fakemedia.identity import IdentityPaths

from .conftest import REPO, Run, assert_one_error, jpeg_bytes

Setup = Callable[[Path, IdentityPaths, IdentityPaths], list[object]]


def _signed(tmp: Path, identity: IdentityPaths) -> Path:
    from fakemedia import api
    from fakemedia.identity import load_identity

    src = tmp / "src.jpg"
    src.write_bytes(jpeg_bytes())
    return api.annotate_file(src, {"modification_types": ["edited"]}, load_identity(identity.directory),
                             output=tmp / "signed.jpg")


def _write(tmp: Path, name: str, data: bytes | str) -> Path:
    path = tmp / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _tampered(tmp: Path, identity: IdentityPaths) -> Path:
    data = bytearray(_signed(tmp, identity).read_bytes())
    data[-200] ^= 0xFF
    return _write(tmp, "tampered.jpg", bytes(data))


def _ident(identity: IdentityPaths) -> list[object]:
    return ["--identity", identity.directory]


CASES: dict[str, tuple[int, Setup]] = {
    "annotate-not-jpeg": (3, lambda t, i, e: ["annotate", _write(t, "x.jpg", "hello"), *_ident(i)]),
    "annotate-truncated": (3, lambda t, i, e: ["annotate", _write(t, "x.jpg", jpeg_bytes()[:339]),
                                               *_ident(i)]),
    # Cut inside the scan data: the header is whole but the picture is not (no EOI).
    "annotate-truncated-scan": (3, lambda t, i, e: ["annotate", _write(t, "x.jpg", jpeg_bytes()[:-40]),
                                                    "--no-detect", "--type", "edited", *_ident(i)]),
    "annotate-missing": (3, lambda t, i, e: ["annotate", t / "missing.jpg", *_ident(i)]),
    # A folder argument means its JPEGs: an empty one leaves nothing to do (usage error).
    "annotate-directory": (2, lambda t, i, e: ["annotate", t, "-o", t / "o.jpg", *_ident(i)]),
    "annotate-wrong-passphrase": (5, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                      "--identity", e.directory]),
    "annotate-no-identity": (5, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                 "--identity", t / "noid"]),
    "unknown-type": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()), "--type", "forged"]),
    "unknown-purpose": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()), "--purpose", "x"]),
    "probability-range": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                              "--probability", "1.5", "--method-name", "d"]),
    "probability-no-name": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                "--probability", "0.5", *_ident(i)]),
    "other-needs-text": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                             "--purpose", "other", *_ident(i)]),
    "original-plus-edited": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                 "--type", "original", "--type", "edited"]),
    "sha-without-reference": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                  "--reference-sha256", "00" * 32]),
    "bad-reference-url": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                              "--reference", "not a url"]),
    "annotation-not-json": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                "--annotation", _write(t, "a.json", "{oops")]),
    "annotation-not-object": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                                  "--annotation", _write(t, "a.json", "[1, 2]")]),
    "annotation-schema": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()), "--annotation",
                                              _write(t, "a.json", json.dumps({"purpose": "x"}))]),
    "annotation-missing": (2, lambda t, i, e: ["annotate", _write(t, "p.jpg", jpeg_bytes()),
                                               "--annotation", t / "none.json"]),
    "verify-plain-jpeg": (4, lambda t, i, e: ["verify", _write(t, "p.jpg", jpeg_bytes())]),
    "verify-tampered": (1, lambda t, i, e: ["verify", _tampered(t, i)]),
    "verify-not-jpeg": (3, lambda t, i, e: ["verify", _write(t, "x.jpg", b"\x00" * 100)]),
    "verify-truncated": (3, lambda t, i, e: ["verify", _write(t, "x.jpg", _signed(t, i).read_bytes()[:300])]),
    "verify-missing": (3, lambda t, i, e: ["verify", t / "missing.jpg"]),
    "verify-bad-anchors": (2, lambda t, i, e: ["verify", _signed(t, i), "--trust-anchors",
                                               _write(t, "a.pem", "not a certificate")]),
    "history-plain-jpeg": (4, lambda t, i, e: ["history", _write(t, "p.jpg", jpeg_bytes())]),
    "unknown-option": (2, lambda t, i, e: ["verify", "--frobnicate", "x.jpg"]),
    "unknown-command": (2, lambda t, i, e: ["frobnicate"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case: str, run: Run, tmp_path: Path, identity: IdentityPaths,
                   encrypted_identity: IdentityPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    code, setup = CASES[case]
    if case == "annotate-wrong-passphrase":
        monkeypatch.setenv("FAKEMEDIA_KEY_PASSPHRASE", "wrong")
    args = setup(tmp_path, identity, encrypted_identity)
    before = sorted(p.name for p in tmp_path.iterdir())  # hidden temp files included
    assert_one_error(run(*args), code)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "region", ["1,2,3", "a,b,c,d", "1,2,0,5", "-1,0,2,2", "1,2,3,4,5", "nan,1,2,3", ""])
def test_bad_region(region: str, run: Run, photo: Path) -> None:
    message = assert_one_error(run("annotate", photo, "--region", region), 2)
    assert "--region" in message
    assert sorted(p.name for p in photo.parent.iterdir()) == ["photo.jpg"]


def test_bad_percent_region(run: Run, photo: Path) -> None:
    assert_one_error(run("annotate", photo, "--region-percent", "60,0,50,10"), 2)


def test_usage_error_does_not_create_identity(run: Run, photo: Path, isolated_home: Path) -> None:
    assert_one_error(run("annotate", photo, "--type", "nope"), 2)
    assert not (isolated_home / "identity").exists()


def test_internal_error_is_one_line(run: Run, photo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakemedia import api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unexpected\nmulti-line failure")

    monkeypatch.setattr(api, "verify_asset", boom)
    message = assert_one_error(run("verify", photo), 70)
    assert "internal error: RuntimeError: unexpected multi-line failure" in message


def test_keyboard_interrupt(run: Run, photo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakemedia import api

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "verify_asset", interrupted)
    assert assert_one_error(run("verify", photo), 130) == "fakemedia: error: interrupted"


def test_verbose_shows_traceback(run: Run, tmp_path: Path) -> None:
    bad = _write(tmp_path, "x.jpg", "hello")
    result = run("-v", "verify", bad)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("fakemedia: error: ")


def test_verify_and_history_never_import_torch(tmp_path: Path, identity: IdentityPaths) -> None:
    signed = _signed(tmp_path, identity)
    code = (
        "import sys\n"
        "import fakemedia.cli as cli\n"
        f"assert cli.main(['verify', {str(signed)!r}], standalone_mode=False) == 0\n"
        f"assert cli.main(['history', '--tree', {str(signed)!r}], standalone_mode=False) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sklearn'))\n"
        "assert not heavy, heavy\n"
        "print('clean')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("clean")


@pytest.mark.parametrize(("args", "line"), [
    (["--annotation", "bad.json"], "Invalid value for --annotation: bad.json is not valid JSON"),
    (["--method", "human"], "error: --method, --method-name and --assessor need --probability"),
    (["--reference-sha256", "ab"], "error: more --reference-sha256 values than --reference URLs"),
    (["--restrict", "author", "--recipient", "junk.pem"], "Invalid value for --recipient: junk.pem"),
    (["--trust-anchors", "junk.pem"], "Invalid value for --trust-anchors: junk.pem holds no readable"),
    (["-o", "a.jpg"], "Invalid value for -o/--output: a.jpg would overwrite the input; use "
                      "--in-place for that"),
    (["--thumbnail-quality", "500"], "Invalid value for --thumbnail-quality: "),
])
def test_library_refusals_name_the_flag_they_are_about(
        run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, identity: IdentityPaths,
        args: list[str], line: str) -> None:
    # The library says what is wrong (InvalidRequest.about); the command line names the flag.
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.jpg", jpeg_bytes())
    _write(tmp_path, "bad.json", "{")
    _write(tmp_path, "junk.pem", "hello")
    shown = assert_one_error(run("annotate", "a.jpg", "--type", "edited", *_ident(identity), *args), 2)
    assert line in shown and shown.endswith(" annotate --help')")


def test_decrypt_key_and_passphrase_env_refusals_name_their_flags(run: Run, tmp_path: Path) -> None:
    image = _write(tmp_path, "a.jpg", jpeg_bytes())
    assert "Invalid value for --decrypt-key: cannot read" in assert_one_error(
        run("verify", image, "--decrypt-key", tmp_path / "missing.pem"), 2)
    assert "Invalid value for --passphrase-env: environment variable FM_UNSET_VAR is unset" in \
        assert_one_error(run("keys", "init", tmp_path / "k", "--passphrase-env", "FM_UNSET_VAR"), 2)
