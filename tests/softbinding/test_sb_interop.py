"""c2pa-python reads a watermarked, soft-bound file as Trusted, with its soft bindings intact."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest

from fakemedia.manifest import soft_binding
from fakemedia.softbinding import binding
from tests.conftest import Identity
from tests.softbinding.conftest import jpeg_bytes, photo

oracle = pytest.importorskip("tests.interop.c2pa_oracle")
pytest.importorskip("onnxruntime")


def test_interop_watermarked_soft_bound_file_is_trusted(signer_of: Callable[..., bytes],
                                                        es256: Identity) -> None:
    bound = binding.bind_jpeg(jpeg_bytes(photo("astronaut")), 0x5EED1234)
    signed = signer_of(bound.jpeg, bound.bindings)
    result = oracle.read(signed, es256.anchors.decode())
    assert result.state == "Trusted" and result.failures == frozenset()
    with oracle.c2pa.Reader("image/jpeg", io.BytesIO(signed)) as reader:
        manifest = json.loads(reader.json())
    active = manifest["manifests"][manifest["active_manifest"]]
    algs = {a["data"]["alg"] for a in active["assertions"] if a["label"].startswith("c2pa.soft-binding")}
    assert algs == {soft_binding.WATERMARK_ALG, soft_binding.FINGERPRINT_ALG}
    actions = next(a for a in active["assertions"] if a["label"] == "c2pa.actions.v2")
    assert "c2pa.watermarked" in [x["action"] for x in actions["data"]["actions"]]
