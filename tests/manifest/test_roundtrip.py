"""Round trip: stripping the store gives back the exact input of the last signing step, and
annotating leaves EXIF, XMP and the ICC profile byte-identical."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fakemedia import api
from fakemedia.formats import jpeg
from fakemedia.formats.jpeg import Marker

XMP_ID = b"http://ns.adobe.com/xap/1.0/\x00"


def _xmp_payload(data: bytes) -> bytes:
    found = [s.payload for s in jpeg.parse_jpeg(data).segments
             if s.marker == Marker.APP1 and s.payload.startswith(XMP_ID)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "brob"])
def test_strip_manifest_annotated_plain_jpeg_returns_input(source_jpeg: bytes, es256,  # type: ignore[no-untyped-def]
                                                           compress: bool) -> None:
    signed = api.annotate_bytes(source_jpeg, None, es256.signer, api.AnnotateOptions(compress=compress))
    assert signed != source_jpeg
    assert api.strip_manifest(signed) == source_jpeg


def test_strip_manifest_chained_file_returns_original_plain_jpeg(source_jpeg: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    # Each step replaces the store in place, so stripping the last gives the original pixels
    # and metadata: the whole history lives in the one store.
    first = api.annotate_bytes(source_jpeg, None, es256.signer)
    second = api.annotate_bytes(first, {"modification_types": ["edited"]}, es256.signer)
    third = api.annotate_bytes(second, {"modification_types": ["edited"]}, es256.signer)
    assert api.strip_manifest(third) == api.strip_manifest(second) == source_jpeg


def test_strip_manifest_unsigned_jpeg_is_identity(source_jpeg: bytes) -> None:
    assert api.strip_manifest(source_jpeg) == source_jpeg


def test_annotate_metadata_segments_survive_byte_identical(source_jpeg: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    signed = api.annotate_bytes(source_jpeg, {"modification_types": ["edited"]}, es256.signer)
    before, after = Image.open(io.BytesIO(source_jpeg)), Image.open(io.BytesIO(signed))
    assert before.info["exif"] and after.info["exif"] == before.info["exif"]
    assert before.info["icc_profile"] and after.info["icc_profile"] == before.info["icc_profile"]
    assert _xmp_payload(signed) == _xmp_payload(source_jpeg)
    assert after.tobytes() == before.tobytes()  # decoded pixels unchanged too


def test_annotate_store_after_app0_app1_run(source_jpeg: bytes, es256) -> None:  # type: ignore[no-untyped-def]
    signed = api.annotate_bytes(source_jpeg, None, es256.signer)
    markers = [s.marker for s in jpeg.parse_jpeg(signed).segments]
    first_app11 = markers.index(Marker.APP11)
    assert markers[:first_app11] == [Marker.SOI, Marker.APP0, Marker.APP1, Marker.APP1]
