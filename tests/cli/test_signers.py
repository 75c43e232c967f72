"""``annotate --signer-cmd`` (a command holds the key) and ``--cert/--key`` from any paths."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from fakemedia.identity import IdentityPaths
from tests.cli.conftest import Run, assert_one_error

_SIGNER = '''
import sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
sys.stdout.buffer.write(key.sign(sys.stdin.buffer.read(), ec.ECDSA(hashes.SHA256())))
'''


def _trusted(run: Run, image: Path, identity: IdentityPaths) -> None:
    result = run("verify", image, "--json", "--trust-anchors", identity.trust_anchors)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "Trusted"


def test_signer_command_holds_the_key(run: Run, photo: Path, identity: IdentityPaths, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    key = vault / "hsm-key.pem"
    shutil.copy(identity.signer_key, key)
    script = tmp_path / "sign.py"
    script.write_text(_SIGNER)
    opened: list[str] = []
    real_open = Path.open

    def watching(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", watching)
    out = tmp_path / "out.jpg"
    result = run("annotate", photo, "-o", out, "--type", "edited",
                 "--signer-cmd", f"{sys.executable} {script} {key}", "--cert", identity.chain)
    assert result.exit_code == 0, result.stderr
    assert str(key) not in opened  # the key file is the command's alone
    monkeypatch.undo()
    _trusted(run, out, identity)


def test_cert_and_key_from_any_paths(run: Run, photo: Path, identity: IdentityPaths,
                                     tmp_path: Path) -> None:
    cert, key = tmp_path / "issued-by-ca.crt", tmp_path / "private.key"
    shutil.copy(identity.chain, cert)
    shutil.copy(identity.signer_key, key)
    out = tmp_path / "out.jpg"
    result = run("annotate", photo, "-o", out, "--type", "edited", "--cert", cert, "--key", key)
    assert result.exit_code == 0, result.stderr
    _trusted(run, out, identity)
    assert "--cert" in assert_one_error(run("annotate", photo, "-o", tmp_path / "x.jpg", "--type",
                                            "edited", "--key", key), 2)
    failing = run("annotate", photo, "-o", tmp_path / "y.jpg", "--type", "edited",
                  "--signer-cmd", f"{sys.executable} -c 'import sys; sys.exit(3)'", "--cert", cert)
    assert_one_error(failing, 5)
    assert not (tmp_path / "y.jpg").exists()
