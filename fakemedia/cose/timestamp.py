"""RFC 3161 time-stamps on C2PA claim signatures (C2PA 2.x §10.3.2.5, validation §15.8).

A time-stamp sits in the COSE unprotected header: ``sigTst2`` (the v2 "CTT" form, holding the
DER TimeStampToken) or ``sigTst`` (v1, holding the whole TimeStampResp), each as
``{"tstTokens": [{"val": bstr}]}``. Its imprint is the hash of the COSE countersignature
structure ``["CounterSignature", protected, h'', payload]``, where the payload is the
CBOR-encoded signature bstr for ``sigTst2`` (§10.3.2.5.2) and the claim for ``sigTst``.

Validation follows the reference SDK step for step and emits its codes: ``timeStamp.malformed``
(unreadable, several tokens, no TSTInfo), ``timeStamp.mismatch`` (imprint or CMS message digest),
``timeStamp.outsideValidity`` (the TSA certificate did not cover the time), ``timeStamp.validated``
(the imprint matches), then ``timeStamp.trusted`` / ``timeStamp.untrusted`` (the TSA certificate
has the id-kp-timeStamping profile and chains to a TSA anchor at the attested time). For v1
claims the reference SDK skips the trust step and treats every validated token as trusted; we
apply the same legacy rule and say so in the explanation. All of these are informational or
success codes: a bad time-stamp never invalidates a manifest, it only stops rescuing a signer
certificate that has expired (§15.8.2).

asn1crypto is imported here only, and this module is imported only when a token is present, so
verifying an unstamped file costs nothing extra.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import cbor2
from asn1crypto import cms, core, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from fakemedia import limits
from fakemedia.cose import certs
from fakemedia.cose.sign1 import SIGTST, SIGTST2, header_tokens

_HASHES: dict[str, Any] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256,
                           "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_CRYPTO_HASHES: dict[str, Any] = {"sha1": hashes.SHA1, "sha256": hashes.SHA256,
                                  "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_TSA_EKUS = (ExtendedKeyUsageOID.TIME_STAMPING,)


class TimeStampResp(core.Sequence):
    """RFC 3161 §2.4.2 TimeStampResp; asn1crypto's own schema makes the token mandatory,
    but a refused request carries none."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


@dataclass
class TimeStampCheck:
    """Outcome of a claim signature's time-stamp: the codes in order, and the attested time
    when the token is both validated and trusted (the only case where it may be used)."""

    statuses: list[tuple[str, str]] = field(default_factory=list)
    gen_time: datetime | None = None
    present: bool = False
    #: False when the header is there but holds no ``tstTokens`` list of byte strings: the
    #: reference SDK cannot decode such a container and, for CAWG credentials, treats the
    #: credential as unstamped (the claim signature path still reports it malformed).
    container_ok: bool = True

    def add(self, code: str, explanation: str) -> None:
        self.statuses.append((code, explanation))


@dataclass(frozen=True)
class _Token:
    signed_data: Any  # asn1crypto cms.SignedData
    tst_info: Any  # asn1crypto tsp.TSTInfo


class _Reject(Exception):
    """A step failed: carries the code and explanation to report."""

    def __init__(self, code: str, explanation: str) -> None:
        super().__init__(explanation)
        self.code = code
        self.explanation = explanation


def countersign_data(protected_bytes: bytes, payload: bytes) -> bytes:
    """The countersignature structure whose hash a C2PA time-stamp imprints (§10.3.2.5.3)."""
    return cbor2.dumps(["CounterSignature", protected_bytes, b"", payload])


def v2_payload(signature: bytes) -> bytes:
    """The ``sigTst2`` payload: the signature bstr *with* its CBOR header (§10.3.2.5.2)."""
    return cbor2.dumps(signature)


def message_imprint(protected_bytes: bytes, signature: bytes) -> bytes:
    """SHA-256 of what a v2 ("CTT") time-stamp over ``signature`` must imprint."""
    return hashlib.sha256(countersign_data(protected_bytes, v2_payload(signature))).digest()


def check(unprotected: Mapping[Any, Any], protected_bytes: bytes, signature: bytes,
          claim_bytes: bytes, claim_version: int, anchors: Sequence[x509.Certificate], *,
          check_trust: bool = True) -> TimeStampCheck:
    """Validate the claim signature's time-stamp, if any (§15.8); never raises on bad input.

    ``claim_bytes`` is what a v1 ``sigTst`` imprints (the signed payload). ``check_trust=False``
    is the reference SDK's pass-through policy for CAWG credentials: a validated token counts
    as trusted without a TSA chain."""
    result = TimeStampCheck()
    found = header_tokens(unprotected)
    if found is None:
        return result
    result.present = True
    label, entries = found
    if not entries:
        result.container_ok = False
    if len(entries) != 1:
        # §10.3.2.5.1 allows one token; the reference SDK then ignores the time-stamps.
        result.add("timeStamp.malformed", f"{label} holds {len(entries)} tokens, exactly one is allowed")
        return result
    entry = entries[0]
    value = entry.get("val") if isinstance(entry, Mapping) else None
    if not isinstance(value, bytes) or not value:
        result.container_ok = isinstance(value, bytes)
        result.add("timeStamp.malformed", f"{label} token is not a byte string")
        return result
    payload = v2_payload(signature) if label == SIGTST2 else claim_bytes
    if not check_trust:
        skip: str | None = "pass-through policy for identity credentials: no TSA anchor checked"
    elif claim_version < 2:
        skip = "legacy v1 rule: no TSA anchor checked"
    else:
        skip = None
    try:
        token = _parse(value, response=label == SIGTST)
        when = _verify(token, countersign_data(protected_bytes, payload), result, anchors, skip)
    except _Reject as rejected:
        result.add(rejected.code, rejected.explanation)
        return result
    result.gen_time = when
    return result


