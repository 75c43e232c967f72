"""Recovery end to end: sign a watermarked, fingerprinted photo, strip and degrade it, find the
manifest again; transplanted watermarks are conflicts; a stored manifest that no longer
validates is reported as such; re-attaching restores a file c2pa-python trusts."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from PIL import Image

from fakemedia.formats import app11
from fakemedia.manifest import soft_binding
from fakemedia.manifest.soft_binding import SoftBinding
from fakemedia.manifest.store import parse_store
from fakemedia.manifest.validate import TrustSettings, validate_store
from fakemedia.softbinding import binding, recovery
from fakemedia.softbinding.repository import Repository
from tests.conftest import Identity
from tests.softbinding.conftest import jpeg_bytes, photo


def _reencode(data: bytes, quality: int = 80, scale: float = 1.0) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)),
                             Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture()
def trust(es256: Identity) -> TrustSettings:
    return TrustSettings(anchors=x509.load_pem_x509_certificates(es256.anchors))


@pytest.fixture()
def signed_in_repo(repo_path: Path, signer_of: Callable[..., bytes]) -> tuple[bytes, str]:
    pytest.importorskip("onnxruntime")
    with Repository(repo_path) as repo:
        bound = binding.bind_jpeg(jpeg_bytes(photo("astronaut")), repo.allocate_key())
        assert bound.watermarked and bound.psnr is not None and bound.psnr > 40
        signed = signer_of(bound.jpeg, bound.bindings)
        entry = repo.add(binding.store_of(signed))
    return signed, entry.manifest_id


def test_recover_after_stripping_and_recompression(repo_path: Path, trust: TrustSettings,
                                                   signed_in_repo: tuple[bytes, str]) -> None:
    signed, manifest_id = signed_in_repo
    copy = _reencode(signed, quality=75, scale=0.75)
    assert app11.find_c2pa_store(copy) is None
    with Repository(repo_path) as repo:
        result = recovery.recover(copy, repo, trust=trust)
    assert result.state == "recovered", result.message
    assert result.manifest_id == manifest_id and result.method == "watermark+fingerprint"
    assert result.key_distance is not None and result.key_distance <= 2
    assert result.fingerprint_distance is not None and result.fingerprint_distance <= 32
    assert result.all_bindings_matched and result.validation is not None
    assert result.validation.state == "Trusted"
    assert result.to_dict()["similarity"] >= 75
    assert "recovered via soft binding" in result.message


def test_recover_by_fingerprint_alone(repo_path: Path, trust: TrustSettings,
                                      signed_in_repo: tuple[bytes, str]) -> None:
    signed, manifest_id = signed_in_repo
    with Repository(repo_path) as repo:
        result = recovery.recover(_reencode(signed, 60), repo, trust=trust, watermark=False)
    assert (result.state, result.method, result.manifest_id) == ("recovered", "fingerprint", manifest_id)
    watermark_check = next(b for b in result.bindings if b.kind == "watermark")
    assert not watermark_check.matched and watermark_check.note == "watermark not read"


def test_recover_cropped_copy_by_watermark(repo_path: Path, trust: TrustSettings,
                                           signed_in_repo: tuple[bytes, str]) -> None:
    signed, manifest_id = signed_in_repo
    pixels = np.asarray(Image.open(io.BytesIO(signed)).convert("RGB"))
    h, w = pixels.shape[:2]
    with Repository(repo_path) as repo:
        result = recovery.recover(jpeg_bytes(pixels[h // 20:h - h // 20, w // 20:w - w // 20], 85),
                                  repo, trust=trust)
    assert result.state == "recovered" and result.manifest_id == manifest_id
    assert "watermark" in (result.method or "")


def test_transplanted_watermark_is_a_conflict(repo_path: Path, trust: TrustSettings,
                                              signer_of: Callable[..., bytes]) -> None:
    pytest.importorskip("onnxruntime")
    with Repository(repo_path) as repo:
        key = repo.allocate_key()
        bound = binding.bind_jpeg(jpeg_bytes(photo("astronaut")), key)
        repo.add(binding.store_of(signer_of(bound.jpeg, bound.bindings)))
        # the same key in a different picture
        forged = binding.bind_jpeg(jpeg_bytes(photo("coffee")), key).jpeg
        result = recovery.recover(forged, repo, trust=trust)
    assert result.state == "conflict", result.message
    assert result.fingerprint_distance is not None and result.fingerprint_distance >= 96
    assert "different content" in result.message


def test_unmarked_unrelated_image_is_not_found(repo_path: Path, trust: TrustSettings,
                                               signed_in_repo: tuple[bytes, str]) -> None:
    with Repository(repo_path) as repo:
        result = recovery.recover(jpeg_bytes(photo("chelsea")), repo, trust=trust)
    assert result.state == "not-found" and result.manifest_id is None


def test_stored_manifest_that_no_longer_validates(repo_path: Path, trust: TrustSettings,
                                                  signed_in_repo: tuple[bytes, str]) -> None:
    signed, manifest_id = signed_in_repo
    db = sqlite3.connect(repo_path)
    store = bytearray(db.execute("SELECT store FROM manifests").fetchone()[0])
    store[-40] ^= 0xFF  # inside the COSE signature, the last box of the store
    db.execute("UPDATE manifests SET store = ?", (bytes(store),))
    db.commit()
    db.close()
    with Repository(repo_path) as repo:
        result = recovery.recover(_reencode(signed, 85), repo, trust=trust)
    assert result.state == "invalid" and result.manifest_id == manifest_id
    assert "no longer validates" in result.message


def test_reattach_restores_a_copy_that_only_lost_its_segments(
        repo_path: Path, trust: TrustSettings, signed_in_repo: tuple[bytes, str],
        es256: Identity) -> None:
    signed, _ = signed_in_repo
    stripped, _ = app11.remove_c2pa_store(signed)
    with Repository(repo_path) as repo:
        result = recovery.recover(stripped, repo, trust=trust)
    assert result.state == "recovered" and result.store is not None
    restored = recovery.reattach(stripped, result.store)
    assert restored == signed
    location = app11.find_c2pa_store(restored)
    assert location is not None
    ours = validate_store(parse_store(location.jumbf), restored, location, trust)
    assert ours.state == "Trusted"
    oracle = pytest.importorskip("tests.interop.c2pa_oracle")
    assert oracle.read(restored, es256.anchors.decode()).state == "Trusted"


def test_reattach_to_a_recompressed_copy_reports_the_hash_mismatch(
        repo_path: Path, trust: TrustSettings, signed_in_repo: tuple[bytes, str]) -> None:
    signed, _ = signed_in_repo
    copy = _reencode(signed, 80)
    with Repository(repo_path) as repo:
        store = recovery.recover(copy, repo, trust=trust).store
    assert store is not None
    restored = recovery.reattach(copy, store)
    location = app11.find_c2pa_store(restored)
    assert location is not None
    results = validate_store(parse_store(location.jumbf), restored, location, trust)
    assert "assertion.dataHash.mismatch" in results.failures()


def test_recovery_refuses_a_single_colour_query(repo_path: Path) -> None:
    from fakemedia.errors import InputImageError

    with Repository(repo_path) as repo, pytest.raises(InputImageError, match="single-colour"):
        recovery.recover(jpeg_bytes(np.full((300, 300, 3), 128, np.uint8)), repo)


def test_fingerprint_only_binding_leaves_the_bytes_alone() -> None:
    data = jpeg_bytes(photo("coffee"))
    bound = binding.bind_jpeg(data, None)
    assert bound.jpeg == data and not bound.watermarked
    assert [b.alg for b in bound.bindings] == [soft_binding.FINGERPRINT_ALG]
    assert isinstance(bound.bindings[0], SoftBinding) and len(bound.bindings[0].value) == 34
