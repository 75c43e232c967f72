"""C2PA redaction through the API: an assertion of an earlier manifest leaves the file, the new
claim lists its URI in ``redacted_assertions`` and a ``c2pa.redacted`` action says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fakemedia import api
from fakemedia.errors import InvalidRequest, ManifestNotFound
from fakemedia.formats import app11
from fakemedia.manifest import labels
from fakemedia.manifest.store import Manifest, ManifestStore, parse_store

SECRET = "Private Person Hollowbrook-5521"
CUSTOM = "org.fakemedia.annotation"


def _store(data: bytes) -> ManifestStore:
    location = app11.find_c2pa_store(data)
    assert location is not None
    return parse_store(location.jumbf)


def _active(data: bytes) -> Manifest:
    active = _store(data).active
    assert active is not None
    return active


@pytest.fixture(scope="module")
def parent(source_jpeg: bytes, es256: Any) -> bytes:
    return api.annotate_bytes(source_jpeg, {"modification_types": ["edited"], "author": SECRET},
                              es256.signer)


@pytest.fixture(scope="module")
def redacted(parent: bytes, identity_factory: Callable[[str], Any]) -> bytes:
    options = api.AnnotateOptions(redact=(CUSTOM,), redaction_reason="c2pa.PII.present")
    return api.annotate_bytes(parent, {"modification_types": ["enhanced"]},
                              identity_factory("ed25519").signer, options)


def _anchors(identity_factory: Callable[[str], Any]) -> list[bytes]:
    return [identity_factory("es256").anchors, identity_factory("ed25519").anchors]


def test_parent_holds_the_secret(parent: bytes) -> None:
    assert parent.find(SECRET.encode()) > 0  # the check below is meaningful


def test_redacted_content_is_gone(redacted: bytes, parent: bytes) -> None:
    assert redacted.find(SECRET.encode()) == -1
    first = _active(parent).label
    assert _store(redacted).get(first).assertion(CUSTOM) is None  # type: ignore[union-attr]


def test_claim_lists_the_uri_and_an_action_says_why(redacted: bytes, parent: bytes) -> None:
    uri = labels.absolute_uri(_active(parent).label, labels.ASSERTIONS, CUSTOM)
    active = _active(redacted)
    assert (active.claim or {}).get("redacted_assertions") == [uri]
    actions = active.assertion(labels.ACTIONS_V2).content()["actions"]  # type: ignore[union-attr]
    redactions = [a for a in actions if a["action"] == "c2pa.redacted"]
    assert redactions == [{"action": "c2pa.redacted", "reason": "c2pa.PII.present",
                           "parameters": {"redacted": uri}}]


def test_chain_validates_and_history_keeps_every_link(redacted: bytes, es256: Any,
                                                      identity_factory: Callable[[str], Any]) -> None:
    anchors = _anchors(identity_factory)
    report = api.verify_bytes(redacted, trust_anchors=anchors)
    assert (report.state, report.failures()) == ("Trusted", [])
    top = api.annotate_bytes(redacted, {"modification_types": ["composed"]}, es256.signer)
    hist = api.history(top, trust_anchors=anchors)
    assert hist["state"] == "Trusted"
    assert [link["state"] for link in hist["chain"]] == ["Trusted"] * 3
    assert [link["modification_types"] for link in hist["chain"]] == [
        ["edited"], ["enhanced"], ["composed"]]


def test_redact_by_manifest_and_label_and_by_uri(parent: bytes, es256: Any) -> None:
    label = _active(parent).label
    uri = labels.absolute_uri(label, labels.ASSERTIONS, CUSTOM)
    for spec in (f"{label}/{CUSTOM}", uri):
        out = api.annotate_bytes(parent, None, es256.signer, api.AnnotateOptions(redact=(spec,)))
        assert (_active(out).claim or {}).get("redacted_assertions") == [uri]
        assert out.find(SECRET.encode()) == -1


@pytest.mark.parametrize("spec, message", [
    (labels.ACTIONS_V2, "cannot be redacted"),
    (labels.HASH_DATA, "cannot be redacted"),
    ("org.example.nothing", "no such assertion"),
])
def test_refused_redactions(parent: bytes, es256: Any, spec: str, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as info:
        api.annotate_bytes(parent, None, es256.signer, api.AnnotateOptions(redact=(spec,)))
    assert info.value.exit_code == 2


def test_nothing_to_redact_without_a_manifest(source_jpeg: bytes, es256: Any) -> None:
    with pytest.raises(ManifestNotFound, match="no manifest"):
        api.annotate_bytes(source_jpeg, None, es256.signer, api.AnnotateOptions(redact=(CUSTOM,)))