def token_problem(token: bytes, message: bytes) -> str | None:
    """Why a freshly obtained token cannot be stored for ``message`` (unreadable, bad CMS
    signature, another imprint); None when it is sound. Trust is not judged here: the
    reference SDK also checks a TSA's reply against the data before using it."""
    try:
        _verify(_parse(token, response=False), message, TimeStampCheck(), (), "not judged here")
    except _Reject as rejected:
        return rejected.explanation
    return None


def header(token: bytes) -> dict[str, Any]:
    """The ``sigTst2`` header value holding one TimeStampToken (§10.3.2.5.4)."""
    return {"tstTokens": [{"val": token}]}


def _parse(value: bytes, *, response: bool) -> _Token:
    if len(value) > limits.MAX_TIMESTAMP_BYTES:
        raise _Reject("timeStamp.malformed",
                      f"time-stamp of {len(value)} bytes exceeds {limits.MAX_TIMESTAMP_BYTES}")
    try:
        if response:
            resp = TimeStampResp.load(value, strict=True)
            status = resp["status"]["status"].native
            if status not in ("granted", "granted_with_mods"):
                raise _Reject("timeStamp.malformed", f"time-stamp response status is {status}")
            info = resp["time_stamp_token"]
        else:
            info = cms.ContentInfo.load(value, strict=True)
        if info["content_type"].native != "signed_data":
            raise _Reject("timeStamp.malformed", "time-stamp token is not CMS SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise _Reject("timeStamp.malformed", "time-stamp token does not carry a TSTInfo")
        tst_info = encap["content"].parsed
        tst_info["gen_time"].native  # noqa: B018 - forces the parse of the fields used later
        tst_info["message_imprint"]["hashed_message"].native  # noqa: B018
        count = len(signed["certificates"]) if signed["certificates"].native is not None else 0
    except _Reject:
        raise
    except Exception as exc:  # asn1crypto raises assorted errors on hostile DER
        raise _Reject("timeStamp.malformed",
                      f"time-stamp token cannot be parsed ({type(exc).__name__})") from None
    if count > limits.MAX_CHAIN_CERTS:
        raise _Reject("timeStamp.malformed",
                      f"time-stamp token has {count} certificates (limit {limits.MAX_CHAIN_CERTS})")
    return _Token(signed, tst_info)


def _certificates(signed: Any) -> list[x509.Certificate]:
    if signed["certificates"].native is None:
        raise _Reject("timeStamp.untrusted", "time-stamp token carries no certificates")
    out = []
    for choice in signed["certificates"]:
        if choice.name != "certificate":
            raise _Reject("timeStamp.untrusted", "time-stamp token holds a non-X.509 certificate")
        try:
            out.append(x509.load_der_x509_certificate(choice.chosen.dump()))
        except ValueError:
            raise _Reject("timeStamp.untrusted", "time-stamp certificate unreadable") from None
    return out


def _signer_cert(signer_info: Any, pool: Sequence[x509.Certificate]) -> x509.Certificate | None:
    sid = signer_info["sid"]
    for cert in pool:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if cert.serial_number == wanted["serial_number"].native and \
                    cert.issuer.public_bytes() == wanted["issuer"].dump():
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            except (x509.ExtensionNotFound, ValueError):
                continue
            if ski.digest == sid.chosen.native:
                return cert
    return None


def _verify(token: _Token, message: bytes, result: TimeStampCheck,
            anchors: Sequence[x509.Certificate], skip_trust: str | None) -> datetime:
    """Steps 2-5 of §15.8 for one token; returns the attested time or raises _Reject.
    ``skip_trust`` names the rule under which the TSA's chain is not checked, if one applies."""
    pool = _certificates(token.signed_data)
    last = _Reject("timeStamp.malformed", "time-stamp token has no usable signer")
    for signer_info in token.signed_data["signer_infos"]:
        try:
            return _verify_signer(token, signer_info, pool, message, result, anchors, skip_trust)
        except _Reject as rejected:
            last = rejected
        except Exception as exc:  # asn1crypto on malformed nested fields
            last = _Reject("timeStamp.malformed",
                           f"time-stamp signer info malformed ({type(exc).__name__})")
    raise last


def _verify_signer(token: _Token, signer_info: Any, pool: Sequence[x509.Certificate],
                   message: bytes, result: TimeStampCheck,
                   anchors: Sequence[x509.Certificate], skip_trust: str | None) -> datetime:
    cert = _signer_cert(signer_info, pool)
    if cert is None:
        raise _Reject("timeStamp.untrusted", "time-stamp signer certificate not in the token")
    name = certs.describe(cert)["common_name"] or cert.subject.rfc4514_string()
    when = _utc(token.tst_info["gen_time"].native)
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    attrs = signer_info["signed_attrs"]
    if attrs.native is not None:
        found = {a["type"].native: a["values"] for a in attrs}
        signing_time = found.get("signing_time")
        if signing_time is not None and len(signing_time) == 1:
            when = _utc(signing_time[0].native)  # a signed signing-time replaces genTime
        digests = found.get("message_digest")
        if digests is None or len(digests) != 1:
            raise _Reject("timeStamp.malformed", "time-stamp has no single message digest")
        if digest_name not in _HASHES:
            raise _Reject("timeStamp.malformed", f"time-stamp digest algorithm {digest_name}")
        content = token.signed_data["encap_content_info"]["content"].contents
        if _HASHES[digest_name](content).digest() != digests[0].native:
            raise _Reject("timeStamp.mismatch", "time-stamp bad message digest")
        signed_bytes = b"\x31" + attrs.dump()[1:]  # the SET OF form is what is signed (RFC 5652 §5.4)
    else:
        signed_bytes = token.signed_data["encap_content_info"]["content"].contents
    if not _signature_ok(cert, signer_info, signed_bytes, digest_name):
        raise _Reject("timeStamp.untrusted", f"time-stamp signature does not verify: {name}")
    accuracy = _accuracy(token.tst_info)
    if not (cert.not_valid_before_utc - accuracy <= when <= cert.not_valid_after_utc + accuracy):
        raise _Reject("timeStamp.outsideValidity",
                      f"time-stamp certificate not valid at {_iso(when)}: {name}")
    imprint = token.tst_info["message_imprint"]
    imprint_alg = imprint["hash_algorithm"]["algorithm"].native
    if imprint_alg not in _HASHES:
        raise _Reject("timeStamp.untrusted", f"time-stamp imprint algorithm {imprint_alg} unknown")
    if _HASHES[imprint_alg](message).digest() != imprint["hashed_message"].native:
        raise _Reject("timeStamp.mismatch", f"time-stamp imprint does not match the signature: {name}")
    result.add("timeStamp.validated", f"time-stamp imprint matches, time {_iso(when)}: {name}")
    if skip_trust is not None:
        result.add("timeStamp.trusted", f"time-stamp trusted ({skip_trust}): {name}")
        return when
    chain = certs.order_chain(cert, pool)
    problems = certs.profile_problems(cert, ekus=_TSA_EKUS) + certs.chain_problems(chain, anchors, when)
    if problems:
        raise _Reject("timeStamp.untrusted", f"time-stamp authority untrusted: {name}: {problems[0]}")
    result.add("timeStamp.trusted", f"time-stamp authority trusted: {name}")
    return when


def _signature_ok(cert: x509.Certificate, signer_info: Any, data: bytes, digest_name: str) -> bool:
    algo = signer_info["signature_algorithm"]
    sig_name = algo["algorithm"].native
    signature = signer_info["signature"].native
    try:
        key = cert.public_key()
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
        if sig_name.endswith("_rsa") or sig_name == "rsassa_pkcs1v15":
            digest_name = sig_name.split("_")[0] if sig_name.endswith("_rsa") else digest_name
        elif sig_name.endswith("_ecdsa"):
            digest_name = sig_name.split("_")[0]
        digest = _CRYPTO_HASHES[digest_name]()
        if isinstance(key, rsa.RSAPublicKey):
            if sig_name == "rsassa_pss":
                params = algo["parameters"]
                pss_hash = _CRYPTO_HASHES[params["hash_algorithm"]["algorithm"].native]()
                pad: Any = padding.PSS(padding.MGF1(pss_hash), params["salt_length"].native)
                key.verify(signature, data, pad, pss_hash)
            else:
                key.verify(signature, data, padding.PKCS1v15(), digest)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
            return True
    except (InvalidSignature, KeyError, ValueError, TypeError):
        return False
    except Exception:  # an unsupported key or parameter in hostile input
        return False
    return False


def _accuracy(tst_info: Any) -> timedelta:
    acc = tst_info["accuracy"]
    if acc.native is None:
        return timedelta(0)
    seconds = acc["seconds"].native or 0
    millis = acc["millis"].native or 0
    micros = acc["micros"].native or 0
    return timedelta(seconds=seconds, milliseconds=millis, microseconds=micros)


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
