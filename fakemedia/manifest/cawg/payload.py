"""The identity assertion structure and its signer payload (CAWG identity 1.1, §5 and §7.1).

``cawg.identity`` = ``{signer_payload, signature, pad1, pad2?}``; the signer payload names the
assertions of the claim the credential holder signs over (``referenced_assertions``), the
signature type and optional roles. Parsing is strict on types, tolerant of extra fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from fakemedia import limits
from fakemedia.manifest import labels
from fakemedia.manifest.cawg import codes
from fakemedia.manifest.store import HashedURI

Finding = tuple[str, str]


@dataclass(frozen=True)
class SignerPayload:
    referenced_assertions: tuple[HashedURI, ...]
    sig_type: str
    roles: tuple[str, ...] = ()

    def to_cbor(self) -> bytes:
        """The bytes the credential signs: the fields in the specification's order, ``alg``
        only when present and ``role`` only when non-empty, as the reference SDK writes them."""
        refs = []
        for ref in self.referenced_assertions:
            item: dict[str, Any] = {"url": ref.url}
            if ref.alg is not None:
                item["alg"] = ref.alg
            item["hash"] = ref.hash
            refs.append(item)
        out: dict[str, Any] = {"referenced_assertions": refs, "sig_type": self.sig_type}
        if self.roles:
            out["role"] = list(self.roles)
        return cbor2.dumps(out)


@dataclass(frozen=True)
class IdentityAssertion:
    signer_payload: SignerPayload
    signature: bytes
    pad1: bytes
    pad2: bytes | None


def parse_signer_payload(value: Any) -> SignerPayload | None:
    """A signer payload map (CBOR, or the JSON form inside a credential); None when malformed."""
    if not isinstance(value, dict):
        return None
    refs, sig_type, roles = value.get("referenced_assertions"), value.get("sig_type"), value.get("role", [])
    if not isinstance(refs, list) or len(refs) > limits.MAX_IDENTITY_REFERENCES:
        return None
    if not isinstance(sig_type, str) or not isinstance(roles, list):
        return None
    if not all(isinstance(r, str) for r in roles):
        return None
    parsed = [_hashed_uri(r) for r in refs]
    if any(r is None for r in parsed):
        return None
    return SignerPayload(tuple(r for r in parsed if r is not None), sig_type, tuple(roles))


def _hashed_uri(value: Any) -> HashedURI | None:
    if isinstance(value, dict) and "alg" in value and not isinstance(value["alg"], str):
        return None
    return HashedURI.from_cbor(value)


def parse_assertion(content: Any) -> IdentityAssertion | None:
    """The decoded ``cawg.identity`` content as typed fields; None when a field is missing or
    of the wrong type (the reference SDK then refuses the manifest: ``assertion.required.missing``)."""
    if not isinstance(content, dict):
        return None
    payload = parse_signer_payload(content.get("signer_payload"))
    signature, pad1, pad2 = content.get("signature"), content.get("pad1"), content.get("pad2")
    if payload is None or not isinstance(signature, bytes) or not isinstance(pad1, bytes):
        return None
    if pad2 is not None and not isinstance(pad2, bytes):
        return None
    return IdentityAssertion(payload, signature, pad1, pad2)


def check_padding(assertion: IdentityAssertion) -> list[Finding]:
    """§5.2: pad1 and pad2 hold zeros only (one finding even if both are wrong)."""
    for pad in (assertion.pad1, assertion.pad2 or b""):
        if pad.strip(b"\x00"):
            return [(codes.PAD_INVALID, "non-zero byte in the identity assertion padding")]
    return []


def check_against_claim(payload: SignerPayload, manifest_label: str,
                        claim_refs: Sequence[HashedURI]) -> tuple[list[Finding], bool]:
    """§7.1: every referenced assertion is one the claim lists, with the claim's hash; one of
    them is the hard binding; none is named twice. Returns the findings and whether checking
    may go on (a reference whose hash differs from the claim's ends it)."""
    findings: list[Finding] = []
    claimed = {_path(r.url, manifest_label): r for r in claim_refs}
    seen: set[tuple[str, ...] | str] = set()
    duplicate = False
    for ref in payload.referenced_assertions:
        path = _path(ref.url, manifest_label)
        match = claimed.get(path)
        if match is None:
            findings.append((codes.ASSERTION_MISMATCH, f"referenced assertion not in the claim: {ref.url}"))
        elif match.hash != ref.hash:
            findings.append((codes.ASSERTION_MISMATCH,
                             f"referenced assertion hash differs from the claim's: {ref.url}"))
            return findings, False
        duplicate = duplicate or path in seen
        seen.add(path)
    if not any(_last_label(r.url).startswith("c2pa.hash.") for r in payload.referenced_assertions):
        findings.append((codes.HARD_BINDING_MISSING, "signer payload references no hard binding"))
    if duplicate:
        findings.append((codes.ASSERTION_DUPLICATE, "signer payload names one assertion twice"))
    return findings, True


def _path(url: str, manifest_label: str) -> tuple[str, ...] | str:
    path = labels.uri_path(url, manifest_label)
    return tuple(path) if path is not None else url


def _last_label(url: str) -> str:
    return url.rsplit("/", 1)[-1]
