"""COSE signing for C2PA claims: algorithms, signers, COSE_Sign1, certificates, identities.

Knows nothing of JPEG or JUMBF: it signs and verifies claim bytes handed to it
(RFC 9052; C2PA 2.2 §13.2, §14.5).

* :mod:`.algorithms`: COSE algorithm ids, raw sign/verify.
* :mod:`.signer`: the :class:`Signer` protocol (implement it for a KMS/HSM) and LocalSigner.
* :mod:`.sign1`: encode/decode/verify COSE_Sign1_Tagged with detached payload.
* :mod:`.certs`: certificate profile, validity and trust-anchor chaining.
"""

from __future__ import annotations

from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.sign1 import (
    Sign1,
    UnsupportedAlgorithm,
    decode_sign1,
    encode_sign1,
    reserve_size,
    verify_sign1,
)
from fakemedia.cose.signer import LocalSigner, Signer

__all__ = [
    "Algorithm",
    "LocalSigner",
    "Sign1",
    "Signer",
    "UnsupportedAlgorithm",
    "decode_sign1",
    "encode_sign1",
    "reserve_size",
    "verify_sign1",
]
