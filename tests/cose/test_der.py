"""The strict DER reader (ITU-T X.690 §8, §10): hex vectors, one field per comment, and hostile
input that must end in the one-line MalformedDer."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from fakemedia.cose import der
from fakemedia.errors import FormatError, MalformedDer


def one(hex_text: str) -> tuple[bytes, der.Item]:
    data = bytes.fromhex(hex_text)
    return data, der.item(data, 0, len(data))


def test_boolean_is_00_or_ff() -> None:
    assert der.boolean(*one("01 01 ff"))  # BOOLEAN, length 1, TRUE
    assert not der.boolean(*one("01 01 00"))  # BOOLEAN, length 1, FALSE
    with pytest.raises(MalformedDer):
        der.boolean(*one("01 01 01"))  # BER allows any non-zero TRUE, DER only FF (§11.1)


@pytest.mark.parametrize(("hex_text", "value"), [
    ("02 01 00", 0),  # INTEGER, length 1, 0
    ("02 01 7f", 127),  # INTEGER, length 1, 127
    ("02 02 00 80", 128),  # INTEGER, length 2, a leading 00 keeps 128 positive
    ("02 01 80", -128),  # INTEGER, length 1, two's complement
    ("02 02 ff 7f", -129),  # INTEGER, length 2
])
def test_integer(hex_text: str, value: int) -> None:
    assert der.integer(*one(hex_text)) == value


@pytest.mark.parametrize("hex_text", [
    "02 00",  # INTEGER with no content octets (§8.3.1)
    "02 02 00 7f",  # 00 before a byte below 80: not minimal (§8.3.2)
    "02 02 ff 80",  # FF before a byte of 80 or more: not minimal
])
def test_integer_must_be_minimal(hex_text: str) -> None:
    with pytest.raises(MalformedDer):
        der.integer(*one(hex_text))


@pytest.mark.parametrize(("hex_text", "dotted"), [
    ("06 03 55 1d 13", "2.5.29.19"),  # OID, 3 octets: 55 = 2*40+5, 1d = 29, 13 = 19 (basicConstraints)
    ("06 08 2a 86 48 ce 3d 04 03 02", "1.2.840.10045.4.3.2"),  # 2a = 1*40+2; 86 48 = 840; ecdsa-with-SHA256
    ("06 03 2b 65 70", "1.3.101.112"),  # Ed25519 (RFC 8410 §3)
    ("06 03 88 37 03", "2.999.3"),  # first arcs 2.999: 88 37 = 1079 = 80+999 (X.690 §8.19.4 example)
])
def test_oid(hex_text: str, dotted: str) -> None:
    assert der.oid(*one(hex_text)) == dotted


@pytest.mark.parametrize("hex_text", [
    "06 00",  # empty OID
    "06 02 80 01",  # arc with a leading 80 octet: not minimal (§8.19.2)
    "06 02 55 86",  # last octet still has the continuation bit: truncated arc
])
def test_oid_refused(hex_text: str) -> None:
    with pytest.raises(MalformedDer):
        der.oid(*one(hex_text))


def test_bit_string() -> None:
    assert der.bit_string(*one("03 02 07 80")) == b"\x80"  # BIT STRING, 7 unused bits, bit 0 set
    assert der.whole_octets(*one("03 03 00 ab cd")) == b"\xab\xcd"  # no unused bits: a key's octets
    for bad in ("03 02 07 81",  # a padding bit set (§11.2.1)
                "03 01 01",  # unused bits announced with no octet to hold them
                "03 02 08 00",  # more than 7 unused bits
                "03 00"):  # no unused-bits octet at all
        with pytest.raises(MalformedDer):
            der.bit_string(*one(bad))
    with pytest.raises(MalformedDer):
        der.whole_octets(*one("03 02 01 80"))  # a key with unused bits


@pytest.mark.parametrize(("hex_text", "moment"), [
    # UTCTime, 13 octets "250101000000Z": years 00-49 are 20YY (RFC 5280 §4.1.2.5.1)
    ("17 0d 32 35 30 31 30 31 30 30 30 30 30 30 5a", datetime(2025, 1, 1, tzinfo=timezone.utc)),
    # UTCTime "500101000000Z": years 50-99 are 19YY
    ("17 0d 35 30 30 31 30 31 30 30 30 30 30 30 5a", datetime(1950, 1, 1, tzinfo=timezone.utc)),
    # GeneralizedTime, 15 octets "20500101235959Z" (§4.1.2.5.2)
    ("18 0f 32 30 35 30 30 31 30 31 32 33 35 39 35 39 5a",
     datetime(2050, 1, 1, 23, 59, 59, tzinfo=timezone.utc)),
])
def test_time(hex_text: str, moment: datetime) -> None:
    assert der.time(*one(hex_text)) == moment


@pytest.mark.parametrize("hex_text", [
    "17 0b 32 35 30 31 30 31 30 30 30 30 5a",  # UTCTime without seconds (BER form)
    "17 0d 32 35 30 31 30 31 30 30 30 30 30 30 2b",  # no trailing Z
    "17 0d 32 35 31 33 30 31 30 30 30 30 30 30 5a",  # month 13
    "18 11 32 30 35 30 30 31 30 31 32 33 35 39 35 39 2e 35 5a",  # fractional seconds
    "04 0d 32 35 30 31 30 31 30 30 30 30 30 30 5a",  # an OCTET STRING is no time
])
def test_time_refused(hex_text: str) -> None:
    with pytest.raises(MalformedDer):
        der.time(*one(hex_text))


def test_strings() -> None:
    assert der.text(*one("13 02 55 53")) == "US"  # PrintableString "US"
    assert der.text(*one("0c 02 c3 a9")) == "\u00e9"  # UTF8String "é"
    assert der.text(*one("16 01 40")) == "@"  # IA5String "@"
    for bad in ("13 01 40",  # '@' is not printable (X.680 §41.4)
                "0c 01 ff",  # not UTF-8
                "1e 02 00 41"):  # BMPString: not read here
        with pytest.raises(MalformedDer):
            der.text(*one(bad))


@pytest.mark.parametrize("hex_text", [
    "04",  # a tag with no length
    "04 05 00",  # length 5, one octet present
    "04 80 00 00",  # indefinite length (BER only, §10.1)
    "04 81 05 00 00 00 00 00",  # long form for a length below 128: not minimal
    "04 82 00 81" + " 00" * 129,  # a length with a leading zero octet
    "04 84 00 00 00 01 00",  # four length octets (more than any certificate needs)
    "1f 81 00 00",  # multi-byte tag number
])
def test_hostile_headers(hex_text: str) -> None:
    data = bytes.fromhex(hex_text)
    with pytest.raises(MalformedDer) as caught:
        der.item(data, 0, len(data))
    assert isinstance(caught.value, FormatError) and "\n" not in str(caught.value)


def test_item_must_lie_inside_its_container() -> None:
    data = bytes.fromhex("30 03 04 05 00")  # SEQUENCE of 3 holding an OCTET STRING of 5
    with pytest.raises(MalformedDer):
        der.children(data, der.item(data, 0, len(data)))


def test_huge_lengths_are_refused_before_reading() -> None:
    data = bytes.fromhex("30 83 7f ff ff")  # announces 8 MiB, holds nothing
    with pytest.raises(MalformedDer):
        der.item(data, 0, len(data))


def test_single_refuses_trailing_bytes_and_wrong_tags() -> None:
    assert der.single(bytes.fromhex("30 00"), der.SEQUENCE) == (der.SEQUENCE, 2, 2)
    with pytest.raises(MalformedDer):
        der.single(bytes.fromhex("30 00 00"), der.SEQUENCE)
    with pytest.raises(MalformedDer):
        der.single(bytes.fromhex("31 00"), der.SEQUENCE)


def test_children_are_bounded() -> None:
    body = bytes.fromhex("05 00") * (der.MAX_ITEMS + 1)
    data = bytes([0x30, 0x82]) + len(body).to_bytes(2, "big") + body
    with pytest.raises(MalformedDer):
        der.children(data, der.single(data, der.SEQUENCE))
    with pytest.raises(MalformedDer):
        der.children(bytes.fromhex("04 00"), (der.OCTET_STRING, 2, 2))  # primitive: no children
