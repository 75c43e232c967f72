"""The data-hash binding with the early digest: the digest begun on a thread is taken only when
it is the one step 5 would compute, so no exclusion list or tampering changes the outcome."""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from fakemedia import api
from fakemedia.formats.app11 import StoreLocation
from fakemedia.identity import create_identity, load_identity, load_trust_anchors
from fakemedia.manifest import data_hash
from fakemedia.manifest.data_hash import EarlyDigest, check_data_hash

ASSET = bytes(range(256)) * 64  # 16 KiB: EarlyDigest is built directly, below the floor of start()


def _content(asset: bytes, ranges: list[tuple[int, int]], alg: str = "sha256") -> dict[str, object]:
    kept, pos = b"", 0
    for start, length in ranges:
        kept += asset[pos:start]
        pos = start + length
    kept += asset[pos:]
    return {"alg": alg, "exclusions": [{"start": s, "length": n} for s, n in ranges],
            "hash": hashlib.new(alg, kept).digest()}


def test_small_assets_and_bad_spans_start_no_thread() -> None:
    def at(offset: int, length: int) -> StoreLocation:
        return StoreLocation(offset, length, b"", 1, 1)

    big = b"\0" * (2 << 20)
    assert EarlyDigest.start(ASSET, at(100, 50)) is None  # below the 1 MiB floor
    assert EarlyDigest.start(None, at(100, 50)) is None
    assert EarlyDigest.start(big, None) is None
    assert EarlyDigest.start(big, at(2 << 20, 1)) is None  # span past the end
    started = EarlyDigest.start(big, at(100, 50))
    assert started is not None
    assert started.digest_for("sha256", [(100, 150)]) == hashlib.sha256(big[:100] + big[150:]).digest()


def test_early_digest_is_taken_only_where_it_fits() -> None:
    early = EarlyDigest(ASSET, (100, 50))
    expected = hashlib.sha256(ASSET[:100] + ASSET[150:]).digest()
    assert early.digest_for("sha256", [(100, 150)]) == expected
    assert early.digest_for("sha384", [(100, 150)]) is None
    assert early.digest_for("sha256", [(100, 149)]) is None
    assert early.digest_for("sha256", [(100, 150), (200, 210)]) is None


def test_tampered_pixels_fail_with_the_early_digest() -> None:
    early = EarlyDigest(ASSET, (100, 50))
    content = _content(ASSET, [(100, 50)])
    assert check_data_hash(content, ASSET, "sha256", store_range=(100, 50), early=early)[0] == \
        "assertion.dataHash.match"
    tampered = ASSET[:300] + b"\xff" + ASSET[301:]
    early = EarlyDigest(tampered, (100, 50))
    assert check_data_hash(content, tampered, "sha256", store_range=(100, 50), early=early)[0] == \
        "assertion.dataHash.mismatch"


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, len(ASSET)), min_size=0, max_size=6),
       early_span=st.tuples(st.integers(0, 2000), st.integers(0, 500)),
       alg=st.sampled_from(["sha256", "sha384", "sha512"]),
       flip=st.one_of(st.none(), st.integers(0, len(ASSET) - 1)))
def test_outcome_never_depends_on_the_early_digest(cuts: list[int], early_span: tuple[int, int],
                                                   alg: str, flip: int | None) -> None:
    points = sorted(cuts)
    ranges = [(a, b - a) for a, b in zip(points[::2], points[1::2], strict=False)]
    content = _content(ASSET, ranges, alg)
    asset = ASSET if flip is None else ASSET[:flip] + bytes([ASSET[flip] ^ 1]) + ASSET[flip + 1:]
    early = EarlyDigest(asset, early_span)
    assert check_data_hash(content, asset, "sha256", early=early) == \
        check_data_hash(content, asset, "sha256")


def test_verify_of_a_large_file_takes_the_early_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the API: a >1 MiB signed JPEG verifies with the digest begun early, and a
    flipped pixel byte is still a mismatch."""
    rng = np.random.default_rng(3)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (1000, 1000, 3), dtype=np.uint8)).save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > data_hash.EARLY_DIGEST_MIN_BYTES
    with tempfile.TemporaryDirectory() as tmp:
        create_identity(Path(tmp) / "id", algorithm="es256")
        signer, anchors = load_identity(Path(tmp) / "id"), load_trust_anchors(Path(tmp) / "id")
        signed = api.annotate_bytes(out.getvalue(), {"author": "t"}, signer)
    taken: list[bytes | None] = []
    original = EarlyDigest.digest_for

    def spy(self: EarlyDigest, alg: str, spans: list[tuple[int, int]]) -> bytes | None:
        taken.append(original(self, alg, spans))
        return taken[-1]

    monkeypatch.setattr(EarlyDigest, "digest_for", spy)
    assert api.verify_bytes(signed, trust_anchors=anchors).state == "Trusted"
    assert len(taken) == 1 and taken[0] is not None
    flipped = bytearray(signed)
    flipped[-1000] ^= 0x01
    report = api.verify_bytes(bytes(flipped), trust_anchors=anchors)
    assert report.state == "Invalid"
    assert "assertion.dataHash.mismatch" in {s.code for s in report.results.active_manifest.statuses}
