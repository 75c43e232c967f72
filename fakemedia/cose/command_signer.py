"""Signing with a key held elsewhere: an external command, and CA-issued files from any paths.

:class:`CommandSigner` runs a program (``"CMD ARGS"``, split like a shell would but run without
one) for each signature, as c2patool's signer command does: the bytes to be signed (the
COSE Sig_structure, RFC 9052 §4.4) on its standard input, the signature on its standard
output. ECDSA signatures may come back raw (``r‖s``, RFC 9053 §2.1) or DER-encoded (what
OpenSSL and most KMS APIs return); COSE needs the raw form, so DER is converted. Every
signature is checked against the leaf certificate before it is used, so a command holding the
wrong key fails at once with a clear message.

:func:`load_signer_files` loads a certificate chain and key from whatever paths a CA delivered
them under (leaf and chain in one file or several, in any order, root included or not).
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from fakemedia import limits
from fakemedia.cose import algorithms
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.signer import LocalSigner, load_private_key
from fakemedia.errors import IdentityError, SignatureInvalid, SigningError


class CommandSigner:
    """A :class:`~fakemedia.cose.signer.Signer` whose ``sign`` runs an external command."""

    def __init__(self, command: str | Sequence[str], chain_pem: bytes, *,
                 algorithm: Algorithm | str | None = None,
                 timeout: float = limits.SIGNER_COMMAND_TIMEOUT) -> None:
        args = shlex.split(command) if isinstance(command, str) else list(command)
        if not args:
            raise SigningError("signer command is empty")
        chain = order_chain(_load_pem_chain(chain_pem, "signer certificate chain"))
        leaf_key = chain[0].public_key()
        if isinstance(algorithm, str):
            algorithm = _algorithm(algorithm)
        alg = algorithm or algorithms.algorithm_for_key(leaf_key)
        problem = algorithms.key_problem(alg, leaf_key, private=False)
        if problem:
            raise IdentityError(f"cannot sign with {alg.name}: {problem} (the leaf certificate's key)")
        self._args = args
        self._timeout = timeout
        self._algorithm = alg
        self._leaf_key = leaf_key
        self._chain = tuple(c.public_bytes(serialization.Encoding.DER) for c in chain)

    @classmethod
    def from_files(cls, command: str | Sequence[str], chain_path: str | Path, *,
                   algorithm: Algorithm | str | None = None,
                   timeout: float = limits.SIGNER_COMMAND_TIMEOUT) -> CommandSigner:
        return cls(command, _read(chain_path, "certificate chain"), algorithm=algorithm,
                   timeout=timeout)

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    @property
    def certificate_chain(self) -> Sequence[bytes]:
        return self._chain

    def sign(self, data: bytes) -> bytes:
        name = Path(self._args[0]).name
        try:
            done = subprocess.run(self._args, input=data, capture_output=True,  # no shell
                                  timeout=self._timeout, check=False)
        except FileNotFoundError:
            raise SigningError(f"signer command not found: {self._args[0]}") from None
        except PermissionError:
            raise SigningError(f"signer command is not executable: {self._args[0]}") from None
        except subprocess.TimeoutExpired:
            raise SigningError(f"signer command {name} did not finish within {self._timeout:g} s") from None
        except OSError as exc:
            raise SigningError(f"signer command {name} cannot run ({exc.strerror or exc})") from None
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()
            why = f": {tail[-1][:200]}" if tail else ""
            raise SigningError(f"signer command {name} failed with exit status {done.returncode}{why}")
        output = done.stdout
        if not output:
            raise SigningError(f"signer command {name} printed no signature")
        if len(output) > limits.MAX_SIGNER_OUTPUT_BYTES:
            raise SigningError(f"signer command {name} printed {len(output)} bytes, not a signature")
        signature = cose_signature(self._algorithm, output)
        try:
            algorithms.verify(self._algorithm, self._leaf_key, signature, data)
        except SignatureInvalid:
            raise SigningError(f"signer command {name} returned a signature that does not verify "
                               "with the leaf certificate (wrong key, algorithm or input)") from None
        return signature


def cose_signature(alg: Algorithm, output: bytes) -> bytes:
    """A signer's output as the raw COSE signature: ECDSA accepted raw or DER; other
    algorithms must already have their fixed length (checked by verification)."""
    if not alg.is_ecdsa:
        return output
    n = alg.max_signature_size() // 2
    if len(output) == 2 * n:
        return output
    try:
        r, s = decode_dss_signature(output)
    except ValueError:
        raise SigningError(f"{alg.name} signature of {len(output)} bytes is neither raw "
                           f"({2 * n} bytes) nor DER") from None
    if r.bit_length() > 8 * n or s.bit_length() > 8 * n:
        raise SigningError(f"{alg.name} DER signature holds values too large for its curve")
    return r.to_bytes(n, "big") + s.to_bytes(n, "big")


def load_signer_files(chain_path: str | Path, key_path: str | Path, *,
                      extra_chain: Sequence[str | Path] = (), passphrase: bytes | None = None,
                      algorithm: Algorithm | str | None = None) -> LocalSigner:
    """A :class:`LocalSigner` from a CA-issued certificate (chain) file and key file, under
    any names: the certificates of ``chain_path`` and ``extra_chain`` are put in order (leaf
    — the one matching the key — first, each followed by its issuer) and a self-signed root is
    left out, as C2PA's ``x5chain`` wants (C2PA 2.1 §14.5)."""
    key = load_private_key(_read(key_path, "private key"), passphrase)
    certs = _load_pem_chain(_read(chain_path, "certificate"), str(chain_path))
    for extra in extra_chain:
        certs += _load_pem_chain(_read(extra, "certificate chain"), str(extra))
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    leaf = next((c for c in certs if c.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == public), None)
    if leaf is None:
        raise IdentityError("no certificate in the chain matches the private key")
    chain = order_chain(certs, leaf)
    if isinstance(algorithm, str):
        algorithm = _algorithm(algorithm)
    return LocalSigner(key, [c.public_bytes(serialization.Encoding.DER) for c in chain], algorithm)


def order_chain(certs: Sequence[x509.Certificate],
                leaf: x509.Certificate | None = None) -> list[x509.Certificate]:
    """Leaf first, then each certificate's issuer from the set; self-signed roots dropped.
    Without ``leaf``, the certificate that issued none of the others is the leaf."""
    pool = [c for c in certs if not _self_signed(c)] or list(certs[:1])
    if not pool:
        raise IdentityError("the certificate chain is empty")
    if leaf is None:
        issuers = {c.issuer.rfc4514_string() for c in pool}
        leaf = next((c for c in pool if c.subject.rfc4514_string() not in issuers or c is pool[0]), pool[0])
    ordered = [leaf]
    remaining = [c for c in pool if c != leaf]
    while remaining and len(ordered) <= limits.MAX_CHAIN_CERTS:
        issuer = next((c for c in remaining if c.subject == ordered[-1].issuer), None)
        if issuer is None:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
    return ordered


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer


def _load_pem_chain(pem: bytes, what: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise IdentityError(f"{what}: not readable PEM certificates") from None
    if len(certs) > limits.MAX_CHAIN_CERTS:
        raise IdentityError(f"{what}: more than {limits.MAX_CHAIN_CERTS} certificates")
    return certs


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise IdentityError(f"cannot read the {what} {path} ({exc.strerror or exc})") from None


def _algorithm(label: str) -> Algorithm:
    try:
        return Algorithm.from_label(label)
    except (KeyError, ValueError):
        raise SigningError(f"unknown signing algorithm {label!r}") from None
