"""Local test identities: a private root CA and a C2PA signer it issued (certificate profile:
C2PA 2.1 §14.5).

This backs ``fakemedia keys init DIR``. A local identity verifies as *Valid* anywhere and as
*Trusted* only where its root is configured as a trust anchor; production signing uses a
certificate from a CA on the C2PA trust list and a key behind the :class:`Signer` protocol.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakemedia._io import write_atomic
from fakemedia._record import Frozen
from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.signer import LocalSigner
from fakemedia.errors import IdentityError, MalformedDer

if TYPE_CHECKING:  # certificate building loads on first use: a verify only looks up a serial
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from fakemedia.cose._x509build import generate_key, issue_certificate

__all__ = [
    "IdentityPaths",
    "create_identity",
    "default_identity_dir",
    "describe_identity",
    "generate_key",
    "identity_exists",
    "issue_certificate",
    "key_is_encrypted",
    "load_identity",
    "load_trust_anchors",
    "signed_by",
]

#: Records the COSE algorithm: PS384/PS512 cannot be told from an RSA key alone.
METADATA_NAME = "identity.json"


def default_identity_dir() -> Path:
    """$FAKEMEDIA_HOME/identity, else $XDG_CONFIG_HOME/fakemedia/identity, else ~/.config/…"""
    home = os.environ.get("FAKEMEDIA_HOME")
    if home:
        return Path(home) / "identity"
    config = os.environ.get("XDG_CONFIG_HOME")
    base = Path(config) if config else Path.home() / ".config"
    return base / "fakemedia" / "identity"


class IdentityPaths(Frozen):
    """Where each file of a local identity lives."""

    __slots__ = ("chain", "directory", "root_cert", "root_key", "signer_cert", "signer_key", "trust_anchors")
    directory: Path
    signer_key: Path
    signer_cert: Path
    chain: Path
    root_cert: Path
    root_key: Path
    trust_anchors: Path

    def __init__(self, directory: Path, signer_key: Path, signer_cert: Path, chain: Path, root_cert: Path,
                 root_key: Path, trust_anchors: Path) -> None:
        self._init(directory=directory, signer_key=signer_key, signer_cert=signer_cert, chain=chain,
                   root_cert=root_cert, root_key=root_key, trust_anchors=trust_anchors)

    @classmethod
    def of(cls, directory: Path) -> IdentityPaths:
        d = Path(directory)
        return cls(
            directory=d,
            signer_key=d / "signer.key.pem",
            signer_cert=d / "signer.cert.pem",
            chain=d / "chain.pem",
            root_cert=d / "root-ca.cert.pem",
            root_key=d / "root-ca.key.pem",
            trust_anchors=d / "trust-anchors.pem",
        )

    @property
    def metadata(self) -> Path:
        return self.directory / METADATA_NAME

    def files(self) -> list[Path]:
        return [
            self.signer_key,
            self.signer_cert,
            self.chain,
            self.root_cert,
            self.root_key,
            self.trust_anchors,
            self.metadata,
        ]


def identity_exists(directory: Path) -> bool:
    """True when the files needed to sign (key and chain) are present."""
    paths = IdentityPaths.of(directory)
    return paths.signer_key.is_file() and paths.chain.is_file()


def __getattr__(name: str) -> Any:
    if name in ("generate_key", "issue_certificate"):
        from fakemedia.cose import _x509build

        return getattr(_x509build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _key_pem(key: Any, passphrase: bytes | None) -> bytes:
    from cryptography.hazmat.primitives import serialization

    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase is not None
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _cert_pem(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes) -> None:
    write_atomic(path, data, 0o600)


def _prepare_directory(paths: IdentityPaths, force: bool) -> None:
    existing = [p.name for p in paths.files() if p.exists()]
    if existing and not force:
        raise IdentityError(
            f"an identity already exists in {paths.directory} ({', '.join(existing)}); "
            "use force to replace it"
        )
    if not paths.directory.exists():
        paths.directory.mkdir(parents=True, mode=0o700)
        paths.directory.chmod(0o700)  # mkdir's mode is filtered by the umask
    elif not paths.directory.is_dir():
        raise IdentityError(f"{paths.directory} exists and is not a directory")


def create_identity(
    directory: Path,
    *,
    algorithm: str = "es256",
    passphrase: bytes | None = None,
    organization: str = "fakemedia local test identity",
    common_name: str = "fakemedia local signer",
    valid_days: int = 730,
    force: bool = False,
) -> IdentityPaths:
    """Create a root CA and a §7.1-conforming signer under ``directory``."""
    try:
        alg = Algorithm.from_label(algorithm)
    except ValueError:
        names = ", ".join(a.label for a in Algorithm)
        raise IdentityError(f"unknown algorithm {algorithm!r} (choose from {names})") from None
    if passphrase is not None and not passphrase:
        raise IdentityError("empty passphrase: pass None for an unencrypted key")
    if valid_days < 1:
        raise IdentityError("valid_days must be at least 1")
    paths = IdentityPaths.of(Path(directory))
    _prepare_directory(paths, force)
    from fakemedia.cose import _x509build

    root_key = _x509build.generate_key(alg)
    # The root outlives the leaf so the leaf's window is always inside it.
    root = _x509build.issue_root(root_key, f"{common_name} root CA", organization, valid_days + 365)
    leaf_key = _x509build.generate_key(alg)
    leaf = _x509build.issue_certificate(
        leaf_key.public_key(),
        _x509build.make_name(common_name, organization),
        root_key,
        root,
        not_after=datetime.now(timezone.utc) + timedelta(days=valid_days),
    )
    metadata = {"algorithm": alg.label, "created": datetime.now(timezone.utc).isoformat()}
    _write_private(paths.root_key, _key_pem(root_key, passphrase))
    _write_private(paths.root_cert, _cert_pem(root))
    _write_private(paths.trust_anchors, _cert_pem(root))
    _write_private(paths.signer_cert, _cert_pem(leaf))
    _write_private(paths.chain, _cert_pem(leaf))  # leaf first, root excluded (x5chain, RFC 9360)
    _write_private(paths.metadata, json.dumps(metadata, indent=2).encode() + b"\n")
    # The signer key last: identity_exists() is true only once everything else is there.
    _write_private(paths.signer_key, _key_pem(leaf_key, passphrase))
    return paths


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise IdentityError(f"identity file missing: {path}") from None
    except OSError as exc:
        raise IdentityError(f"cannot read identity file {path}: {exc.strerror}") from None


def _recorded_algorithm(paths: IdentityPaths) -> Algorithm | None:
    try:
        label = json.loads(paths.metadata.read_text())["algorithm"]
        return Algorithm.from_label(label)
    except FileNotFoundError:
        return None  # hand-made identity: infer from the key
    except (OSError, ValueError, KeyError, TypeError):
        raise IdentityError(f"unreadable identity metadata: {paths.metadata}") from None


def load_identity(directory: Path, passphrase: bytes | None = None) -> LocalSigner:
    """The signer stored under ``directory``; SigningError on a wrong passphrase."""
    paths = IdentityPaths.of(Path(directory))
    if not paths.directory.is_dir():
        raise IdentityError(f"no identity at {paths.directory} (run: fakemedia keys init DIR)")
    key_pem, chain_pem = _read(paths.signer_key), _read(paths.chain)
    return LocalSigner.from_pem(key_pem, chain_pem, passphrase, _recorded_algorithm(paths))


def load_trust_anchors(directory: Path) -> bytes:
    """The PEM trust anchors (our root) to give a verifier for a *Trusted* result."""
    return _read(IdentityPaths.of(Path(directory)).trust_anchors)


def default_tsa_url(directory: Path) -> str | None:
    """The identity's default time-stamp authority: ``"tsa_url"`` in its identity.json."""
    paths = IdentityPaths.of(Path(directory))
    try:
        url = json.loads(paths.metadata.read_text()).get("tsa_url")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError):
        raise IdentityError(f"unreadable identity metadata: {paths.metadata}") from None
    if url is not None and not isinstance(url, str):
        raise IdentityError(f"identity metadata tsa_url is not a string: {paths.metadata}")
    return url or None


