"""Soft bindings at signing time: mark the pixels, fingerprint the result, describe both.

Order matters (C2PA 2.1 §18.10): the watermark changes the pixels the hard binding hashes, so it
goes in before signing, and the fingerprint is taken on the final, re-encoded pixels.

    bound = bind_jpeg(data, repository.allocate_key())
    specs += soft_binding.assertion_specs(bound.bindings)   # plus soft_binding.watermarked_action()
    signed = builder.build(BuildRequest(bound.jpeg, specs, signer))
    repository.add(store_of(signed))
"""

from __future__ import annotations

from dataclasses import dataclass

from fakemedia.errors import ManifestNotFound
from fakemedia.formats import app11
from fakemedia.manifest import soft_binding
from fakemedia.manifest.soft_binding import SoftBinding
from fakemedia.softbinding import fingerprint
from fakemedia.softbinding.imaging import check_usable, encode_jpeg, load_rgb

#: Quality of the re-encoded, watermarked JPEG: high enough to keep the mark and the picture.
JPEG_QUALITY = 92


@dataclass(frozen=True)
class BoundImage:
    """The JPEG to sign and the soft bindings its manifest must declare."""

    jpeg: bytes
    bindings: tuple[SoftBinding, ...]
    #: PSNR of the watermarked pixels against the originals (None: not watermarked).
    psnr: float | None = None

    @property
    def watermarked(self) -> bool:
        return any(b.kind == "watermark" for b in self.bindings)


def fingerprint_binding(data: bytes) -> SoftBinding:
    """The ``io.iscc.v0`` soft binding of image ``data`` (a 256-bit Content-Code unit)."""
    pixels = load_rgb(data, max_side=1024)
    check_usable(pixels, "a fingerprint")
    return SoftBinding(soft_binding.FINGERPRINT_ALG,
                       fingerprint.unit(fingerprint.content_code(pixels, 256)))


def bind_jpeg(data: bytes, key: int | None, *, quality: int = JPEG_QUALITY) -> BoundImage:
    """Watermark JPEG ``data`` with ``key`` (re-encoded, metadata kept) and fingerprint the
    result; with ``key`` None the bytes stay as they are and only the fingerprint is made.

    A store ``data`` carries is not copied into the new bytes: pass it to the builder as the
    existing store, as for any annotation of a signed file."""
    if key is None:
        return BoundImage(data, (fingerprint_binding(data),))
    from fakemedia.softbinding import watermark  # onnxruntime only when marking

    stripped, _ = app11.remove_c2pa_store(data)
    pixels = load_rgb(stripped)
    marked, psnr = watermark.embed_measured(pixels, key)
    jpeg = encode_jpeg(marked, like=stripped, quality=quality)
    bindings = (SoftBinding(soft_binding.WATERMARK_ALG, soft_binding.watermark_value(key)),
                fingerprint_binding(jpeg))
    return BoundImage(jpeg, bindings, psnr)


def store_of(signed: bytes) -> bytes:
    """The manifest store embedded in JPEG ``signed`` (what a repository keeps)."""
    location = app11.find_c2pa_store(signed)
    if location is None:
        raise ManifestNotFound("the file carries no manifest store to keep")
    return location.jumbf
