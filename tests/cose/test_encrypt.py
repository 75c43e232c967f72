"""Restricted metadata: COSE_Encrypt with ECDH-ES + A256KW and RSA-OAEP-256 recipients.

Round trips prove we agree with ourselves; the structure, the independent recomputation and the
cose-wg known-answer vector prove we agree with RFC 9052/9053.
"""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import cbor2
import jsonschema
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakemedia.cose import encrypt as enc
from fakemedia.cose.encrypt import decrypt, describe, encrypt, recipient_ids
from fakemedia.cose.recipients import (
    Recipient,
    generate_recipient_key,
    key_id_of,
    load_private_key,
    write_recipient_key,
)
from fakemedia.errors import DecryptionError, LimitExceeded, SigningError

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "restricted.schema.json"
PLAINTEXT = b'{"restricted": "the annotator was Alice, contract 42"}'
AUTH_FAILED = "cannot be decrypted: authentication failed"
NO_MATCH = "no recipient matches this key"
KINDS = ["x25519", "p256", "p384", "rsa2048"]


@pytest.fixture(scope="module")
def private_keys(rsa_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    return {
        "x25519": x25519.X25519PrivateKey.generate(),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
        "rsa2048": rsa_key,  # the session RSA-2048 key from conftest
    }


def recipient(key: Any) -> Recipient:
    return Recipient.of(key.public_key())


def decoded(message: bytes) -> list[Any]:
    item = cbor2.loads(message)
    assert isinstance(item, cbor2.CBORTag) and item.tag == 96
    return [list(x) if isinstance(x, tuple) else x for x in item.value]


def reencode(parts: list[Any]) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(96, parts))


def one_line_error(exc: pytest.ExceptionInfo[Exception], needle: str) -> str:
    text = str(exc.value)
    assert needle in text and "\n" not in text
    return text


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip(private_keys: dict[str, Any], kind: str) -> None:
    key = private_keys[kind]
    message = encrypt(PLAINTEXT, [recipient(key)], external_aad=b"claim-42")
    assert decrypt(message, key, external_aad=b"claim-42") == PLAINTEXT
    assert PLAINTEXT not in message
    assert recipient_ids(message) == [key_id_of(key.public_key())]


def test_three_recipients_each_decrypt_and_outsider_does_not(private_keys: dict[str, Any]) -> None:
    chosen = [private_keys[k] for k in ("x25519", "p256", "rsa2048")]
    message = encrypt(PLAINTEXT, [recipient(k) for k in chosen])
    assert recipient_ids(message) == [key_id_of(k.public_key()) for k in chosen]
    for key in chosen:
        assert decrypt(message, key) == PLAINTEXT
    with pytest.raises(DecryptionError) as exc:
        decrypt(message, private_keys["p384"])
    one_line_error(exc, NO_MATCH)
    with pytest.raises(DecryptionError) as exc:
        decrypt(message, x25519.X25519PrivateKey.generate())
    one_line_error(exc, NO_MATCH)


def test_empty_plaintext_and_fresh_randomness(private_keys: dict[str, Any]) -> None:
    r = recipient(private_keys["x25519"])
    first, second = encrypt(b"", [r]), encrypt(b"", [r])
    assert decrypt(first, private_keys["x25519"]) == b""
    # Fresh CEK, IV and ephemeral key per message: no two messages share any of them.
    a, b = decoded(first), decoded(second)
    assert a[1][5] != b[1][5]
    assert a[3][0][1][-1] != b[3][0][1][-1]
    assert a[3][0][2] != b[3][0][2]


def test_recipients_deduplicated_empty_and_too_many(private_keys: dict[str, Any]) -> None:
    r = recipient(private_keys["p256"])
    assert len(recipient_ids(encrypt(b"x", [r, r, Recipient.of(private_keys["p256"].public_key())]))) == 1
    with pytest.raises(ValueError, match="at least one recipient"):
        encrypt(b"x", [])
    many = [recipient(x25519.X25519PrivateKey.generate()) for _ in range(enc.MAX_RECIPIENTS + 1)]
    with pytest.raises(LimitExceeded):
        encrypt(b"x", many)
    assert len(recipient_ids(encrypt(b"x", many[: enc.MAX_RECIPIENTS]))) == enc.MAX_RECIPIENTS


