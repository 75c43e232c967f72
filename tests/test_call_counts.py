"""Each command parses its input once: header walks, store parses and signature checks counted
(the figures ``bench/bench_provenance.py`` prints)."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from fakemedia import api
from fakemedia.cose import sign1
from fakemedia.formats import jpeg
from fakemedia.manifest import store

if TYPE_CHECKING:
    from tests.conftest import Identity

ANNOTATION = {"modification_types": ["edited"], "author": "tests"}


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Every module's binding of the three functions replaced by a counting wrapper."""
    counted: Counter[str] = Counter()
    for module, name in ((jpeg, "iter_segments"), (store, "parse_store"), (sign1, "verify_sign1")):
        original = getattr(module, name)

        def wrapper(*args: Any, _f: Callable[..., Any] = original, _n: str = name, **kw: Any) -> Any:
            counted[_n] += 1
            return _f(*args, **kw)

        for mod in [m for key, m in sys.modules.items() if key.startswith("fakemedia") and m]:
            for key, value in list(vars(mod).items()):
                if value is original:
                    monkeypatch.setattr(mod, key, wrapper)
    yield counted


def test_verify_walks_once_and_checks_each_signature_once(counts: Counter[str], source_jpeg: bytes,
                                                          es256: Identity) -> None:
    one = api.annotate_bytes(source_jpeg, ANNOTATION, es256.signer)
    two = api.annotate_bytes(one, ANNOTATION, es256.signer)
    counts.clear()
    assert api.verify_bytes(two, trust_anchors=es256.anchors).state == "Trusted"
    assert counts == {"iter_segments": 1, "parse_store": 1, "verify_sign1": 2}


def test_annotate_reads_its_input_once_and_checks_the_parent_once(
        counts: Counter[str], source_jpeg: bytes, es256: Identity) -> None:
    one = api.annotate_bytes(source_jpeg, ANNOTATION, es256.signer)
    counts.clear()
    signed = api.annotate_asset(api.parse_asset(one), ANNOTATION, es256.signer)
    # Input: one walk, one parse, the parent's signature; output, read back from its bytes:
    # one walk, one parse, its own signature (the parent's outcome is reused); one walk to
    # place the new store.
    assert counts == {"iter_segments": 3, "parse_store": 2, "verify_sign1": 2}
    assert signed.parent_state == "Valid" and not signed.report.unsound_output()
    assert signed.report.results is not None
    deltas = signed.report.results.ingredient_deltas
    assert len(deltas) == 1 and deltas[0].statuses.has("claimSignature.validated")  # reused


def test_a_reused_signature_outcome_is_the_one_first_found(source_jpeg: bytes, es256: Identity) -> None:
    one = api.annotate_bytes(source_jpeg, ANNOTATION, es256.signer)
    asset = api.parse_asset(one)
    outcomes: dict[tuple[bytes, bytes], str] = {}
    first = api.verify_asset(asset, signatures=outcomes)
    assert list(outcomes.values()) == ["claimSignature.validated"]
    outcomes[next(iter(outcomes))] = "claimSignature.mismatch"  # as if it had failed
    again = api.verify_asset(api.parse_asset(one), signatures=outcomes)
    assert first.state == "Valid" and again.state == "Invalid"
