"""Unsigned manifest stores built box by box: long chains and shared-ingredient graphs, for the
bounded-work tests (the reproducers are examples; these build any size)."""

from __future__ import annotations

import hashlib
import io

import cbor2
from PIL import Image

from fakemedia.formats import app11
from fakemedia.formats.jumbf import ContentBox, DescriptionBox, SuperBox, c2pa_uuid
from fakemedia.manifest import labels


def _box(fourcc: str, label: str, children: list[SuperBox | ContentBox]) -> SuperBox:
    return SuperBox(DescriptionBox(c2pa_uuid(fourcc), label), children)


def _cbor_assertion(label: str, content: object) -> SuperBox:
    return _box("cbor", label, [ContentBox(b"cbor", cbor2.dumps(content))])


def _manifest(label: str, parent: SuperBox | None, fan: int) -> SuperBox:
    assertions = []
    if parent is not None:
        ref = {"url": labels.absolute_uri(parent.label or ""),
               "hash": hashlib.sha256(parent.hash_input()).digest()}
        for i in range(fan):
            name = labels.INGREDIENT_V3 + (f"__{i}" if i else "")
            assertions.append(_cbor_assertion(name, {"relationship": "parentOf" if i == 0 else
                                                     "componentOf", "activeManifest": ref,
                                                     "validationResults": {}}))
    store = _box("c2as", labels.ASSERTIONS, list(assertions))
    refs = [{"url": labels.relative_assertion_uri(a.label or ""),
             "hash": hashlib.sha256(a.hash_input()).digest()} for a in assertions]
    claim = {"instanceID": f"xmp:iid:{label}", "claim_generator_info": {"name": "tests"},
             "signature": labels.absolute_uri(label, labels.SIGNATURE),
             "created_assertions": refs, "alg": "sha256"}
    return _box("c2ma", label, [store, _box("c2cl", labels.CLAIM_V2,
                                            [ContentBox(b"cbor", cbor2.dumps(claim))])])


def chain_jpeg(manifests: int, *, fan: int = 1) -> bytes:
    """A small JPEG whose store holds ``manifests`` unsigned manifests, each naming the one
    before it ``fan`` times (fan 2: every manifest reachable along 2^depth paths)."""
    boxes: list[SuperBox] = []
    for i in range(manifests):
        boxes.append(_manifest(f"urn:c2pa:{i:08d}-0000-4000-8000-000000000000",
                               boxes[-1] if boxes else None, fan))
    store = _box("c2pa", labels.STORE, list(boxes)).to_bytes()
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buf, "JPEG")
    base = buf.getvalue()
    return app11.insert_c2pa_store(base, store, app11.default_insert_offset(base))


def replace_contents(data: bytes, edits: dict[str, object], claim_edits: dict[str, object]) -> bytes:
    """``data`` (a signed JPEG) with the active manifest's CBOR assertions (by label) and claim
    fields replaced, and every hash in the claim recomputed: what a re-signing attacker can
    produce (the signature no longer verifies, but every other rule is reached)."""
    from fakemedia.manifest.store import parse_store

    location = app11.find_c2pa_store(data)
    assert location is not None
    store = parse_store(location.jumbf)
    m = store.active
    assert m is not None and m.assertion_store is not None and m.claim_box is not None
    for child in m.assertion_store.superboxes():
        if child.label in edits:
            child.children = [ContentBox(b"cbor", cbor2.dumps(edits[child.label]))]
            child.raw = None
    m.assertion_store.raw = None
    claim = dict(m.claim or {})
    refs = []
    for ref in claim.get("created_assertions") or []:
        label = ref["url"].rsplit("/", 1)[-1]
        box = m.assertion_store.find(label)
        refs.append({**ref, "hash": hashlib.sha256(box.hash_input()).digest()} if box else ref)
    claim["created_assertions"] = refs
    claim.update(claim_edits)
    m.claim_box.children = [ContentBox(b"cbor", cbor2.dumps(claim))]
    m.claim_box.raw = None
    m.box.raw = None
    store.box.raw = None
    stripped, offset = app11.remove_c2pa_store(data)
    return app11.insert_c2pa_store(stripped, store.box.to_bytes(), offset or 2)
