"""Helpers shared by the Dask backend tests (importable by the worker processes too)."""

from __future__ import annotations

import io

from PIL import Image

#: The bearer token of the test signing service, in the workers' environment by name only.
TOKEN_ENV = "FAKEMEDIA_TEST_SIGNING_TOKEN"
PASSPHRASE_ENV = "FAKEMEDIA_TEST_KEY_PASSPHRASE"


def make_jpeg(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small noise JPEG (the noise is not seeded: every call gives a different image)."""
    out = io.BytesIO()
    Image.effect_noise(size, 30 + seed).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()
