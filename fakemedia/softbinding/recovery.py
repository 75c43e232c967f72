"""From pixels back to a manifest: decode the watermark, fingerprint the content, look both up in
a repository, validate what was found and check its soft bindings against the query
(C2PA 2.1 §18.10.5: a manifest found through a soft binding is accepted only when every soft
binding it declares matches the asset in the algorithm's own sense).

States of a :class:`Recovery`:

* ``recovered`` — a stored manifest that validates, found by watermark and/or fingerprint, its
  soft bindings consistent with the image. Never "Valid": its hard binding belongs to the
  original file, not to this copy;
* ``conflict`` — the watermark names a manifest whose fingerprint is as far from this image as
  unrelated content is: a transplanted watermark or a key clash, never a recovery;
* ``invalid`` — the repository's manifest no longer validates (signature, certificate, claim);
* ``not-found`` — no stored manifest matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fakemedia.errors import WatermarkUnavailable
from fakemedia.formats import app11
from fakemedia.manifest import labels, soft_binding
from fakemedia.manifest.report import ValidationResults
from fakemedia.manifest.store import parse_store
from fakemedia.manifest.validate import TrustSettings, validate_store
from fakemedia.softbinding import fingerprint
from fakemedia.softbinding.imaging import check_usable, load_rgb
from fakemedia.softbinding.repository import Candidate, Entry


class Lookup(Protocol):
    """Where manifests are looked up: a local :class:`~fakemedia.softbinding.repository.
    Repository` or a resolver (:class:`~fakemedia.softbinding.resolver.RemoteRepository`)."""

    def by_watermark(self, key: int, *, max_distance: int = 2) -> list[Candidate]: ...

    def by_fingerprint(self, body: bytes, *, max_distance: int) -> list[Candidate]: ...

    def get(self, manifest_id: str) -> Entry | None: ...

#: 256-bit fingerprint distances: at most MATCH is the same picture (recompressed, resized);
#: from UNRELATED on, as far as two different photographs. Crops fall in between.
FINGERPRINT_MATCH = 32
FINGERPRINT_UNRELATED = 96
#: Watermark keys are ≥ 3 bits apart: one wrong bit still names one key. Two wrong bits are
#: accepted only with support: a confident read or a fingerprint that is not unrelated.
KEY_DIRECT = 1
KEY_SUPPORTED = 2
CONFIDENT = 6.0
#: Reads below this confidence but above the noise floor retry with the crop search.
SEARCH_FLOOR = 3.0
#: Queries are decoded at about this size: both bindings work on much smaller copies.
QUERY_SIDE = 1024


@dataclass(frozen=True)
class BindingCheck:
    """One soft binding of the recovered manifest, compared with the query (§18.10.5.1)."""

    alg: str
    kind: str
    matched: bool
    distance: int | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"alg": self.alg, "kind": self.kind, "matched": self.matched,
                "distance": self.distance, "note": self.note}


@dataclass(frozen=True)
class Recovery:
    state: str
    message: str
    manifest_id: str | None = None
    method: str | None = None
    #: The decoded payload and confidence (mean |logit|), when the watermark could be read.
    watermark_payload: int | None = None
    watermark_confidence: float | None = None
    key_distance: int | None = None
    fingerprint_distance: int | None = None
    bindings: tuple[BindingCheck, ...] = ()
    validation: ValidationResults | None = None
    store: bytes | None = field(default=None, repr=False)
    #: Other manifests the query also pointed at, best first.
    alternatives: tuple[str, ...] = ()

    @property
    def similarity(self) -> int | None:
        """The Soft Binding Resolution API's 0–100 score from the fingerprint distance."""
        if self.fingerprint_distance is None:
            return None
        return max(0, round(100 * (1 - self.fingerprint_distance / 128)))

    @property
    def all_bindings_matched(self) -> bool:
        return bool(self.bindings) and all(b.matched for b in self.bindings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state, "message": self.message, "manifest": self.manifest_id,
            "method": self.method,
            "watermark": None if self.watermark_payload is None else {
                "payload": f"{self.watermark_payload:08x}",
                "confidence": round(self.watermark_confidence or 0.0, 2)},
            "key_distance": self.key_distance,
            "fingerprint_distance": self.fingerprint_distance, "similarity": self.similarity,
            "bindings": [b.to_dict() for b in self.bindings],
            "validation_state": self.validation.state if self.validation else None,
            "validation": self.validation.to_dict() if self.validation else None,
            "alternatives": list(self.alternatives),
        }


