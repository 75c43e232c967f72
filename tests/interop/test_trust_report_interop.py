"""Interop: an image with a signed Trust Report (``fakemedia trust IMG --embed-report``) reads
as Trusted in c2pa-python 0.38.1 with our test root (and the peer's, for a peer-signed parent),
with no failure codes; the report assertion and the parentOf ingredient are where c2pa puts
them, and our own validator agrees."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fakemedia import api
from fakemedia.trust import embed, evaluate_image_with_bytes

from . import c2pa_oracle as oracle

c2pa = oracle.c2pa


def _manifest_json(data: bytes, anchors: str) -> dict[str, Any]:
    with c2pa.Reader("image/jpeg", io.BytesIO(data), context=oracle._context(anchors)) as reader:
        parsed: dict[str, Any] = json.loads(reader.json())
    return parsed


def _embedded(tmp_path: Path, image: bytes, signer: Any, anchors: bytes, profile: str) -> tuple[bytes, dict]:
    source = tmp_path / "in.jpg"
    source.write_bytes(image)
    report, data = evaluate_image_with_bytes(source, profile, trust_anchors=anchors)
    out = embed.embed_report_file(data, report, signer, tmp_path / "out.jpg", source=source, title="in.jpg")
    return out.read_bytes(), report


@pytest.mark.interop
def test_report_on_our_signed_file_reads_trusted(tmp_path: Path, source_jpeg: bytes, es256: Any) -> None:
    signed = api.annotate_bytes(source_jpeg, {"modification_types": ["original"], "author": "Desk"},
                                es256.signer)
    out, report = _embedded(tmp_path, signed, es256.signer, es256.anchors, "newsroom")
    anchors = oracle.anchors_text([es256.anchors])
    result = oracle.read(out, anchors)
    assert (result.state, result.failures) == ("Trusted", frozenset())
    manifest_store = _manifest_json(out, anchors)
    active = manifest_store["manifests"][manifest_store["active_manifest"]]
    carried = next(a["data"] for a in active["assertions"] if a["label"] == embed.REPORT_LABEL)
    assert carried == json.loads(json.dumps(report))
    assert carried["fakemedia:evaluation"]["profile"]["name"] == "fakemedia newsroom intake"
    (parent,) = [i for i in active["ingredients"] if i["relationship"] == "parentOf"]
    assert parent["active_manifest"] in manifest_store["manifests"]
    ours = api.verify_bytes(out, trust_anchors=es256.anchors)
    assert (ours.state, ours.failures()) == ("Trusted", [])
    assert embed.report_assertion(out) == report


@pytest.mark.interop
def test_report_on_a_peer_signed_file_reads_trusted(tmp_path: Path, shared_dir: Path, es256: Any) -> None:
    peer = shared_dir / "fixtures" / "peer"
    image = (peer / "two-step-history.jpg").read_bytes()
    peer_root = (peer / "pki" / "trust-anchors.pem").read_bytes()
    out, report = _embedded(tmp_path, image, es256.signer, peer_root, "wire-intake")
    assert report["fakemedia:evaluation"]["compliance"] is False  # AI declared, no capture
    anchors = oracle.anchors_text([es256.anchors, peer_root])
    result = oracle.read(out, anchors)
    assert (result.state, result.failures) == ("Trusted", frozenset())
    store = _manifest_json(out, anchors)
    assert len(store["manifests"]) == 3  # ours on top of the peer's two


@pytest.mark.interop
def test_report_on_an_unsigned_file_reads_trusted(tmp_path: Path, source_jpeg: bytes, es256: Any) -> None:
    out, report = _embedded(tmp_path, source_jpeg, es256.signer, es256.anchors, "ai-label")
    assert report["fakemedia:label"] == "No provenance"
    result = oracle.read(out, oracle.anchors_text([es256.anchors]))
    assert (result.state, result.failures) == ("Trusted", frozenset())
