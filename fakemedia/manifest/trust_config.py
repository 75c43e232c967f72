"""Trust configuration from one JSON file, the reference SDK's trust model (C2PA 2.x §14.4).

::

    {"trust": {
        "trust_anchors": ["C2PA-TRUST-LIST.pem"],     PEM bundles of C2PA signer roots
        "allowed_ekus": ["1.3.6.1.4.1.99999.1"],      extra accepted EKU OIDs (dotted)
        "end_entity_certs": ["allowed-signers.pem"],  signer certificates trusted as they are
        "end_entity_sha256": ["9f2c…"],               ... or their SHA-256 (hex or base64)
        "tsa_anchors": ["C2PA-TSA-TRUST-LIST.pem"],   time-stamp authority roots
        "cawg_anchors": ["cawg-anchors.pem"]          CAWG identity credential roots
    }}

Paths are relative to the file. Every key is optional; unknown keys are refused, so a typo
cannot silently trust nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509

from fakemedia.cose import certs
from fakemedia.errors import FakemediaError, InvalidRequest
from fakemedia.manifest.validate import TrustSettings

_LIST_KEYS = ("trust_anchors", "allowed_ekus", "end_entity_certs", "end_entity_sha256",
              "tsa_anchors", "cawg_anchors")
#: Largest trust file read (the published C2PA trust list is well under this).
_MAX_CONFIG_BYTES = 1024 * 1024


def load(path: str | Path) -> TrustSettings:
    """TrustSettings from a JSON trust file; InvalidRequest (exit 2) with a one-line reason."""
    file = Path(path)
    try:
        raw = file.read_bytes()[: _MAX_CONFIG_BYTES + 1]
    except OSError as exc:
        raise InvalidRequest(f"{file}: cannot read trust configuration ({exc.strerror or exc})") from None
    if len(raw) > _MAX_CONFIG_BYTES:
        raise InvalidRequest(f"{file}: trust configuration exceeds {_MAX_CONFIG_BYTES} bytes")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidRequest(f"{file}: not a JSON trust configuration ({type(exc).__name__})") from None
    section = document.get("trust") if isinstance(document, dict) else None
    if not isinstance(section, dict) or set(document) != {"trust"}:
        raise InvalidRequest(f'{file}: expected one object {{"trust": {{...}}}}')
    unknown = set(section) - set(_LIST_KEYS)
    if unknown:
        raise InvalidRequest(f"{file}: unknown trust keys {', '.join(sorted(unknown))}")
    lists = {key: _strings(file, key, section.get(key, [])) for key in _LIST_KEYS}
    base = file.parent

    def pems(key: str) -> list[x509.Certificate]:
        return [c for name in lists[key] for c in _read_pem(base / name, file)]

    hashes = {_fingerprint(file, text) for text in lists["end_entity_sha256"]}
    hashes |= {certs.sha256_fingerprint(c) for c in pems("end_entity_certs")}
    for oid in lists["allowed_ekus"]:
        try:
            x509.ObjectIdentifier(oid)
        except ValueError:
            raise InvalidRequest(f"{file}: allowed_ekus: {oid!r} is not a dotted OID") from None
    return TrustSettings(anchors=pems("trust_anchors"), tsa_anchors=pems("tsa_anchors"),
                         cawg_anchors=pems("cawg_anchors"), extra_ekus=tuple(lists["allowed_ekus"]),
                         end_entities=frozenset(hashes))


def combine(base: TrustSettings | None, *, anchors: Sequence[x509.Certificate] = (),
            tsa_anchors: Sequence[x509.Certificate] = (), now: datetime | None = None) -> TrustSettings:
    """``base`` (a loaded file, or the defaults) with anchors from flags added and the
    validation time set."""
    settings = base or TrustSettings()
    settings = replace(settings, anchors=[*settings.anchors, *anchors],
                       tsa_anchors=[*settings.tsa_anchors, *tsa_anchors])
    return replace(settings, now=now) if now is not None else settings


def _strings(file: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"{file}: {key} must be a string or a list of strings")
    return list(value)


def _read_pem(path: Path, file: Path) -> list[x509.Certificate]:
    try:
        return certs.load_certificates(path.read_bytes())
    except OSError as exc:
        raise InvalidRequest(f"{file}: cannot read {path} ({exc.strerror or exc})") from None
    except FakemediaError as exc:
        raise InvalidRequest(f"{file}: {path}: {exc}") from None


def _fingerprint(file: Path, text: str) -> bytes:
    cleaned = text.strip().replace(":", "")
    try:
        digest = bytes.fromhex(cleaned) if len(cleaned) == 64 else base64.b64decode(cleaned, validate=True)
    except (ValueError, binascii.Error):
        digest = b""
    if len(digest) != 32:
        raise InvalidRequest(f"{file}: end_entity_sha256: {text!r} is not a SHA-256 (hex or base64)")
    return digest
