"""C2PA redaction of assertions in earlier manifests (C2PA 2.2 §6.8).

A new manifest may remove assertions from the manifests it takes in as ingredients: the
assertion's box leaves the store and the new claim lists its URI in ``redacted_assertions``.
The redacted manifest's own claim still names the assertion; validators skip that reference
because a later claim redacted it, and check the ingredient through its ``claimSignature``
hash (the signature box is untouched) rather than the whole manifest's hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fakemedia.errors import InvalidRequest, ManifestNotFound
from fakemedia.formats import jumbf
from fakemedia.manifest import labels
from fakemedia.manifest.store import Manifest, ManifestStore, parse_store

# Actions and hard bindings may never be redacted (C2PA §18.14, §9).
_NEVER = (labels.ACTIONS_V2, labels.ACTIONS_V1, *labels.HARD_BINDINGS)


@dataclass(frozen=True)
class Redaction:
    manifest: str
    assertion: str

    @property
    def uri(self) -> str:
        return labels.absolute_uri(self.manifest, labels.ASSERTIONS, self.assertion)


def parse_redaction(spec: str, store: ManifestStore) -> Redaction:
    """``LABEL`` (an assertion of the active manifest), ``MANIFEST/LABEL`` or a JUMBF URI."""
    active = store.active
    if active is None:
        raise ManifestNotFound("nothing to redact: the image has no manifest")
    path = labels.uri_path(spec, active.label) if spec.startswith("self#jumbf=") else None
    if path is not None:
        if len(path) != 4 or path[2] != labels.ASSERTIONS:
            raise InvalidRequest(f"redaction {spec}: not an assertion URI")
        manifest, assertion = path[1], path[3]
    elif "/" in spec:
        manifest, _, assertion = spec.rpartition("/")
    else:
        manifest, assertion = active.label, spec
    target = store.get(manifest)
    if target is None or target.assertion(assertion) is None:
        raise InvalidRequest(f"redaction {spec}: no such assertion in the image's manifests")
    if labels.base_label(assertion) in _NEVER:
        raise InvalidRequest(f"redaction {spec}: actions and hard bindings cannot be redacted")
    return Redaction(manifest, assertion)


def redact_store(store: ManifestStore, redactions: Sequence[Redaction]) -> ManifestStore:
    """A copy of ``store`` with the named assertion boxes removed; untouched manifests keep
    their exact bytes."""
    by_manifest: dict[str, set[str]] = {}
    for r in redactions:
        by_manifest.setdefault(r.manifest, set()).add(r.assertion)
    parts = [m.stored.to_bytes() if m.label not in by_manifest
             else _without(m, by_manifest[m.label]) for m in store.manifests]
    body = store.box.description.to_bytes() + b"".join(parts)
    return parse_store(jumbf.box_header(b"jumb", len(body)) + body)


def _without(m: Manifest, assertions: set[str]) -> bytes:
    children: list[bytes] = []
    for child in m.box.children:
        if isinstance(child, jumbf.SuperBox) and child.fourcc == "c2as":
            kept = b"".join(c.to_bytes() for c in child.children
                            if not (isinstance(c, jumbf.SuperBox) and c.label in assertions))
            body = child.description.to_bytes() + kept
            children.append(jumbf.box_header(b"jumb", len(body)) + body)
        else:
            children.append(child.to_bytes())
    # A compressed manifest is written back uncompressed: same label, standard manifest box.
    body = m.box.description.to_bytes() + b"".join(children)
    return jumbf.box_header(b"jumb", len(body)) + body
