"""Fixtures of the soft-binding tests: real photographs as JPEG bytes, and a signing helper
that builds a manifest carrying soft bindings through the manifest builder."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fakemedia.manifest import builder, labels, soft_binding
from fakemedia.manifest.builder import AssertionSpec, BuildRequest
from fakemedia.manifest.soft_binding import SoftBinding
from tests.conftest import Identity

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def photo(name: str = "astronaut") -> np.ndarray:
    skimage_data = pytest.importorskip("skimage.data")
    return np.asarray(getattr(skimage_data, name)())


def jpeg_bytes(pixels: np.ndarray, quality: int = 92) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=quality)
    return out.getvalue()


def sign_with_bindings(data: bytes, bindings: Sequence[SoftBinding], identity: Identity,
                       *, watermarked: bool = True) -> bytes:
    """Sign JPEG ``data`` with a created action (and ``c2pa.watermarked``) and the bindings."""
    actions: list[dict[str, object]] = [{"action": "c2pa.created",
                                         "digitalSourceType": IPTC + "digitalCapture"}]
    if watermarked:
        actions.append(soft_binding.watermarked_action())
    specs = [AssertionSpec(labels.ACTIONS_V2, {"actions": actions}),
             *soft_binding.assertion_specs(bindings)]
    return builder.build(BuildRequest(data, specs, identity.signer, title="photo.jpg"))


@pytest.fixture(scope="session")
def signer_of(es256: Identity) -> Callable[..., bytes]:
    def sign(data: bytes, bindings: Sequence[SoftBinding], watermarked: bool = True) -> bytes:
        return sign_with_bindings(data, bindings, es256, watermarked=watermarked)
    return sign


@pytest.fixture()
def repo_path(tmp_path: Path) -> Path:
    return tmp_path / "repo.sqlite"
