"""C2PA labels and JUMBF URIs (C2PA 2.2 §8.1, §8.4; assertion labels §6.2).

Labels are data: every name the manifest code writes or looks for is defined once here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

STORE = "c2pa"
ASSERTIONS = "c2pa.assertions"
CLAIM_V2 = "c2pa.claim.v2"
CLAIM_V1 = "c2pa.claim"
SIGNATURE = "c2pa.signature"
CREDENTIALS = "c2pa.credentials"
DATABOXES = "c2pa.databoxes"

HASH_DATA = "c2pa.hash.data"
ACTIONS_V2 = "c2pa.actions.v2"
ACTIONS_V1 = "c2pa.actions"
INGREDIENT_V3 = "c2pa.ingredient.v3"
INGREDIENT_LABELS = ("c2pa.ingredient", "c2pa.ingredient.v2", "c2pa.ingredient.v3")
HARD_BINDINGS = ("c2pa.hash.data", "c2pa.hash.boxes", "c2pa.hash.bmff", "c2pa.hash.bmff.v2",
                 "c2pa.hash.bmff.v3", "c2pa.hash.collection.data")
#: Status codes of a hard binding that no longer matches the asset: what is left of such a copy
#: may still find its manifest through soft bindings (C2PA 2.1 §18.10).
HARD_BINDING_FAILURES = frozenset({"assertion.dataHash.mismatch", "assertion.boxesHash.mismatch",
                                   "assertion.bmffHash.mismatch"})


def hard_binding_failed(codes: Iterable[str]) -> bool:
    """Whether failure ``codes`` include a hard binding that no longer matches its asset."""
    return not HARD_BINDING_FAILURES.isdisjoint(codes)

_URI_PREFIX = "self#jumbf="
# Pre-1.0 manifests carried vendor-test labels; c2pa-rs refuses them as prerelease content.
_PRERELEASE = re.compile(r"^adobetest:")


def base_label(label: str) -> str:
    """Assertion label without its instance suffix (``c2pa.ingredient.v3__1`` → ``…v3``)."""
    return label.split("__", 1)[0]


def new_manifest_label() -> str:
    """A fresh v2 manifest label, ``urn:c2pa:<UUIDv4>`` (§8.1)."""
    import uuid  # only when signing: reading never mints a label

    return f"urn:c2pa:{uuid.uuid4()}"


def is_prerelease_label(label: str) -> bool:
    return bool(_PRERELEASE.match(label))


def relative_assertion_uri(label: str) -> str:
    """The form c2pa-rs writes for references inside one manifest."""
    return f"{_URI_PREFIX}{ASSERTIONS}/{label}"


def absolute_uri(manifest_label: str, *parts: str) -> str:
    """``self#jumbf=/c2pa/<manifest>/<parts…>``: relative to the whole store."""
    tail = "/".join((STORE, manifest_label, *parts))
    return f"{_URI_PREFIX}/{tail}"


def uri_path(uri: str, current_manifest: str) -> list[str] | None:
    """Labels from the store root to the box a JUMBF URI names, or None if it is not one.

    Absolute URIs start at the store (``/c2pa/…``); relative ones at the current manifest.
    ``..`` is refused (§8.4), as is anything outside this file (``self#jumbf=`` only).
    """
    if not isinstance(uri, str) or not uri.startswith(_URI_PREFIX):
        return None
    path = uri[len(_URI_PREFIX):]
    if path.startswith("/"):
        parts = path[1:].split("/")
        if not parts or parts[0] != STORE:
            return None
    else:
        parts = [STORE, current_manifest, *path.split("/")]
    if any(p in ("", "..", ".") for p in parts):
        return None
    return parts


def absolute_ref(uri: str, current_manifest: str) -> str:
    """A reference made absolute against the manifest that holds it (unchanged when it is no
    JUMBF URI, so it never matches a real box)."""
    path = uri_path(uri, current_manifest)
    return absolute_uri(*path[1:]) if path and len(path) > 1 else uri