def test_plaintext_over_the_limit(monkeypatch: pytest.MonkeyPatch, private_keys: dict[str, Any]) -> None:
    monkeypatch.setattr(enc.limits, "MAX_CBOR_BYTES", 64)
    with pytest.raises(LimitExceeded):
        encrypt(bytes(64 - 16 + 1), [recipient(private_keys["x25519"])])
    assert encrypt(bytes(64 - 16), [recipient(private_keys["x25519"])])


# --- the structure, field by field (RFC 9052 §5.1) -----------------------------------------------


def test_structure_matches_rfc9052(private_keys: dict[str, Any]) -> None:
    keys = private_keys
    message = encrypt(
        PLAINTEXT, [recipient(keys["x25519"]), recipient(keys["p256"]), recipient(keys["rsa2048"])]
    )
    item = cbor2.loads(message)
    assert message[:2] == b"\xd8\x60"  # tag(96), encoded in two bytes
    assert item.tag == 96  # COSE_Encrypt_Tagged (RFC 9052 §2)
    protected, unprotected, ciphertext, layers = item.value  # [protected, unprotected, ct, recipients]
    assert protected == bytes.fromhex("a10103")  # bstr .cbor {1: 3}: alg A256GCM (RFC 9053 §4.1)
    assert unprotected.keys() == {5} and len(unprotected[5]) == 12  # {5: IV}, 96-bit nonce
    assert len(ciphertext) == len(PLAINTEXT) + 16  # GCM ciphertext ‖ 128-bit tag
    assert len(layers) == 3 and all(len(layer) == 3 for layer in layers)  # COSE_recipient x3

    x_layer, p_layer, r_layer = layers
    # ECDH-ES + A256KW for X25519: protected {1: -31}; unprotected {-1: epk, 4: kid}; wrapped CEK.
    assert x_layer[0] == bytes.fromhex("a101381e")
    assert x_layer[1].keys() == {-1, 4}
    assert x_layer[1][4] == key_id_of(keys["x25519"].public_key())
    epk = x_layer[1][-1]
    assert epk.keys() == {1, -1, -2} and epk[1] == 1 and epk[-1] == 4 and len(epk[-2]) == 32  # OKP
    assert len(x_layer[2]) == 40  # RFC 3394: 32-byte CEK + 8
    # ECDH-ES + A256KW for P-256: EC2 ephemeral key with both coordinates.
    assert p_layer[0] == bytes.fromhex("a101381e")
    epk = p_layer[1][-1]
    assert epk.keys() == {1, -1, -2, -3} and epk[1] == 2 and epk[-1] == 1
    assert len(epk[-2]) == len(epk[-3]) == 32
    assert len(p_layer[2]) == 40
    # RSA-OAEP-256: protected {1: -41}; only the kid unprotected; ciphertext = modulus length.
    assert r_layer[0] == bytes.fromhex("a1013828")
    assert r_layer[1] == {4: key_id_of(keys["rsa2048"].public_key())}
    assert len(r_layer[2]) == 256


def test_describe_matches_schema(private_keys: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    message = encrypt(PLAINTEXT, [recipient(k) for k in private_keys.values()])
    view = describe(message)
    jsonschema.Draft202012Validator(schema).validate(view)
    assert [r["alg"] for r in view["recipients"]] == [-31, -31, -31, -41]
    assert [r.get("ephemeral_key") for r in view["recipients"]][:3] == [
        {"kty": 1, "crv": 4},
        {"kty": 2, "crv": 1},
        {"kty": 2, "crv": 2},
    ]
    json.dumps(view)  # JSON-ready: no bytes left
    view["recipients"][0]["encrypted_key_length"] = 41
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(view)


# --- independent recomputation (proves the construction, not just the round trip) -----------------


@pytest.mark.parametrize("kind", ["x25519", "p256", "p384"])
def test_kek_recomputed_independently(private_keys: dict[str, Any], kind: str) -> None:
    key = private_keys[kind]
    message = encrypt(PLAINTEXT, [recipient(key)], external_aad=b"aad")
    protected, unprotected, ciphertext, layers = decoded(message)
    layer_protected, layer_unprotected, wrapped = layers[0]
    epk = layer_unprotected[-1]
    if kind == "x25519":
        secret = key.exchange(x25519.X25519PublicKey.from_public_bytes(epk[-2]))
    else:
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(epk[-2], "big"), int.from_bytes(epk[-3], "big"), key.curve
        )
        secret = key.exchange(ec.ECDH(), numbers.public_key())
    # COSE_KDF_Context written out by hand (RFC 9053 §5.2): [-5 (A256KW), [nil,nil,nil],
    # [nil,nil,nil], [256, h'A101381E']] = 84 24 83F6F6F6 83F6F6F6 82 190100 44A101381E.
    context = bytes.fromhex("842483f6f6f683f6f6f68219010044a101381e")
    assert enc.kdf_context(layer_protected) == context
    kek = HKDF(hashes.SHA256(), 32, salt=None, info=context).derive(secret)
    cek = aes_key_unwrap(kek, wrapped)
    # Enc_structure by hand (RFC 9052 §5.3): ["Encrypt", h'A10103', h'616164'].
    aad = bytes.fromhex("8367456e637279707443a1010343616164")
    assert enc.enc_structure(protected, b"aad") == aad
    assert AESGCM(cek).decrypt(unprotected[5], ciphertext, aad) == PLAINTEXT


