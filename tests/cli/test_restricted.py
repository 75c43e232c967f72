"""Restricted annotation fields and redaction through the command line: ``keys recipient``,
``annotate --restrict/--recipient/--redact``, ``verify``/``history --decrypt-key``.

Exit codes chosen for redaction: a --redact that names no assertion of the image, or one that
may never be redacted (actions, hard bindings), is a usage error for that file (2); --redact on
an image without any manifest is "no manifest" (4). Nothing is written in either case.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import cbor2
import pytest

from fakemedia.cose.recipients import write_recipient_key
from fakemedia.formats import app11
from fakemedia.identity import IdentityPaths
from fakemedia.manifest.store import parse_store

from .conftest import Run, assert_one_error, assert_valid, jpeg_bytes

AUTHOR = "Ottoline Sealed-Author 4471"
DESCRIPTION = "backdrop replaced (quartz-lantern-8812)"
SECRETS = (AUTHOR, DESCRIPTION)
PASSPHRASE = "tangerine submarine 5309"
DECRYPT_ENV = "FAKEMEDIA_DECRYPT_PASSPHRASE"


@pytest.fixture(autouse=True)
def no_decrypt_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DECRYPT_ENV, raising=False)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """name -> (private, public): two recipients of different kinds, an encrypted third, an outsider."""
    directory = tmp_path_factory.mktemp("recipients")
    return {
        "alice": write_recipient_key(directory, kind="x25519", name="alice"),
        "bob": write_recipient_key(directory, kind="p256", name="bob"),
        "carol": write_recipient_key(directory, kind="x25519", name="carol",
                                     passphrase=PASSPHRASE.encode()),
        "mallory": write_recipient_key(directory, kind="p384", name="mallory"),
    }


def _restricted(run: Run, photo: Path, identity: IdentityPaths, keys: dict[str, tuple[Path, Path]],
                *extra: object) -> Path:
    out = photo.with_name("restricted.jpg")
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--type", "edited",
                 "--author", AUTHOR, "--description", DESCRIPTION, "--region", "3,4,20,10",
                 "--restrict", "author,description", "--restrict", "regions",
                 *(arg for name in ("alice", "bob", "carol") for arg in ("--recipient", keys[name][1])),
                 *extra)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture
def sealed(run: Run, photo: Path, identity: IdentityPaths, keys: dict[str, tuple[Path, Path]]) -> Path:
    return _restricted(run, photo, identity, keys)


def _verify(run: Run, image: Path, identity: IdentityPaths, *args: object) -> tuple[int, str, str]:
    result = run("verify", image, "--trust-anchors", identity.trust_anchors, *args)
    return result.exit_code, result.stdout, result.stderr


# --- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command, options", [
    (("annotate",), ("--restrict", "--recipient", "--redact", "--redaction-reason",
                     "c2pa.trade-secret.present")),
    (("verify",), ("--decrypt-key", DECRYPT_ENV)),
    (("history",), ("--decrypt-key", DECRYPT_ENV)),
    (("keys", "recipient"), ("--kind", "x25519", "rsa", "--name", "--passphrase-env", "--force")),
])
def test_help_explains_the_options(run: Run, command: tuple[str, ...], options: tuple[str, ...]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    for option in options:
        assert option in result.stdout, option


# --- keys recipient ----------------------------------------------------------------------------


def test_keys_recipient_writes_a_pair_and_says_how_to_use_it(run: Run, tmp_path: Path) -> None:
    result = run("keys", "recipient", tmp_path / "k", "--name", "desk")
    assert result.exit_code == 0, result.stderr
    key, pub = tmp_path / "k" / "desk.key.pem", tmp_path / "k" / "desk.pub.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert b"PUBLIC KEY" in pub.read_bytes()
    assert re.search(r"recipient key [0-9a-f]{32}\b", result.stdout)
    assert f"--recipient {pub}" in result.stdout and f"--decrypt-key {key}" in result.stdout
    assert "PRIVATE KEY" not in result.stdout + result.stderr
    assert sorted(p.name for p in key.parent.iterdir()) == ["desk.key.pem", "desk.pub.pem"]


@pytest.mark.parametrize("kind", ["p256", "p384"])
def test_keys_recipient_json(run: Run, tmp_path: Path, kind: str) -> None:
    result = run("keys", "recipient", tmp_path, "--kind", kind, "--json")
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["kind"] == kind and re.fullmatch(r"[0-9a-f]{32}", info["key_id"])
    assert Path(info["private_key"]).is_file() and info["encrypted"] is False


def test_keys_recipient_refuses_to_overwrite_without_force(run: Run, tmp_path: Path) -> None:
    assert run("keys", "recipient", tmp_path).exit_code == 0
    before = (tmp_path / "recipient.key.pem").read_bytes()
    assert "already exists" in assert_one_error(run("keys", "recipient", tmp_path), 5)
    assert (tmp_path / "recipient.key.pem").read_bytes() == before
    assert run("keys", "recipient", tmp_path, "--force").exit_code == 0
    assert (tmp_path / "recipient.key.pem").read_bytes() != before


def test_keys_recipient_encrypted_via_env_leaks_nothing(run: Run, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_RECIPIENT_PW", PASSPHRASE)
    result = run("keys", "recipient", tmp_path, "--passphrase-env", "MY_RECIPIENT_PW")
    assert result.exit_code == 0, result.stderr
    pem = (tmp_path / "recipient.key.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    output = result.stdout + result.stderr
    assert PASSPHRASE not in output and "PRIVATE KEY-----" not in output
    assert "encrypted" in result.stdout
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files


def test_keys_recipient_unset_passphrase_env_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    assert_one_error(run("keys", "recipient", tmp_path, "--passphrase-env", "NO_SUCH_VAR_4471"), 2)
    assert list(tmp_path.iterdir()) == []


# --- annotate --restrict -----------------------------------------------------------------------


def test_restricted_file_holds_no_plaintext(sealed: Path) -> None:
    data = sealed.read_bytes()
    for secret in SECRETS:
        assert data.find(secret.encode()) == -1, secret


def test_annotate_reports_what_it_restricted(run: Run, photo: Path, identity: IdentityPaths,
                                             keys: dict[str, tuple[Path, Path]]) -> None:
    out = photo.with_name("restricted.jpg")
    args = ["annotate", photo, "-o", out, "--identity", identity.directory, "--author", AUTHOR,
            "--restrict", "author", "--recipient", keys["alice"][1], "--recipient", keys["bob"][1]]
    text = run(*args)
    assert text.exit_code == 0, text.stderr
    assert "restricted: 1 field, for 2 recipients: author [encrypted" in text.stdout
    document = json.loads(run(*args, "--json", "--force").stdout)
    assert document["restricted"] == {"fields": ["author"], "recipients": 2, "decrypted": False}
    assert document["redacted"] == []


def test_verify_without_key(run: Run, sealed: Path, identity: IdentityPaths) -> None:
    code, out, err = _verify(run, sealed, identity)
    assert code == 0, err
    assert out.startswith("✔ Trusted")
    assert "restricted:   3 fields, for 3 recipients: author, description, regions" in out
    assert re.search(r"author:\s+\(restricted\)", out) and re.search(r"region:\s+\(restricted\)", out)
    for secret in SECRETS:
        assert secret not in out


@pytest.mark.parametrize("command, schema", [("verify", "report"), ("history", "history")])
def test_json_without_key_has_no_plaintext(run: Run, sealed: Path, identity: IdentityPaths,
                                           command: str, schema: str) -> None:
    result = run(command, sealed, "--trust-anchors", identity.trust_anchors, "--json")
    assert result.exit_code == 0, result.stderr
    for secret in SECRETS:
        assert secret not in result.stdout
    document = json.loads(result.stdout)
    assert_valid(document, schema)
    views = document["manifests"] if command == "verify" else [document["tree"]]
    assert views[-1]["annotation"]["restricted"]["decrypted"] is False


@pytest.mark.parametrize("name", ["alice", "bob"])
def test_each_recipient_decrypts(run: Run, sealed: Path, identity: IdentityPaths,
                                 keys: dict[str, tuple[Path, Path]], name: str) -> None:
    code, out, err = _verify(run, sealed, identity, "--decrypt-key", keys[name][0])
    assert code == 0, err
    assert out.startswith("✔ Trusted")
    assert re.search(rf"author:\s+{AUTHOR}", out)
    assert re.search(rf"description:\s+{re.escape(DESCRIPTION)}", out)
    assert re.search(r"region:\s+rectangle 3,4,20,10 px", out)
    assert "[decrypted]" in out and "(restricted)" not in out
    as_json = run("verify", sealed, "--decrypt-key", keys[name][0], "--json")
    document = json.loads(as_json.stdout)
    assert_valid(document, "report")
    annotation = document["manifests"][-1]["annotation"]
    assert annotation["author"] == AUTHOR and annotation["restricted"]["decrypted"] is True


def test_history_decrypts_with_a_key(run: Run, sealed: Path, identity: IdentityPaths,
                                     keys: dict[str, tuple[Path, Path]]) -> None:
    result = run("history", sealed, "--trust-anchors", identity.trust_anchors,
                 "--decrypt-key", keys["bob"][0])
    assert result.exit_code == 0, result.stderr
    assert "restricted: 3 fields, for 3 recipients: author, description, regions [decrypted]" in result.stdout
    assert "regions: 1" in result.stdout
    document = json.loads(run("history", sealed, "--decrypt-key", keys["bob"][0], "--json").stdout)
    assert_valid(document, "history")
    assert document["tree"]["annotation"]["author"] == AUTHOR


def test_wrong_key_is_a_note_not_an_error(run: Run, sealed: Path, identity: IdentityPaths,
                                          keys: dict[str, tuple[Path, Path]]) -> None:
    code, out, err = _verify(run, sealed, identity, "--decrypt-key", keys["mallory"][0])
    assert code == 0 and err == ""
    assert "[not decrypted: none of the given keys is a recipient]" in out
    assert re.search(r"author:\s+\(restricted\)", out)
    assert AUTHOR not in out and "Traceback" not in out


def test_encrypted_key_with_passphrase_from_env(run: Run, sealed: Path, identity: IdentityPaths,
                                                keys: dict[str, tuple[Path, Path]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DECRYPT_ENV, PASSPHRASE)
    code, out, err = _verify(run, sealed, identity, "--decrypt-key", keys["carol"][0])
    assert code == 0, err
    assert AUTHOR in out
    assert PASSPHRASE not in out + err


def test_encrypted_key_passphrase_prompted_on_a_terminal(run: Run, sealed: Path,
                                                         keys: dict[str, tuple[Path, Path]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fakemedia.cli._options.on_terminal", lambda: True)
    result = run("verify", sealed, "--decrypt-key", keys["carol"][0], input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.stderr
    assert AUTHOR in result.stdout
    assert "Passphrase for" in result.stderr and PASSPHRASE not in result.stdout + result.stderr


def test_encrypted_key_wrong_passphrase_exits_5(run: Run, sealed: Path, identity: IdentityPaths,
                                                keys: dict[str, tuple[Path, Path]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DECRYPT_ENV, "not the passphrase 1234")
    result = run("verify", sealed, "--decrypt-key", keys["carol"][0])
    line = assert_one_error(result, 5)
    assert "passphrase" in line and str(keys["carol"][0]) in line
    assert result.stdout == ""
    output = result.stdout + result.stderr
    assert "not the passphrase 1234" not in output and "PRIVATE KEY" not in output


def test_encrypted_key_without_passphrase_off_a_terminal_exits_5(
        run: Run, sealed: Path, keys: dict[str, tuple[Path, Path]]) -> None:
    line = assert_one_error(run("history", sealed, "--decrypt-key", keys["carol"][0]), 5)
    assert DECRYPT_ENV in line


def test_bad_decrypt_key_files(run: Run, sealed: Path, tmp_path: Path,
                               keys: dict[str, tuple[Path, Path]]) -> None:
    assert_one_error(run("verify", sealed, "--decrypt-key", tmp_path / "missing.pem"), 2)
    line = assert_one_error(run("verify", sealed, "--decrypt-key", keys["alice"][1]), 5)
    assert "alice.pub.pem" in line


def test_flipped_ciphertext_is_invalid_and_shows_nothing(run: Run, sealed: Path, identity: IdentityPaths,
                                                         keys: dict[str, tuple[Path, Path]]) -> None:
    data = sealed.read_bytes()
    location = app11.find_c2pa_store(data)
    assert location is not None
    custom = parse_store(location.jumbf).active.assertion("org.fakemedia.annotation")  # type: ignore[union-attr]
    ciphertext = cbor2.loads(custom.content()["restricted"]["cose_encrypt"]).value[2]  # type: ignore[union-attr]
    at = data.find(ciphertext) + len(ciphertext) // 3
    sealed.write_bytes(data[:at] + bytes([data[at] ^ 0x80]) + data[at + 1:])
    code, out, err = _verify(run, sealed, identity, "--decrypt-key", keys["alice"][0])
    assert code == 1
    assert out.startswith("✘ Invalid") and "assertion.hashedURI.mismatch" in out
    assert "not decrypted" in out and AUTHOR not in out and "Traceback" not in out + err


def test_restricted_and_compressed(run: Run, photo: Path, identity: IdentityPaths,
                                   keys: dict[str, tuple[Path, Path]]) -> None:
    out = _restricted(run, photo, identity, keys, "--compress")
    code, text, err = _verify(run, out, identity, "--decrypt-key", keys["alice"][0])
    assert code == 0, err
    assert text.startswith("✔ Trusted") and AUTHOR in text


@pytest.mark.parametrize("args, message", [
    (["--restrict", "author"], "--restrict needs at least one --recipient"),
    (["--recipient", "{pub}"], "--recipient is only used with --restrict"),
    (["--restrict", "author,modification_types", "--recipient", "{pub}"], "cannot be restricted"),
    (["--restrict", "author", "--recipient", "{missing}"], "cannot read"),
    (["--restrict", "author", "--recipient", "{photo}"], "not a PEM public key"),
    (["--restrict", "author", "--recipient", "{key}"], "not a PEM public key"),
    (["--redaction-reason", "c2pa.PII.present"], "only used with --redact"),
    (["--redaction-reason", "because", "--redact", "x"], "Invalid value for '--redaction-reason'"),
])
def test_restriction_usage_errors(run: Run, photo: Path, identity: IdentityPaths,
                                  keys: dict[str, tuple[Path, Path]], args: list[str], message: str) -> None:
    values = {"pub": keys["alice"][1], "key": keys["alice"][0], "photo": photo,
              "missing": photo.with_name("missing.pem")}
    out = photo.with_name("out.jpg")
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--author", AUTHOR,
                 *(a.format(**values) for a in args))
    assert message in assert_one_error(result, 2)
    assert not out.exists()


# --- annotate --redact -------------------------------------------------------------------------


@pytest.fixture
def parent(run: Run, photo: Path, identity: IdentityPaths) -> Path:
    out = photo.with_name("parent.jpg")
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--type", "edited",
                 "--author", AUTHOR)
    assert result.exit_code == 0, result.stderr
    return out


def test_redaction_through_the_cli(run: Run, parent: Path, identity: IdentityPaths) -> None:
    assert parent.read_bytes().find(AUTHOR.encode()) > 0
    redacted, top = parent.with_name("redacted.jpg"), parent.with_name("top.jpg")
    result = run("annotate", parent, "-o", redacted, "--identity", identity.directory, "--type", "enhanced",
                 "--redact", "org.fakemedia.annotation", "--redaction-reason", "c2pa.government.confidential",
                 "--json")
    assert result.exit_code == 0, result.stderr
    uri = json.loads(result.stdout)["redacted"][0]
    assert uri.startswith("self#jumbf=/c2pa/urn:")
    assert uri.endswith("/c2pa.assertions/org.fakemedia.annotation")
    assert redacted.read_bytes().find(AUTHOR.encode()) == -1

    location = app11.find_c2pa_store(redacted.read_bytes())
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None and (active.claim or {})["redacted_assertions"] == [uri]
    actions = active.assertion("c2pa.actions.v2").content()["actions"]  # type: ignore[union-attr]
    assert {"action": "c2pa.redacted", "reason": "c2pa.government.confidential",
            "parameters": {"redacted": uri}} in actions

    again = run("annotate", redacted, "-o", top, "--identity", identity.directory, "--type", "composed")
    assert again.exit_code == 0, again.stderr
    history = run("history", top, "--trust-anchors", identity.trust_anchors)
    assert history.exit_code == 0, history.stderr
    assert "3 steps, oldest first (overall: ✔ Trusted)" in history.stdout
    assert history.stdout.count("[✔ Trusted]") == 3
    code, out, _ = _verify(run, top, identity)
    assert code == 0 and out.startswith("✔ Trusted")


def test_redaction_human_output(run: Run, parent: Path, identity: IdentityPaths) -> None:
    out = parent.with_name("r.jpg")
    result = run("annotate", parent, "-o", out, "--identity", identity.directory,
                 "--redact", "org.fakemedia.annotation")
    assert result.exit_code == 0, result.stderr
    uri = r"self#jumbf=/c2pa/urn:c2pa:[0-9a-f-]+/c2pa.assertions/org.fakemedia.annotation"
    assert re.search(rf"redacted: {uri}", result.stdout)


@pytest.mark.parametrize("label, message", [
    ("c2pa.actions.v2", "actions and hard bindings cannot be redacted"),
    ("c2pa.hash.data", "actions and hard bindings cannot be redacted"),
    ("org.example.not-there", "no such assertion"),
    ("urn:c2pa:00000000-0000-0000-0000-000000000000/org.fakemedia.annotation", "no such assertion"),
])
def test_refused_redaction_exits_2_and_writes_nothing(run: Run, parent: Path, identity: IdentityPaths,
                                                      label: str, message: str) -> None:
    out = parent.with_name("never.jpg")
    result = run("annotate", parent, "-o", out, "--identity", identity.directory, "--redact", label)
    line = assert_one_error(result, 2)
    assert message in line and "parent.jpg" in line
    assert not out.exists()
    assert [p.name for p in parent.parent.iterdir() if p.name.startswith(".")] == []


def test_redaction_without_a_manifest_exits_4(run: Run, photo: Path, identity: IdentityPaths) -> None:
    out = photo.with_name("never.jpg")
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--redact", "x")
    assert "no C2PA manifest" in assert_one_error(result, 4)
    assert not out.exists()


def test_batch_redaction_keeps_going(run: Run, parent: Path, identity: IdentityPaths, tmp_path: Path) -> None:
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(jpeg_bytes())
    outdir = tmp_path / "out"
    outdir.mkdir()
    result = run("annotate", parent, plain, "-o", outdir, "--identity", identity.directory,
                 "--redact", "org.fakemedia.annotation")
    assert result.exit_code == 7
    assert (outdir / "parent.jpg").is_file() and not (outdir / "plain.jpg").exists()
    assert "plain.jpg" in result.stderr and "no C2PA manifest" in result.stderr
