"""annotate → verify → history through the command line, with JSON checked against the schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakemedia.identity import IdentityPaths

from .conftest import C2PA_FIXTURES, Run, assert_one_error, assert_valid, jpeg_bytes, sha


def _chain(run: Run, photo: Path, identity: IdentityPaths) -> Path:
    """Three signed steps: edited (detector 0.8), enhanced (human 0.3), composed."""
    first = photo.with_name("step1.jpg")
    second = photo.with_name("step2.jpg")
    third = photo.with_name("step3.jpg")
    steps = [
        (photo, first, ["--type", "edited", "--purpose", "journalism", "--region", "1,2,10,10",
                        "--probability", "0.8", "--method-name", "detectorX"]),
        (first, second, ["--type", "enhanced", "--probability", "0.3", "--assessor", "Ann Editor"]),
        (second, third, ["--type", "composed", "--region-percent", "0,0,50,50"]),
    ]
    for src, out, flags in steps:
        result = run("annotate", src, "-o", out, "--identity", identity.directory, *flags)
        assert result.exit_code == 0, result.stderr
        assert f"Wrote {out}" in result.stdout
    return third


def test_annotate_verify_history(run: Run, photo: Path, identity: IdentityPaths) -> None:
    before = sha(photo)
    signed = _chain(run, photo, identity)
    assert sha(photo) == before  # the input is never touched without --in-place

    trusted = run("verify", signed, "--trust-anchors", identity.trust_anchors)
    assert trusted.exit_code == 0
    assert trusted.stdout.startswith("✔ Trusted: signed by Example News")
    assert "content unchanged since signing" in trusted.stdout.splitlines()[0]

    valid = run("verify", signed)
    assert valid.exit_code == 0
    assert valid.stdout.startswith("✔ Valid (signer not in your trust list)")
    assert "--trust-anchors" in valid.stdout  # says how to trust the signer

    history = run("history", signed, "--trust-anchors", identity.trust_anchors)
    assert history.exit_code == 0, history.stderr
    text = history.stdout
    assert "3 steps, oldest first" in text
    positions = [text.index(f"{n}. ") for n in (1, 2, 3)]
    assert positions == sorted(positions)
    ends = [*positions[1:], len(text)]
    step1, step2, step3 = (text[start:end] for start, end in zip(positions, ends, strict=True))
    assert "edited" in step1 and "journalism" in step1 and "detectorX" in step1
    assert "enhanced" in step2 and "Ann Editor" in step2 and "−0.50" in step2
    assert "composed" in step3
    assert "0.80 → 0.30 → —" in text


def test_json_outputs_match_schemas(run: Run, photo: Path, identity: IdentityPaths) -> None:
    signed = _chain(run, photo, identity)
    report = json.loads(run("verify", signed, "--json", "--trust-anchors", identity.trust_anchors).stdout)
    assert_valid(report, "report")
    assert report["state"] == "Trusted" and len(report["manifests"]) == 3

    history = json.loads(run("history", signed, "--json").stdout)
    assert_valid(history, "history")
    assert [c["modification_types"] for c in history["chain"]] == [["edited"], ["enhanced"], ["composed"]]
    assert history["probability_trend"] == [0.8, 0.3, None]

    out = photo.with_name("json.jpg")
    result = run("annotate", photo, "-o", out, "--identity", identity.directory, "--type", "restored",
                 "--json", "--trust-anchors", identity.trust_anchors)
    annotated = json.loads(result.stdout)
    assert annotated["output"] == str(out)
    assert annotated["manifest"].startswith("urn:c2pa:")
    assert annotated["annotation"]["modification_types"] == ["restored"]
    assert annotated["state"] == "Trusted"
    assert annotated["signer"]["organization"] == "Example News"


def test_json_for_unsigned_and_tampered_files_matches_schemas(
        run: Run, photo: Path, identity: IdentityPaths) -> None:
    none = run("verify", photo, "--json")
    assert none.exit_code == 4
    assert_valid(json.loads(none.stdout), "report")
    assert_valid(json.loads(run("history", photo, "--json").stdout), "history")
    signed = _chain(run, photo, identity)
    tampered = signed.with_name("tampered.jpg")
    data = bytearray(signed.read_bytes())
    data[-200] ^= 0xFF
    tampered.write_bytes(bytes(data))
    result = run("verify", tampered, "--json")
    report = json.loads(result.stdout)
    assert_valid(report, "report")
    assert "assertion.dataHash.mismatch" in report["failures"]


def test_default_identity_notice_once(run: Run, photo: Path, isolated_home: Path) -> None:
    first = run("annotate", photo, "--type", "edited")
    assert first.exit_code == 0, first.stderr
    anchors = isolated_home / "identity" / "trust-anchors.pem"
    assert "local, untrusted test identity" in first.stderr
    assert f"--trust-anchors {anchors}" in first.stderr
    assert anchors.is_file()
    second = run("annotate", photo, "--type", "edited", "-o", photo.with_name("again.jpg"))
    assert second.exit_code == 0
    assert second.stderr == ""
    # Its manifests are Valid, Trusted only with the anchor: never silently trusted.
    signed = photo.with_name("photo.signed.jpg")
    plain = run("verify", signed)
    assert plain.stdout.startswith("✔ Valid")
    assert "local test identity" in plain.stdout
    assert run("verify", signed, "--trust-anchors", anchors).stdout.startswith("✔ Trusted")


def test_trust_anchors_from_environment(run: Run, photo: Path, identity: IdentityPaths,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    run("annotate", photo, "--identity", identity.directory, "--type", "edited")
    monkeypatch.setenv("FAKEMEDIA_TRUST_ANCHORS", str(identity.trust_anchors))
    assert run("verify", photo.with_name("photo.signed.jpg")).stdout.startswith("✔ Trusted")
    # A directory stands for its trust-anchors.pem.
    monkeypatch.delenv("FAKEMEDIA_TRUST_ANCHORS")
    result = run("verify", photo.with_name("photo.signed.jpg"), "--trust-anchors", identity.directory)
    assert result.stdout.startswith("✔ Trusted")


def test_in_place(run: Run, photo: Path, identity: IdentityPaths) -> None:
    before = sha(photo)
    result = run("annotate", photo, "--in-place", "--identity", identity.directory, "--type", "edited")
    assert result.exit_code == 0
    assert sha(photo) != before
    assert run("verify", photo).exit_code == 0
    assert sorted(p.name for p in photo.parent.iterdir()) == ["photo.jpg"]


def test_output_paths(run: Run, photo: Path, identity: IdentityPaths, tmp_path: Path) -> None:
    ident = ("--identity", identity.directory, "--type", "edited")
    # Default: <stem>.signed.jpg beside the input.
    assert run("annotate", photo, *ident).exit_code == 0
    assert photo.with_name("photo.signed.jpg").is_file()
    # An existing directory receives the file under its own name.
    outdir = tmp_path / "out"
    outdir.mkdir()
    assert run("annotate", photo, "-o", outdir, *ident).exit_code == 0
    assert (outdir / "photo.jpg").is_file()
    # An existing file is replaced (atomically) only with --force, keeping the input's permissions.
    target = tmp_path / "existing.jpg"
    target.write_bytes(b"old")
    assert_one_error(run("annotate", photo, "-o", target, *ident), 2)
    assert target.read_bytes() == b"old"
    assert run("annotate", photo, "-o", target, "--force", *ident).exit_code == 0
    assert run("verify", target).exit_code == 0
    assert target.stat().st_mode & 0o777 == photo.stat().st_mode & 0o777
    # Refused before anything is written: the input itself, a missing directory, both modes.
    listing = sorted(p.name for p in tmp_path.iterdir())
    assert_one_error(run("annotate", photo, "-o", photo, *ident), 2)
    assert_one_error(run("annotate", photo, "-o", tmp_path / "nodir" / "x.jpg", *ident), 2)
    assert_one_error(run("annotate", photo, "-o", target, "--in-place", *ident), 2)
    assert_one_error(run("annotate", photo, "-o", tmp_path, *ident), 2)  # dir/photo.jpg is the input
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_annotation_file_with_flag_overrides(run: Run, photo: Path, identity: IdentityPaths) -> None:
    ann = photo.with_name("ann.json")
    ann.write_text(json.dumps({
        "modification_types": ["synthetic"], "purpose": "satire", "author": "File Author",
        "probability": {"value": 0.9, "method": "algorithmic", "name": "fromfile"},
        "description": "from the file",
    }))
    digest = "ab" * 32
    result = run("annotate", photo, "--annotation", ann, "--identity", identity.directory, "--json",
                 "--author", "Flag Author", "--probability", "0.6",
                 "--reference", "https://example.org/a", "--reference-sha256", digest.upper(),
                 "--reference", "https://example.org/b")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)["annotation"]
    assert got["modification_types"] == ["synthetic"] and got["purpose"] == "satire"
    assert got["author"] == "Flag Author" and got["description"] == "from the file"
    assert got["probability"] == {"value": 0.6, "of": "synthetic", "method": "algorithmic",
                                  "name": "fromfile", "calibrated": False}
    assert got["references"] == [{"url": "https://example.org/a", "hash_alg": "sha256", "hash": digest},
                                 {"url": "https://example.org/b"}]
    history = json.loads(run("history", photo.with_name("photo.signed.jpg"), "--json").stdout)
    assert history["chain"][-1]["purpose"] == "satire"


def test_human_probability_switches_method(run: Run, photo: Path, identity: IdentityPaths) -> None:
    result = run("annotate", photo, "--identity", identity.directory, "--json", "--type", "deepfaked",
                 "--probability", "0.95", "--assessor", "Desk editor")
    assert result.exit_code == 0, result.stderr
    prob = json.loads(result.stdout)["annotation"]["probability"]
    assert prob["method"] == "human" and prob["assessor"] == "Desk editor" and "name" not in prob


def test_history_tree_and_foreign_files(run: Run, photo: Path, identity: IdentityPaths) -> None:
    signed = _chain(run, photo, identity)
    tree = run("history", signed, "--tree")
    assert "Ingredient tree:" in tree.stdout
    assert "└── parentOf:" in tree.stdout
    foreign = C2PA_FIXTURES / "adobe-20220124-E-clm-CAICAI.jpg"
    if not foreign.is_file():
        pytest.skip("shared c2pa-rs fixtures not present")
    result = run("history", foreign)  # two ingredients: the tree is drawn unasked
    assert "├── parentOf:" in result.stdout and "└── componentOf:" in result.stdout
    assert result.exit_code == 1  # that file is Invalid (a tampered assertion)
    trusted = run("history", C2PA_FIXTURES / "CACA.jpg", "--trust-anchors",
                  C2PA_FIXTURES / "test_cert_root_bundle.pem")
    assert trusted.exit_code == 0
    assert "2 steps, oldest first" in trusted.stdout


def test_foreign_verify_human_output(run: Run) -> None:
    xca = C2PA_FIXTURES / "XCA.jpg"
    cloud = C2PA_FIXTURES / "cloud.jpg"
    if not (xca.is_file() and cloud.is_file()):
        pytest.skip("shared c2pa-rs fixtures not present")
    result = run("verify", xca)
    assert result.stdout.startswith(
        "✘ Invalid: the image was changed after signing (assertion.dataHash.mismatch)")
    assert_one_error(result, 1)
    remote = run("verify", cloud)
    assert "remote manifests are not fetched" in remote.stdout.splitlines()[0]
    assert_one_error(remote, 4)


def test_strip(run: Run, photo: Path, identity: IdentityPaths) -> None:
    run("annotate", photo, "--identity", identity.directory)
    out = photo.with_name("stripped.jpg")
    result = run("strip", photo.with_name("photo.signed.jpg"), "-o", out)
    assert result.exit_code == 0
    assert out.read_bytes() == photo.read_bytes()  # a fresh JPEG gains only the APP11 store
    assert_one_error(run("verify", out), 4)
    assert_one_error(run("strip", photo, "-o", photo.with_name("x.jpg")), 4)


def test_batch(run: Run, tmp_path: Path, identity: IdentityPaths) -> None:
    good = [tmp_path / f"img{i}.jpg" for i in range(4)]
    for i, path in enumerate(good):
        path.write_bytes(jpeg_bytes(colour=(i * 40, 10, 10)))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg at all")
    outdir = tmp_path / "signed"
    outdir.mkdir()
    result = run("annotate", *good[:2], bad, *good[2:], "-o", outdir, "--identity", identity.directory,
                 "--type", "edited")
    assert result.exit_code == 7
    assert sorted(p.name for p in outdir.iterdir()) == sorted(p.name for p in good)
    assert "bad.jpg" in result.stderr
    assert result.stderr.splitlines()[-1] == "fakemedia: error: 1 of 5 files failed"

    signed = sorted(outdir.iterdir())
    ok = run("verify", *signed, "--trust-anchors", identity.trust_anchors)
    assert ok.exit_code == 0 and ok.stdout.count("✔ Trusted: signed by") == 4
    mixed = run("verify", *signed, good[0], bad, "--json")
    assert mixed.exit_code == 7
    items = json.loads(mixed.stdout)
    assert len(items) == 6
    for item in items[:5]:
        assert_valid(item, "report")
    assert items[5]["exit_code"] == 3 and "bad.jpg" in items[5]["source"]

    # Several inputs need a directory for -o.
    assert_one_error(run("annotate", *good, "-o", tmp_path / "file.jpg", "--identity", identity.directory), 2)
    assert not (tmp_path / "file.jpg").exists()


def test_keys_init_and_show(run: Run, tmp_path: Path, photo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "keys"
    monkeypatch.setenv("MY_PASS", "s3cret")
    result = run("keys", "init", directory, "--algorithm", "ed25519", "--organization", "Desk",
                 "--passphrase-env", "MY_PASS", "--json")
    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["algorithm"] == "ed25519" and info["encrypted"] is True
    assert info["signer"]["organization"] == "Desk"
    assert info["trust_anchors"] == str(directory / "trust-anchors.pem")
    shown = run("keys", "show", directory)
    assert "ed25519" in shown.stdout and "trust-anchors.pem" in shown.stdout
    assert_one_error(run("keys", "init", directory), 5)  # exists: needs --force
    assert run("keys", "init", directory, "--force").exit_code == 0
    assert_one_error(run("keys", "show", tmp_path / "nothing"), 5)
    assert_one_error(run("keys", "init", tmp_path / "k2", "--passphrase-env", "UNSET_VAR_X"), 2)


def test_encrypted_identity(run: Run, photo: Path, encrypted_identity: IdentityPaths,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    ident = ("--identity", encrypted_identity.directory)
    # No passphrase and no terminal to ask on: a one-line signing error.
    assert_one_error(run("annotate", photo, *ident), 5)
    monkeypatch.setenv("FAKEMEDIA_KEY_PASSPHRASE", "correct horse battery staple")
    assert run("annotate", photo, *ident).exit_code == 0


@pytest.mark.parametrize("name", ["annotation", "report", "history"])
def test_schema_command(run: Run, name: str) -> None:
    result = run("schema", name)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{name}.schema.json")


def test_schemas_reject_wrong_shapes() -> None:
    from .conftest import schema_validator

    assert not schema_validator("report").is_valid({"manifest_found": "yes"})
    assert not schema_validator("history").is_valid({"chain": [{"label": 1}]})
