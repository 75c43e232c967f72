"""Interop, ours → theirs: every kind of file ``api.annotate_bytes`` writes is read by
c2pa-python 0.38.1 as Trusted with our roots as anchors (no failure codes, active manifest and
ingredient deltas alike) and as Valid with only ``signingCredential.untrusted`` without them;
our own validator agrees on the state and the failure codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from fakemedia import api

from . import c2pa_oracle as oracle

Ann = Mapping[str, Any] | None


@dataclass(frozen=True)
class Step:
    algorithm: str
    compress: bool = False
    annotation: Ann = None


EDITED: dict[str, Any] = {"modification_types": ["edited"]}

REGIONS: dict[str, dict[str, Any]] = {
    "rectangle-pixel": {"shape": "rectangle", "unit": "pixel", "x": 4, "y": 6, "width": 30,
                        "height": 20, "name": "face"},
    "rectangle-percent": {"shape": "rectangle", "unit": "percent", "x": 10.5, "y": 20,
                          "width": 50, "height": 25.25},
    "circle-pixel": {"shape": "circle", "unit": "pixel", "x": 40, "y": 30, "width": 12},
    "circle-percent": {"shape": "circle", "unit": "percent", "x": 50, "y": 50, "width": 10},
    "polygon-pixel": {"shape": "polygon", "unit": "pixel",
                      "vertices": [[0, 0], [40, 0], [40, 30], [5, 25]]},
    "polygon-percent": {"shape": "polygon", "unit": "percent",
                        "vertices": [[0, 0], [50, 0], [50, 50]]},
}

FULL_ALGORITHMIC: dict[str, Any] = {
    "modification_types": ["deepfaked", "edited"],
    "purpose": "satire",
    "purpose_text": "Parody for a late-night show",
    "probability": {"value": 0.93, "of": "deepfaked", "method": "algorithmic", "name": "fmdet",
                    "version": "1.0", "model_sha256": "a" * 64, "calibrated": True},
    "regions": list(REGIONS.values()),
    "author": "Jane Doe",
    "software_agent": "FaceSwap 2",
    "when": "2026-01-02T03:04:05Z",
    "description": "The presenter's face was replaced.",
    "ipr": {"creator": "Jane Doe", "copyright": "© 2026 Example", "licence": "CC BY 4.0",
            "licence_url": "https://creativecommons.org/licenses/by/4.0/"},
    "origin": {"source": "agency wire", "source_type": "digitalCapture", "device": "Nikon Z9",
               "url": "https://example.com/a.jpg", "instance_id": "xmp.iid:1234",
               "created": "2025-05-01"},
    "references": [{"url": "https://example.com/desc.json", "hash_alg": "sha256",
                    "hash": "b" * 64, "media_type": "application/json",
                    "description": "full edit log"}],
}
FULL_HUMAN: dict[str, Any] = {
    **FULL_ALGORITHMIC,
    "purpose": "journalism",
    "probability": {"value": 0.7, "of": "deepfaked", "method": "human", "assessor": "J. Smith"},
    "references": [{"url": "https://example.com/log.txt", "hash_alg": "sha512",
                    "hash": "c" * 128}],
}


def _cases() -> dict[str, list[Step]]:
    cases: dict[str, list[Step]] = {}
    for alg in ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519"):
        for compress in (False, True):
            cases[f"{alg}-{'brob' if compress else 'plain'}"] = [Step(alg, compress, EDITED)]
    cases["chain-es256-ps384z-ed25519"] = [
        Step("es256", False, {"modification_types": ["synthetic"]}),
        Step("ps384", True, EDITED),
        Step("ed25519", False, {"modification_types": ["deepfaked"]})]
    cases["chain-es512z-es384-ps512z"] = [
        Step("es512", True, None), Step("es384", False, FULL_HUMAN), Step("ps512", True, EDITED)]
    cases["chain-ps256z-ed25519z-es256z"] = [
        Step("ps256", True, EDITED), Step("ed25519", True, FULL_ALGORITHMIC),
        Step("es256", True, EDITED)]
    for name, region in REGIONS.items():
        cases[f"region-{name}"] = [Step("es256", False,
                                        {"modification_types": ["edited"], "regions": [region]})]
    cases["full-algorithmic"] = [Step("es384", False, FULL_ALGORITHMIC)]
    cases["full-algorithmic-brob"] = [Step("ed25519", True, FULL_ALGORITHMIC)]
    cases["full-human"] = [Step("ps256", False, FULL_HUMAN)]
    cases["original-default"] = [Step("es256", False, None)]
    cases["synthetic"] = [Step("es256", False, {"modification_types": ["synthetic"]})]
    return cases


CASES = _cases()


@dataclass(frozen=True)
class Produced:
    data: bytes
    anchors: list[bytes]
    depth: int


@pytest.fixture(scope="module", params=sorted(CASES), ids=str)
def produced(request: pytest.FixtureRequest, source_jpeg: bytes,
             identity_factory: Callable[[str], Any]) -> Produced:
    steps: Sequence[Step] = CASES[request.param]
    data, anchors = source_jpeg, []
    for i, step in enumerate(steps):
        ident = identity_factory(step.algorithm)
        data = api.annotate_bytes(data, step.annotation, ident.signer,
                                  api.AnnotateOptions(compress=step.compress, title=f"step{i}.jpg"))
        if ident.anchors not in anchors:
            anchors.append(ident.anchors)
    return Produced(data, anchors, len(steps))


def test_c2pa_read_with_our_anchors_is_trusted_without_failures(produced: Produced) -> None:
    result = oracle.read(produced.data, oracle.anchors_text(produced.anchors))
    assert result.failures == frozenset(), result.results
    assert result.state == "Trusted", result.results
    assert len(result.results.get("ingredientDeltas") or []) >= produced.depth - 1


def test_c2pa_read_without_anchors_is_valid_untrusted_only(produced: Produced) -> None:
    result = oracle.read(produced.data)
    assert result.state == "Valid", result.results
    assert result.failures == {"signingCredential.untrusted"}, result.results


def test_verify_with_our_anchors_matches_c2pa(produced: Produced) -> None:
    ours = api.verify_bytes(produced.data, trust_anchors=produced.anchors)
    theirs = oracle.read(produced.data, oracle.anchors_text(produced.anchors))
    assert ours.state == theirs.state == "Trusted"
    assert set(ours.failures()) == theirs.failures == set()


def test_verify_without_anchors_matches_c2pa(produced: Produced) -> None:
    ours = api.verify_bytes(produced.data)
    theirs = oracle.read(produced.data)
    assert ours.state == theirs.state == "Valid"
    assert set(ours.failures()) == theirs.failures == {"signingCredential.untrusted"}


def test_history_chain_has_one_link_per_step(produced: Produced) -> None:
    hist = api.history(produced.data, trust_anchors=produced.anchors)
    assert len(hist["chain"]) == produced.depth
    assert hist["chain"][-1]["label"] == hist["active_manifest"]
    assert all(link["state"] == "Trusted" for link in hist["chain"])


@pytest.fixture(scope="module")
def two_signer_chain(source_jpeg: bytes, identity_factory: Callable[[str], Any]) -> Produced:
    first, second = identity_factory("es256"), identity_factory("ed25519")
    data = api.annotate_bytes(source_jpeg, EDITED, first.signer)
    data = api.annotate_bytes(data, EDITED, second.signer)
    return Produced(data, [first.anchors, second.anchors], 2)


def test_verify_chain_with_only_last_root_agrees_with_c2pa(two_signer_chain: Produced) -> None:
    """The first signer's root is not configured, but its ``signingCredential.untrusted`` was
    already recorded in the ingredient's validationResults when the second step was signed
    (we annotate without anchors), so both validators filter it as known: Trusted."""
    last_root = two_signer_chain.anchors[1]
    theirs = oracle.read(two_signer_chain.data, oracle.anchors_text([last_root]))
    ours = api.verify_bytes(two_signer_chain.data, trust_anchors=last_root)
    assert (ours.state, set(ours.failures())) == (theirs.state, theirs.failures)
    assert theirs.state == "Trusted"
    hist = api.history(two_signer_chain.data, trust_anchors=last_root)
    assert [link["state"] for link in hist["chain"]] == ["Valid", "Trusted"]
