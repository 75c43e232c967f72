"""The ``c2pa.soft-binding`` assertion builder and reader, and the ``c2pa.watermarked`` action."""

from __future__ import annotations

from collections.abc import Callable

import cbor2

from fakemedia.formats import app11
from fakemedia.manifest import builder, labels, soft_binding
from fakemedia.manifest.builder import AssertionSpec, BuildRequest
from fakemedia.manifest.soft_binding import SoftBinding
from fakemedia.manifest.store import parse_store
from tests.conftest import Identity, make_jpeg


def test_sb_assertion_has_the_soft_binding_map_fields() -> None:
    content = soft_binding.assertion_content(SoftBinding("io.iscc.v0", b"\x21\x07" + bytes(32)),
                                             name="fingerprint")
    assert content == {"alg": "io.iscc.v0", "blocks": [{"scope": {}, "value": b"\x21\x07" + bytes(32)}],
                       "pad": b"", "name": "fingerprint"}
    # values are CBOR byte strings (major type 2), never text
    encoded = cbor2.dumps(content["blocks"][0]["value"])
    assert encoded[0] >> 5 == 2
    assert not {"url", "alg-params", "extent"} & set(content)


def test_sb_specs_take_instance_suffixes_in_order() -> None:
    specs = soft_binding.assertion_specs([
        SoftBinding(soft_binding.WATERMARK_ALG, soft_binding.watermark_value(0xA1B2C3D4)),
        SoftBinding(soft_binding.FINGERPRINT_ALG, b"\x21\x07" + bytes(32))])
    assert [s.label for s in specs] == ["c2pa.soft-binding", "c2pa.soft-binding__1"]
    assert specs[0].content["blocks"][0]["value"] == b"\xa1\xb2\xc3\xd4"


def test_sb_watermark_value_round_trip() -> None:
    assert soft_binding.watermark_key(soft_binding.watermark_value(7)) == 7
    assert soft_binding.watermark_key(b"\x01\x02") is None


def test_sb_algorithm_names_are_reverse_domain() -> None:
    import re

    pattern = re.compile(r"^[A-Za-z]{2,63}(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\.?$")
    assert pattern.match(soft_binding.WATERMARK_ALG) and pattern.match(soft_binding.FINGERPRINT_ALG)


def test_sb_watermarked_action() -> None:
    action = soft_binding.watermarked_action()
    assert action["action"] == "c2pa.watermarked" and action["softwareAgent"]["name"]


def test_sb_read_back_from_a_signed_manifest(signer_of: Callable[..., bytes]) -> None:
    bindings = [SoftBinding(soft_binding.WATERMARK_ALG, b"\x00\x00\x00\x2a"),
                SoftBinding(soft_binding.FINGERPRINT_ALG, b"\x21\x07" + bytes(range(32)))]
    signed = signer_of(make_jpeg(), bindings)
    location = app11.find_c2pa_store(signed)
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None
    read, problems = soft_binding.read_soft_bindings(active)
    assert problems == []
    assert [(b.alg, b.value) for b in read] == [(b.alg, b.value) for b in bindings]
    assert [b.label for b in read] == ["c2pa.soft-binding", "c2pa.soft-binding__1"]
    assert read[0].kind == "watermark" and read[1].kind == "fingerprint"


def test_sb_reader_reports_malformed_assertions(es256: Identity) -> None:
    specs = [
        AssertionSpec(labels.ACTIONS_V2, {"actions": [{"action": "c2pa.created"}]}),
        AssertionSpec("c2pa.soft-binding", {"blocks": [{"scope": {}, "value": b"x"}], "pad": b""}),
        AssertionSpec("c2pa.soft-binding__1", {"alg": "io.iscc.v0", "blocks": [], "pad": b""}),
        AssertionSpec("c2pa.soft-binding__2",
                      {"alg": "org.example.text", "blocks": [{"scope": {}, "value": "t"}], "pad": b""}),
    ]
    signed = builder.build(BuildRequest(make_jpeg(), specs, es256.signer))
    location = app11.find_c2pa_store(signed)
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None
    read, problems = soft_binding.read_soft_bindings(active)
    assert [(b.alg, b.value) for b in read] == [("org.example.text", b"t")]  # text read as bytes
    assert len(problems) == 2
    assert any("no algorithm" in p for p in problems) and any("no blocks" in p for p in problems)