def test_rsa_oaep_recomputed_independently(private_keys: dict[str, Any]) -> None:
    key = private_keys["rsa2048"]
    _protected, unprotected, ciphertext, layers = decoded(encrypt(PLAINTEXT, [recipient(key)]))
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    cek = key.decrypt(layers[0][2], oaep)
    aad = bytes.fromhex("8367456e637279707443a1010340")  # external_aad empty
    assert AESGCM(cek).decrypt(unprotected[5], ciphertext, aad) == PLAINTEXT


def test_known_answer_cose_wg_p256_wrap_256_01() -> None:
    """cose-wg/Examples ecdh-wrap-examples/p256-wrap-256-01.json (ECDH-ES + A256KW, P-256)."""
    d = bytes.fromhex("aff907c99f9ad3aae6c4cdf21122bce2bd68b5283e6907154ad911840fa208cf")
    recipient_key = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())
    epk_x = bytes.fromhex("3fc1141f492fdb3b33122be61b31bafd860798db190e07831fb7a2e42713f4ca")
    epk_y = bytes.fromhex("fc09d3def88ea52953b51f48955bfac1ac79b4286f0673519a4a71fc18b62869")
    epk = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + epk_x + epk_y)
    secret = recipient_key.exchange(ec.ECDH(), epk)
    assert secret.hex() == "8bed545f07a7f39bd7179403c94e7d9862d0a5630217c289b8b4d953490d6d9e"
    # Our context and KEK derivation against the vector's intermediates (note AlgorithmID -5).
    assert enc.kdf_context(bytes.fromhex("a101381e")).hex() == "842483f6f6f683f6f6f68219010044a101381e"
    kek = enc._kek(secret, bytes.fromhex("a101381e"))
    assert kek.hex() == "185e6208b1e0abee41fcd0890318ffe5320b5fb2d66b4976f7a51a9493e5b502"
    cek = aes_key_unwrap(kek, bytes.fromhex("e00e25b58aeadde5a475f1d69d2a2c199e5c1f231c5b164a"))
    assert cek.hex() == "b2353161740aacf1f7163647984b522a"  # a 128-bit CEK: the vector uses A128GCM
    ct = bytes.fromhex("64f84d913ba60a76070a9a48f26e97e863e2852948658f0811139868826e89218a75715b")
    aad = enc.enc_structure(bytes.fromhex("a10101"), b"")
    assert aad.hex() == "8367456e637279707443a1010140"
    assert AESGCM(cek).decrypt(bytes.fromhex("02d1f7e6f26c43d4868d87ce"), ct, aad) == b"This is the content."


# --- tampering -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_tampered_wrapped_key(private_keys: dict[str, Any], kind: str) -> None:
    key = private_keys[kind]
    parts = decoded(encrypt(PLAINTEXT, [recipient(key)]))
    layer = list(parts[3][0])
    layer[2] = bytes([layer[2][0] ^ 0x01]) + layer[2][1:]
    parts[3] = [layer]
    with pytest.raises(DecryptionError) as exc:
        decrypt(reencode(parts), key)
    one_line_error(exc, AUTH_FAILED)


