"""What c2pa-python 0.38.1 (the C2PA reference SDK) recorded for every reference JPEG, with and
without trust anchors, and what fakemedia says about the same file, as comparable cases.

Sources of the expectations, one per folder of ``../shared/fixtures``:

* ``c2pa-rs/``: the table in :mod:`interop.test_theirs_read_by_us` (observed with c2pa-python,
  guarded there against the live oracle); files without an embedded manifest expect none.
* ``c2pa-rs-more/``: its ``expected.json`` (state and failure codes per trust mode).
* ``peer/``: each ``NAME.expected.json`` (read with ``pki/trust-anchors.pem``); without the anchor
  the same file reads Valid instead of Trusted and adds ``signingCredential.untrusted`` (the
  folder's README).

Agreement means the same state and the same *set* of failure codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fakemedia import api

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
FIXTURES = SHARED / "fixtures"
UNTRUSTED = "signingCredential.untrusted"
#: Files the reference SDK refuses to read because they carry no embedded manifest.
_NO_MANIFEST = {"no_manifest.jpg", "unsigned.jpg"}
_REMOTE = {"cloud.jpg"}


@dataclass(frozen=True)
class Case:
    folder: str
    name: str
    anchored: bool
    state: str | None
    failures: frozenset[str]

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.name}-{'anchors' if self.anchored else 'plain'}"

    @property
    def path(self) -> Path:
        return FIXTURES / self.folder / self.name

    def anchors(self) -> bytes | None:
        if not self.anchored:
            return None
        bundle = ("pki/trust-anchors.pem" if self.folder == "peer"
                  else "test_cert_root_bundle.pem")
        return (FIXTURES / self.folder / bundle).read_bytes()


def _c2pa_rs() -> Iterator[Case]:
    from interop.test_theirs_read_by_us import C2PA_RS_TABLE

    for path in sorted((FIXTURES / "c2pa-rs").glob("*.jpg")):
        for anchored in (False, True):
            if path.name in _NO_MANIFEST:
                yield Case("c2pa-rs", path.name, anchored, None, frozenset())
            elif path.name in _REMOTE:
                # The SDK stops at "must fetch remote manifests"; offline that is inaccessible.
                yield Case("c2pa-rs", path.name, anchored, "Invalid",
                           frozenset({"manifest.inaccessible"}))
            else:
                expect = C2PA_RS_TABLE[path.name]
                state, codes = expect.anchored if anchored else expect.plain
                yield Case("c2pa-rs", path.name, anchored, state, codes)


def _c2pa_rs_more() -> Iterator[Case]:
    expected = json.loads((FIXTURES / "c2pa-rs-more" / "expected.json").read_text())
    for name in sorted(expected):
        for anchored in (False, True):
            entry = expected[name]["with_anchors" if anchored else "without_anchors"]
            yield Case("c2pa-rs-more", name, anchored, entry["state"], frozenset(entry["failures"]))


def _peer() -> Iterator[Case]:
    for path in sorted((FIXTURES / "peer").glob("*.expected.json")):
        expected = json.loads(path.read_text())
        name = path.name.removesuffix(".expected.json") + ".jpg"
        codes = list((expected.get("codes") or {}).get("failure") or [])
        for delta in expected.get("ingredient_deltas") or []:
            codes += (delta.get("codes") or {}).get("failure") or []
        state = expected["validation_state"]
        yield Case("peer", name, True, state, frozenset(codes))
        if state is None:
            yield Case("peer", name, False, None, frozenset())
        else:
            yield Case("peer", name, False, "Valid" if state == "Trusted" else state,
                       frozenset(codes) | {UNTRUSTED})


def all_cases() -> list[Case]:
    """Every reference case present on this machine; [] without the shared folder."""
    if not FIXTURES.is_dir():
        return []
    out: list[Case] = []
    for source, folder in ((_c2pa_rs, "c2pa-rs"), (_c2pa_rs_more, "c2pa-rs-more"), (_peer, "peer")):
        if (FIXTURES / folder).is_dir():
            out.extend(source())
    return out


def observe(case: Case) -> tuple[str | None, frozenset[str]]:
    """fakemedia's state and set of failure codes for the case's file and trust mode."""
    report = api.verify_bytes(case.path.read_bytes(), trust_anchors=case.anchors())
    return report.state, frozenset(report.failures())
