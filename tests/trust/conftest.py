"""Our own files for the trust tests: signed, chained, tampered, untrusted, unsigned and an
unsigned JSON forgery, with the indicator sets our verification builds from them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakemedia import api
from fakemedia.cose import certs
from fakemedia.formats import app11, jumbf
from fakemedia.manifest.reader import read_report
from fakemedia.manifest.validate import TrustSettings
from fakemedia.trust.indicators import build_indicators


@dataclass
class OwnFile:
    name: str
    data: bytes
    indicators: dict[str, Any]


def forged_json_store(data: bytes) -> bytes:
    """``data`` with a C2PA-labelled JUMBF store holding only an unsigned JSON "claim" that
    says everything validated (what an unsigned embedder writes)."""
    claim = {"claim": {"signature_status": "claimSignature.validated",
                       "content_status": "assertion.dataHash.match"},
             "status": {"signature": "claimSignature.validated", "trust": "signingCredential.trusted",
                        "content": "assertion.dataHash.match"}}
    payload = jumbf.ContentBox(b"json", json.dumps(claim).encode())
    manifest = jumbf.SuperBox(jumbf.DescriptionBox(jumbf.c2pa_uuid("c2ma"), "urn:c2pa:forged"), [payload])
    store = jumbf.SuperBox(jumbf.DescriptionBox(jumbf.c2pa_uuid("c2pa"), "c2pa"), [manifest])
    return app11.insert_c2pa_store(data, store.to_bytes(), app11.default_insert_offset(data))


def indicators_of(data: bytes, anchors: bytes | None) -> dict[str, Any]:
    trust = TrustSettings(certs.load_certificates(anchors) if anchors else [])
    return build_indicators(data, read_report(data, trust))


@pytest.fixture(scope="session")
def own_files(source_jpeg: bytes, es256: Any, identity_factory: Callable[[str], Any]) -> dict[str, OwnFile]:
    base = source_jpeg
    capture = api.annotate_bytes(base, {"modification_types": []}, es256.signer)
    edited = api.annotate_bytes(capture, {"modification_types": ["edited"], "probability": {
        "value": 0.72, "method": "algorithmic", "name": "demo-detector"}}, es256.signer)
    synthetic = api.annotate_bytes(base, {"modification_types": ["synthetic"], "probability": {
        "value": 0.91, "method": "algorithmic", "name": "demo-detector"}}, es256.signer)
    tampered = bytearray(edited)
    tampered[-200] ^= 1
    other = identity_factory("ed25519")
    files = {
        "signed": (capture, es256.anchors),
        "chained": (edited, es256.anchors),
        "synthetic": (synthetic, es256.anchors),
        "tampered": (bytes(tampered), es256.anchors),
        "untrusted": (edited, other.anchors),
        "unsigned": (base, es256.anchors),
        "forged": (forged_json_store(base), es256.anchors),
    }
    return {name: OwnFile(name, data, indicators_of(data, anchors))
            for name, (data, anchors) in files.items()}


@pytest.fixture(scope="session")
def own_set_files(own_files: dict[str, OwnFile], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("indicator-sets")
    out = {}
    for name, own in own_files.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(own.indicators))
        out[name] = path
    return out
