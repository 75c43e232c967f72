"""Trust configuration from one JSON file, the reference SDK's trust model (C2PA 2.x §14.4),
with the CAWG identity trust kept apart as in its ``cawg_trust`` settings.

::

    {"trust": {                                       C2PA claim signers
        "trust_anchors": ["C2PA-TRUST-LIST.pem"],     PEM bundles of signer roots
        "allowed_ekus": ["1.3.6.1.4.1.99999.1"],      extra accepted EKU OIDs (dotted)
        "end_entity_certs": ["allowed-signers.pem"],  signer certificates trusted as they are
        "end_entity_sha256": ["9f2c…"],               ... or their SHA-256 (hex or base64)
        "tsa_anchors": ["C2PA-TSA-TRUST-LIST.pem"],   time-stamp authority roots
        "cawg_anchors": ["cawg-anchors.pem"]          = cawg_trust.trust_anchors
     },
     "cawg_trust": {                                  CAWG identity assertions
        "trust_anchors": ["cawg-anchors.pem"],        X.509 identity credential roots
        "allowed_ekus": ["1.3.6.1.5.5.7.3.4"],        extra accepted EKUs for them
        "end_entity_certs": ["iptc-end-entities.pem"],
        "end_entity_sha256": ["…"],
        "trusted_ica_issuers": ["did:web:id.example"] ICA issuer DIDs, without fragment
    }}

Paths are relative to the file. Every key and both sections are optional; unknown keys are
refused, so a typo cannot silently trust nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakemedia._record import replace
from fakemedia.errors import FakemediaError, InvalidRequest
from fakemedia.manifest.validate import TrustSettings

if TYPE_CHECKING:  # certificates load only when a file lists them
    from cryptography import x509

_LIST_KEYS = ("trust_anchors", "allowed_ekus", "end_entity_certs", "end_entity_sha256",
              "tsa_anchors", "cawg_anchors")
_CAWG_KEYS = ("trust_anchors", "allowed_ekus", "end_entity_certs", "end_entity_sha256",
              "trusted_ica_issuers")
_SECTIONS = {"trust": _LIST_KEYS, "cawg_trust": _CAWG_KEYS}
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
    if not isinstance(document, dict) or not document or set(document) - set(_SECTIONS):
        raise InvalidRequest(f'{file}: expected {{"trust": {{...}}, "cawg_trust": {{...}}}} (either or both)')
    lists = {name: _section(file, name, document.get(name, {})) for name in _SECTIONS}
    c2pa, cawg = _Lists(file, lists["trust"]), _Lists(file, lists["cawg_trust"])
    issuers = lists["cawg_trust"]["trusted_ica_issuers"]
    for did in issuers:
        if not did.startswith("did:") or "#" in did:
            raise InvalidRequest(f"{file}: trusted_ica_issuers: {did!r} is not a DID without fragment")
    return TrustSettings(anchors=c2pa.pems("trust_anchors"), tsa_anchors=c2pa.pems("tsa_anchors"),
                         extra_ekus=c2pa.ekus(), end_entities=c2pa.end_entities(),
                         cawg_anchors=[*c2pa.pems("cawg_anchors"), *cawg.pems("trust_anchors")],
                         cawg_extra_ekus=cawg.ekus(), cawg_end_entities=cawg.end_entities(),
                         cawg_ica_issuers=tuple(issuers))


class _Lists:
    """One section's lists, read relative to the trust file."""

    def __init__(self, file: Path, lists: dict[str, list[str]]) -> None:
        self.file, self.lists = file, lists

    def pems(self, key: str) -> list[x509.Certificate]:
        return [c for name in self.lists.get(key, []) for c in _read_pem(self.file.parent / name, self.file)]

    def ekus(self) -> tuple[str, ...]:
        from cryptography import x509

        for oid in self.lists["allowed_ekus"]:
            try:
                x509.ObjectIdentifier(oid)
            except ValueError:
                raise InvalidRequest(f"{self.file}: allowed_ekus: {oid!r} is not a dotted OID") from None
        return tuple(self.lists["allowed_ekus"])

    def end_entities(self) -> frozenset[bytes]:
        from fakemedia.cose import certs

        hashes = {_fingerprint(self.file, text) for text in self.lists["end_entity_sha256"]}
        return frozenset(hashes | {certs.sha256_fingerprint(c) for c in self.pems("end_entity_certs")})


def _section(file: Path, name: str, section: Any) -> dict[str, list[str]]:
    if not isinstance(section, dict):
        raise InvalidRequest(f"{file}: {name} must be an object")
    unknown = set(section) - set(_SECTIONS[name])
    if unknown:
        raise InvalidRequest(f"{file}: unknown {name} keys {', '.join(sorted(unknown))}")
    return {key: _strings(file, key, section.get(key, [])) for key in _SECTIONS[name]}


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
    from fakemedia.cose import certs

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
