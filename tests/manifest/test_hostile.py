"""The hostile reproducers (../shared/fixtures/hostile, see its INDEX.md) and their siblings:
never a crash, never Valid/Trusted where the reference SDK rejects, bounded time and memory.

Each file's verdict is pinned to the failure code that names its root cause (checked against
c2pa-python 0.38.1 when the files were added); where c2pa-python is installed the test also
asks it, so a file it refuses can never read Valid or Trusted here.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakemedia import api
from fakemedia.cli import main
from tests.manifest.hostile_stores import chain_jpeg, replace_contents

HOSTILE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "hostile"
ANCHORS = HOSTILE / "keys" / "anchors-all.pem"
FILES = sorted(p.name for p in HOSTILE.glob("*.jpg")) if HOSTILE.is_dir() else []
#: Exit codes `verify` documents; 70 (internal error) is never one of them.
VERIFY_EXITS = {0, 1, 3, 4}
#: file -> (state, a failure code that must be among ours). None: no manifest found.
EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "app11-instance-taken.jpg": (None, None),
    "c2as-uuid-byte-flip.jpg": ("Invalid", "assertion.missing"),
    "cbor-simple-value.jpg": ("Invalid", "assertion.cbor.invalid"),
    "chain-through-non-ca.jpg": ("Valid", "signingCredential.untrusted"),
    "claim-alg-array.jpg": ("Invalid", "claim.malformed"),
    "claim-instanceid-int.jpg": ("Invalid", "claim.malformed"),
    "claim-signature-uri-to-claim.jpg": ("Invalid", "claimSignature.missing"),
    "cose-crit-unknown.jpg": ("Invalid", "claimSignature.mismatch"),
    "data-hash-alg-array.jpg": ("Invalid", "algorithm.unsupported"),
    "data-hash-excludes-image-repainted.jpg": ("Invalid", "assertion.dataHash.mismatch"),
    "data-hash-excludes-image.jpg": ("Invalid", "assertion.dataHash.mismatch"),
    "data-hash-from-offset-0.jpg": ("Invalid", "assertion.dataHash.mismatch"),
    "deep-json-assertion.jpg": ("Invalid", "claim.missing"),
    "dup-label-unsigned-annotation.jpg": ("Invalid", "assertion.undeclared"),
    "history-chain-350.jpg": ("Invalid", "claimSignature.missing"),
    "ingredient-dag-16.jpg": ("Invalid", "claimSignature.missing"),
    "recorded-failure-code-array.jpg": ("Invalid", "claimSignature.missing"),
    "redact-parent-actions.jpg": ("Invalid", "assertion.action.redacted"),
    "redacted-action-without-redaction.jpg": ("Invalid", "assertion.action.redactionMismatch"),
    "redacted-assertions-int.jpg": ("Invalid", "claim.malformed"),
    "redaction-flood-1000x3k.jpg": ("Invalid", "claimSignature.missing"),
    "restricted-garbage-signed.jpg": ("Trusted", None),
    "restricted-recipients-int.jpg": ("Invalid", "claim.missing"),
    "second-signature-box.jpg": ("Invalid", "claim.multiple"),
    "two-opening-actions.jpg": ("Invalid", "assertion.action.malformed"),
    "update-manifest-kind.jpg": ("Invalid", "manifest.update.invalid"),
}
pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(not FILES, reason="hostile fixtures not present")]


def _param(name: str) -> object:
    return name


def test_every_reproducer_has_an_expectation() -> None:
    assert set(FILES) == set(EXPECTED)


@pytest.mark.parametrize("name", [_param(n) for n in FILES])
def test_verdict_time_and_memory(name: str) -> None:
    data = (HOSTILE / name).read_bytes()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        report = api.verify_bytes(data, trust_anchors=ANCHORS.read_bytes())
        json.dumps(report.history())
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    state, code = EXPECTED[name]
    assert report.state == state, (report.state, report.failures())
    if code is not None:
        assert code in report.failures()
    assert elapsed < 2.0
    assert peak < 500 * 1024 * 1024


@pytest.mark.parametrize("name", [_param(n) for n in FILES])
def test_never_laxer_than_the_reference(name: str) -> None:
    oracle = pytest.importorskip("tests.interop.c2pa_oracle")
    data = (HOSTILE / name).read_bytes()
    ours = api.verify_bytes(data, trust_anchors=ANCHORS.read_bytes()).state
    error = oracle.read_error(data, ANCHORS.read_text())
    theirs = None if error else oracle.read(data, ANCHORS.read_text()).state
    if error or theirs == "Invalid":
        assert ours not in ("Valid", "Trusted"), (theirs, error)
    elif theirs == "Valid":
        assert ours != "Trusted"


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("command", ["verify", "history"])
def test_cli_exit_is_documented(name: str, command: str) -> None:
    result = CliRunner().invoke(main, [command, "--json", "--trust-anchors", str(ANCHORS),
                                       str(HOSTILE / name)])
    assert result.exit_code in VERIFY_EXITS, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code in (0, 1):
        json.loads(result.stdout)


def test_restricted_garbage_with_key_gives_the_report_and_a_note() -> None:
    result = CliRunner().invoke(main, ["verify", "--json", "--trust-anchors", str(ANCHORS),
                                       "--decrypt-key", str(HOSTILE / "keys" / "r1.key.pem"),
                                       str(HOSTILE / "restricted-garbage-signed.jpg")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    restricted = report["manifests"][-1]["annotation"]["restricted"]
    assert restricted["decrypted"] is False
    assert "not a COSE_Encrypt" in restricted["error"]


def test_annotate_takes_a_free_app11_instance(tmp_path: Path) -> None:
    out = tmp_path / "out.jpg"
    result = CliRunner().invoke(main, ["annotate", str(HOSTILE / "app11-instance-taken.jpg"),
                                       "-o", str(out), "--type", "edited", "--no-detect"])
    assert result.exit_code == 0, result.output
    report = api.verify(out)
    assert report.manifest_found and report.state in ("Valid", "Trusted"), report.failures()
    # The foreign JUMBF box is untouched and keeps its instance number.
    assert (HOSTILE / "app11-instance-taken.jpg").read_bytes()[2:] in out.read_bytes()


def test_unbound_twin_never_reaches_the_report() -> None:
    report = api.verify_bytes((HOSTILE / "dup-label-unsigned-annotation.jpg").read_bytes(),
                              trust_anchors=ANCHORS.read_bytes())
    assert "Mallory" not in json.dumps(report.to_dict())


def test_long_chains_history_is_flat_and_bounded() -> None:
    data = chain_jpeg(601)
    started = time.perf_counter()
    history = api.history(data)
    text = json.dumps(history)
    assert time.perf_counter() - started < 5.0
    assert len(history["chain"]) == 601
    depth, node = 0, history["tree"]
    while node and node.get("ingredients"):
        node, depth = node["ingredients"][0]["node"], depth + 1
    assert node is not None and node.get("truncated") is True
    assert "urn:c2pa:00000000" in text  # the oldest step is in the chain


def test_shared_ingredients_validate_once() -> None:
    # 24 levels, each naming the previous manifest twice: 2^23 paths, 24 manifests.
    data = chain_jpeg(24, fan=2)
    started = time.perf_counter()
    report = api.verify_bytes(data)
    assert time.perf_counter() - started < 2.0
    assert report.state == "Invalid"
    assert len(report.results.ingredient_deltas) == 2 * 23  # one per ingredient assertion


_WRONG = (5, -1, "x", b"\x00", [], [5], {}, {"x": 5}, None, True, 1.5)


def _paths(value: object, prefix: tuple[object, ...] = (), depth: int = 0):  # type: ignore[no-untyped-def]
    """Every key path into maps and lists, three levels deep."""
    if depth > 3:
        return
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key), depth + 1)


def _replaced(value: object, path: tuple[object, ...], new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    assert isinstance(value, list) and isinstance(head, int)
    return [*value[:head], _replaced(value[head], rest, new), *value[head + 1:]]


def test_wrong_types_in_every_field_are_statuses_not_crashes() -> None:
    """Siblings of the TypeError reproducers: every field of the claim and of each CBOR
    assertion of a fakemedia file, replaced by values of other types (hashes kept right, so
    every rule is reached): verify and history answer, never Valid, never a crash."""
    from fakemedia.formats import app11
    from fakemedia.manifest.store import parse_store

    source = (HOSTILE / "restricted-garbage-signed.jpg").read_bytes()
    location = app11.find_c2pa_store(source)
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None
    contents = {a.label: a.try_content() for a in active.assertions() if a.kind == "cbor"}
    cases: list[tuple[dict[str, object], dict[str, object]]] = []
    for label, content in contents.items():
        for path in _paths(content):
            for new in _WRONG[:: 3 if len(path) > 1 else 1]:
                cases.append(({label: _replaced(content, path, new)}, {}))
    for key in active.claim or {}:
        for new in _WRONG:
            cases.append(({}, {key: new}))
    assert len(cases) > 200
    started = time.perf_counter()
    for edits, claim_edits in cases:
        data = replace_contents(source, edits, claim_edits)
        report = api.verify_bytes(data, trust_anchors=ANCHORS.read_bytes())
        json.dumps(report.history())
        assert report.state == "Invalid", (edits, claim_edits)
    assert time.perf_counter() - started < 60
