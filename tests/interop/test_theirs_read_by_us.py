"""Interop, theirs → ours: files made by the C2PA reference SDK (c2pa-rs fixtures, the peer
fixtures, and files c2pa-python signs inside these tests) verify with fakemedia to the same state
and the same set of failure codes c2pa-python reports."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from manifest.store_map import active_manifest, flip, jumbf_to_file

from fakemedia import api
from fakemedia.formats import jpeg

from . import c2pa_oracle as oracle

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
C2PA_RS = SHARED / "fixtures" / "c2pa-rs"
PEER = SHARED / "fixtures" / "peer"
PKI = PEER / "pki"

UNTRUSTED = "signingCredential.untrusted"


@dataclass(frozen=True)
class Expect:
    """State and failure-code set without anchors, then with the test root bundle."""

    plain: tuple[str, frozenset[str]]
    anchored: tuple[str, frozenset[str]]
    reader_error: str | None = None  # c2pa-python raises instead of reporting


def _e(state: str, *codes: str, anchored: str | None = None,
       anchored_codes: tuple[str, ...] | None = None, reader_error: str | None = None) -> Expect:
    plain = (state, frozenset(codes))
    if anchored is None:
        anchored = state
    if anchored_codes is None:
        anchored_codes = tuple(c for c in codes if c != UNTRUSTED)
    return Expect(plain, (anchored, frozenset(anchored_codes)), reader_error)


# FIXTURES.md, "sdk/tests/fixtures (core C2PA)", as observed with c2pa-python 0.38.1.
C2PA_RS_TABLE: dict[str, Expect] = {
    # canonical good file: Valid / Trusted
    "C.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # 2 APP11 segments, parentOf ingredient without manifest: Valid / Trusted
    "CA.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # altered timestamp token: only informational timeStamp.malformed, Valid / Trusted
    "CA_ct.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # image data modified after signing
    "XCA.jpg": _e("Invalid", "assertion.dataHash.mismatch", UNTRUSTED),
    # claim altered after signing (timeStamp.mismatch is informational); c2pa-rs still
    # evaluates trust, so signingCredential.untrusted is listed without anchors
    "E-sig-CA.jpg": _e("Invalid", "claimSignature.mismatch", UNTRUSTED),
    # ingredient's broken signature already recorded in its assertion: filtered, Trusted
    "CIE-sig-CA.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # v2 claims, ingredient.v3 edit chain, timeStamp.untrusted informational
    "CACA.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # 3 manifests, parentOf and componentOf; untrusted also in the ingredient deltas
    "CACAE-uri-CA.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # early-2022 format, claim-missing error case
    "adobe-20220124-E-clm-CAICAI.jpg": _e(
        "Invalid", "ingredient.manifest.missing", "assertion.hashedURI.mismatch", UNTRUSTED),
    # standard manifest followed by an update manifest (c2um)
    "update_manifest.jpg": _e("Valid", UNTRUSTED, anchored="Trusted"),
    # CAWG X.509 identity: the cawg credential stays untrusted (tolerated), so never Trusted
    "C_with_CAWG_data.jpg": _e("Valid", "cawg.x509.credential.untrusted", UNTRUSTED,
                               anchored="Valid"),
    # reader error "unknown algorithm": v2 claim without alg
    "no_alg.jpg": _e("Invalid", "algorithm.unsupported", anchored_codes=("algorithm.unsupported",),
                     reader_error="unknown algorithm"),
    # reader error "prerelease content detected"
    "prerelease.jpg": _e("Invalid", "com.adobe.prerelease",
                         anchored_codes=("com.adobe.prerelease",),
                         reader_error="prerelease content detected"),
}

#: Where fakemedia differs from c2pa-python today (see the report of the acceptance suite).
KNOWN_DIFFERENCES: dict[tuple[str, bool], str] = {}

#: Multi-manifest files: number of manifests and length of the parentOf chain.
HISTORY_TABLE: dict[str, tuple[int, int]] = {
    "c2pa-rs/CA.jpg": (1, 1),
    "c2pa-rs/CACA.jpg": (2, 2),
    "c2pa-rs/CACAE-uri-CA.jpg": (3, 1),  # componentOf links are in the tree, not the chain
    "c2pa-rs/update_manifest.jpg": (2, 2),
    "peer/two-step-history.jpg": (2, 2),
}


def _need(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"{path.name} missing from the shared fixtures")
    return path.read_bytes()


def _root_bundle() -> bytes:
    return _need(C2PA_RS / "test_cert_root_bundle.pem")


def _peer_anchors() -> bytes:
    return _need(PKI / "trust-anchors.pem")


def _params() -> list[Any]:
    out = []
    for name in sorted(C2PA_RS_TABLE):
        for anchored in (False, True):
            marks = []
            reason = KNOWN_DIFFERENCES.get((name, anchored))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=f"library bug: {reason}"))
            out.append(pytest.param(name, anchored, marks=marks,
                                    id=f"{name}-{'anchors' if anchored else 'plain'}"))
    return out


@pytest.mark.parametrize(("name", "anchored"), _params())
def test_verify_c2pa_rs_fixture_matches_table(name: str, anchored: bool) -> None:
    data = _need(C2PA_RS / name)
    expect = C2PA_RS_TABLE[name]
    report = api.verify_bytes(data, trust_anchors=_root_bundle() if anchored else None)
    state, codes = expect.anchored if anchored else expect.plain
    assert report.manifest_found
    assert (report.state, frozenset(report.failures())) == (state, codes)


@pytest.mark.parametrize("anchored", [False, True], ids=["plain", "anchors"])
@pytest.mark.parametrize("name", sorted(C2PA_RS_TABLE))
def test_c2pa_python_reads_fixture_as_table_says(name: str, anchored: bool) -> None:
    """Guards the table itself against the oracle."""
    data = _need(C2PA_RS / name)
    expect = C2PA_RS_TABLE[name]
    anchors = _root_bundle().decode() if anchored else None
    if expect.reader_error:
        error = oracle.read_error(data, anchors)
        assert error is not None and expect.reader_error in error
        return
    result = oracle.read(data, anchors)
    assert (result.state, result.failures) == (expect.anchored if anchored else expect.plain)


def test_verify_cloud_fixture_reports_remote_manifest() -> None:
    data = _need(C2PA_RS / "cloud.jpg")
    report = api.verify_bytes(data)
    assert not report.manifest_found
    assert report.remote_url is not None
    assert report.remote_url.startswith("https://cai-manifests.adobe.com/manifests/")
    assert "manifest.inaccessible" in report.failures()  # offline: the remote one is not read
    assert "must fetch remote manifests" in (oracle.read_error(data) or "")


@pytest.mark.parametrize("path", ["c2pa-rs/no_manifest.jpg", "peer/unsigned.jpg"])
def test_verify_plain_fixture_reports_no_manifest(path: str) -> None:
    data = _need(SHARED / "fixtures" / path)
    report = api.verify_bytes(data)
    assert not report.manifest_found
    assert report.state is None and report.failures() == [] and report.remote_url is None
    assert api.history(data)["chain"] == []


def _peer_expected(name: str) -> dict[str, Any]:
    return json.loads(_need(PEER / f"{name}.expected.json"))


def _expected_failures(expected: dict[str, Any]) -> frozenset[str]:
    codes = list((expected.get("codes") or {}).get("failure") or [])
    for delta in expected.get("ingredient_deltas") or []:
        codes += (delta.get("codes") or {}).get("failure") or []
    return frozenset(codes)


PEER_FILES = ["signed-ed25519", "signed-es256", "signed-ps256", "tampered-manifest",
              "tampered-pixels", "two-step-history", "unsigned"]


@pytest.mark.parametrize("name", PEER_FILES)
def test_verify_peer_fixture_matches_expected_json(name: str) -> None:
    expected = _peer_expected(name)
    report = api.verify_bytes(_need(PEER / f"{name}.jpg"), trust_anchors=_peer_anchors())
    assert report.manifest_found == expected["manifest_found"]
    assert report.state == expected["validation_state"]
    assert frozenset(report.failures()) == _expected_failures(expected)
    if expected["manifest_found"]:
        assert report.active_manifest == expected["active_manifest"]
        assert [m.label for m in report.manifests] == expected["manifest_labels"]


@pytest.mark.parametrize("name", ["signed-ed25519", "signed-es256", "signed-ps256",
                                  "two-step-history"])
def test_verify_peer_fixture_without_anchor_is_valid_untrusted(name: str) -> None:
    report = api.verify_bytes(_need(PEER / f"{name}.jpg"))
    assert report.state == "Valid"
    assert set(report.failures()) == {UNTRUSTED}


def _c2pa_parent_chain(data: bytes) -> list[str]:
    """The parentOf chain, oldest first, as c2pa-python's manifest JSON describes it."""
    with oracle.c2pa.Reader("image/jpeg", io.BytesIO(data)) as reader:
        store = json.loads(reader.json())
    chain, label = [], store.get("active_manifest")
    while label and label not in chain:
        chain.append(label)
        parents = [i for i in store["manifests"][label].get("ingredients") or []
                   if i.get("relationship") == "parentOf" and i.get("active_manifest")]
        label = parents[0]["active_manifest"] if parents else None
    return chain[::-1]


