"""The C2PA Soft Binding Resolution API (SBR API 1.0) over a manifest repository: the answers a
server gives, and a client that looks manifests up on such a server.

Routes, relative to a resolver's base URL (all JSON unless said otherwise):

* ``GET services/supportedAlgorithms`` → ``{"watermarks": [{"alg"}], "fingerprints": [{"alg"}]}``;
* ``GET matches/byBinding?alg=…&value=…&maxResults=…`` (``value``: standard base64) and
  ``POST matches/byBinding`` with ``{"alg", "value"}`` → ``{"matches": [{"manifestId",
  "similarityScore"?}]}``;
* ``POST matches/byContent?alg=…&maxResults=…`` with the image as the body (the server
  computes the binding) → the same;
* ``GET manifests/{manifestId}`` → the manifest store (``application/c2pa``).

A client never takes a resolver's word: :func:`fakemedia.softbinding.recovery.recover`
validates every store it is handed and compares its soft bindings with the image itself, so a
resolver that answers wrongly can only cost a look-up, never make a false recovery.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from fakemedia import limits
from fakemedia.errors import FakemediaError, InvalidRequest, RepositoryError
from fakemedia.manifest import soft_binding
from fakemedia.manifest.store import parse_store
from fakemedia.softbinding import fingerprint
from fakemedia.softbinding.repository import Candidate, Entry, Repository

MAX_RESULTS = 50


def supported_algorithms() -> dict[str, Any]:
    return {"watermarks": [{"alg": a} for a in soft_binding.WATERMARK_ALGS],
            "fingerprints": [{"alg": a} for a in soft_binding.FINGERPRINT_ALGS]}


def decode_value(text: str) -> bytes:
    """A binding value as the API carries it (standard base64, padded)."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidRequest("value: not standard base64") from None


def _score(distance: int, bits: int) -> int:
    return max(0, round(100 * (1 - distance / bits)))


def matches_by_binding(repository: Repository, alg: str, value: bytes,
                       max_results: int = 10) -> dict[str, Any]:
    """The manifests a binding value names: watermark keys within two bits (the recovery
    rule), fingerprints within the match distance, nearest first."""
    from fakemedia.softbinding.recovery import FINGERPRINT_MATCH, KEY_SUPPORTED

    limit = max(1, min(max_results, MAX_RESULTS))
    if alg in soft_binding.WATERMARK_ALGS:
        key = soft_binding.watermark_key(value)
        if key is None:
            raise InvalidRequest(f"{alg}: a value is a 4-byte key")
        found = [(c.manifest_id, _score(c.distance, 32))
                 for c in repository.by_watermark(key, max_distance=KEY_SUPPORTED)]
    elif alg in soft_binding.FINGERPRINT_ALGS:
        try:
            body = fingerprint.parse_unit(value)
        except ValueError as exc:
            raise InvalidRequest(f"{alg}: {exc}") from None
        found = [(c.manifest_id, _score(c.distance, 128))
                 for c in repository.by_fingerprint(body, max_distance=FINGERPRINT_MATCH)]
    else:
        raise InvalidRequest(f"algorithm {alg!r} is not supported here")
    seen: dict[str, int] = {}
    for manifest_id, score in found:
        seen.setdefault(manifest_id, score)
    return {"matches": [{"manifestId": m, "similarityScore": s}
                        for m, s in list(seen.items())[:limit]]}


def matches_by_content(repository: Repository, image: bytes, alg: str,
                       max_results: int = 10) -> dict[str, Any]:
    """:func:`matches_by_binding` for the binding of ``alg`` computed from ``image``."""
    from fakemedia.softbinding.imaging import load_rgb
    from fakemedia.softbinding.recovery import QUERY_SIDE

    pixels = load_rgb(image, max_side=QUERY_SIDE)
    if alg in soft_binding.FINGERPRINT_ALGS:
        value = fingerprint.unit(fingerprint.content_code(pixels, 256))
    elif alg in soft_binding.WATERMARK_ALGS:
        from fakemedia.softbinding import watermark

        value = soft_binding.watermark_value(watermark.decode(pixels).payload)
    else:
        raise InvalidRequest(f"algorithm {alg!r} is not supported here")
    return matches_by_binding(repository, alg, value, max_results)


class RemoteRepository:
    """A resolver reached over HTTP, with the look-ups :mod:`recovery` makes of a repository."""

    def __init__(self, base_url: str, *, timeout: float = limits.REMOTE_FETCH_TIMEOUT) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidRequest(f"resolver {base_url!r}: not an http(s) URL")
        self.base = base_url.rstrip("/") + "/"
        self.timeout = timeout

    def __enter__(self) -> RemoteRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _get(self, path: str, query: dict[str, str] | None = None) -> bytes | None:
        url = urllib.parse.urljoin(self.base, path)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:
                data: bytes = answer.read(limits.MAX_REMOTE_STORE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise RepositoryError(f"resolver {self.base}: {path} answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RepositoryError(f"resolver {self.base} cannot be reached: {reason}") from None
        if len(data) > limits.MAX_REMOTE_STORE_BYTES:  # the bound of any fetched store
            raise RepositoryError(f"resolver {self.base}: answer to {path} is too large")
        return data

    def _matches(self, alg: str, value: bytes) -> list[Candidate]:
        data = self._get("matches/byBinding", {"alg": alg, "value": base64.b64encode(value).decode(),
                                               "maxResults": str(MAX_RESULTS)})
        try:
            matches = json.loads(data or b'{"matches": []}').get("matches")
            out = [Candidate(str(m["manifestId"]), alg, value,
                             round(128 * (1 - float(m.get("similarityScore", 100)) / 100)))
                   for m in matches[:MAX_RESULTS]]
        except (ValueError, TypeError, KeyError, AttributeError):
            raise RepositoryError(f"resolver {self.base}: a malformed list of matches") from None
        return out

    def by_watermark(self, key: int, *, max_distance: int = 2) -> list[Candidate]:
        return self._matches(soft_binding.WATERMARK_ALG, soft_binding.watermark_value(key))

    def by_fingerprint(self, body: bytes, *, max_distance: int) -> list[Candidate]:
        return self._matches(soft_binding.FINGERPRINT_ALG, fingerprint.unit(body))

    def get(self, manifest_id: str) -> Entry | None:
        """The store the resolver holds for ``manifest_id``; its active manifest must be that
        one (a store for another manifest is refused, not used)."""
        store = self._get("manifests/" + urllib.parse.quote(manifest_id, safe=""))
        if store is None:
            return None
        try:
            active = parse_store(store).active
        except (FakemediaError, ValueError) as exc:
            raise RepositoryError(f"resolver {self.base}: manifest {manifest_id} is unreadable: "
                                  f"{exc}") from None
        if active is None or active.label != manifest_id:
            raise RepositoryError(f"resolver {self.base} answered manifest "
                                  f"{active.label if active else 'none'} for {manifest_id}")
        bindings, _ = soft_binding.read_soft_bindings(active)
        return Entry(manifest_id, store, "", None, tuple(bindings))