@dataclass(frozen=True)
class Query:
    """What the pixels say: a watermark reading (when one could be made) and a fingerprint."""

    fingerprint: bytes
    payload: int | None = None
    confidence: float | None = None
    searched: bool = False


def read_query(pixels: np.ndarray, *, watermark: bool = True, search: bool = False) -> Query:
    """Fingerprint ``pixels`` and, when ``watermark`` and onnxruntime allow, decode the mark."""
    check_usable(pixels, "recovery")
    body = fingerprint.content_code(pixels, 256)
    if not watermark:
        return Query(body)
    from fakemedia.softbinding import watermark as wm  # onnxruntime only when it is needed

    try:
        reading = wm.decode(pixels, search=search)
    except WatermarkUnavailable:
        return Query(body)
    return Query(body, reading.payload, reading.confidence, search)


def recover(data: bytes, repository: Lookup, *, trust: TrustSettings | None = None,
            watermark: bool = True) -> Recovery:
    """Find, validate and check the manifest of image ``data`` (its own store is ignored)."""
    pixels = load_rgb(data, max_side=QUERY_SIDE)
    query = read_query(pixels, watermark=watermark)
    result = _recover(query, repository, trust)
    confidence = query.confidence or 0.0
    if result.state == "not-found" and query.payload is not None \
            and SEARCH_FLOOR <= confidence < CONFIDENT:
        # A crop shrinks the view the decoder normalises: try the image padded back out.
        retry = _recover(read_query(pixels, search=True), repository, trust)
        if retry.state != "not-found":
            return retry
    return result


def _recover(query: Query, repository: Lookup, trust: TrustSettings | None) -> Recovery:
    key_hits: dict[str, Candidate] = {}
    if query.payload is not None:
        for hit in repository.by_watermark(query.payload, max_distance=KEY_SUPPORTED):
            key_hits.setdefault(hit.manifest_id, hit)
    print_hits: dict[str, Candidate] = {}
    for hit in repository.by_fingerprint(query.fingerprint, max_distance=FINGERPRINT_MATCH):
        print_hits.setdefault(hit.manifest_id, hit)
    outcomes = []
    for manifest_id in dict.fromkeys([*key_hits, *print_hits]):
        outcome = _examine(manifest_id, query, repository, trust, key_hits.get(manifest_id))
        if outcome is not None:
            outcomes.append(outcome)
    if not outcomes:
        return Recovery("not-found", "no manifest in the repository matches this image",
                        watermark_payload=query.payload, watermark_confidence=query.confidence)
    rank = {"recovered": 0, "conflict": 1, "invalid": 2}
    # A recovered manifest that a later recovered one continues (a re-annotated copy of the
    # same pixels) gives way to that later one: the newest step of the history is the answer.
    continued = _continued(outcomes)
    outcomes.sort(key=lambda r: (rank[r.state], r.manifest_id in continued,
                                 r.key_distance if r.key_distance is not None else 99,
                                 r.fingerprint_distance if r.fingerprint_distance is not None else 999))
    best = outcomes[0]
    others = tuple(r.manifest_id for r in outcomes[1:] if r.manifest_id)
    return _replace(best, alternatives=others)


def _continued(outcomes: list[Recovery]) -> set[str]:
    """Labels of recovered manifests that another recovered manifest's store also holds."""
    found = [r for r in outcomes if r.state == "recovered" and r.store is not None]
    if len(found) < 2:
        return set()
    ids = {r.manifest_id for r in found}
    out: set[str] = set()
    for r in found:
        assert r.store is not None
        held = {m.label for m in parse_store(r.store).manifests} - {r.manifest_id}
        out |= held & ids
    return out


def _replace(r: Recovery, **changes: Any) -> Recovery:
    import dataclasses

    return dataclasses.replace(r, **changes)


