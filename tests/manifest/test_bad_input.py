"""Hostile and broken input through the public API: every case ends in a FakemediaError with a
one-line message, or in an Invalid report with the right code, in bounded time and memory."""

from __future__ import annotations

import struct
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import brotli
import pytest
from cryptography.hazmat.primitives import serialization

from fakemedia import api, limits
from fakemedia.cose._x509build import generate_key, issue_certificate, make_name
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.signer import LocalSigner
from fakemedia.errors import (
    FakemediaError,
    FormatError,
    LimitExceeded,
    SigningError,
    TruncatedData,
    UnsupportedFormat,
)
from fakemedia.formats import app11
from fakemedia.formats.jumbf import ContentBox, DescriptionBox, SuperBox, box_header, c2pa_uuid
from fakemedia.identity import create_identity, load_identity
from fakemedia.manifest import builder, labels
from fakemedia.manifest.store import parse_store

pytestmark = pytest.mark.timeout(20)


def _raises_one_line(fn: Callable[[], Any], kind: type[FakemediaError] = FakemediaError) -> str:
    with pytest.raises(kind) as info:
        fn()
    message = str(info.value)
    assert message and "\n" not in message
    return message


def _with_store(jpeg: bytes, jumbf: bytes) -> bytes:
    """``jpeg`` with ``jumbf`` packed into APP11 packets after its APP0/APP1 run."""
    offset = app11.default_insert_offset(jpeg)
    return jpeg[:offset] + app11.app11_segments(jumbf) + jpeg[offset:]


def _jumd(fourcc: str, label: str) -> bytes:
    return DescriptionBox(c2pa_uuid(fourcc), label).to_bytes()


# --- not a JPEG, truncated, lying lengths ------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"GIF89a" + bytes(64), b"\x89PNG\r\n\x1a\n" + bytes(64),
                                  b"\xff\xd9"], ids=["empty", "gif", "png", "eoi"])