def test_reencoding_is_faithful(private_keys: dict[str, Any]) -> None:
    # The tamper tests rebuild messages with cbor2; untouched, that must give the same bytes.
    message = encrypt(PLAINTEXT, [recipient(k) for k in private_keys.values()])
    assert reencode(decoded(message)) == message


@pytest.fixture(scope="module")
def x25519_message(private_keys: dict[str, Any]) -> bytes:
    return encrypt(PLAINTEXT, [recipient(private_keys["x25519"])], external_aad=b"bound")


def _flip(data: bytes, offset: int, mask: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ mask]) + data[offset + 1 :]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flip_inside_ciphertext_fails(
    private_keys: dict[str, Any], x25519_message: bytes, data: st.DataObject
) -> None:
    ciphertext = decoded(x25519_message)[2]
    start = x25519_message.index(ciphertext)
    offset = data.draw(st.integers(start, start + len(ciphertext) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="mask")
    with pytest.raises(DecryptionError) as exc:
        decrypt(_flip(x25519_message, offset, mask), private_keys["x25519"], external_aad=b"bound")
    one_line_error(exc, AUTH_FAILED)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flip_anywhere_fails(
    private_keys: dict[str, Any], x25519_message: bytes, data: st.DataObject
) -> None:
    # Single recipient: every byte matters (headers, kid, epk, wrapped key, IV, tag, framing).
    offset = data.draw(st.integers(0, len(x25519_message) - 1), label="offset")
    mask = data.draw(st.integers(1, 255), label="mask")
    with pytest.raises(DecryptionError) as exc:
        decrypt(_flip(x25519_message, offset, mask), private_keys["x25519"], external_aad=b"bound")
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("part", ["iv", "tag", "protected", "recipient_protected"])
def test_named_fields_tampered(private_keys: dict[str, Any], x25519_message: bytes, part: str) -> None:
    parts = decoded(x25519_message)
    if part == "iv":
        parts[1] = {5: _flip(parts[1][5], 0, 0x80)}
    elif part == "tag":
        parts[2] = _flip(parts[2], len(parts[2]) - 1, 0x01)  # the GCM tag is the last 16 bytes
    elif part == "protected":
        parts[0] = cbor2.dumps({1: 3, 99: 0})  # still A256GCM, but not the authenticated bytes
    else:
        layer = list(parts[3][0])
        layer[0] = cbor2.dumps({1: -31, 99: 0})  # changes the KDF context, so the KEK
        parts[3] = [layer]
    with pytest.raises(DecryptionError) as exc:
        decrypt(reencode(parts), private_keys["x25519"], external_aad=b"bound")
    one_line_error(exc, AUTH_FAILED)


def test_external_aad_mismatch(private_keys: dict[str, Any], x25519_message: bytes) -> None:
    for aad in (b"", b"Bound", b"bound\x00"):
        with pytest.raises(DecryptionError) as exc:
            decrypt(x25519_message, private_keys["x25519"], external_aad=aad)
        one_line_error(exc, AUTH_FAILED)


def test_forged_layer_with_same_kid_does_not_hide_genuine(
    private_keys: dict[str, Any], x25519_message: bytes
) -> None:
    parts = decoded(x25519_message)
    genuine = list(parts[3][0])
    forged = [genuine[0], genuine[1], bytes(40)]
    parts[3] = [forged, genuine]
    assert decrypt(reencode(parts), private_keys["x25519"], external_aad=b"bound") == PLAINTEXT


@pytest.mark.parametrize("x", [bytes(32), (1).to_bytes(32, "little")])
def test_x25519_low_order_ephemeral_rejected(
    private_keys: dict[str, Any], x25519_message: bytes, x: bytes
) -> None:
    parts = decoded(x25519_message)
    layer = list(parts[3][0])
    layer[1] = {-1: {1: 1, -1: 4, -2: x}, 4: layer[1][4]}
    parts[3] = [layer]
    with pytest.raises(DecryptionError) as exc:
        decrypt(reencode(parts), private_keys["x25519"], external_aad=b"bound")
    one_line_error(exc, AUTH_FAILED)


def test_p256_point_off_curve_or_wrong_curve_rejected(private_keys: dict[str, Any]) -> None:
    key = private_keys["p256"]
    parts = decoded(encrypt(PLAINTEXT, [recipient(key)]))
    layer = list(parts[3][0])
    epk = dict(layer[1][-1])
    for bad in (
        {**epk, -3: _flip(epk[-3], 31, 1)},
        {**epk, -1: 2},
        {**epk, 1: 1},
        {1: 2, -1: 1, -2: epk[-2]},
    ):
        layer[1] = {-1: bad, 4: layer[1][4]}
        parts[3] = [layer]
        with pytest.raises(DecryptionError) as exc:
            decrypt(reencode(parts), key)
        one_line_error(exc, AUTH_FAILED)


def test_alg_swapped_in_recipient_rejected(private_keys: dict[str, Any]) -> None:
    key = private_keys["rsa2048"]
    parts = decoded(encrypt(PLAINTEXT, [recipient(key)]))
    layer = list(parts[3][0])
    layer[0] = cbor2.dumps({1: -31})
    parts[3] = [layer]
    with pytest.raises(DecryptionError) as exc:
        decrypt(reencode(parts), key)
    one_line_error(exc, AUTH_FAILED)


# --- malformed input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        b"",
        b"\xff",
        cbor2.dumps([b"", {}, b"", []]),  # no tag
        cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b"", []])),  # COSE_Sign1's tag
        cbor2.dumps(cbor2.CBORTag(96, [b"", {}, b""])),  # 3 elements
        cbor2.dumps(cbor2.CBORTag(96, [b"\xa1\x01\x03", {5: bytes(12)}, bytes(16), []])),  # no recipients
        cbor2.dumps(cbor2.CBORTag(96, [b"\xa1\x01\x03", {1: 3}, bytes(16), [[b"", {4: b"k"}, b""]]])),
        cbor2.dumps(cbor2.CBORTag(96, [b"\x01", {5: bytes(12)}, bytes(16), [[b"", {4: b"k"}, b""]]])),
        cbor2.dumps(cbor2.CBORTag(96, [b"", {5: bytes(12)}, bytes(16), [[b"", {4: 7}, b""]]])),
        cbor2.dumps(cbor2.CBORTag(96, [b"", {5: bytes(12)}, bytes(16), [[b"", {}, b""]] * 65])),
        b"\xd8\x60\x84\x5b\x00\x00\x00\x10\x00\x00\x00\x00",  # bstr claiming 64 GiB
        b"\xd8\x60\x9b\x00\x00\x00\x10\x00\x00\x00\x00",  # array claiming 2^36 items
    ],
)
def test_malformed_messages(private_keys: dict[str, Any], message: bytes) -> None:
    with pytest.raises(DecryptionError) as exc:
        decrypt(message, private_keys["x25519"])
    assert "\n" not in str(exc.value)
    with pytest.raises(DecryptionError):
        recipient_ids(message)


