"""c2pa-python 0.38.1 as the independent oracle: read with or without trust anchors, sign with
the peer PKI. Importing this module skips the calling test module when c2pa is missing."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

c2pa = pytest.importorskip("c2pa")

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class OracleResult:
    state: str
    failures: frozenset[str]
    results: dict[str, Any]


def _context(anchors: str | None) -> Any:
    settings: dict[str, Any] = {"verify": {"verify_trust": True, "remote_manifest_fetch": False}}
    if anchors:
        settings["trust"] = {"trust_anchors": anchors}
    return c2pa.Context(c2pa.Settings.from_dict(settings))


def anchors_text(pems: Iterable[bytes | str]) -> str:
    """One PEM bundle from several roots (bytes or text)."""
    return "".join(p.decode() if isinstance(p, bytes) else p for p in pems)


def failure_codes(results: dict[str, Any] | None) -> frozenset[str]:
    """Failure codes of the active manifest and of every ingredient delta."""
    if not results:
        return frozenset()
    codes = [s["code"] for s in (results.get("activeManifest") or {}).get("failure") or []]
    for delta in results.get("ingredientDeltas") or []:
        codes += [s["code"] for s in (delta.get("validationDeltas") or {}).get("failure") or []]
    return frozenset(codes)


def read(data: bytes, anchors: str | None = None) -> OracleResult:
    """c2pa-python's validation state and failure codes for JPEG bytes."""
    with c2pa.Reader("image/jpeg", io.BytesIO(data), context=_context(anchors)) as reader:
        results = reader.get_validation_results() or {}
        return OracleResult(reader.get_validation_state(), failure_codes(results), results)


def read_error(data: bytes, anchors: str | None = None) -> str | None:
    """The reader's error text, or None when it reads the file."""
    try:
        read(data, anchors)
    except c2pa.C2paError as exc:
        return str(exc)
    return None


def peer_signer(pki: Path, alg: str = "es256") -> Any:
    info = c2pa.C2paSignerInfo(alg.encode(), (pki / f"{alg}.chain.pem").read_bytes(),
                               (pki / f"{alg}.key.pem").read_bytes(), None)
    return c2pa.Signer.from_info(info)


def sign(data: bytes, pki: Path, *, alg: str = "es256", title: str = "peer.jpg",
         parent: bytes | None = None) -> bytes:
    """Sign JPEG ``data`` with c2pa's Builder; ``parent`` (signed bytes) becomes a parentOf
    ingredient, opened by the first action."""
    if parent is None:
        first: dict[str, Any] = {"action": "c2pa.created",
                                 "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}
    else:
        first = {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}
    manifest = {
        "claim_generator_info": [{"name": "fakemedia-tests", "version": "1"}],
        "title": title,
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [first]}}],
    }
    signer = peer_signer(pki, alg)
    with c2pa.Builder(manifest) as builder:
        if parent is not None:
            builder.add_ingredient({"title": "parent.jpg", "relationship": "parentOf",
                                    "instance_id": "parent", "label": "parent"},
                                   "image/jpeg", io.BytesIO(parent))
        out = io.BytesIO()
        builder.sign(signer, "image/jpeg", io.BytesIO(data), out)
    return out.getvalue()
