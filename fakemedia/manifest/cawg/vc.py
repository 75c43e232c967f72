"""Verifiable credentials (W3C VC Data Model 2.0) as the identity claims aggregation profile
uses them (CAWG identity 1.1, §8.1): shape checks, dates, the subject's verified identities and
its ``c2paAsset`` copy of the signer payload.

The checks are those of the data model, not of JSON-LD processing: contexts and types must be
non-empty lists of strings, the issuer a URI (or an object with an ``id``), dates RFC 3339 with
a time-zone offset. Bytes are bounded before parsing; nesting is bounded before decoding.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fakemedia import limits
from fakemedia.manifest.cawg.identity import NamedIdentity
from fakemedia.manifest.cawg.payload import SignerPayload, parse_signer_payload
from fakemedia.manifest.store import json_depth


class CredentialInvalid(Exception):
    """The payload is not an identity claims aggregation credential; the text says why."""


@dataclass(frozen=True)
class Credential:
    issuer: str
    types: tuple[str, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    identities: tuple[NamedIdentity, ...]
    c2pa_asset: SignerPayload


def parse_credential(payload: bytes) -> Credential:
    """The credential carried as a COSE_Sign1 payload; CredentialInvalid when it is not one."""
    if len(payload) > limits.MAX_CREDENTIAL_BYTES:
        raise CredentialInvalid(f"credential of {len(payload)} bytes exceeds the limit")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise CredentialInvalid("credential is not UTF-8") from None
    if json_depth(text.encode()) > limits.MAX_CREDENTIAL_DEPTH:
        raise CredentialInvalid("credential nests too deeply")
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise CredentialInvalid(f"credential is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise CredentialInvalid("credential is not a JSON object")
    _nonempty_strings(doc.get("@context"), "@context")
    types = _nonempty_strings(doc.get("type"), "type")
    if "id" in doc and not _is_uri(doc["id"]):
        raise CredentialInvalid("credential id is not a URI")
    subject = _first_subject(doc.get("credentialSubject"))
    return Credential(
        issuer=_issuer(doc.get("issuer")), types=types,
        valid_from=_date(doc, "validFrom"), valid_until=_date(doc, "validUntil"),
        identities=tuple(_named(v) for v in _identities(subject)),
        c2pa_asset=_asset(subject.get("c2paAsset")))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate member {key!r}")
        out[key] = value
    return out


def _nonempty_strings(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise CredentialInvalid(f"{what} is not a non-empty list of strings")
    return tuple(value)


def _is_uri(value: Any) -> bool:
    scheme, colon, rest = value.partition(":") if isinstance(value, str) else ("", "", "")
    return bool(colon and scheme and rest and scheme[0].isalpha()
                and all(c.isalnum() or c in "+-." for c in scheme) and " " not in value)


def _issuer(value: Any) -> str:
    if isinstance(value, dict):  # VC 2.0 §4.7: an issuer object names itself in ``id``
        value = value.get("id")
    if not _is_uri(value):
        raise CredentialInvalid("issuer is not a URI")
    return str(value)


def _date(doc: dict[str, Any], key: str) -> datetime | None:
    value = doc.get(key)
    if value is None and key not in doc:
        return None
    when = _rfc3339(value)
    if when is None:
        raise CredentialInvalid(f"{key} is not an RFC 3339 date-time with an offset")
    return when


def _rfc3339(value: Any) -> datetime | None:
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        when = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1:] in "zZ" else value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _first_subject(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        raise CredentialInvalid("credentialSubject is missing")
    return value


def _identities(subject: dict[str, Any]) -> list[dict[str, Any]]:
    items = subject.get("verifiedIdentities")
    if not isinstance(items, list) or not items:
        raise CredentialInvalid("verifiedIdentities is not a non-empty list")
    if len(items) > limits.MAX_VERIFIED_IDENTITIES:
        raise CredentialInvalid("too many verifiedIdentities")
    if not all(isinstance(i, dict) for i in items):
        raise CredentialInvalid("a verified identity is not an object")
    return items


def _optional_text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None and key not in item:
        return None
    if not isinstance(value, str) or not value:
        raise CredentialInvalid(f"verified identity {key} is not a non-empty string")
    return value


def _named(item: dict[str, Any]) -> NamedIdentity:
    """§8.1.1.1: ``type``, ``verifiedAt`` and ``provider`` are required."""
    kind = _optional_text(item, "type")
    provider = item.get("provider")
    if kind is None or not isinstance(provider, dict):
        raise CredentialInvalid("verified identity lacks its type or provider")
    if not _is_uri(provider.get("id")) or not isinstance(provider.get("name"), str) \
            or not provider["name"]:
        raise CredentialInvalid("verified identity provider lacks its id or name")
    uri = item.get("uri")
    if "uri" in item and not _is_uri(uri):
        raise CredentialInvalid("verified identity uri is not a URI")
    if _rfc3339(item.get("verifiedAt")) is None:
        raise CredentialInvalid("verified identity verifiedAt is not an RFC 3339 date-time")
    return NamedIdentity(kind, _optional_text(item, "name"), _optional_text(item, "username"),
                         _optional_text(item, "address"), uri, provider["id"], provider["name"],
                         item["verifiedAt"])


def _asset(value: Any) -> SignerPayload:
    """The subject's ``c2paAsset``: the signer payload with each hash as base64 text (held as
    a JSON string or, as the reference SDK writes it, as the text's bytes)."""
    if not isinstance(value, dict) or not isinstance(value.get("referenced_assertions"), list):
        raise CredentialInvalid("c2paAsset is not a signer payload")
    refs = []
    for ref in value["referenced_assertions"]:
        if not isinstance(ref, dict):
            raise CredentialInvalid("c2paAsset reference is not an object")
        refs.append({**ref, "hash": _b64_hash(ref.get("hash"))})
    payload = parse_signer_payload({**value, "referenced_assertions": refs})
    if payload is None:
        raise CredentialInvalid("c2paAsset is not a signer payload")
    return payload


def _b64_hash(value: Any) -> bytes | None:
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        value = bytes(value).decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return b""  # cannot match the signer payload: reported as a mismatch, as by the SDK
