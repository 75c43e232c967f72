"""fakemedia.inputs: trust-anchor, key and annotation files and values read and checked once; a
bad one is an InvalidRequest naming what it is about (never a command-line flag)."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest

from fakemedia import api, inputs
from fakemedia.errors import FakemediaError, InvalidRequest, SigningError
from fakemedia.identity import create_identity


@pytest.fixture(scope="module")
def ident(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_identity(tmp_path_factory.mktemp("inputs") / "identity").directory


def _about(excinfo: pytest.ExceptionInfo[InvalidRequest]) -> str | None:
    assert "--" not in str(excinfo.value)
    return excinfo.value.about


def test_api_re_exports_the_readers() -> None:
    assert api.read_trust_anchors is inputs.read_trust_anchors and api.Trust is inputs.Trust


def test_about_survives_pickling() -> None:
    exc = pickle.loads(pickle.dumps(InvalidRequest("x", "recipient")))
    assert str(exc) == "x" and exc.about == "recipient" and exc.exit_code == 2


def test_trust_anchors_from_files_directories_and_the_environment(
        ident: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pem = (ident / inputs.ANCHORS_FILE).read_bytes()
    assert inputs.read_trust_anchors([ident]) == [pem]  # a directory means its anchor file
    monkeypatch.setenv(inputs.ENV_TRUST_ANCHORS, str(ident / inputs.ANCHORS_FILE))
    assert inputs.read_trust_anchors([]) == [pem]
    assert inputs.read_trust_anchors([], use_env=False) == []
    (tmp_path / "junk.pem").write_text("hello")
    with pytest.raises(InvalidRequest, match="holds no readable certificate") as bad:
        inputs.read_trust_anchors([tmp_path / "junk.pem"], about="tsa_anchors")
    assert _about(bad) == "tsa_anchors"
    with pytest.raises(InvalidRequest, match="cannot read") as missing:
        inputs.read_trust_anchors([tmp_path / "missing.pem"])
    assert _about(missing) == "trust_anchors"


def test_load_trust_checks_the_config_once(ident: Path, tmp_path: Path) -> None:
    trust = inputs.load_trust([ident])
    assert trust == inputs.Trust([(ident / inputs.ANCHORS_FILE).read_bytes()])
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InvalidRequest) as bad:
        inputs.load_trust([], tmp_path / "bad.json")
    assert _about(bad) == "trust_config"


def test_key_files_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.pem"
    big.write_bytes(b"x" * (inputs.MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(InvalidRequest, match="larger than any key file") as caught:
        inputs.read_key_file(big, "recipient")
    assert _about(caught) == "recipient"


def test_recipients_must_be_public_keys(tmp_path: Path) -> None:
    written = api.write_recipient_key(tmp_path, name="r")
    assert inputs.read_recipients([written["public_key"]]) == (written["public_key"].read_bytes(),)
    (tmp_path / "junk.pem").write_text("hello")
    with pytest.raises(InvalidRequest, match=re.escape("junk.pem")) as caught:
        inputs.read_recipients([tmp_path / "junk.pem"])
    assert _about(caught) == "recipient"


def test_passphrases_come_from_the_environment_else_the_prompt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = api.write_recipient_key(tmp_path, name="locked", passphrase=b"secret")
    key = written["private_key"]
    monkeypatch.delenv(inputs.ENV_DECRYPT_PASSPHRASE, raising=False)
    with pytest.raises(SigningError, match="run on a terminal"):
        inputs.decrypt_key_material([key])
    asked: list[str] = []
    material = inputs.decrypt_key_material([key], lambda label: asked.append(label) or b"secret")
    assert asked == [str(key)] and material[0][1] == b"secret"
    with pytest.raises(SigningError, match=key.name):
        inputs.decrypt_key_material([key], lambda _: b"wrong")
    monkeypatch.setenv(inputs.ENV_DECRYPT_PASSPHRASE, "secret")
    assert inputs.decrypt_key_material([key])[0][1] == b"secret"


def test_identity_passphrase_only_for_an_encrypted_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = create_identity(tmp_path / "plain").directory
    locked = create_identity(tmp_path / "locked", passphrase=b"pw").directory
    monkeypatch.setenv(inputs.ENV_PASSPHRASE, "pw")
    assert inputs.identity_passphrase(plain) is None
    assert inputs.identity_passphrase(locked) == b"pw"
    monkeypatch.delenv(inputs.ENV_PASSPHRASE)
    with pytest.raises(SigningError, match="is encrypted"):
        inputs.identity_passphrase(locked)
    assert inputs.identity_passphrase(locked, lambda _: b"asked") == b"asked"


def test_identity_dir_creates_the_default_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKEMEDIA_HOME", str(tmp_path))
    directory, created = inputs.identity_dir(None)
    assert created is not None and created.directory == directory
    assert inputs.identity_dir(None) == (directory, None)
    assert inputs.identity_dir(tmp_path / "given") == (tmp_path / "given", None)


def test_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    assert inputs.env_passphrase(None) is None
    monkeypatch.setenv("FM_TEST_PW", "pw")
    assert inputs.env_passphrase("FM_TEST_PW") == b"pw"
    with pytest.raises(InvalidRequest, match="unset or empty") as caught:
        inputs.env_passphrase("FM_TEST_UNSET_VARIABLE")
    assert _about(caught) == "passphrase_env"


def test_regions_components_and_fields() -> None:
    assert inputs.parse_region("1,2,3,4") == {"shape": "rectangle", "unit": "pixel", "x": 1, "y": 2,
                                              "width": 3, "height": 4}
    for text, words in [("1,2,3", "four numbers"), ("1,2,0,4", "width and height > 0"),
                        ("nan,1,1,1", "four numbers")]:
        with pytest.raises(InvalidRequest, match=words):
            inputs.parse_region(text)
    with pytest.raises(InvalidRequest, match=re.escape("within 0..100")):
        inputs.parse_region("50,50,60,10", "percent")
    assert inputs.parse_component("c:\\part.jpg") == (Path("c:\\part.jpg"), None)
    path, region = inputs.parse_component("part.jpg:0,0,8,8")
    assert path == Path("part.jpg") and region and region["width"] == 8
    assert inputs.parse_field_list("author, regions") == ("author", "regions")
    with pytest.raises(InvalidRequest, match="nosuch cannot be restricted"):
        inputs.parse_field_list("nosuch")


def test_annotation_files(tmp_path: Path) -> None:
    assert inputs.read_annotation_file(None) == {}
    for text, words in [("{", "not valid JSON"), ("[1]", "must hold a JSON object")]:
        (tmp_path / "a.json").write_text(text)
        with pytest.raises(InvalidRequest, match=words) as caught:
            inputs.read_annotation_file(tmp_path / "a.json")
        assert _about(caught) == "annotation"


def test_build_annotation_lays_values_over_the_file() -> None:
    base = {"modification_types": ["synthetic"], "author": "file",
            "probability": {"value": 0.5, "method": "human", "assessor": "A"}}
    built = inputs.build_annotation(base, types=["edited"], author="flag", probability=0.9,
                                    method_name="det", references=["https://e.org/x"],
                                    reference_sha256=["AB" * 32]).to_dict()
    assert built["modification_types"] == ["edited"] and built["author"] == "flag"
    # Switching method drops the human method's assessor.
    assert {k: built["probability"][k] for k in ("value", "method", "name")} == \
        {"value": 0.9, "method": "algorithmic", "name": "det"}
    assert "assessor" not in built["probability"]
    assert built["references"] == [{"url": "https://e.org/x", "hash_alg": "sha256", "hash": "ab" * 32}]
    with pytest.raises(InvalidRequest) as no_value:
        inputs.build_annotation({"modification_types": ["edited"]}, method="human")
    assert _about(no_value) == "probability"
    with pytest.raises(InvalidRequest) as digests:
        inputs.build_annotation({"modification_types": ["edited"]}, reference_sha256=["ab"])
    assert _about(digests) == "reference_sha256"


def test_authoring_fields_name_the_thumbnail_value(tmp_path: Path) -> None:
    assert inputs.authoring_fields()["ingredients"] == ()
    with pytest.raises(InvalidRequest) as caught:
        inputs.authoring_fields(thumbnail_quality=500)
    assert _about(caught) == "thumbnail_quality"


def test_naming_prefixes_errors_without_the_file(tmp_path: Path) -> None:
    with pytest.raises(FakemediaError, match=f"^{re.escape(str(tmp_path / 'x.jpg'))}: broken$"):
        with inputs.naming(tmp_path / "x.jpg"):
            raise FakemediaError("broken")
    with pytest.raises(FakemediaError, match=f"^{re.escape('x.jpg is broken')}$"):
        with inputs.naming(tmp_path / "x.jpg"):
            raise FakemediaError("x.jpg is broken")


def test_json_of_annotation_file_round_trips(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"modification_types": ["edited"]}))
    data = inputs.read_annotation_file(tmp_path / "a.json")
    assert inputs.build_annotation(data).to_dict()["modification_types"] == ["edited"]


def test_restriction_request_checks_the_combination_before_reading_keys(tmp_path: Path) -> None:
    absent = tmp_path / "absent.pub.pem"  # never read when the combination is refused first
    for args, about in ((([("author",)], [], [], None), "restrict_alone"),
                        (([], [absent], [], None), "recipient_alone"),
                        (([], [], [], "c2pa.PII.present"), "reason_alone")):
        with pytest.raises(InvalidRequest) as refused:
            inputs.restriction_request(*args)
        assert refused.value.about == about
    redaction = inputs.restriction_request([], [], ["c2pa.thumbnail"], "c2pa.PII.present")
    assert redaction == {"restrict": (), "recipients": (), "redact": ("c2pa.thumbnail",),
                         "redaction_reason": "c2pa.PII.present"}
    # Fields repeated across --restrict groups are kept once, in order; the keys are then read.
    with pytest.raises(InvalidRequest) as unreadable:
        inputs.restriction_request([("author", "regions"), ("author",)], [absent], [], None)
    assert unreadable.value.about == "recipient"


def test_parse_moment_reads_iso_8601_in_utc_when_no_offset_is_named() -> None:
    from datetime import datetime, timedelta, timezone

    assert inputs.parse_moment("2024-03-01") == datetime(2024, 3, 1, tzinfo=timezone.utc)
    assert inputs.parse_moment("2024-03-01T10:00+02:00").utcoffset() == timedelta(hours=2)
    with pytest.raises(InvalidRequest, match="'soon' is not an ISO-8601 date or time") as caught:
        inputs.parse_moment("soon")
    assert caught.value.about == "at"
