"""An RFC 3161 time-stamp authority for the tests: a real HTTP server on 127.0.0.1 (a thread),
its own test CA, real signatures (cryptography) and real DER (asn1crypto).

Knobs make the deliberately wrong replies the tests need: a back-dated time, a TSA certificate
that had expired, a token over another digest, no echoed nonce, a refused request.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from fakemedia.cose._x509build import issue_certificate, make_name


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@dataclass
class TsaPki:
    """A TSA root and the time-stamping leaf it issued (EKU id-kp-timeStamping, critical)."""

    root_key: Any
    root: x509.Certificate
    key: Any
    cert: x509.Certificate

    @classmethod
    def create(cls, *, not_before: datetime | None = None,
               not_after: datetime | None = None) -> TsaPki:
        root_key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(timezone.utc)
        # The root spans a year either side, so back-dated tokens still chain to it.
        root = issue_certificate(root_key.public_key(), make_name("fakemedia test TSA root",
                                                                  "fakemedia tests"),
                                 root_key, ca=True, key_usage=("key_cert_sign", "crl_sign"),
                                 ekus=None, not_before=now - timedelta(days=365),
                                 not_after=now + timedelta(days=365))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = issue_certificate(
            key.public_key(), make_name("fakemedia test TSA", "fakemedia tests"), root_key, root,
            ekus=None, key_usage=("digital_signature",),
            not_before=not_before or now - timedelta(days=1),
            not_after=not_after or now + timedelta(days=30),
            extra_extensions=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)])
        return cls(root_key, root, key, cert)

    @property
    def root_pem(self) -> bytes:
        return cert_pem(self.root)


@dataclass
class TsaBehaviour:
    """What the server does with the next requests (mutable between requests)."""

    #: genTime = now + this offset (negative: back-dated).
    time_offset: timedelta = timedelta(0)
    #: Time-stamp this digest instead of the requested one (a token that does not match).
    imprint_override: bytes | None = None
    echo_nonce: bool = True
    #: PKIStatus to answer with (0 granted, 2 rejection).
    status: int = 0
    content_type: str = "application/timestamp-reply"
    #: Replace the whole reply body.
    raw_reply: bytes | None = None
    requests: list[bytes] = field(default_factory=list)


class LocalTsa:
    """``with LocalTsa.running() as tsa: tsa.url`` - answers RFC 3161 requests over HTTP."""

    def __init__(self, pki: TsaPki | None = None) -> None:
        self.pki = pki or TsaPki.create()
        self.behaviour = TsaBehaviour()
        self._serial = 1
        self.last_tst_info = b""
        self._server: ThreadingHTTPServer | None = None

    @classmethod
    @contextmanager
    def running(cls, pki: TsaPki | None = None) -> Iterator[LocalTsa]:
        tsa = cls(pki)
        tsa.start()
        try:
            yield tsa
        finally:
            tsa.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def start(self) -> None:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 65536))
                tsa.behaviour.requests.append(body)
                reply = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", tsa.behaviour.content_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- RFC 3161 -------------------------------------------------------------------------

    def reply(self, request_der: bytes) -> bytes:
        b = self.behaviour
        if b.raw_reply is not None:
            return b.raw_reply
        if b.status != 0:
            return refusal(b.status)
        request = tsp.TimeStampReq.load(request_der)
        imprint = request["message_imprint"]
        digest = b.imprint_override or imprint["hashed_message"].native
        nonce = request["nonce"].native if b.echo_nonce else None
        token = self.token(digest, imprint["hash_algorithm"]["algorithm"].native, nonce=nonce)
        return tsp.TimeStampResp({"status": {"status": "granted"},
                                  "time_stamp_token": cms.ContentInfo.load(token)}).dump()

    def token(self, digest: bytes, hash_name: str = "sha256", *, nonce: int | None = None,
              gen_time: datetime | None = None, with_certs: bool = True) -> bytes:
        """A DER TimeStampToken (CMS ContentInfo) over ``digest``; ``with_certs=False`` leaves
        the TSA certificates out."""
        when = gen_time or datetime.now(timezone.utc) + self.behaviour.time_offset
        self._serial += 1
        info: dict[str, Any] = {
            "version": "v1", "policy": "1.3.6.1.4.1.99999.1",
            "message_imprint": {"hash_algorithm": {"algorithm": hash_name}, "hashed_message": digest},
            "serial_number": self._serial, "gen_time": when.replace(microsecond=0),
            "accuracy": {"seconds": 1},
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_der = tsp.TSTInfo(info).dump()
        self.last_tst_info = tst_der
        cert = asn1_x509.Certificate.load(cert_der(self.pki.cert))
        attrs = cms.CMSAttributes([
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]},
            {"type": "signing_certificate_v2", "values": [{"certs": [
                {"cert_hash": hashlib.sha256(cert_der(self.pki.cert)).digest()}]}]},
        ])
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                "issuer": cert.issuer, "serial_number": cert.serial_number}}),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": b"",
        })
        # What RFC 5652 §5.4 signs: the attributes as a SET OF (tag 0x31), not [0] IMPLICIT.
        to_sign = b"\x31" + signer["signed_attrs"].dump()[1:]
        signer["signature"] = self.pki.key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": core.ParsableOctetString(tst_der)},
            "signer_infos": [signer],
        }
        if with_certs:
            signed_data["certificates"] = [cert, asn1_x509.Certificate.load(cert_der(self.pki.root))]
        signed = cms.SignedData(signed_data)
        return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def refusal(status: int | str = "rejection") -> bytes:
    """A TimeStampResp holding only its PKIStatusInfo (asn1crypto's schema insists on a token)."""
    info = tsp.PKIStatusInfo({"status": status}).dump()
    return b"\x30" + bytes([len(info)]) + info
