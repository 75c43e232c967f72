"""Fuzz targets: one function per parser or command, each taking the fuzzer's bytes.

A target may end in one of fakemedia's own errors (the one-line error the command line prints
with a documented exit code); any other exception is a finding. ``run.py`` drives them with
atheris (coverage-guided); ``tests/fuzz`` runs each once per seed so the targets stay working.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import cbor2
from cryptography import x509 as x509_module

from fakemedia.cose import certfields, certs, profile, sign1
from fakemedia.errors import FakemediaError
from fakemedia.formats import app11 as app11_format
from fakemedia.formats import jpeg as jpeg_format
from fakemedia.formats import jumbf as jumbf_format
from fakemedia.manifest import reader
from fakemedia.manifest import store as store_module
from fakemedia.manifest.reader import VerificationReport, read_report
from fakemedia.manifest.validate import TrustSettings

#: A fixed time keeps runs repeatable; the test root as anchor lets verify reach the trust code.
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
_ROOT_PEM = Path(__file__).resolve().parents[1] / "tests" / "assets" / "fixed-root.cert.pem"
TRUST = TrustSettings(anchors=certs.load_certificates(_ROOT_PEM.read_bytes())
                      if _ROOT_PEM.exists() else (), now=NOW)


def jpeg(data: bytes) -> None:
    jpeg_format.parse_jpeg(data)


def app11(data: bytes) -> None:
    location = app11_format.find_c2pa_store(data)
    if location is not None:
        app11_format.remove_c2pa_store(data)


def jumbf(data: bytes) -> None:
    box = jumbf_format.parse_superbox(data)
    assert box.to_bytes() == data  # parsed boxes re-emit their exact bytes


def store(data: bytes) -> None:
    parsed = store_module.parse_store(data)
    for m in parsed.manifests:
        for assertion in m.assertions():
            assertion.try_content()
        parsed.bound_assertions(m)
    parsed.redacted_uris()


def cbor(data: bytes) -> None:
    try:
        store_module._decode_cbor(data)
    except FakemediaError:
        pass


def cose(data: bytes) -> None:
    message = sign1.decode_sign1(data)
    message.timestamp_tokens  # noqa: B018 - exercises the unprotected-header reader
    try:
        sign1.verify_sign1(message, b"claim")
    except FakemediaError:
        pass


def x509(data: bytes) -> None:
    """Certificates reach fakemedia two ways: as PEM trust anchors the user gives (refused with
    a one-line error when bad) and as the x5chain of a signature, which verify reads behind a
    guard that shows any unreadable certificate as an unknown signer (cryptography decodes
    lazily and raises assorted types). Both paths are driven here."""
    pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(data) + b"-----END CERTIFICATE-----\n"
    try:
        certs.load_certificates(pem)
    except FakemediaError:
        pass
    protected = cbor2.dumps({sign1.HEADER_ALG: -7, sign1.HEADER_X5CHAIN: data})
    message = cbor2.dumps(cbor2.CBORTag(sign1.COSE_SIGN1_TAG, [protected, {}, None, bytes(64)]))
    reader._signer(SimpleNamespace(signature_bytes=message))  # type: ignore[arg-type]


def der(data: bytes) -> None:
    """The light certificate reader: refuses with MalformedDer, or reads what cryptography reads
    (differential: any disagreement is a finding)."""
    fields = certfields.parse(data)
    facts = fields.facts()
    cert = x509_module.load_der_x509_certificate(data)
    assert fields.describe() == certs.describe(cert)
    assert profile.problems(facts, profile.ACCEPTED_EKUS) == certs.profile_problems(cert)


def _report(data: bytes) -> VerificationReport:
    return read_report(data, TRUST, source="fuzz.jpg")


def verify(data: bytes) -> None:
    report = _report(data)
    json.dumps(report.to_dict(), default=str)


def history(data: bytes) -> None:
    json.dumps(_report(data).history(), default=str)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "jpeg": jpeg, "app11": app11, "jumbf": jumbf, "store": store, "cbor": cbor, "cose": cose,
    "x509": x509, "der": der, "verify": verify, "history": history,
}


def run_one(name: str, data: bytes) -> None:
    """One input through one target; fakemedia's own errors are the expected outcome."""
    try:
        TARGETS[name](data)
    except FakemediaError:
        pass
