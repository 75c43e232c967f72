"""Indicator sets come from our verification only: tampering and forgeries cannot pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakemedia.trust.evaluate import evaluate
from fakemedia.trust.profile import load_profile

from .conftest import OwnFile

#: A profile that passes only when every manifest verified: signature, every hashed URI,
#: the content binding, and a trusted signer.
STRICT = """\
profile_metadata: {name: strict, issuer: tests, date: "2026-01-01", version: "1.0.0"}
expressions:
  _ok: >-
    status.signature == "claimSignature.validated" && status.trust == "signingCredential.trusted"
    && length(values(status.assertion)[?!endsWith(@, ".match")]) == 0
    && (notNull(status.content, "") == "" || status.content == "assertion.dataHash.match")
---
- id: jpt:profile_compliance
  expression: >-
    length(manifests) > 0 && length(manifests[?!_ok(@)]) == 0
    && manifests[0].status.content == "assertion.dataHash.match"
  report_text:
    "true": {en: All manifests are valid.}
    "false": {en: A manifest is missing or invalid.}
"""


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("profiles") / "strict.yml"
    path.write_text(STRICT)
    return load_profile(path)


def _compliance(profile: Any, own: OwnFile) -> bool | None:
    return evaluate(profile, own.indicators).compliance


def test_layout_of_a_chained_file(own_files: dict[str, OwnFile]) -> None:
    ind = own_files["chained"].indicators
    assert ind["@context"] == ["https://jpeg.org/jpegtrust/"]
    assert set(ind) >= {"asset_info", "manifests", "content"}
    active, parent = ind["manifests"]
    # Active first, then the ingredient it names.
    assert active["assertions"]["c2pa.ingredient.v3"]["activeManifest"]["url"].endswith(parent["label"])
    for entry in (active, parent):
        assert entry["label"].startswith("urn:c2pa:")
        assert "claim.v2" in entry and entry["claim.v2"]["signature"].endswith("c2pa.signature")
        assert entry["status"]["signature"] == "claimSignature.validated"
        assert entry["status"]["trust"] == "signingCredential.trusted"
        assert set(entry["status"]["assertion"].values()) == {"assertion.hashedURI.match"}
        assert entry["claim_signature"]["signature_algorithm"] == "es256"
        assert {"CN"} <= set(entry["claim_signature"]["subject"])
        assert entry["claim_signature"]["validity"]["not_after"].endswith("Z")
    # The content binding belongs to the active manifest only.
    assert active["status"]["content"] == "assertion.dataHash.match"
    assert "content" not in parent["status"]
    # Our annotation, decoded as verification summarised it.
    annotation = active["assertions"]["org.fakemedia.annotation"]
    assert annotation["modification_types"] == ["edited"]
    assert annotation["probability"]["value"] == 0.72


def test_valid_chain_passes_the_strict_profile(strict: Any, own_files: dict[str, OwnFile]) -> None:
    assert _compliance(strict, own_files["signed"]) is True
    assert _compliance(strict, own_files["chained"]) is True


@pytest.mark.parametrize("name", ["tampered", "untrusted", "unsigned", "forged"])
def test_no_broken_or_unsigned_file_passes(strict: Any, own_files: dict[str, OwnFile], name: str) -> None:
    assert _compliance(strict, own_files[name]) is False


def test_tampered_pixels_show_as_a_content_mismatch(own_files: dict[str, OwnFile]) -> None:
    status = own_files["tampered"].indicators["manifests"][0]["status"]
    assert status["content"] == "assertion.dataHash.mismatch"


def test_an_unsigned_json_claim_never_reads_as_signed(own_files: dict[str, OwnFile]) -> None:
    forged = own_files["forged"].indicators
    # The forgery's own "status" text is not trusted: whatever we list comes from validation.
    for entry in forged["manifests"]:
        assert entry["status"]["signature"] != "claimSignature.validated"
        assert entry["status"]["trust"] != "signingCredential.trusted"
        assert "claim_signature" not in entry
    assert all(m["status"]["signature"] != "claimSignature.validated" for m in forged["manifests"])


def test_untrusted_signer_is_reported(own_files: dict[str, OwnFile]) -> None:
    for entry in own_files["untrusted"].indicators["manifests"]:
        assert entry["status"]["trust"] == "signingCredential.untrusted"


def test_no_store_means_no_manifests(own_files: dict[str, OwnFile]) -> None:
    assert own_files["unsigned"].indicators["manifests"] == []
