"""The ``c2pa.hash.data`` hard binding (C2PA 2.x §18.5): recompute the asset's hash outside
its exclusions, and start that hash early.

A verify of a large JPEG spends most of its time hashing the file. The bytes to hash are
known before any assertion is read — a JPEG's only exclusion is the manifest store's own APP11
span, which step 5 insists on — so :class:`EarlyDigest` hashes them on a thread while the
claim, signature and certificates are checked (the SHA-2 update of cryptography releases the
GIL). Step 5 takes that digest only when its exclusions cover exactly that span with SHA-256;
anything else is hashed there and then, so the result never depends on the guess.
"""

from __future__ import annotations

import threading
from typing import Any

from fakemedia import limits
from fakemedia.cose import algorithms
from fakemedia.formats.app11 import StoreLocation

HASH_ALGS = algorithms.SHA2
#: Below this size a thread costs more than the hash it would hide.
EARLY_DIGEST_MIN_BYTES = 1 << 20


class EarlyDigest:
    """SHA-256 of ``asset`` without ``span`` = (start, length), computed on a thread."""

    __slots__ = ("_asset", "_digest", "_span", "_thread")

    def __init__(self, asset: bytes, span: tuple[int, int]) -> None:
        self._asset, self._span = asset, span
        self._digest: bytes | None = None
        self._thread = threading.Thread(target=self._run, name="fakemedia-data-hash", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, asset: bytes | None, location: StoreLocation | None) -> EarlyDigest | None:
        """Begin hashing around the store at ``location`` when the asset is large enough."""
        if asset is None or location is None or len(asset) < EARLY_DIGEST_MIN_BYTES:
            return None
        start, length = location.offset, location.length
        if start < 0 or length < 0 or start + length > len(asset):
            return None
        return cls(asset, (start, length))

    def _run(self) -> None:
        start, length = self._span
        view = memoryview(self._asset)
        digest = HASH_ALGS["sha256"](view[:start])
        digest.update(view[start + length:])
        self._digest = digest.digest()

    def digest_for(self, alg: str, spans: list[tuple[int, int]]) -> bytes | None:
        """The early digest when ``alg`` and the merged exclusion ``spans`` are what it
        hashed around; None otherwise (and if the thread failed)."""
        start, length = self._span
        if alg != "sha256" or spans != ([(start, start + length)] if length else []):
            return None
        self._thread.join()
        return self._digest


def check_data_hash(content: Any, asset: bytes, default_alg: str,
                    widen: tuple[int, int] | None = None,
                    store_range: tuple[int, int] | None = None,
                    early: EarlyDigest | None = None) -> tuple[str, str]:
    """Recompute a ``c2pa.hash.data`` assertion over ``asset`` (§18.5).

    ``widen`` = (start, length): an exclusion starting at ``start`` is taken as ``length``
    long and later exclusions move by the growth, as validators do for a store that grew under
    an update manifest (§15.12.1.1). ``store_range`` = (start, length) of the manifest store's APP11
    segments: the exclusions must cover exactly those bytes, so no byte of the image goes
    unhashed and the store itself is never hashed. ``early``: a digest begun before this step.
    """
    if not isinstance(content, dict) or not isinstance(content.get("hash"), bytes):
        return "assertion.dataHash.malformed", "data hash assertion lacks its hash"
    alg = content.get("alg", default_alg)
    fn = HASH_ALGS.get(alg) if isinstance(alg, str) else None
    if fn is None:
        return "algorithm.unsupported", "data hash algorithm not supported"
    exclusions = content.get("exclusions")
    if exclusions is None:
        exclusions = []
    if not isinstance(exclusions, list) or len(exclusions) > limits.MAX_EXCLUSIONS:
        return "assertion.dataHash.malformed", "exclusions are not a (bounded) list"
    ranges: list[tuple[int, int]] = []
    growth = 0
    for item in exclusions:
        if not isinstance(item, dict):
            return "assertion.dataHash.malformed", "exclusion is not a map"
        start, length = _natural(item.get("start")), _natural(item.get("length"))
        if start is None or length is None:
            return "assertion.dataHash.malformed", "exclusion start/length invalid"
        if widen is not None and start == widen[0]:
            growth, length = max(0, widen[1] - length), widen[1]
        elif widen is not None and start > widen[0]:
            start += growth
        ranges.append((start, length))
    position = 0
    for start, length in ranges:
        if start < position:
            return "assertion.dataHash.malformed", "exclusions overlap or are out of order"
        if start + length > len(asset):
            return "assertion.dataHash.mismatch", "exclusion runs past the end of the file"
        position = start + length
    spans = _covered(ranges)
    if store_range is not None and spans != [(store_range[0], sum(store_range))]:
        return ("assertion.dataHash.mismatch",
                "the exclusions do not cover exactly the manifest store's APP11 segments")
    found = early.digest_for(alg, spans) if early is not None else None
    if found is None:
        found = _digest_outside(fn, asset, spans)
    if found != content["hash"]:
        return "assertion.dataHash.mismatch", "the image data does not match its signed hash"
    return "assertion.dataHash.match", "data hash valid"


def _digest_outside(fn: Any, asset: bytes, spans: list[tuple[int, int]]) -> bytes:
    """Hash every byte of ``asset`` outside the (start, end) ``spans``."""
    position = 0
    digest = fn()
    view = memoryview(asset)
    for start, end in spans:
        digest.update(view[position:start])
        position = end
    digest.update(view[position:])
    return bytes(digest.digest())


def _natural(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _covered(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ordered, non-overlapping ranges merged into (start, end) spans; empty ones dropped."""
    spans: list[tuple[int, int]] = []
    for start, length in ranges:
        if length == 0:
            continue
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], start + length)
        else:
            spans.append((start, start + length))
    return spans
