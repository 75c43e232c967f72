"""Trust Indicator Sets built from our own verification, never from what a file claims.

The layout is the one the JPEG Trust reference software and the reference profile
evaluator share (third generation): ``@context``, ``asset_info``, ``manifests[]`` (the
active manifest first, then its ingredients depth-first in ingredient-assertion order,
each once), per manifest ``label``, ``assertions`` (decoded; byte strings as base64),
``claim.v2`` (or ``claim`` for v1 claims), ``status`` and ``claim_signature``, then
``content``. Every ``status`` value is a C2PA 2.x validation code from our validator
(C2PA §15); the file's own JSON cannot put one there.

Our ``org.fakemedia.annotation`` appears decoded, as the verification report summarises
it: restricted fields only when a decryption key opened them. A Trust Declaration
(``declaration``) and XMP/EXIF ``metadata`` are not produced.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from ..cose import sign1
from ..formats import app11
from ..manifest.reader import ManifestView, VerificationReport
from ..manifest.store import Manifest, ManifestStore, parse_store

CONTEXT = ["https://jpeg.org/jpegtrust/"]
ANNOTATION_LABEL = "org.fakemedia.annotation"
_CONTENT_PREFIXES = ("assertion.dataHash.", "assertion.bmffHash.", "assertion.boxesHash.",
                     "assertion.collectionHash.")
_DN_NAMES = {
    NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATION_NAME: "O", NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.COUNTRY_NAME: "C", NameOID.LOCALITY_NAME: "L", NameOID.STATE_OR_PROVINCE_NAME: "ST",
    NameOID.EMAIL_ADDRESS: "E",
}


def build_indicators(data: bytes, report: VerificationReport) -> dict[str, Any]:
    """The indicator set of ``data``, whose verification ``report`` we computed ourselves."""
    store = _store(data) if report.manifest_found else None
    out: dict[str, Any] = {
        "@context": list(CONTEXT),
        "asset_info": {"alg": "sha256", "hash": base64.b64encode(hashlib.sha256(data).digest()).decode()},
        "manifests": [_manifest_entry(view, store, report) for view in _ordered_views(report)],
        "content": {},
    }
    return out


def _store(data: bytes) -> ManifestStore | None:
    location = app11.find_c2pa_store(data)
    return parse_store(location.jumbf) if location is not None else None


def _ordered_views(report: VerificationReport) -> list[ManifestView]:
    """Active first, then ingredients depth-first in assertion order, each label once.
    Manifests no ingredient reaches are not part of the asset's provenance and are left out."""
    ordered: list[ManifestView] = []
    seen: set[str] = set()
    stack = [report.active_manifest] if report.active_manifest else []
    while stack:
        label = stack.pop()
        view = report.manifest(label) if label else None
        if view is None or view.label in seen:
            continue
        seen.add(view.label)
        ordered.append(view)
        stack.extend(reversed([i.manifest for i in view.ingredients if i.manifest]))
    return ordered


def _manifest_entry(view: ManifestView, store: ManifestStore | None,
                    report: VerificationReport) -> dict[str, Any]:
    manifest = store.get(view.label) if store is not None else None
    entry: dict[str, Any] = {"label": view.label}
    entry["assertions"] = _assertions(manifest, view)
    if manifest is not None and manifest.claim is not None:
        entry["claim.v2" if manifest.claim_version == 2 else "claim"] = jsonable(manifest.claim)
    entry["status"] = _status(view, is_active=view.label == report.active_manifest)
    signature = _claim_signature(manifest, view)
    if signature:
        entry["claim_signature"] = signature
    entry["extras:validation"] = {
        "state": view.state,
        "codes": [s.to_dict() for s in view.statuses.statuses],
    }
    return entry


def _assertions(manifest: Manifest | None, view: ManifestView) -> dict[str, Any]:
    out: dict[str, Any] = {}
    redacted = set(view.redacted)
    if manifest is not None:
        for assertion in manifest.assertions():
            if assertion.label in redacted:
                continue
            content = assertion.try_content()
            out[assertion.label] = jsonable(content) if content is not None else {}
    if ANNOTATION_LABEL in out or view.annotation.get("restricted") is not None:
        # Ours, decoded as verification summarised it (restricted values only if opened).
        out[ANNOTATION_LABEL] = jsonable(view.annotation)
    return out


def _status(view: ManifestView, *, is_active: bool) -> dict[str, Any]:
    statuses = view.statuses.statuses
    codes = [s.code for s in statuses]
    failures = set(view.statuses.codes("failure"))
    signature = next((c for c in codes if c.startswith("claimSignature.") and c in failures), None)
    if signature is None:
        # A structural failure (claim missing, malformed store …) stands where the SDK puts it.
        structural = next((c for c in codes if c in failures and not c.startswith(
            ("assertion.", "signingCredential.", "timeStamp."))), None)
        validated = "claimSignature.validated" if "claimSignature.validated" in codes else None
        signature = structural or validated or "claimSignature.missing"
    assertion: dict[str, str] = {}
    content = ""
    for status in statuses:
        code = status.code
        if code.startswith(_CONTENT_PREFIXES):
            if is_active and (not content or code in failures):
                content = code
            continue
        if code.startswith(("assertion.hashedURI.", "assertion.inaccessible", "assertion.missing",
                            "assertion.undeclared", "assertion.notRedacted", "assertion.cbor",
                            "assertion.json")):
            label = _assertion_label(status.url) or code
            if label not in assertion or code in failures:
                assertion[label] = code
    trust = next((c for c in codes if c.startswith("signingCredential.") and ".ocsp." not in c), "")
    out: dict[str, Any] = {"signature": signature, "assertion": assertion, "trust": trust}
    if content:
        out["content"] = content
    return out


def _assertion_label(url: str | None) -> str | None:
    if not url:
        return None
    marker = "c2pa.assertions/"
    return url.split(marker, 1)[1].split("/", 1)[0] if marker in url else url.rsplit("/", 1)[-1]


def _claim_signature(manifest: Manifest | None, view: ManifestView) -> dict[str, Any]:
    if manifest is None or manifest.signature_bytes is None:
        return {}
    out: dict[str, Any] = {"signature_algorithm": view.algorithm}
    try:
        chain = sign1.decode_sign1(manifest.signature_bytes).x5chain
        cert = x509.load_der_x509_certificate(chain[0]) if chain else None
    except Exception:  # a damaged signature or certificate: the status codes say why
        cert = None
    if cert is not None:
        out["subject"] = _dn(cert.subject)
        out["issuer"] = _dn(cert.issuer)
        out["validity"] = {"not_before": _iso(cert.not_valid_before_utc),
                           "not_after": _iso(cert.not_valid_after_utc)}
        out["serial_number"] = format(cert.serial_number, "x")
    return out


def _dn(name: x509.Name) -> dict[str, str]:
    out: dict[str, str] = {}
    for attribute in name:
        key = _DN_NAMES.get(attribute.oid, attribute.oid.dotted_string)
        value = attribute.value
        out[key] = value if isinstance(value, str) else base64.b64encode(bytes(value)).decode()
    return out


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def jsonable(value: Any) -> Any:
    """Decoded CBOR as JSON: byte strings become base64, tags their value, keys strings."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and value != value:
            return None
        return value
    tag_value = getattr(value, "value", None)
    if tag_value is not None:
        return jsonable(tag_value)
    return str(value)