def _examine(manifest_id: str, query: Query, repository: Lookup,
             trust: TrustSettings | None, key_hit: Candidate | None) -> Recovery | None:
    entry = repository.get(manifest_id)
    if entry is None:
        return None  # removed between the look-up and now
    checks, key_distance, print_distance = _check_bindings(entry.bindings, query)
    if key_hit is not None and key_distance is not None and key_distance > KEY_DIRECT:
        supported = (query.confidence or 0.0) >= CONFIDENT or (
            print_distance is not None and print_distance < FINGERPRINT_UNRELATED)
        if not supported:
            key_hit = None  # two wrong bits and nothing else for it: not evidence
    by_key = key_hit is not None
    by_print = print_distance is not None and print_distance <= FINGERPRINT_MATCH
    if not by_key and not by_print:
        return None
    method = "+".join(m for m, used in (("watermark", by_key), ("fingerprint", by_print)) if used)
    common: dict[str, Any] = {
        "manifest_id": manifest_id, "method": method, "watermark_payload": query.payload,
        "watermark_confidence": query.confidence, "key_distance": key_distance if by_key else None,
        "fingerprint_distance": print_distance, "bindings": tuple(checks), "store": entry.store}
    store = parse_store(entry.store)
    results = validate_store(store, None, None, trust)
    common["validation"] = results
    if results.state == "Invalid":
        codes = ", ".join(sorted(set(results.failures()))) or "signature not validated"
        return Recovery("invalid", f"the repository's manifest no longer validates ({codes})",
                        **common)
    if by_key and print_distance is not None and print_distance >= FINGERPRINT_UNRELATED:
        return Recovery("conflict", f"the watermark names manifest {manifest_id}, but its "
                        f"fingerprint is {print_distance}/256 bits away: different content",
                        **common)
    how = {"watermark": "its watermark", "fingerprint": "its fingerprint",
           "watermark+fingerprint": "its watermark and fingerprint"}[method]
    return Recovery("recovered", f"recovered via soft binding: manifest {manifest_id} found "
                    f"by {how}", **common)


def _check_bindings(bindings: tuple[soft_binding.SoftBinding, ...], query: Query
                    ) -> tuple[list[BindingCheck], int | None, int | None]:
    """Each stored binding against the query; the best key and fingerprint distances."""
    checks: list[BindingCheck] = []
    key_distance: int | None = None
    print_distance: int | None = None
    for b in bindings:
        if b.kind == "watermark":
            key = soft_binding.watermark_key(b.value)
            if key is None or query.payload is None:
                note = "watermark not read" if query.payload is None else "malformed value"
                checks.append(BindingCheck(b.alg, b.kind, False, None, note))
                continue
            d = (key ^ query.payload).bit_count()
            key_distance = d if key_distance is None else min(key_distance, d)
            checks.append(BindingCheck(b.alg, b.kind, d <= KEY_SUPPORTED, d,
                                       f"{d} of 32 bits differ"))
        elif b.kind == "fingerprint":
            try:
                stored = fingerprint.parse_unit(b.value)
            except ValueError:
                checks.append(BindingCheck(b.alg, b.kind, False, None, "malformed value"))
                continue
            d = fingerprint.hamming(stored, query.fingerprint)
            print_distance = d if print_distance is None else min(print_distance, d)
            bits = 8 * min(len(stored), len(query.fingerprint))
            note = (f"{d} of {bits} bits differ" if d <= FINGERPRINT_MATCH else
                    f"{d} of {bits} bits differ: the content was changed (crop or edit)"
                    if d < FINGERPRINT_UNRELATED else f"{d} of {bits} bits differ: unrelated")
            checks.append(BindingCheck(b.alg, b.kind, d <= FINGERPRINT_MATCH, d, note))
        else:
            checks.append(BindingCheck(b.alg, b.kind, False, None,
                                       "algorithm not supported here: not compared"))
    return checks, key_distance, print_distance


def reattach(data: bytes, store: bytes) -> bytes:
    """JPEG ``data`` with ``store`` embedded in place of any store it carries.

    The store goes where its data-hash exclusion says, when that is a segment boundary of the
    file, so a copy that only lost its APP11 segments validates again byte for byte; elsewhere
    it lands at the usual place and its hard binding reports the mismatch it should.
    """
    stripped, old = app11.remove_c2pa_store(data)
    offset = old if old is not None else app11.default_insert_offset(stripped)
    recorded = _exclusion_start(store)
    if recorded is not None:
        try:
            return app11.insert_c2pa_store(stripped, store, recorded)
        except ValueError:
            pass  # not a boundary of this copy
    return app11.insert_c2pa_store(stripped, store, offset)


def _exclusion_start(store: bytes) -> int | None:
    active = parse_store(store).active
    assertion = active.assertion(labels.HASH_DATA) if active else None
    content = assertion.try_content() if assertion else None
    exclusions = content.get("exclusions") if isinstance(content, dict) else None
    if isinstance(exclusions, list) and exclusions and isinstance(exclusions[0], dict):
        start = exclusions[0].get("start")
        if isinstance(start, int) and not isinstance(start, bool):
            return start
    return None
