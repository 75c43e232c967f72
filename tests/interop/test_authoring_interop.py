"""Interop for authoring: parents and components from signed and unsigned files, custom
assertions, thumbnails, sidecar and remote-reference outputs. c2pa-python reads each file we
write as Trusted with the peer root and no failure codes, and we read the equivalents
c2pa-python's Builder writes the same way it does."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fakemedia import api
from fakemedia.annotation.model import Region
from fakemedia.cose.signer import LocalSigner
from fakemedia.manifest import external, thumbnail
from fakemedia.manifest.ingredient import COMPONENT, PARENT, IngredientSource
from fakemedia.manifest.store import parse_store

from . import c2pa_oracle as oracle
from .authoring_build import Built, build

c2pa = oracle.c2pa
PKI = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "peer" / "pki"
REMOTE = "https://manifests.example.com/out.c2pa"

pytestmark = pytest.mark.skipif(not PKI.is_dir(), reason="peer PKI not available")


def _jpeg(width: int, height: int, seed: int) -> bytes:
    from tests.conftest import make_jpeg

    return make_jpeg(width, height, seed)


@pytest.fixture(scope="module")
def anchors() -> str:
    return (PKI / "trust-anchors.pem").read_text()


@pytest.fixture(scope="module")
def signer() -> LocalSigner:
    return LocalSigner.from_pem((PKI / "es256.key.pem").read_bytes(), (PKI / "es256.chain.pem").read_bytes())


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    camera = oracle.sign(_jpeg(80, 60, 3), PKI, title="camera.jpg")
    return {"asset": _jpeg(96, 64, 7), "camera": camera, "unsigned": _jpeg(48, 40, 5),
            "logo": _jpeg(32, 32, 9), "signed_logo": oracle.sign(_jpeg(24, 24, 11), PKI)}


def _sources(files: dict[str, bytes], case: str) -> list[IngredientSource]:
    box = Region("rectangle", "pixel", 4, 6, 30, 20, name="logo")
    return {
        "signed-parent": [IngredientSource(files["camera"], PARENT, "camera.jpg")],
        "unsigned-parent": [IngredientSource(files["unsigned"], PARENT, "export.jpg")],
        "components": [IngredientSource(files["unsigned"], PARENT, "base.jpg"),
                       IngredientSource(files["logo"], COMPONENT, "logo.jpg", region=box),
                       IngredientSource(files["signed_logo"], COMPONENT, "signed-logo.jpg")],
        "signed-parent-and-component": [IngredientSource(files["camera"], PARENT, "camera.jpg"),
                                        IngredientSource(files["signed_logo"], COMPONENT, "badge.jpg")],
        "no-ingredients": [],
    }[case]


CASES = ["signed-parent", "unsigned-parent", "components", "signed-parent-and-component",
         "no-ingredients"]
CUSTOM = [("com.example.review", {"reviewer": "desk", "score": 4, "tags": ["a", "b"]})]


def _theirs(built: Built, anchors: str) -> oracle.OracleResult:
    if built.store is None:
        return oracle.read(built.asset, anchors)
    with c2pa.Reader("image/jpeg", io.BytesIO(built.asset), manifest_data=built.store,
                     context=oracle._context(anchors)) as reader:
        results = reader.get_validation_results() or {}
        return oracle.OracleResult(reader.get_validation_state(), oracle.failure_codes(results), results)


def _ours(built: Built, anchors: str) -> tuple[str, frozenset[str]]:
    if built.store is None:
        report = api.verify_bytes(built.asset, trust_anchors=anchors.encode())
        return str(report.state), frozenset(report.failures())
    from fakemedia.cose import certs
    from fakemedia.manifest.validate import TrustSettings

    trust = TrustSettings(anchors=certs.load_certificates(anchors.encode()))
    _, results = external.validate_external(built.asset, built.store, trust)
    return str(results.state), oracle.failure_codes(results.to_dict())


@pytest.mark.parametrize("mode", ["embedded", "sidecar", "remote"])
@pytest.mark.parametrize("case", CASES)
def test_ours_are_trusted_by_c2pa_and_by_us(case: str, mode: str, files: dict[str, bytes],
                                            signer: LocalSigner, anchors: str) -> None:
    built = build(files["asset"], signer, _sources(files, case), custom=CUSTOM, mode=mode,
                  remote_url=REMOTE if mode == "remote" else None,
                  generator=("NewsDesk", "2.1"))
    theirs = _theirs(built, anchors)
    assert (theirs.state, theirs.failures) == ("Trusted", frozenset()), theirs.results
    assert _ours(built, anchors) == ("Trusted", frozenset())
    if mode == "sidecar":
        assert built.asset == files["asset"]
    if mode == "remote":
        assert oracle.read_error(built.asset, anchors) is not None  # not fetched: only the reference
        assert external.remote_reference(built.asset) == REMOTE


def test_c2pa_sees_our_ingredients_thumbnails_and_custom_assertion(
        files: dict[str, bytes], signer: LocalSigner, anchors: str) -> None:
    built = build(files["asset"], signer, _sources(files, "components"), custom=CUSTOM,
                  generator=("NewsDesk", "2.1"))
    with c2pa.Reader("image/jpeg", io.BytesIO(built.asset), context=oracle._context(anchors)) as reader:
        report = json.loads(reader.json())
    active = report["manifests"][report["active_manifest"]]
    assert [i["title"] for i in active["ingredients"]] == ["base.jpg", "logo.jpg", "signed-logo.jpg"]
    assert [i["relationship"] for i in active["ingredients"]] == ["parentOf", "componentOf", "componentOf"]
    assert all("thumbnail" in i for i in active["ingredients"])
    assert active["ingredients"][1]["metadata"]["regionOfInterest"]["region"][0]["shape"]["width"] == 30
    assert active["ingredients"][2]["active_manifest"] in report["manifests"]
    assert active["thumbnail"]["format"] == "image/jpeg"
    assert active["claim_generator_info"][0]["name"] == "NewsDesk"
    assert active["claim_generator_info"][0]["version"] == "2.1"
    custom = next(a for a in active["assertions"] if a["label"] == "com.example.review")
    assert custom["data"] == CUSTOM[0][1]


def test_thumbnails_off_writes_none(files: dict[str, bytes], signer: LocalSigner, anchors: str) -> None:
    built = build(files["asset"], signer, _sources(files, "signed-parent"), thumbnails=False)
    active = parse_store(_store(built.asset)).active
    assert active is not None
    assert not [a for a in active.assertions() if a.label.startswith("c2pa.thumbnail")]
    assert _theirs(built, anchors).state == "Trusted"


def _store(data: bytes) -> bytes:
    from fakemedia.formats import app11

    location = app11.find_c2pa_store(data)
    assert location is not None
    return location.jumbf


# --- theirs -> ours ---------------------------------------------------------------------------

def _their_build(files: dict[str, bytes], *, no_embed: bool = False, remote: str | None = None) -> Built:
    definition: dict[str, Any] = {
        "claim_generator_info": [{"name": "peer", "version": "1"}], "title": "composite.jpg",
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [
                {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
                {"action": "c2pa.placed", "parameters": {"ingredientIds": ["part"]}}]}},
            {"label": "com.example.review", "data": {"ok": True}}]}
    with c2pa.Builder(definition) as b:
        b.add_ingredient({"title": "camera.jpg", "relationship": "parentOf", "instance_id": "parent",
                          "label": "parent"}, "image/jpeg", io.BytesIO(files["camera"]))
        b.add_ingredient({"title": "logo.jpg", "relationship": "componentOf", "instance_id": "part",
                          "label": "part"}, "image/jpeg", io.BytesIO(files["logo"]))
        if no_embed:
            b.set_no_embed()
        if remote:
            b.set_remote_url(remote)
        out = io.BytesIO()
        store = b.sign(oracle.peer_signer(PKI), "image/jpeg", io.BytesIO(files["asset"]), out)
    return Built(out.getvalue(), store if (no_embed or remote) else None)


@pytest.mark.parametrize("mode", ["embedded", "sidecar", "remote"])
def test_theirs_read_by_us_as_by_c2pa(mode: str, files: dict[str, bytes], anchors: str) -> None:
    built = _their_build(files, no_embed=mode != "embedded", remote=REMOTE if mode == "remote" else None)
    theirs = _theirs(built, anchors)
    assert _ours(built, anchors) == (theirs.state, theirs.failures)
    assert theirs.state == "Trusted"


def test_their_thumbnails_read_within_limits(files: dict[str, bytes]) -> None:
    built = _their_build(files)
    active = parse_store(_store(built.asset)).active
    assert active is not None
    shown, why = thumbnail.read_thumbnail(active, thumbnail.CLAIM_LABEL)
    assert shown is not None and why == "" and shown.media_type == "image/jpeg"
    assert max(shown.width or 0, shown.height or 0) <= 1024
    refused, why = thumbnail.read_thumbnail(active, thumbnail.CLAIM_LABEL, max_pixels=100)
    assert refused is None and "pixel limit" in why


def test_their_file_as_our_parent_keeps_its_chain(files: dict[str, bytes], signer: LocalSigner,
                                                   anchors: str) -> None:
    """A c2pa-python composite, exported by an editor that dropped the metadata, then named
    as our parent: its two-manifest store is carried and every link validates."""
    theirs = _their_build(files)
    exported = api.strip_manifest(theirs.asset)
    built = build(exported, signer, [IngredientSource(theirs.asset, PARENT, "composite.jpg")])
    result = _theirs(built, anchors)
    assert (result.state, result.failures) == ("Trusted", frozenset()), result.results
    carried = len(parse_store(_store(theirs.asset)).manifests)
    assert len(parse_store(_store(built.asset)).manifests) == carried + 1