@pytest.mark.parametrize("path", sorted(HISTORY_TABLE))
def test_history_multi_manifest_fixture_lists_chain_oldest_first(path: str) -> None:
    data = _need(SHARED / "fixtures" / path)
    manifests, depth = HISTORY_TABLE[path]
    report = api.verify_bytes(data)
    hist = api.history(data)
    assert len(report.manifests) == manifests
    chain = [link["label"] for link in hist["chain"]]
    assert len(chain) == depth
    assert chain[-1] == hist["active_manifest"] == report.active_manifest
    assert chain == _c2pa_parent_chain(data)


def test_history_componentof_fixture_tree_reaches_every_manifest() -> None:
    data = _need(C2PA_RS / "CACAE-uri-CA.jpg")
    seen: list[str] = []

    def walk(node: dict[str, Any] | None) -> None:
        if node:
            seen.append(node["label"])
            for ingredient in node["ingredients"]:
                walk(ingredient.get("node"))

    walk(api.history(data)["tree"])
    assert sorted(seen) == sorted(m.label for m in api.verify_bytes(data).manifests)


# --- files signed by c2pa-python inside the tests --------------------------------------------


@pytest.fixture(scope="module")
def peer_signed(source_jpeg: bytes) -> bytes:
    if not PKI.is_dir():
        pytest.skip("peer PKI missing")
    return oracle.sign(source_jpeg, PKI, alg="es256", title="fresh.jpg")