def test_oversized_message_refused_before_decoding(private_keys: dict[str, Any]) -> None:
    with pytest.raises(DecryptionError, match="exceeds"):
        recipient_ids(bytes(enc.MAX_MESSAGE_BYTES + 1))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=300))
def test_random_bytes_only_raise_decryption_error(private_keys: dict[str, Any], blob: bytes) -> None:
    with pytest.raises(DecryptionError):
        decrypt(b"\xd8\x60" + blob, private_keys["p256"])


def test_decrypt_with_unusable_keys(x25519_message: bytes, private_keys: dict[str, Any]) -> None:
    for bad in (ed25519.Ed25519PrivateKey.generate(), private_keys["x25519"].public_key(), b"key", None):
        with pytest.raises(DecryptionError, match="cannot decrypt with this key"):
            decrypt(x25519_message, bad)


# --- recipient keys ------------------------------------------------------------------------------


def _certificate_for(public_key: Any) -> x509.Certificate:
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "recipient")])
    now = datetime.now(timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(issuer_key, hashes.SHA256())
    )


@pytest.mark.parametrize("kind", KINDS)
def test_key_id_same_from_certificate_and_public_key(private_keys: dict[str, Any], kind: str) -> None:
    public = private_keys[kind].public_key()
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    expected = hashlib.sha256(spki).digest()[:16]  # the documented kid
    cert = _certificate_for(public)
    from_key = Recipient.from_pem(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    from_pem_cert = Recipient.from_pem(cert.public_bytes(serialization.Encoding.PEM))
    from_der_cert = Recipient.from_pem(cert.public_bytes(serialization.Encoding.DER))
    assert from_key.key_id == from_pem_cert.key_id == from_der_cert.key_id == key_id_of(public) == expected
    message = encrypt(PLAINTEXT, [from_der_cert])
    assert decrypt(message, private_keys[kind]) == PLAINTEXT


def test_recipient_rejects_garbage_and_unsupported_keys() -> None:
    unsupported = [
        ed25519.Ed25519PrivateKey.generate().public_key(),
        ec.generate_private_key(ec.SECP521R1()).public_key(),
        rsa.generate_private_key(65537, 1024).public_key(),
    ]
    for public in unsupported:
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        with pytest.raises(SigningError):
            Recipient.from_pem(pem)
    for garbage in (
        b"",
        b"hello",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        bytes(100),
    ):
        with pytest.raises(SigningError) as exc:
            Recipient.from_pem(garbage)
        assert "\n" not in str(exc.value)
    with pytest.raises(SigningError, match="public key, not the private key"):
        Recipient.of(x25519.X25519PrivateKey.generate())
    other = x25519.X25519PrivateKey.generate().public_key()
    with pytest.raises(SigningError, match="does not match"):
        Recipient(bytes(16), other)


@pytest.mark.parametrize("kind", ["x25519", "p256", "p384"])
def test_generate_recipient_key(kind: str) -> None:
    private_pem, public_pem = generate_recipient_key(kind)
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")  # SubjectPublicKeyInfo
    key = load_private_key(private_pem)
    assert decrypt(encrypt(b"hi", [Recipient.from_pem(public_pem)]), key) == b"hi"


def test_generate_unknown_kind() -> None:
    with pytest.raises(SigningError, match="unknown recipient key kind"):
        generate_recipient_key("dsa")


def test_write_recipient_key_with_passphrase(tmp_path: Path) -> None:
    key_path, pub_path = write_recipient_key(
        tmp_path / "keys", kind="x25519", passphrase=b"s3cret", name="alice"
    )
    assert key_path.name == "alice.key.pem" and pub_path.name == "alice.pub.pem"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_path.read_bytes()
    assert sorted(p.name for p in key_path.parent.iterdir()) == [
        "alice.key.pem",
        "alice.pub.pem",
    ]  # no temp left
    message = encrypt(PLAINTEXT, [Recipient.from_pem(pub_path.read_bytes())])
    assert decrypt(message, load_private_key(key_path.read_bytes(), b"s3cret")) == PLAINTEXT
    with pytest.raises(SigningError) as exc:
        load_private_key(key_path.read_bytes(), b"wrong")
    text = one_line_error(exc, "wrong passphrase")
    assert "s3cret" not in text and "wrong" in text
    with pytest.raises(SigningError, match="wrong passphrase"):
        load_private_key(key_path.read_bytes(), None)
    with pytest.raises(SigningError, match="already exists"):
        write_recipient_key(tmp_path / "keys", name="alice")


def test_write_recipient_key_plain_and_bad_names(tmp_path: Path) -> None:
    key_path, _ = write_recipient_key(tmp_path, kind="p256")
    assert key_path.name == "recipient.key.pem"
    assert b"BEGIN PRIVATE KEY" in key_path.read_bytes()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    for name in ("", "..", "a/b"):
        with pytest.raises(SigningError, match="invalid key name"):
            write_recipient_key(tmp_path, name=name)
    with pytest.raises(SigningError, match="empty passphrase"):
        write_recipient_key(tmp_path, name="x", passphrase=b"")


def test_load_private_key_rejects_signing_only_keys() -> None:
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(SigningError, match="cannot decrypt with this key"):
        load_private_key(pem)
    with pytest.raises(SigningError):
        load_private_key(b"not a key")


def test_ephemeral_key_label_as_simple_value_is_rejected(
    private_keys: dict[str, Any], x25519_message: bytes
) -> None:
    # Regression (found by test_any_flip_anywhere_fails): the epk map {1: 1, -1: 4, -2: x}
    # with its kty label 0x01 flipped to 0xE1 (CBOR simple(1)) decoded to a key equal to 1,
    # so the message still decrypted. Labels must be true integers.
    at = x25519_message.index(b"\xa3\x01\x01\x20\x04") + 1
    with pytest.raises(DecryptionError):
        decrypt(_flip(x25519_message, at, 0xE0), private_keys["x25519"], external_aad=b"bound")
