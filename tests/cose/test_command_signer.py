"""External signers: a command that holds the key signs; fakemedia never reads the key."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from fakemedia import api
from fakemedia.cose import algorithms
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.command_signer import CommandSigner, cose_signature, load_signer_files, order_chain
from fakemedia.errors import IdentityError, SigningError
from tests.conftest import make_jpeg

SCRIPT = textwrap.dedent('''
    import sys, time
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    key_path, mode = sys.argv[1], sys.argv[2]
    if mode == "fail":
        sys.stderr.write("HSM offline\\n"); sys.exit(3)
    if mode == "sleep":
        time.sleep(10)
    data = sys.stdin.buffer.read()
    if mode == "empty":
        sys.exit(0)
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), None)
    der = key.sign(data, ec.ECDSA(hashes.SHA256()))
    if mode == "raw":
        r, s = utils.decode_dss_signature(der)
        sys.stdout.buffer.write(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    elif mode == "short":
        sys.stdout.buffer.write(b"\\x01" * 7)
    elif mode == "other":
        other = ec.generate_private_key(ec.SECP256R1())
        sys.stdout.buffer.write(other.sign(data, ec.ECDSA(hashes.SHA256())))
    else:
        sys.stdout.buffer.write(der)
''')


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "hsm.py"
    path.write_text(SCRIPT)
    return path


def _command(script: Path, key: Path, mode: str) -> str:
    return f"{sys.executable} {script} {key} {mode}"


class _OpenedFiles:
    """Every file this process opens (the audit hook cannot be removed, so it is gated)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.active = False
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if self.active and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
            self.paths.append(str(args[0]))


_OPENED = _OpenedFiles()


@pytest.mark.parametrize("mode", ["der", "raw"])
def test_script_holding_the_key_signs_and_key_is_never_opened(es256, script: Path, mode: str) -> None:  # type: ignore[no-untyped-def]
    key = es256.directory / "signer.key.pem"
    signer = CommandSigner.from_files(_command(script, key, mode), es256.directory / "chain.pem")
    assert signer.algorithm is Algorithm.ES256
    _OPENED.paths.clear()
    _OPENED.active = True
    try:
        signed = api.annotate_bytes(make_jpeg(), {"modification_types": ["edited"]}, signer)
        (es256.directory / "chain.pem").read_bytes()  # proves the hook sees this process's opens
    finally:
        _OPENED.active = False
    assert any(Path(p).name == "chain.pem" for p in _OPENED.paths)
    assert not [p for p in _OPENED.paths if Path(p).name == key.name], _OPENED.paths
    report = api.verify_bytes(signed, trust_anchors=es256.anchors)
    assert report.state == "Trusted"


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", "exit status 3: HSM offline"),
    ("empty", "printed no signature"),
    ("short", "neither raw"),
    ("other", "does not verify with the leaf certificate"),
])
def test_clear_errors(es256, script: Path, mode: str, message: str) -> None:  # type: ignore[no-untyped-def]
    signer = CommandSigner.from_files(_command(script, es256.directory / "signer.key.pem", mode),
                                      es256.directory / "chain.pem")
    with pytest.raises(SigningError, match=message):
        signer.sign(b"to be signed")


def test_time_limit_and_missing_command(es256, script: Path) -> None:  # type: ignore[no-untyped-def]
    slow = CommandSigner.from_files(_command(script, es256.directory / "signer.key.pem", "sleep"),
                                    es256.directory / "chain.pem", timeout=0.5)
    with pytest.raises(SigningError, match=r"did not finish within 0\.5 s"):
        slow.sign(b"x")
    missing = CommandSigner.from_files("/nonexistent/signer --flag", es256.directory / "chain.pem")
    with pytest.raises(SigningError, match="not found"):
        missing.sign(b"x")
    with pytest.raises(SigningError, match="empty"):
        CommandSigner("", (es256.directory / "chain.pem").read_bytes())
    with pytest.raises(IdentityError, match="needs an RSA key"):
        CommandSigner("x", (es256.directory / "chain.pem").read_bytes(), algorithm="ps256")


def test_der_conversion_matches_raw(es256) -> None:  # type: ignore[no-untyped-def]
    key = serialization.load_pem_private_key((es256.directory / "signer.key.pem").read_bytes(), None)
    raw = algorithms.sign(Algorithm.ES256, key, b"m")
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    assert cose_signature(Algorithm.ES256, der) == raw
    assert cose_signature(Algorithm.ES256, raw) == raw


def test_ca_files_from_any_paths_in_any_order(es256, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chain = (es256.directory / "chain.pem").read_bytes()
    root = (es256.directory / "root-ca.cert.pem").read_bytes()
    from cryptography import x509

    certs = x509.load_pem_x509_certificates(chain)
    shuffled = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in reversed(certs)) + root
    (tmp_path / "issued-by-ca.crt").write_bytes(shuffled)
    (tmp_path / "private.key").write_bytes((es256.directory / "signer.key.pem").read_bytes())
    signer = load_signer_files(tmp_path / "issued-by-ca.crt", tmp_path / "private.key")
    assert list(signer.certificate_chain) == [c.public_bytes(serialization.Encoding.DER) for c in certs]
    assert [c.subject for c in order_chain(list(reversed(certs)))] == [c.subject for c in certs]
    signed = api.annotate_bytes(make_jpeg(), None, signer)
    assert api.verify_bytes(signed, trust_anchors=es256.anchors).state == "Trusted"
    with pytest.raises(IdentityError, match="cannot read"):
        load_signer_files(tmp_path / "nope.crt", tmp_path / "private.key")
    (tmp_path / "root-only.crt").write_bytes(root)
    with pytest.raises(IdentityError, match="matches the private key"):
        load_signer_files(tmp_path / "root-only.crt", tmp_path / "private.key")