def key_is_encrypted(directory: Path) -> bool:
    """Whether the signing key needs a passphrase (False when it cannot be read at all)."""
    try:
        head = IdentityPaths.of(Path(directory)).signer_key.read_bytes()
    except OSError:
        return False
    return b"ENCRYPTED" in head


def describe_identity(directory: Path) -> dict[str, Any]:
    """What ``fakemedia keys show`` prints: the signer certificate, algorithm and files."""
    from cryptography import x509

    from fakemedia.cose import certs

    paths = IdentityPaths.of(Path(directory))
    if not identity_exists(paths.directory):
        raise IdentityError(f"no identity at {paths.directory} (run: fakemedia keys init {paths.directory})")
    try:
        cert = x509.load_pem_x509_certificate(paths.signer_cert.read_bytes())
    except (OSError, ValueError):
        raise IdentityError(f"unreadable signer certificate: {paths.signer_cert}") from None
    try:
        algorithm = json.loads(paths.metadata.read_text())["algorithm"]
    except (OSError, ValueError, KeyError, TypeError):
        algorithm = None
    return {
        "directory": str(paths.directory),
        "signer": certs.describe(cert),
        "algorithm": algorithm,
        "encrypted": key_is_encrypted(paths.directory),
        "signer_key": str(paths.signer_key),
        "certificate_chain": str(paths.chain),
        "trust_anchors": str(paths.trust_anchors) if paths.trust_anchors.is_file() else None,
    }


def signed_by(directory: Path, serial_number: str | None) -> bool:
    """Whether the identity in ``directory`` holds the signer certificate of that serial."""
    if serial_number is None:
        return False
    from fakemedia.cose import certfields

    try:
        pem = IdentityPaths.of(Path(directory)).signer_cert.read_bytes()
    except OSError:
        return False
    try:
        serial = certfields.parse(certfields.first_pem(pem)).serial_number
    except MalformedDer:  # outside what the DER reader reads: cryptography's parser decides
        from cryptography import x509

        try:
            serial = x509.load_pem_x509_certificate(pem).serial_number
        except ValueError:
            return False
    return serial_number == str(serial)
