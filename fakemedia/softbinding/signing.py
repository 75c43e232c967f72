"""Soft bindings for one annotation: the repository, the watermark key, the recovered parent.

The façade (:func:`fakemedia.api.annotate_asset`) drives one :class:`DurableSigning` per image:

1. :meth:`~DurableSigning.recover_parent` — an image without a sound manifest may be a stripped
   copy of one the repository knows; a recovery becomes the new manifest's parent ingredient
   with ``softBindingsMatched`` (C2PA 2.1 §18.15.14, ingredient v3);
2. :meth:`~DurableSigning.bind` — a fresh watermark key, the mark in the pixels, the fingerprint
   of the re-encoded result (before signing: the hard binding hashes the marked pixels);
3. :meth:`~DurableSigning.record` — the signed store into the repository, its key bound to it;
   :meth:`~DurableSigning.close` gives an unused key back when signing failed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakemedia.errors import InputImageError, InvalidRequest
from fakemedia.manifest import soft_binding
from fakemedia.manifest.soft_binding import SoftBinding
from fakemedia.manifest.store import Manifest, ManifestStore, parse_store
from fakemedia.manifest.validate import TrustSettings
from fakemedia.softbinding import binding, recovery
from fakemedia.softbinding.repository import Repository

__all__ = ["Durability", "DurableSigning", "RecoveredParent", "check_request"]

@dataclass(frozen=True)
class RecoveredParent:
    """A manifest found through soft bindings, to continue as the parent."""

    store: ManifestStore
    validation_results: dict[str, Any]
    algorithms: tuple[str, ...]
    recovery: recovery.Recovery


@dataclass(frozen=True)
class Durability:
    """What an annotation did for durable credentials (reported beside the signed file)."""

    repository: str
    manifest_id: str | None
    algorithms: tuple[str, ...]
    watermark_key: int | None = None
    psnr: float | None = None
    parent: dict[str, Any] | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"repository": self.repository, "manifest": self.manifest_id,
                "soft_bindings": list(self.algorithms),
                "watermark_key": None if self.watermark_key is None else f"{self.watermark_key:08x}",
                "psnr_db": None if self.psnr is None else round(self.psnr, 1),
                "recovered_parent": self.parent, "note": self.note}


class DurableSigning:
    """One image's soft-binding work against one repository (a context manager)."""

    def __init__(self, repository: str | Path, *, watermark: bool) -> None:
        self.path = str(repository)
        self.repository = Repository(repository, create=True)
        self.watermark = watermark
        self.key: int | None = None
        self.bound: binding.BoundImage | None = None
        self.parent: RecoveredParent | None = None
        self.note: str | None = None
        self._speculative: binding.BoundImage | None = None
        self._recorded = False

    def __enter__(self) -> DurableSigning:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.key is not None and not self._recorded:
            self.repository.release_key(self.key)
        self.repository.close()

    def recover_parent(self, data: bytes, trust: TrustSettings | None,
                       embedded_label: str | None = None, *,
                       speculate: bool = False) -> RecoveredParent | None:
        """The repository's manifest for ``data``'s pixels, when it is recovered (not a conflict,
        not invalid). ``embedded_label``: the file's own manifest, whose hard binding failed;
        only that same manifest may then be recovered (another one is left to the caller).

        ``speculate``: with a watermark to make, mark a copy of the pixels while the look-up
        reads them (the two network passes run side by side, on the look-up's own connection);
        :meth:`bind` uses that copy unless the look-up finds the pixels marked already."""
        if speculate and self.watermark:
            with ThreadPoolExecutor(1) as pool:
                looking = pool.submit(self._look_up, data, trust, True)
                self.key = self.repository.allocate_key()
                try:
                    self._speculative = binding.bind_jpeg(data, self.key)
                finally:
                    found = looking.result()
        else:
            found = self._look_up(data, trust, False)
        if found is None or found.state != "recovered" or found.store is None or found.validation is None:
            return None
        if embedded_label is not None and found.manifest_id != embedded_label:
            return None
        algorithms = tuple(dict.fromkeys(b.alg for b in found.bindings if b.matched))
        self.parent = RecoveredParent(parse_store(found.store), found.validation.to_dict(),
                                      algorithms, found)
        return self.parent

    def _look_up(self, data: bytes, trust: TrustSettings | None, own: bool) -> recovery.Recovery | None:
        try:
            if own:  # an SQLite connection belongs to the thread that opened it
                with Repository(self.path, create=False) as repository:
                    return recovery.recover(data, repository, trust=trust)
            return recovery.recover(data, self.repository, trust=trust)
        except InputImageError:
            return None  # pixels nothing can be found by (binding them says why, if asked)

    def bind(self, data: bytes, parent: Manifest | None = None) -> binding.BoundImage:
        """The bytes to sign and the soft bindings to declare (a key is reserved first).

        Pixels that already carry a mark are not marked again: a mark the parent manifest
        declares, or one the repository found the parent by. A second mark over the first
        garbles both, and the first one still leads to the parent, whose newest continuation
        the look-up prefers."""
        marker = None
        if self.parent is not None and "watermark" in (self.parent.recovery.method or ""):
            marker = self.parent.recovery.manifest_id
        elif parent is not None:
            declared, _ = soft_binding.read_soft_bindings(parent)
            marker = parent.label if any(b.kind == "watermark" for b in declared) else None
        if self._speculative is not None:
            if marker is None:
                self.bound = self._speculative
                return self.bound
            self._speculative = None  # marked already: the copy and its key are given up
            if self.key is not None:
                self.repository.release_key(self.key)
                self.key = None
        if self.watermark and marker is not None:
            self.note = f"not marked again: the pixels carry the watermark of {marker}, its parent"
        elif self.watermark:
            self.key = self.repository.allocate_key()
        self.bound = binding.bind_jpeg(data, self.key)
        return self.bound

    @property
    def bindings(self) -> tuple[SoftBinding, ...]:
        return self.bound.bindings if self.bound else ()

    def record(self, store: bytes, title: str | None) -> Durability:
        """Keep the signed ``store`` in the repository."""
        entry = self.repository.add(store, title=title)
        self._recorded = True
        parent = None
        if self.parent is not None:
            r = self.parent.recovery
            parent = {"manifest": r.manifest_id, "method": r.method,
                      "soft_bindings_matched": list(self.parent.algorithms),
                      "fingerprint_distance": r.fingerprint_distance, "key_distance": r.key_distance}
        return Durability(self.path, entry.manifest_id, tuple(b.alg for b in self.bindings),
                          self.key, self.bound.psnr if self.bound else None, parent, self.note)


def check_request(repository: str | None, watermark: bool) -> None:
    """A watermark carries a repository key: it cannot be made without a repository."""
    if watermark and not repository:
        raise InvalidRequest("a watermark needs a manifest repository to hold its key")
