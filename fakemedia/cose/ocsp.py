"""Revocation: OCSP responses stapled to a claim signature (C2PA 2.x §10.3.2.6, §15.7; RFC 6960).

The signer may staple responses in the COSE unprotected header as
``rVals: {"ocspVals": [bstr, …]}``; the first is read, as the reference SDK does. A response is
used only when it is well formed and successful, signed by the first certificate it embeds,
that responder passes the certificate profile with id-kp-OCSPSigning and chains to a trust
anchor (its path completed from the signer's x5chain when it embeds only itself), and a single
response names the signing certificate (RFC 6960 §4.1.1). Anything else is ignored as if absent
(§15.7) and, as in the reference SDK, reported by no code. Statuses, as the reference SDK
emits them:

* ``signingCredential.ocsp.notRevoked`` - good, and the response covers the signing time;
* ``signingCredential.ocsp.revoked`` - a failure, the manifest is Invalid;
* ``signingCredential.ocsp.unknown`` - the responder does not know the certificate;
* ``signingCredential.ocsp.skipped`` - no response stapled: revocation was not checked.

Nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from fakemedia import limits
from fakemedia.cose import profile

if TYPE_CHECKING:  # cryptography's X.509 layer and OCSP parser load only for a stapled response
    from cryptography import x509
    from cryptography.x509 import ocsp

_RESPONDER_EKUS = (profile.OCSP_SIGNING,)
#: Without nextUpdate a response is taken as fresh for a day after it was produced.
_DEFAULT_FRESHNESS = timedelta(hours=24)

Statuses = list[tuple[str, str]]


def stapled_response(unprotected: Mapping[Any, Any]) -> bytes | None:
    """The first DER OCSP response in ``rVals.ocspVals``, if any."""
    rvals = unprotected.get("rVals")
    values = rvals.get("ocspVals") if isinstance(rvals, Mapping) else None
    if isinstance(values, (list, tuple)) and values and isinstance(values[0], bytes):
        return values[0]
    return None


def check(unprotected: Mapping[Any, Any], chain: Sequence[x509.Certificate],
          anchors: Sequence[x509.Certificate], signing_time: datetime | None,
          now: datetime) -> Statuses:
    """Revocation statuses for the signer ``chain`` (leaf first); never raises on bad input.

    ``signing_time`` is the trusted time-stamp's time when there is one; without it the
    response is judged at ``now``.
    """
    der = stapled_response(unprotected)
    if der is None:
        return [("signingCredential.ocsp.skipped", "revocation not checked: no OCSP response stapled")]
    response = _usable(der, chain, anchors, signing_time or now)
    if response is None:
        return []  # §15.7: an unusable response is treated as absent; the reference SDK says nothing
    return _status(response, chain, signing_time, now)


def _usable(der: bytes, chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate],
            when: datetime) -> ocsp.OCSPResponse | None:
    from cryptography.x509 import ocsp

    from fakemedia.cose import certs

    if len(der) > limits.MAX_OCSP_BYTES or not chain:
        return None
    try:
        response = ocsp.load_der_ocsp_response(der)
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            return None
        embedded = list(response.certificates)
        tbs = response.tbs_response_bytes
        signature = response.signature
        algorithm = response.signature_hash_algorithm
    except Exception:  # cryptography raises assorted errors on hostile DER
        return None
    if not embedded or len(embedded) > limits.MAX_CHAIN_CERTS:
        return None
    responder = embedded[0]
    if not _signed_by(responder, signature, tbs, algorithm):
        return None
    if certs.profile_problems(responder, ekus=_RESPONDER_EKUS):
        return None
    path = list(embedded)
    if len(embedded) == 1 and len(chain) > 1 and responder.issuer == chain[1].subject:
        path = [responder, *chain[1:]]  # a delegated responder issued by the signer's CA
    if certs.chain_problems(path, anchors, when):
        return None
    return response


def _signed_by(cert: x509.Certificate, signature: bytes, data: bytes, digest: Any) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        key = cert.public_key()
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif isinstance(key, ec.EllipticCurvePublicKey) and digest is not None:
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, rsa.RSAPublicKey) and digest is not None:
            key.verify(signature, data, padding.PKCS1v15(), digest)
        else:
            return False
    except Exception:  # bad signature, unsupported key or parameters
        return False
    return True


def _names_signer(single: Any, chain: Sequence[x509.Certificate]) -> bool:
    """RFC 6960 §4.1.1: serial number, issuer name hash and issuer key hash all match."""
    from cryptography.hazmat.primitives import hashes, serialization

    leaf = chain[0]
    if single.serial_number != leaf.serial_number or len(chain) < 2:
        return False  # without the issuer in the x5chain the CertID cannot be matched
    issuer = chain[1]
    try:
        algorithm = single.hash_algorithm
        name_hash = hashes.Hash(algorithm)
        name_hash.update(issuer.subject.public_bytes())
        spki = issuer.public_key().public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        key_bits = _spki_key_bits(spki)
        key_hash = hashes.Hash(algorithm)
        key_hash.update(key_bits)
    except Exception:  # unsupported hash in hostile input
        return False
    return bool(single.issuer_name_hash == name_hash.finalize()
                and single.issuer_key_hash == key_hash.finalize())


def _spki_key_bits(spki: bytes) -> bytes:
    """The subjectPublicKey BIT STRING contents (no unused-bits byte) of a DER SPKI."""
    from asn1crypto import keys

    return bytes(keys.PublicKeyInfo.load(spki)["public_key"].contents[1:])


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _status(response: ocsp.OCSPResponse, chain: Sequence[x509.Certificate],
            signing_time: datetime | None, now: datetime) -> Statuses:
    from cryptography import x509
    from cryptography.x509 import ocsp

    found: Statuses = []
    serial = chain[0].serial_number
    for single in response.responses:
        if not _names_signer(single, chain):
            continue
        status = single.certificate_status
        if status is ocsp.OCSPCertStatus.GOOD:
            this_update = single.this_update_utc
            next_update = single.next_update_utc or response.produced_at_utc + _DEFAULT_FRESHNESS
            if signing_time is not None:
                fresh = signing_time < this_update or this_update <= signing_time <= next_update
            else:
                fresh = _utc(now) >= this_update
            if fresh:
                return [("signingCredential.ocsp.notRevoked",
                         f"OCSP: signing certificate {serial} not revoked")]
            found.append(("signingCredential.ocsp.revoked",
                          f"OCSP: the good response for {serial} does not cover the signing time"))
        elif status is ocsp.OCSPCertStatus.REVOKED:
            revoked_at = single.revocation_time_utc
            reason = single.revocation_reason
            if reason is x509.ReasonFlags.remove_from_crl:
                moment = signing_time or _utc(now)
                if revoked_at is not None and revoked_at > moment:
                    continue
            elif reason is not None and signing_time is not None and revoked_at is not None \
                    and signing_time < revoked_at:
                return []  # signed, with an attested time, before the revocation
            found.append(("signingCredential.ocsp.revoked",
                          f"OCSP: signing certificate {serial} revoked"
                          + (f" at {revoked_at:%Y-%m-%dT%H:%M:%SZ}" if revoked_at else "")))
        else:
            found.append(("signingCredential.ocsp.unknown",
                          f"OCSP: responder does not know certificate {serial}"))
    return found  # empty when no single response names the signer (RFC 6960 §4.1.1)
