"""Shared fixtures for the provenance acceptance tests.

* one local identity per COSE algorithm, made once per session (RSA keys are slow);
* a small source JPEG from Pillow carrying EXIF, XMP and an ICC profile;
* the ``../shared`` reference folder, skipped cleanly when it is not there.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from fakemedia.cose.signer import LocalSigner
from fakemedia.identity import create_identity, load_identity, load_trust_anchors

#: ../shared next to the repository root (read-only reference material).
SHARED = Path(__file__).resolve().parents[1].parent / "shared"

#: Every COSE algorithm fakemedia signs with (C2PA 2.2 §13.2).
ALGORITHMS: tuple[str, ...] = ("es256", "es384", "es512", "ps256", "ps384", "ps512", "ed25519")

XMP_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:creator>fakemedia tests</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)


@dataclass(frozen=True)
class Identity:
    """A local identity: its signer, the PEM of its root (the trust anchor) and its folder."""

    algorithm: str
    signer: LocalSigner
    anchors: bytes
    directory: Path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared reference folder not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def identity_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Identity]:
    """``identity_factory(alg)``: the session's identity for ``alg``, created on first use."""
    cache: dict[str, Identity] = {}
    base = tmp_path_factory.mktemp("identities")

    def get(algorithm: str) -> Identity:
        if algorithm not in cache:
            directory = base / algorithm
            create_identity(directory, algorithm=algorithm, valid_days=30)
            cache[algorithm] = Identity(algorithm, load_identity(directory),
                                        load_trust_anchors(directory), directory)
        return cache[algorithm]

    return get


@pytest.fixture(scope="session")
def es256(identity_factory: Callable[[str], Identity]) -> Identity:
    return identity_factory("es256")


def make_jpeg(width: int = 96, height: int = 64, seed: int = 7, *, metadata: bool = True) -> bytes:
    """A seeded noise-and-gradient JPEG; with EXIF, XMP and an sRGB ICC profile when asked."""
    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    pixels = np.clip(gradient + rng.normal(0, 40, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    out = io.BytesIO()
    if not metadata:
        image.save(out, "JPEG", quality=90)
        return out.getvalue()
    exif = Image.Exif()
    exif[0x010F] = "fakemedia test camera"  # Make
    exif[0x0131] = "pytest"  # Software
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes(), icc_profile=icc, xmp=XMP_PACKET)
    return out.getvalue()


@pytest.fixture(scope="session")
def source_jpeg() -> bytes:
    """A 96x64 JPEG with EXIF, XMP and an ICC profile, no C2PA store."""
    return make_jpeg()


@pytest.fixture(scope="session")
def signed_jpeg(source_jpeg: bytes, es256: Identity) -> bytes:
    """``source_jpeg`` annotated once with the ES256 identity."""
    from fakemedia import api

    return api.annotate_bytes(source_jpeg, {"modification_types": ["edited"]}, es256.signer)

