"""Durable credentials on the command line: annotate --repo [--watermark], verify --repo,
recover, repo add|list|show|remove, and their bad inputs."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fakemedia import errors
from fakemedia.identity import IdentityPaths
from tests.cli.conftest import REPO, Run, assert_one_error, assert_valid, jpeg_bytes, sha

FINGERPRINT = "io.iscc.v0"
WATERMARK = "org.fakemedia.rivagan256.1"


def scene(seed: int = 3, size: tuple[int, int] = (320, 240)) -> bytes:
    """A photograph-like JPEG: smooth colour fields with edges (fingerprints need content)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    picture = Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)
    pixels = np.asarray(picture).astype(np.int16)
    pixels[size[1] // 3: size[1] // 2, size[0] // 4: size[0] // 2] += 60
    buf = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=92)
    return buf.getvalue()


def reencoded(path: Path, target: Path, quality: int = 80) -> Path:
    """What a platform hands on: the pixels re-encoded, every metadata segment gone."""
    Image.open(path).convert("RGB").save(target, "JPEG", quality=quality)
    return target


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "scene.jpg"
    path.write_bytes(scene())
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path / "manifests.sqlite"


def annotate(run: Run, image: Path, repo: Path, out: Path, identity: IdentityPaths,
             *flags: str) -> dict:
    result = run("annotate", image, "--type", "edited", "--repo", repo, "-o", out, "--identity",
                 identity.directory, "--json", *flags)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_repo_alone_keeps_a_fingerprint_and_a_stripped_copy_is_recovered(
        run: Run, image: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    record = annotate(run, image, repo, signed, identity)
    kept = record["durable"]
    assert kept["soft_bindings"] == [FINGERPRINT] and kept["watermark_key"] is None
    assert kept["manifest"] == record["manifest"]
    copy = reencoded(signed, tmp_path / "shared.jpg")
    plain = run("verify", copy, "--trust-anchors", identity.trust_anchors)
    assert plain.exit_code == errors.EXIT_NO_MANIFEST
    looked = run("verify", copy, "--repo", repo, "--trust-anchors", identity.trust_anchors, "--json")
    assert looked.exit_code == errors.EXIT_RECOVERED, looked.output
    doc = json.loads(looked.stdout)
    assert_valid(doc, "report")
    assert doc["manifest_found"] is False  # the embedded verdict is kept as it is
    assert doc["recovery"]["state"] == "recovered" and "fingerprint" in doc["recovery"]["method"]
    assert doc["recovery"]["manifest"] == record["manifest"]
    # Re-attached to re-encoded pixels, the manifest's hard binding fails, as it must.
    assert doc["recovery"]["report"]["state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in doc["recovery"]["report"]["failures"]
    text = run("verify", copy, "--repo", repo, "--trust-anchors", identity.trust_anchors)
    assert text.exit_code == errors.EXIT_RECOVERED
    assert "Recovered via soft binding (not Valid" in text.stdout
    assert "Valid (signer" not in text.stdout.splitlines()[0]


def test_recover_reattaches_the_store_of_a_copy_that_only_lost_its_metadata(
        run: Run, image: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    annotate(run, image, repo, signed, identity)
    stripped = tmp_path / "stripped.jpg"
    assert run("strip", signed, "-o", stripped).exit_code == 0
    before = sha(stripped)
    out = tmp_path / "restored.jpg"
    done = run("recover", stripped, "--repo", repo, "-o", out, "--trust-anchors", identity.trust_anchors)
    assert done.exit_code == 0, done.output
    assert sha(stripped) == before  # the input is untouched
    verified = run("verify", out, "--trust-anchors", identity.trust_anchors)
    assert verified.exit_code == 0 and verified.stdout.startswith("✔ Trusted")
    again = run("recover", stripped, "--repo", repo, "-o", out)
    assert "--force" in assert_one_error(again, errors.EXIT_USAGE)


def test_annotating_a_recovered_copy_records_its_parent_with_soft_bindings_matched(
        run: Run, image: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    first = annotate(run, image, repo, tmp_path / "signed.jpg", identity)
    copy = reencoded(tmp_path / "signed.jpg", tmp_path / "shared.jpg")
    second = annotate(run, copy, repo, tmp_path / "again.jpg", identity)
    assert second["durable"]["recovered_parent"]["manifest"] == first["manifest"]
    assert second["parent_state"] in ("Valid", "Trusted")
    report = run("verify", tmp_path / "again.jpg", "--trust-anchors", identity.trust_anchors, "--json")
    assert report.exit_code == 0, report.output
    doc = json.loads(report.stdout)
    active = next(m for m in doc["manifests"] if m["label"] == doc["active_manifest"])
    parent = next(i for i in active["ingredients"] if i["relationship"] == "parentOf")
    assert parent["manifest"] == first["manifest"]
    assert parent["soft_bindings_matched"] == [FINGERPRINT]
    # A stripped copy of the re-annotated file is the newest step, not the first one.
    copy2 = reencoded(tmp_path / "again.jpg", tmp_path / "shared2.jpg", quality=90)
    looked = json.loads(run("verify", copy2, "--repo", repo, "--json").stdout)
    assert looked["recovery"]["manifest"] == second["manifest"]


def test_repo_add_list_show_remove(run: Run, image: Path, repo: Path, tmp_path: Path,
                                   identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    record = annotate(run, image, tmp_path / "other.sqlite", signed, identity)
    added = run("repo", "add", signed, "--repo", repo, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)[0]["manifest"] == record["manifest"]
    listed = json.loads(run("repo", "list", "--repo", repo, "--json").stdout)
    assert listed["count"] == 1 and listed["entries"][0]["soft_bindings"] == [FINGERPRINT]
    shown = run("repo", "show", record["manifest"].removeprefix("urn:c2pa:"), "--repo", repo,
                "--trust-anchors", identity.trust_anchors, "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["state"] == "Trusted"
    assert run("repo", "remove", record["manifest"], "--repo", repo).exit_code == 0
    assert_one_error(run("repo", "show", record["manifest"], "--repo", repo), errors.EXIT_NO_MANIFEST)
    unsigned = tmp_path / "plain.jpg"
    unsigned.write_bytes(jpeg_bytes())
    assert_one_error(run("repo", "add", unsigned, "--repo", repo), errors.EXIT_NO_MANIFEST)
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    line = assert_one_error(run("repo", "add", text, "--repo", repo), errors.EXIT_UNREADABLE)
    assert "neither a JPEG nor a C2PA manifest store" in line


def test_repo_add_refuses_a_manifest_that_does_not_validate(
        run: Run, image: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    annotate(run, image, tmp_path / "other.sqlite", signed, identity)
    data = bytearray(signed.read_bytes())
    data[-300] ^= 0xFF  # a pixel byte: the hard binding no longer matches
    signed.write_bytes(bytes(data))
    line = assert_one_error(run("repo", "add", signed, "--repo", repo), errors.EXIT_UNREADABLE)
    assert "does not validate" in line


def test_bad_repositories_and_requests_are_one_line_errors(
        run: Run, image: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not an SQLite file" * 100)
    line = assert_one_error(run("verify", image, "--repo", corrupt), errors.EXIT_UNREADABLE)
    assert "not a readable manifest repository" in line
    missing = tmp_path / "missing.sqlite"
    assert_one_error(run("verify", image, "--repo", missing), errors.EXIT_UNREADABLE)
    assert not missing.exists()  # verify never creates a repository
    assert_one_error(run("annotate", image, "--type", "edited", "--watermark", "-o", tmp_path / "o.jpg"),
                     errors.EXIT_USAGE)
    assert_one_error(run("repo", "list"), errors.EXIT_USAGE)
    assert_one_error(run("annotate", image, "--type", "edited", "--repo", corrupt, "-o", tmp_path / "o.jpg",
                         "--identity", identity.directory), errors.EXIT_UNREADABLE)
    assert not (tmp_path / "o.jpg").exists()


def test_a_repository_manifest_that_no_longer_validates_is_not_a_recovery(
        run: Run, image: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    annotate(run, image, repo, signed, identity)
    with sqlite3.connect(repo) as db:  # the stored claim signature is damaged in place
        (store,) = db.execute("SELECT store FROM manifests").fetchone()
        damaged = bytearray(store)
        damaged[-40] ^= 0xFF
        db.execute("UPDATE manifests SET store = ?", (bytes(damaged),))
    copy = reencoded(signed, tmp_path / "shared.jpg")
    result = run("verify", copy, "--repo", repo, "--json")
    assert result.exit_code == errors.EXIT_INVALID, result.output
    assert json.loads(result.stdout)["recovery"]["state"] == "invalid"


def test_images_that_cannot_carry_soft_bindings(run: Run, repo: Path, tmp_path: Path,
                                                identity: IdentityPaths) -> None:
    flat = tmp_path / "flat.jpg"
    flat.write_bytes(jpeg_bytes(256, 256, (128, 128, 128)))
    line = assert_one_error(run("annotate", flat, "--type", "edited", "--repo", repo, "-o",
                                tmp_path / "o.jpg", "--identity", identity.directory),
                            errors.EXIT_UNREADABLE)
    assert "single-colour" in line
    tiny = tmp_path / "tiny.jpg"
    tiny.write_bytes(scene(size=(40, 30)))
    assert "too small" in assert_one_error(run("annotate", tiny, "--type", "edited", "--repo", repo,
                                               "-o", tmp_path / "t.jpg", "--identity",
                                               identity.directory), errors.EXIT_UNREADABLE)
    # Verifying such an image with a repository still gives its verdict: nothing to find.
    looked = run("verify", flat, "--repo", repo, "--json")
    assert looked.exit_code == errors.EXIT_NO_MANIFEST
    assert json.loads(looked.stdout)["recovery"]["state"] == "not-found"


def test_verify_of_a_file_with_its_manifest_loads_no_soft_binding_stack(
        run: Run, image: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    signed = tmp_path / "signed.jpg"
    annotate(run, image, repo, signed, identity)
    script = textwrap.dedent(f"""
        import sys
        sys.argv = ["fakemedia", "verify", {str(signed)!r}, "--repo", {str(repo)!r}]
        from fakemedia.cli import run
        try:
            run()
        except SystemExit as exc:
            print("exit", exc.code)
        print(" ".join(sorted(m for m in sys.modules)))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    *_, status, modules = done.stdout.strip().splitlines()
    assert status == "exit 0", done.stdout + done.stderr
    loaded = set(modules.split())
    assert not {m for m in loaded if m.startswith(("onnxruntime", "fakemedia.softbinding", "numpy"))}


# --- the watermark (needs the watermark extra) -------------------------------------------------
# RivaGAN hides its bits in texture: these use the real photograph of samples/, not a drawing.


@pytest.fixture
def photograph(tmp_path: Path) -> Path:
    path = tmp_path / "astronaut.jpg"
    path.write_bytes((REPO / "samples" / "astronaut.jpg").read_bytes())
    return path


def test_watermark_survives_stripping_and_recompression(
        run: Run, photograph: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    pytest.importorskip("onnxruntime")
    signed = tmp_path / "signed.jpg"
    record = annotate(run, photograph, repo, signed, identity, "--watermark")
    kept = record["durable"]
    assert kept["soft_bindings"] == [WATERMARK, FINGERPRINT]
    assert len(kept["watermark_key"]) == 8 and kept["psnr_db"] > 38
    assert record["state"] in ("Valid", "Trusted")
    copy = reencoded(signed, tmp_path / "shared.jpg", quality=60)
    looked = run("verify", copy, "--repo", repo, "--json")
    assert looked.exit_code == errors.EXIT_RECOVERED, looked.output
    found = json.loads(looked.stdout)["recovery"]
    assert found["manifest"] == record["manifest"] and "watermark" in found["method"]
    # q60 may flip bits of the 32 read (the key is drawn at random, so how many varies by run);
    # keys stand ≥ 3 bits apart, so one wrong bit still names this key (recovery.KEY_DIRECT) and
    # two count only with support: a confident read or a fingerprint that is not unrelated
    # (recovery.KEY_SUPPORTED). That is what the product promises, not an exact read.
    from fakemedia.softbinding import recovery
    misread = int(found["watermark"]["payload"], 16) ^ int(kept["watermark_key"], 16)
    wrong = misread.bit_count()
    assert wrong <= recovery.KEY_SUPPORTED, found["watermark"]
    if wrong > recovery.KEY_DIRECT:
        assert found["watermark"]["confidence"] >= recovery.CONFIDENT or "fingerprint" in found["method"]


def test_a_transplanted_watermark_is_a_conflict(
        run: Run, photograph: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    pytest.importorskip("onnxruntime")
    from fakemedia.softbinding import binding

    record = annotate(run, photograph, repo, tmp_path / "signed.jpg", identity, "--watermark")
    upside_down = Image.open(photograph).rotate(180)
    buf = io.BytesIO()
    upside_down.save(buf, "JPEG", quality=92)
    other = buf.getvalue()  # other content (its fingerprint is far) carrying the first one's key
    forged = tmp_path / "forged.jpg"
    forged.write_bytes(binding.bind_jpeg(other, int(record["durable"]["watermark_key"], 16)).jpeg)
    looked = run("verify", forged, "--repo", repo, "--json")
    assert looked.exit_code == errors.EXIT_CONFLICT, looked.output
    assert json.loads(looked.stdout)["recovery"]["state"] == "conflict"
    out = tmp_path / "restored.jpg"
    assert_one_error(run("recover", forged, "--repo", repo, "-o", out), errors.EXIT_CONFLICT)
    assert not out.exists()


def test_interop_c2pa_python_reads_the_watermarked_output_as_trusted(
        run: Run, photograph: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    pytest.importorskip("onnxruntime")
    oracle = pytest.importorskip("tests.interop.c2pa_oracle")
    signed = tmp_path / "signed.jpg"
    annotate(run, photograph, repo, signed, identity, "--watermark")
    result = oracle.read(signed.read_bytes(), identity.trust_anchors.read_text())
    assert result.state == "Trusted" and result.failures == frozenset(), result.results
    # The re-annotation of a recovered copy (parent with softBindingsMatched) reads as well.
    copy = reencoded(signed, tmp_path / "shared.jpg")
    annotate(run, copy, repo, tmp_path / "again.jpg", identity)
    again = oracle.read((tmp_path / "again.jpg").read_bytes(), identity.trust_anchors.read_text())
    assert again.state == "Trusted", again.results


def test_a_marked_copy_is_not_marked_again(
        run: Run, photograph: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    pytest.importorskip("onnxruntime")
    first = annotate(run, photograph, repo, tmp_path / "signed.jpg", identity, "--watermark")
    copy = reencoded(tmp_path / "signed.jpg", tmp_path / "shared.jpg", quality=85)
    second = annotate(run, copy, repo, tmp_path / "again.jpg", identity, "--watermark")
    kept = second["durable"]
    assert kept["recovered_parent"]["manifest"] == first["manifest"]
    assert kept["watermark_key"] is None and kept["soft_bindings"] == [FINGERPRINT]
    assert "not marked again" in kept["note"]
    # The old mark and the new fingerprint lead a stripped copy to the newest manifest.
    copy2 = reencoded(tmp_path / "again.jpg", tmp_path / "shared2.jpg", quality=85)
    looked = json.loads(run("verify", copy2, "--repo", repo, "--json").stdout)
    assert looked["recovery"]["state"] == "recovered"
    assert looked["recovery"]["manifest"] == second["manifest"]


def test_a_parallel_batch_keeps_every_manifest(run: Run, repo: Path, tmp_path: Path,
                                               identity: IdentityPaths) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    for seed in range(4):
        (folder / f"img{seed}.jpg").write_bytes(scene(seed=20 + seed))
    result = run("annotate", folder, "--type", "edited", "--repo", repo, "-o", tmp_path / "signed",
                 "--identity", identity.directory, "--jobs", "2", "--json")
    assert result.exit_code == 0, result.output
    made = {r["manifest"] for r in json.loads(result.stdout)}
    listed = json.loads(run("repo", "list", "--repo", repo, "--json").stdout)
    assert listed["count"] == 4 and {e["manifest"] for e in listed["entries"]} == made


def test_a_file_whose_manifest_declares_a_mark_is_not_marked_again(
        run: Run, photograph: Path, repo: Path, tmp_path: Path, identity: IdentityPaths) -> None:
    pytest.importorskip("onnxruntime")
    annotate(run, photograph, repo, tmp_path / "signed.jpg", identity, "--watermark")
    other = tmp_path / "other.sqlite"  # another repository: it knows nothing of the first mark
    again = annotate(run, tmp_path / "signed.jpg", other, tmp_path / "again.jpg", identity, "--watermark")
    assert again["durable"]["watermark_key"] is None and "not marked again" in again["durable"]["note"]
    assert sha(tmp_path / "again.jpg") != sha(tmp_path / "signed.jpg")
