"""Shared keys, test PKI and signers for the COSE tests.

RSA key generation is slow, so one RSA key (2048 bits) serves PS256, PS384 and PS512.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from fakemedia.cose._x509build import issue_certificate, issue_root, make_name
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.signer import LocalSigner

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
PEER_PKI = SHARED / "fixtures" / "peer" / "pki"


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="session")
def keys(rsa_key: rsa.RSAPrivateKey) -> dict[Algorithm, Any]:
    return {
        Algorithm.ES256: ec.generate_private_key(ec.SECP256R1()),
        Algorithm.ES384: ec.generate_private_key(ec.SECP384R1()),
        Algorithm.ES512: ec.generate_private_key(ec.SECP521R1()),
        Algorithm.PS256: rsa_key,
        Algorithm.PS384: rsa_key,
        Algorithm.PS512: rsa_key,
        Algorithm.ED25519: ed25519.Ed25519PrivateKey.generate(),
    }


@pytest.fixture(scope="session")
def root(keys: dict[Algorithm, Any]) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, issue_root(key, "cose test root", "fakemedia tests", 30)


@pytest.fixture(scope="session")
def make_leaf(root: tuple[Any, x509.Certificate]) -> Callable[..., x509.Certificate]:
    """Issue a leaf under the test root; keyword arguments go to issue_certificate."""
    root_key, root_cert = root

    def _make(public_key: Any, cn: str = "cose test signer", **kwargs: Any) -> x509.Certificate:
        name = make_name(cn, "fakemedia tests")
        return issue_certificate(public_key, name, root_key, root_cert, **kwargs)

    return _make


@pytest.fixture(scope="session")
def signers(
    keys: dict[Algorithm, Any], make_leaf: Callable[..., x509.Certificate]
) -> dict[Algorithm, LocalSigner]:
    return {alg: LocalSigner(key, [der(make_leaf(key.public_key()))], alg) for alg, key in keys.items()}
