"""Pre-1.3 ingredient hashes (over the ingredient's claim bytes, not its manifest box): accepted
exactly where the reference SDK accepts them — no redaction in the ingredient — and reported."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fakemedia.formats import app11
from fakemedia.manifest.report import LEGACY_INGREDIENT_HASH, StatusList
from fakemedia.manifest.store import HashedURI, ManifestStore, parse_store
from fakemedia.manifest.validate import TrustSettings, _Context, _ingredient_hash_ok

LEGACY = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "c2pa-rs-more" / \
    "legacy_ingredient_hash.jpg"


@pytest.fixture(scope="module")
def store() -> ManifestStore:
    if not LEGACY.is_file():
        pytest.skip("legacy_ingredient_hash.jpg missing from the shared fixtures")
    location = app11.find_c2pa_store(LEGACY.read_bytes())
    assert location is not None
    return parse_store(location.jumbf)


def _check(store: ManifestStore, ref: HashedURI,
           redacted: frozenset[str] = frozenset()) -> tuple[bool, StatusList]:
    child = store.manifests[0]
    ctx = _Context(store, None, None, TrustSettings(), redacted=redacted)  # type: ignore[arg-type]
    out = StatusList()
    ok = _ingredient_hash_ok(ctx, child, {}, ref, "sha256", out, "self#jumbf=/c2pa/x/c2pa.assertions/i")
    return ok, out


def test_claim_bytes_hash_is_accepted_and_reported(store: ManifestStore) -> None:
    child = store.manifests[0]
    assert child.claim_bytes is not None
    ref = HashedURI(f"self#jumbf=/c2pa/{child.label}", hashlib.sha256(child.claim_bytes).digest(), "sha256")
    ok, out = _check(store, ref)
    assert ok and out.codes("informational") == [LEGACY_INGREDIENT_HASH]


def test_manifest_box_hash_needs_no_fallback(store: ManifestStore) -> None:
    child = store.manifests[0]
    ref = HashedURI(f"self#jumbf=/c2pa/{child.label}", hashlib.sha256(child.hash_input()).digest())
    ok, out = _check(store, ref)
    assert ok and out.statuses == []


def test_other_bytes_are_a_mismatch(store: ManifestStore) -> None:
    child = store.manifests[0]
    ref = HashedURI(f"self#jumbf=/c2pa/{child.label}", hashlib.sha256(b"something else").digest())
    assert _check(store, ref) == (False, StatusList())


def test_no_legacy_fallback_once_the_ingredient_was_redacted(store: ManifestStore) -> None:
    child = store.manifests[0]
    assert child.claim_bytes is not None
    ref = HashedURI(f"self#jumbf=/c2pa/{child.label}", hashlib.sha256(child.claim_bytes).digest())
    redacted = frozenset({f"self#jumbf=/c2pa/{child.label}/c2pa.assertions/stds.schema-org.CreativeWork"})
    ok, out = _check(store, ref, redacted)
    assert not ok and out.statuses == []
