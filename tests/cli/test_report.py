"""``fakemedia report``: the page is written for every verdict, exit codes follow verify."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fakemedia.cose.recipients import write_recipient_key
from fakemedia.identity import IdentityPaths

from .conftest import C2PA_FIXTURES, Run, assert_one_error, jpeg_bytes

REGION = {"shape": "rectangle", "unit": "pixel", "x": 10, "y": 8, "width": 20, "height": 12}


def _signed(src: Path, identity: IdentityPaths, **options: object) -> Path:
    from fakemedia import api
    from fakemedia.identity import load_identity

    signer = load_identity(identity.directory)
    once = api.annotate_file(src, {"modification_types": ["edited"], "regions": [REGION]}, signer,
                             output=src.with_name("once.jpg"))
    return api.annotate_file(once, {"modification_types": ["composed"], "author": "Desk"}, signer,
                             output=src.with_name("signed.jpg"),
                             options=api.AnnotateOptions(**options))  # type: ignore[arg-type]


def test_report_writes_the_page_beside_the_image(run: Run, photo: Path, identity: IdentityPaths) -> None:
    signed = _signed(photo, identity)
    result = run("report", signed)
    assert result.exit_code == 0, result.stderr
    page = signed.with_name("signed.report.html")
    assert f"Wrote {page}" in result.stdout
    assert result.stdout.startswith("✔ Valid")
    html = page.read_text(encoding="utf-8")
    assert "Verdict: Valid" in html and "Step 2:" in html and "<rect" in html
    assert html.startswith("<!DOCTYPE html>") and "Checked by fakemedia" in html


def test_report_with_trust_anchors_and_json(run: Run, photo: Path, identity: IdentityPaths,
                                            tmp_path: Path) -> None:
    signed = _signed(photo, identity)
    out = tmp_path / "desk.html"
    result = run("report", signed, "-o", out, "--trust-anchors", identity.trust_anchors, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"output": str(out), "state": "Trusted", "manifest_found": True}
    assert "Verdict: Trusted" in out.read_text(encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # nothing secret: the usual mode


def test_plain_jpeg_exits_4_and_still_writes_the_page(run: Run, photo: Path) -> None:
    result = run("report", photo, "--json")
    assert "no C2PA manifest" in assert_one_error(result, 4)
    assert json.loads(result.stdout) == {"output": str(photo.with_name("photo.report.html")),
                                         "state": None, "manifest_found": False}
    assert "No Content Credentials" in photo.with_name("photo.report.html").read_text(encoding="utf-8")


def test_tampered_image_exits_1_and_the_page_names_the_failure(run: Run, photo: Path,
                                                               identity: IdentityPaths) -> None:
    signed = _signed(photo, identity)
    data = bytearray(signed.read_bytes())
    data[-200] ^= 0xFF
    tampered = signed.with_name("tampered.jpg")
    tampered.write_bytes(bytes(data))
    result = run("report", tampered)
    assert "assertion.dataHash.mismatch" in assert_one_error(result, 1)
    html = tampered.with_name("tampered.report.html").read_text(encoding="utf-8")
    assert "Verdict: Invalid" in html and "assertion.dataHash.mismatch" in html


def test_foreign_c2pa_file(run: Run, tmp_path: Path) -> None:
    source = C2PA_FIXTURES / "CACA.jpg"
    if not source.is_file():
        pytest.skip(f"c2pa-rs fixture not found at {source}")
    image = tmp_path / "CACA.jpg"
    shutil.copyfile(source, image)  # the default output goes beside the input: not in shared/
    result = run("report", image, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "Valid"
    html = (tmp_path / "CACA.report.html").read_text(encoding="utf-8")
    assert html.index("Step 1: CA.jpg") < html.index("Step 2: CACA.jpg")


def test_decrypted_restricted_fields_make_a_private_page(run: Run, photo: Path, identity: IdentityPaths,
                                                         tmp_path: Path) -> None:
    key, pub = write_recipient_key(tmp_path / "keys")
    signed = _signed(photo, identity, restrict=("author",), recipients=(pub.read_bytes(),))
    locked = tmp_path / "locked.html"
    assert run("report", signed, "-o", locked).exit_code == 0
    assert "restricted (1 field, 1 recipient)" in locked.read_text(encoding="utf-8")
    assert ">Desk<" not in locked.read_text(encoding="utf-8")
    opened = tmp_path / "opened.html"
    result = run("report", signed, "-o", opened, "--decrypt-key", key)
    assert result.exit_code == 0, result.stderr
    assert ">Desk<" in opened.read_text(encoding="utf-8")
    assert stat.S_IMODE(opened.stat().st_mode) == 0o600


@pytest.mark.parametrize("case", ["same-as-input", "missing-directory", "missing-input", "not-a-jpeg"])
def test_bad_paths_fail_cleanly_without_a_page(run: Run, photo: Path, tmp_path: Path, case: str) -> None:
    if case == "same-as-input":
        args, code = [photo, "-o", photo], 2
    elif case == "missing-directory":
        args, code = [photo, "-o", tmp_path / "nowhere" / "r.html"], 2
    elif case == "missing-input":
        args, code = [tmp_path / "missing.jpg"], 3
    else:
        bad = tmp_path / "bad.jpg"
        bad.write_bytes(b"hello")
        args, code = [bad], 3
    before = photo.read_bytes()
    assert_one_error(run("report", *args), code)
    assert photo.read_bytes() == before
    assert not list(tmp_path.rglob("*.html"))


def test_report_loads_neither_torch_nor_sklearn(tmp_path: Path) -> None:
    image = tmp_path / "p.jpg"
    image.write_bytes(jpeg_bytes())
    script = textwrap.dedent(f"""
        import json, sys
        from fakemedia.cli import main
        code = main(["report", {str(image)!r}, "-o", {str(tmp_path / 'r.html')!r}], standalone_mode=False)
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sklearn"))
        print(json.dumps({{"code": code, "heavy": heavy}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"code": 4, "heavy": []}
    assert (tmp_path / "r.html").is_file()


_PROFILE = """\
profile_metadata:
  name: "Desk <rules> & more"
  version: 1.0.0
  language: en
---
- id: has_manifests
  expression: length(manifests) > `0`
  report_text:
    "true": {en: "Signed <b>credentials</b> & more."}
    "false": {en: "No credentials."}
- id: never
  expression: length(manifests) > `99`
  report_text:
    "true": {en: "Impossible."}
    "false": {en: "Fewer than 100 manifests & that fails."}
- id: jpt:profile_compliance
  expression: profile.has_manifests && profile.never
  report_text:
    "true": {en: "Compliant."}
    "false": {en: "Not compliant."}
"""


def _profile_section(page: str) -> dict[str, object]:
    """The trust-profile section as data: its heading, verdict and (id, outcome, text) rows."""
    from html.parser import HTMLParser

    found: dict[str, object] = {"rows": []}
    rows: list[list[str]] = found["rows"]  # type: ignore[assignment]

    class Reader(HTMLParser):
        inside = 0
        target: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if a.get("id") == "trust-profile":
                self.inside = 1
            elif self.inside:
                self.inside += tag not in ("br",)
                if tag == "li":
                    rows.append([str(a.get("data-id")), str(a.get("class")).split()[0], ""])
                    self.target = "row"
                elif tag == "h2":
                    self.target, found["heading"] = "heading", ""
                elif tag == "p" and "profile-verdict" in str(a.get("class")):
                    self.target, found["verdict"] = "verdict", ""

        def handle_endtag(self, tag: str) -> None:
            if self.inside:
                self.inside -= 1
                if tag in ("li", "h2", "p"):
                    self.target = None

        def handle_data(self, data: str) -> None:
            if self.target == "row":
                rows[-1][2] += data
            elif self.target in ("heading", "verdict"):
                found[self.target] = str(found[self.target]) + data

    Reader().feed(page)
    return found


def test_report_with_a_profile_shows_its_verdicts(run: Run, photo: Path, identity: IdentityPaths,
                                                  tmp_path: Path) -> None:
    signed = _signed(photo, identity)
    profile = tmp_path / "desk.yml"
    profile.write_text(_PROFILE, encoding="utf-8")
    out = tmp_path / "page.html"
    result = run("report", signed, "-o", out, "--profile", profile)
    assert result.exit_code == 0, result.stderr  # the page's exit status is the verdict's
    page = out.read_text(encoding="utf-8")
    section = _profile_section(page)
    assert section["heading"] == "Trust profile: Desk <rules> & more 1.0.0"  # escaped once
    assert str(section["verdict"]).startswith("not compliant")
    assert section["rows"] == [
        ["has_manifests", "outcome-pass", "pass has_manifests: Signed <b>credentials</b> & more."],
        ["never", "outcome-fail", "fail never: Fewer than 100 manifests & that fails."],
        ["jpt:profile_compliance", "outcome-fail", "fail jpt:profile_compliance: Not compliant."]]
    assert "<b>credentials" not in page and "&amp;amp;" not in page


def test_report_with_a_shipped_profile_and_without_one(run: Run, photo: Path, identity: IdentityPaths,
                                                       tmp_path: Path) -> None:
    signed = _signed(photo, identity)
    run("report", signed, "-o", tmp_path / "plain.html")
    assert 'id="trust-profile"' not in (tmp_path / "plain.html").read_text(encoding="utf-8")
    result = run("report", signed, "-o", tmp_path / "news.html", "--profile", "newsroom")
    assert result.exit_code == 0, result.stderr
    rows = _profile_section((tmp_path / "news.html").read_text(encoding="utf-8"))["rows"]
    outcomes = {row[0]: row[1] for row in rows}  # type: ignore[union-attr]
    assert outcomes["signers_trusted"] == "outcome-fail"  # no --trust-anchors: not trusted
    assert outcomes["manifests_valid"] == "outcome-pass"
    bad = run("report", signed, "-o", tmp_path / "x.html", "--profile", tmp_path / "missing.yml")
    assert_one_error(bad, 2)
