"""The structure rules on generated siblings of the hostile reproducers: a fakemedia file with
one field or box changed and every hash in the claim recomputed, so the rule under test (not a
hash mismatch) must name the problem with the reference SDK's status code."""

from __future__ import annotations

import cbor2
import pytest

from fakemedia import api
from fakemedia.errors import ManifestError
from fakemedia.formats import app11
from fakemedia.formats.jumbf import ContentBox, DescriptionBox, SuperBox, c2pa_uuid
from fakemedia.manifest import labels
from fakemedia.manifest.data_hash import check_data_hash
from fakemedia.manifest.store import Assertion, _decode_cbor, parse_store
from tests.fuzz.test_differential import _ours
from tests.manifest.hostile_stores import replace_contents


@pytest.fixture(scope="module")
def signed() -> bytes:
    return _ours()


def _contents(data: bytes) -> dict[str, object]:
    location = app11.find_c2pa_store(data)
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None
    return {a.label: a.try_content() for a in active.assertions()}


def _failures(data: bytes) -> list[str]:
    return api.verify_bytes(data).failures()


def test_opening_action_only_first(signed: bytes) -> None:
    actions = _contents(signed)[labels.ACTIONS_V2]
    assert isinstance(actions, dict)
    items = actions["actions"]
    edited = {**actions, "actions": [items[0], *items]}
    assert "assertion.action.malformed" in _failures(
        replace_contents(signed, {labels.ACTIONS_V2: edited}, {}))
    # An opening action only in a later position is as wrong as none at all.
    moved = {**actions, "actions": [*items[1:], items[0]]}
    assert "assertion.action.malformed" in _failures(
        replace_contents(signed, {labels.ACTIONS_V2: moved}, {}))


def test_redacted_action_must_name_a_redaction(signed: bytes) -> None:
    actions = _contents(signed)[labels.ACTIONS_V2]
    assert isinstance(actions, dict)
    for params in ({}, {"redacted": 5},
                   {"redacted": labels.absolute_uri("urn:c2pa:nowhere", labels.ASSERTIONS, "x")}):
        edited = {**actions, "actions": [*actions["actions"],
                                         {"action": "c2pa.redacted", "parameters": params}]}
        assert "assertion.action.redactionMismatch" in _failures(
            replace_contents(signed, {labels.ACTIONS_V2: edited}, {}))


@pytest.mark.parametrize(("field", "value"), [
    ("instanceID", 5), ("alg", ["sha256"]), ("signature", 7), ("created_assertions", {}),
    ("claim_generator_info", "x"), ("redacted_assertions", 5), ("redacted_assertions", [5]),
    ("dc:title", b"t"), ("created_assertions", [{"url": 5, "hash": b""}]),
])
def test_claim_field_types(signed: bytes, field: str, value: object) -> None:
    failures = _failures(replace_contents(signed, {}, {field: value}))
    assert "claim.malformed" in failures or "algorithm.unsupported" in failures


def test_signature_uri_must_name_the_signature_box(signed: bytes) -> None:
    location = app11.find_c2pa_store(signed)
    assert location is not None
    label = parse_store(location.jumbf).manifests[-1].label
    claim_uri = labels.absolute_uri(label, labels.CLAIM_V2)
    assert "claimSignature.missing" in _failures(replace_contents(signed, {}, {"signature": claim_uri}))


def test_actions_and_bindings_are_never_redacted(signed: bytes) -> None:
    for target, code in ((labels.ACTIONS_V2, "assertion.action.redacted"),
                         (labels.HASH_DATA, "assertion.dataHash.redacted")):
        uri = labels.absolute_uri("urn:c2pa:other", labels.ASSERTIONS, target)
        assert code in _failures(replace_contents(signed, {}, {"redacted_assertions": [uri]}))


def test_cbor_simple_values_and_duplicate_keys_are_invalid() -> None:
    with pytest.raises(ManifestError):
        _decode_cbor(cbor2.dumps({"a": cbor2.CBORSimpleValue(32)}))
    with pytest.raises(ManifestError):
        _decode_cbor(bytes.fromhex("a2616101616102"))  # {"a": 1, "a": 2}
    with pytest.raises(ManifestError):
        _decode_cbor(cbor2.dumps({"a": 1}) + b"\x00")  # trailing byte
    assert _decode_cbor(cbor2.dumps({"a": [True, None, 1.5]})) == {"a": [True, None, 1.5]}


def test_deep_json_is_invalid_not_a_crash() -> None:
    payload = b"[" * 5000 + b"]" * 5000
    box = SuperBox(DescriptionBox(c2pa_uuid("json"), labels.ACTIONS_V2),
                   [ContentBox(b"json", payload)])
    with pytest.raises(ManifestError, match="deeper"):
        Assertion(labels.ACTIONS_V2, box).content()
    # Brackets inside strings do not count.
    box.children = [ContentBox(b"json", b'{"a": "' + b"[" * 5000 + b'"}')]
    assert Assertion(labels.ACTIONS_V2, box).content() == {"a": "[" * 5000}


def test_exclusions_must_cover_exactly_the_store() -> None:
    import hashlib

    asset = bytes(range(200))
    store = (50, 30)

    def content(*ranges: tuple[int, int]) -> dict[str, object]:
        kept, pos = b"", 0
        for start, length in ranges:
            kept += asset[pos:start]
            pos = start + length
        kept += asset[pos:]
        return {"exclusions": [{"start": s, "length": n} for s, n in ranges],
                "hash": hashlib.sha256(kept).digest()}

    assert check_data_hash(content((50, 30)), asset, "sha256", store_range=store)[0] == \
        "assertion.dataHash.match"
    assert check_data_hash(content((50, 10), (60, 20)), asset, "sha256", store_range=store)[0] == \
        "assertion.dataHash.match"  # split in two, still exactly the store
    for ranges in ([(0, 80)], [(50, 150)], [(50, 29)], [(50, 30), (100, 5)], []):
        code, _ = check_data_hash(content(*ranges), asset, "sha256", store_range=store)
        assert code == "assertion.dataHash.mismatch", ranges
    assert check_data_hash({"hash": b"", "alg": ["sha256"]}, asset, "sha256")[0] == \
        "algorithm.unsupported"
    assert check_data_hash({"hash": b"", "exclusions": 5}, asset, "sha256")[0] == \
        "assertion.dataHash.malformed"
    assert check_data_hash({"hash": b"", "exclusions": [{"start": True, "length": 1}]}, asset,
                           "sha256")[0] == "assertion.dataHash.malformed"


def test_many_redactions_stay_linear(signed: bytes) -> None:
    import time

    actions = _contents(signed)[labels.ACTIONS_V2]
    assert isinstance(actions, dict)
    uris = [labels.absolute_uri("urn:c2pa:other", labels.ASSERTIONS, f"x__{i}") for i in range(4000)]
    edited = {**actions, "actions": [*actions["actions"], *(
        {"action": "c2pa.redacted", "parameters": {"redacted": u}} for u in uris)]}
    data = replace_contents(signed, {labels.ACTIONS_V2: edited}, {"redacted_assertions": uris})
    started = time.perf_counter()
    report = api.verify_bytes(data)
    json_size = len(str(report.to_dict()))
    assert time.perf_counter() - started < 3.0
    assert report.state == "Invalid" and json_size > 0