def _both(data: bytes, anchors: bytes | None) -> tuple[tuple[str | None, frozenset[str]],
                                                       tuple[str, frozenset[str]]]:
    ours = api.verify_bytes(data, trust_anchors=anchors)
    theirs = oracle.read(data, anchors.decode() if anchors else None)
    return (ours.state, frozenset(ours.failures())), (theirs.state, theirs.failures)


@pytest.mark.parametrize("anchored", [False, True], ids=["plain", "anchors"])
def test_verify_fresh_c2pa_file_agrees_with_c2pa(peer_signed: bytes, anchored: bool) -> None:
    ours, theirs = _both(peer_signed, _peer_anchors() if anchored else None)
    assert ours == theirs
    assert ours == (("Trusted", frozenset()) if anchored else ("Valid", frozenset({UNTRUSTED})))


def _scan_offset(data: bytes) -> int:
    start = jpeg.parse_jpeg(data).scan_offset
    for i in range(start + 100, len(data) - 2):
        if data[i] not in (0x00, 0xFE, 0xFF) and data[i - 1] != 0xFF:
            return i
    raise AssertionError("no flippable scan byte")


def test_verify_fresh_c2pa_file_pixel_tampered_agrees_datahash_mismatch(peer_signed: bytes) -> None:
    tampered = flip(peer_signed, _scan_offset(peer_signed))
    ours, theirs = _both(tampered, _peer_anchors())
    assert ours == theirs == ("Invalid", frozenset({"assertion.dataHash.mismatch"}))


def test_verify_fresh_c2pa_file_claim_tampered_agrees(peer_signed: bytes) -> None:
    loc, manifest = active_manifest(peer_signed)
    assert manifest.claim_bytes is not None
    # A byte of the claim's dc:title text: the CBOR stays well formed, the signature breaks.
    title_at = loc.jumbf.find(manifest.claim_bytes) + manifest.claim_bytes.find(b"fresh.jpg")
    tampered = flip(peer_signed, jumbf_to_file(peer_signed, loc)[title_at])
    ours, theirs = _both(tampered, _peer_anchors())
    assert ours == theirs == ("Invalid", frozenset({"claimSignature.mismatch"}))


def test_verify_two_c2pa_steps_agree_trusted(peer_signed: bytes) -> None:
    second = oracle.sign(peer_signed, PKI, alg="ps256", title="second.jpg", parent=peer_signed)
    ours, theirs = _both(second, _peer_anchors())
    assert ours == theirs == ("Trusted", frozenset())
    hist = api.history(second, trust_anchors=_peer_anchors())
    assert len(hist["chain"]) == 2


def test_annotate_over_c2pa_file_read_by_c2pa_trusted(peer_signed: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    mixed = api.annotate_bytes(peer_signed, {"modification_types": ["edited"]}, es256.signer)
    both = [_peer_anchors(), es256.anchors]
    theirs = oracle.read(mixed, oracle.anchors_text(both))
    assert (theirs.state, theirs.failures) == ("Trusted", frozenset()), theirs.results
    ours = api.verify_bytes(mixed, trust_anchors=both)
    assert (ours.state, ours.failures()) == ("Trusted", [])
    hist = api.history(mixed, trust_anchors=both)
    first_label = active_manifest(peer_signed)[1].label
    assert [link["label"] for link in hist["chain"]] == [first_label, hist["active_manifest"]]
    assert hist["chain"][0]["generator"]["name"] == "fakemedia-tests"
    assert hist["chain"][1]["generator"]["name"] == "fakemedia"