def test_verify_not_a_jpeg_raises_unsupported_format(data: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    _raises_one_line(lambda: api.verify_bytes(data), UnsupportedFormat)
    _raises_one_line(lambda: api.annotate_bytes(data, None, es256.signer), UnsupportedFormat)


@pytest.mark.parametrize("cut", [3, 30, 200, 700])
def test_verify_truncated_header_raises_format_error(source_jpeg: bytes, cut: int) -> None:
    _raises_one_line(lambda: api.verify_bytes(source_jpeg[:cut]), FormatError)


def test_verify_signed_file_truncated_inside_store_raises_format_error(signed_jpeg: bytes) -> None:
    loc = app11.find_c2pa_store(signed_jpeg)
    assert loc is not None
    cut = signed_jpeg[: loc.offset + loc.length // 2]
    _raises_one_line(lambda: api.verify_bytes(cut), TruncatedData)


def test_verify_app11_le_past_end_raises_format_error(source_jpeg: bytes) -> None:
    offset = app11.default_insert_offset(source_jpeg)
    lying = struct.pack(">BBH2sHI", 0xFF, 0xEB, 0xFFF0, b"JP", 0x0211, 1) + b"\0" * 40
    _raises_one_line(lambda: api.verify_bytes(source_jpeg[:offset] + lying), FormatError)


def test_verify_jumbf_lbox_past_store_raises_format_error(source_jpeg: bytes) -> None:
    body = _jumd("c2pa", "c2pa") + box_header(b"jumb", 0x00FFFFF0)[:8] + bytes(32)
    store = box_header(b"jumb", len(body)) + body
    _raises_one_line(lambda: api.verify_bytes(_with_store(source_jpeg, store)), FormatError)


def test_verify_4gb_lbox_on_store_raises_quickly(source_jpeg: bytes) -> None:
    store = struct.pack(">I4s", 0xFFFFFFFF, b"jumb") + _jumd("c2pa", "c2pa") + bytes(64)
    started = time.perf_counter()
    _raises_one_line(lambda: api.verify_bytes(_with_store(source_jpeg, store)), FormatError)
    assert time.perf_counter() - started < 2


def test_verify_4gb_xlbox_on_child_raises_quickly(source_jpeg: bytes) -> None:
    # A top-level XLBox would hide the "c2pa" type from store detection, so the 4 GiB
    # length sits on a manifest box inside an otherwise well-formed store.
    body = _jumd("c2pa", "c2pa") + struct.pack(">I4sQ", 1, b"jumb", 4 << 30) + bytes(64)
    store = box_header(b"jumb", len(body)) + body
    started = time.perf_counter()
    _raises_one_line(lambda: api.verify_bytes(_with_store(source_jpeg, store)), FormatError)
    assert time.perf_counter() - started < 2


# --- nesting and decompression bombs --------------------------------------------------------


def _nested(depth: int) -> bytes:
    """A c2pa store superbox with ``depth`` jumb levels below it, built without copying."""
    jumd = _jumd("c2ma", "x")
    inner = box_header(b"jumb", len(jumd)) + jumd
    sizes = [len(inner)]
    for _ in range(depth):
        sizes.append(sizes[-1] + 8 + len(jumd))
    top = _jumd("c2pa", "c2pa")
    headers = [box_header(b"jumb", size - 8) + jumd for size in reversed(sizes[1:])]
    body = top + b"".join(headers) + inner
    return box_header(b"jumb", len(body)) + body


def test_verify_jumbf_nested_10000_deep_raises_limit_exceeded(source_jpeg: bytes) -> None:
    store = _nested(10_000)
    assert len(store) > 10_000 * 30
    data = _with_store(source_jpeg, store)
    message = _raises_one_line(lambda: api.verify_bytes(data), LimitExceeded)
    assert str(limits.MAX_BOX_DEPTH) in message


def _bomb_store() -> bytes:
    payload = brotli.compress(bytes(limits.MAX_DECOMPRESSED_BYTES + (1 << 20)), quality=1)
    assert len(payload) < 1 << 16
    label = labels.new_manifest_label()
    manifest = SuperBox(DescriptionBox(c2pa_uuid("c2cm"), label), [ContentBox(b"brob", payload)])
    store = SuperBox(DescriptionBox(c2pa_uuid("c2pa"), "c2pa"), [manifest])
    return store.to_bytes()


def test_verify_brotli_bomb_manifest_is_invalid_in_bounded_memory(source_jpeg: bytes) -> None:
    data = _with_store(source_jpeg, _bomb_store())
    tracemalloc.start()
    try:
        report = api.verify_bytes(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
    assert report.state == "Invalid"
    assert "manifest.compressed.invalid" in report.failures()
    assert report.manifests[0].compressed


# --- a manifest that names itself as its ingredient --------------------------------------------


def _self_ingredient_file(source: bytes, signer: LocalSigner) -> bytes:
    label = labels.new_manifest_label()
    ingredient = builder.AssertionSpec(labels.INGREDIENT_V3, {
        "relationship": "parentOf", "dc:format": "image/jpeg",
        "activeManifest": {"url": labels.absolute_uri(label), "hash": bytes(32)},
        "validationResults": {"activeManifest": {"success": [], "informational": [],
                                                 "failure": []}},
    }, salted=False)
    ref = {"url": labels.relative_assertion_uri(labels.INGREDIENT_V3),
           "hash": builder.assertion_hash(ingredient)}
    actions = builder.AssertionSpec(labels.ACTIONS_V2, {"actions": [
        {"action": "c2pa.opened", "parameters": {"ingredients": [ref]}}]})
    request = builder.BuildRequest(source, [ingredient, actions], signer, manifest_label=label)
    return builder.build(request)


def test_verify_ingredient_referencing_itself_is_invalid_and_terminates(source_jpeg: bytes,
                                                                        es256) -> None:  # type: ignore[no-untyped-def]
    data = _self_ingredient_file(source_jpeg, es256.signer)
    report = api.verify_bytes(data, trust_anchors=es256.anchors)
    assert report.state == "Invalid"
    assert "ingredient.manifest.mismatch" in report.failures()
    tree = api.history(data, trust_anchors=es256.anchors)["tree"]
    assert tree["ingredients"][0]["node"]["ingredients"] == []  # the cycle is cut


def test_history_ingredient_referencing_itself_lists_manifest_once(source_jpeg: bytes,
                                                                   es256) -> None:  # type: ignore[no-untyped-def]
    data = _self_ingredient_file(source_jpeg, es256.signer)
    chain = api.history(data, trust_anchors=es256.anchors)["chain"]
    assert [link["label"] for link in chain] == [api.verify_bytes(data).active_manifest]


def _parent_with_results(source: bytes, signer: LocalSigner, stored: dict[str, Any]) -> bytes:
    """A two-step chain whose parentOf ingredient carries ``stored`` (merged into the content
    the builder would write) in place of well-formed validation results."""
    first = api.annotate_bytes(source, None, signer)
    loc = app11.find_c2pa_store(first)
    assert loc is not None
    parent = parse_store(loc.jumbf).active
    assert parent is not None
    content = {**builder.ingredient_assertion(builder.ParentInfo(parent, {})), **stored}
    ingredient = builder.AssertionSpec(labels.INGREDIENT_V3, content, salted=False)
    ref = {"url": labels.relative_assertion_uri(labels.INGREDIENT_V3),
           "hash": builder.assertion_hash(ingredient)}
    actions = builder.AssertionSpec(labels.ACTIONS_V2, {"actions": [
        {"action": "c2pa.opened", "parameters": {"ingredients": [ref]}}]})
    request = builder.BuildRequest(first, [ingredient, actions], signer)
    return builder.build(request, parse_store(loc.jumbf))


@pytest.mark.parametrize("stored", [
    pytest.param({"validationResults": {"activeManifest": {"failure": 5}}},
                 id="failure-int"),
    pytest.param({"validationResults": {"activeManifest": {"success": [], "failure": "x"}}},
                 id="failure-str"),
    pytest.param({"validationStatus": 7}, id="validationStatus-int"),
])
def test_verify_ingredient_with_malformed_recorded_results_gives_report(
        source_jpeg: bytes, es256, stored: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    data = _parent_with_results(source_jpeg, es256.signer, stored)
    try:
        report = api.verify_bytes(data, trust_anchors=es256.anchors)
    except FakemediaError as exc:
        assert "\n" not in str(exc)
        return
    assert report.state in ("Invalid", "Valid", "Trusted")
    assert len(api.history(data, trust_anchors=es256.anchors)["chain"]) == 2


# --- identities and certificates ---------------------------------------------------------------


def test_load_identity_wrong_passphrase_raises_signing_error(tmp_path: Path) -> None:
    create_identity(tmp_path / "id", algorithm="es256", passphrase=b"right horse")
    _raises_one_line(lambda: load_identity(tmp_path / "id", b"wrong horse"), SigningError)
    _raises_one_line(lambda: load_identity(tmp_path / "id", None), SigningError)
    assert load_identity(tmp_path / "id", b"right horse").algorithm is Algorithm.ES256


def test_verify_after_certificate_expiry_reports_expired(signed_jpeg: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    future = datetime.now(timezone.utc) + timedelta(days=3650)
    report = api.verify_bytes(signed_jpeg, trust_anchors=es256.anchors, now=future)
    assert report.state == "Invalid"
    assert "signingCredential.expired" in report.failures()
    assert api.verify_bytes(signed_jpeg, trust_anchors=es256.anchors).state == "Trusted"


def _expired_signer(identity_dir: Path) -> LocalSigner:
    root_key = serialization.load_pem_private_key(
        (identity_dir / "root-ca.key.pem").read_bytes(), None)
    from cryptography import x509

    root = x509.load_pem_x509_certificate((identity_dir / "root-ca.cert.pem").read_bytes())
    key = generate_key(Algorithm.ES256)
    now = datetime.now(timezone.utc)
    leaf = issue_certificate(key.public_key(), make_name("expired signer", "fakemedia tests"),
                             root_key, root, not_before=now - timedelta(days=30),
                             not_after=now - timedelta(days=1))
    return LocalSigner(key, [leaf.public_bytes(serialization.Encoding.DER)], Algorithm.ES256)


def test_verify_expired_certificate_reports_expired_or_annotate_refuses(source_jpeg: bytes,
                                                                        es256) -> None:  # type: ignore[no-untyped-def]
    signer = _expired_signer(es256.directory)
    try:
        data = api.annotate_bytes(source_jpeg, None, signer)
    except SigningError as exc:  # refusing to sign with an expired certificate is fine too
        assert "\n" not in str(exc)
        return
    report = api.verify_bytes(data, trust_anchors=es256.anchors)
    assert report.state == "Invalid"
    assert "signingCredential.expired" in report.failures()
