"""Restricted annotation fields through the API: encrypted for named recipients inside the signed
``org.fakemedia.annotation`` assertion, readable only with a recipient's private key.

Plaintext leaks are looked for with distinctive strings (``bytes.find``) in the file and, for
compressed manifests, in the decompressed manifest boxes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cbor2
import pytest

from fakemedia import api
from fakemedia.cose.recipients import generate_recipient_key
from fakemedia.errors import AnnotationInvalid, SigningError
from fakemedia.formats import app11
from fakemedia.manifest.store import parse_store

AUTHOR = "Quentin Restricted-Author 7731"
DESCRIPTION = "Face swapped by the night desk (zebra-fennel-4412)"
PURPOSE_TEXT = "Parody segment cobalt-heron-9923"
ANNOTATION: dict[str, Any] = {
    "modification_types": ["deepfaked"],
    "purpose": "other",
    "purpose_text": PURPOSE_TEXT,
    "author": AUTHOR,
    "description": DESCRIPTION,
    "probability": {"value": 0.875, "method": "algorithmic", "name": "detector-magenta-5150"},
    "regions": [{"shape": "rectangle", "unit": "pixel", "x": 13, "y": 17, "width": 29,
                 "height": 31, "name": "region-saffron-6607"}],
}
FIELDS = ("author", "description", "purpose", "probability", "regions")
SECRETS = (AUTHOR, DESCRIPTION, PURPOSE_TEXT, "detector-magenta-5150", "region-saffron-6607")
KINDS = ("x25519", "p256", "p384", "rsa")


@dataclass(frozen=True)
class KeyPair:
    kind: str
    private_pem: bytes
    public_pem: bytes

    def key(self) -> Any:
        return api.load_decrypt_key(self.private_pem)


@pytest.fixture(scope="session")
def recipient_keys() -> dict[str, KeyPair]:
    """One key pair per kind, plus an outsider who is never a recipient."""
    pairs = {kind: KeyPair(kind, *generate_recipient_key(kind)) for kind in KINDS}
    pairs["outsider"] = KeyPair("x25519", *generate_recipient_key("x25519"))
    return pairs


def _restricted(source: bytes, signer: Any, keys: dict[str, KeyPair], *, compress: bool = False,
                kinds: tuple[str, ...] = KINDS) -> bytes:
    options = api.AnnotateOptions(restrict=FIELDS, recipients=tuple(keys[k].public_pem for k in kinds),
                                  compress=compress)
    return api.annotate_bytes(source, ANNOTATION, signer, options)


@pytest.fixture(scope="module")
def sealed(source_jpeg: bytes, es256: Any, recipient_keys: dict[str, KeyPair]) -> bytes:
    return _restricted(source_jpeg, es256.signer, recipient_keys)


def _manifest_bytes(data: bytes) -> bytes:
    """Every manifest box, decompressed: what a reader sees after Brotli."""
    location = app11.find_c2pa_store(data)
    assert location is not None
    return b"".join(m.box.to_bytes() for m in parse_store(location.jumbf).manifests)


def _custom(data: bytes) -> dict[str, Any]:
    location = app11.find_c2pa_store(data)
    assert location is not None
    active = parse_store(location.jumbf).active
    assert active is not None
    assertion = active.assertion("org.fakemedia.annotation")
    assert assertion is not None
    content = assertion.content()
    assert isinstance(content, dict)
    return content


def test_no_plaintext_in_the_file(sealed: bytes) -> None:
    for secret in SECRETS:
        assert sealed.find(secret.encode()) == -1, secret
    assert sealed.find(b"region-saffron") == -1


def test_public_part_names_fields_and_recipients(sealed: bytes, recipient_keys: dict[str, KeyPair]) -> None:
    custom = _custom(sealed)
    for field in FIELDS:
        assert field not in custom
    assert custom["modification_types"] == ["deepfaked"]  # the type always stays public
    restricted = custom["restricted"]
    assert restricted["fields"] == sorted([*FIELDS, "purpose_text"])
    assert len(restricted["recipients"]) == len(KINDS)
    assert isinstance(restricted["cose_encrypt"], bytes)


def test_verify_without_key_is_trusted_and_shows_nothing(sealed: bytes, es256: Any) -> None:
    report = api.verify_bytes(sealed, trust_anchors=es256.anchors)
    assert report.state == "Trusted", report.failures()
    assert report.failures() == []
    ann = report.manifest(report.active_manifest).annotation  # type: ignore[union-attr]
    assert ann["restricted"] == {"fields": sorted([*FIELDS, "purpose_text"]), "recipients": 4,
                                 "decrypted": False}
    assert ann["author"] is None and ann["description"] is None and ann["regions"] == []
    dumped = json.dumps(report.to_dict()) + json.dumps(report.history())
    for secret in SECRETS:
        assert secret not in dumped, secret


@pytest.mark.parametrize("kind", KINDS)
def test_each_recipient_decrypts_alone(sealed: bytes, es256: Any, kind: str,
                                       recipient_keys: dict[str, KeyPair]) -> None:
    report = api.verify_bytes(sealed, trust_anchors=es256.anchors,
                              decrypt_keys=[recipient_keys[kind].key()])
    assert report.state == "Trusted"
    ann = report.manifest(report.active_manifest).annotation  # type: ignore[union-attr]
    assert ann["restricted"]["decrypted"] is True
    assert "error" not in ann["restricted"]
    assert (ann["author"], ann["description"], ann["purpose"], ann["purpose_text"]) == (
        AUTHOR, DESCRIPTION, "other", PURPOSE_TEXT)
    assert ann["probability"]["value"] == 0.875
    assert ann["regions"][0]["x"] == 13 and ann["regions"][0]["name"] == "region-saffron-6607"


def test_a_key_among_others_is_found(sealed: bytes, es256: Any, recipient_keys: dict[str, KeyPair]) -> None:
    keys = [recipient_keys["outsider"].key(), recipient_keys["p384"].key()]
    ann = api.verify_bytes(sealed, decrypt_keys=keys).manifests[-1].annotation
    assert ann["restricted"]["decrypted"] is True
    assert ann["author"] == AUTHOR


def test_wrong_key_is_noted_not_raised(sealed: bytes, es256: Any, recipient_keys: dict[str, KeyPair]) -> None:
    report = api.verify_bytes(sealed, trust_anchors=es256.anchors,
                              decrypt_keys=[recipient_keys["outsider"].key()])
    assert report.state == "Trusted"  # decryption never changes the validation state
    ann = report.manifests[-1].annotation
    assert ann["restricted"]["decrypted"] is False
    assert ann["restricted"]["error"] == "none of the given keys is a recipient"
    assert ann["author"] is None


def test_flipped_ciphertext_byte_is_invalid_and_decrypts_nothing(
        sealed: bytes, es256: Any, recipient_keys: dict[str, KeyPair]) -> None:
    message = cbor2.loads(_custom(sealed)["restricted"]["cose_encrypt"])
    ciphertext = message.value[2]
    at = sealed.find(ciphertext)
    assert at > 0 and sealed.find(ciphertext, at + 1) == -1
    target = at + len(ciphertext) // 2
    tampered = sealed[:target] + bytes([sealed[target] ^ 0x01]) + sealed[target + 1:]
    report = api.verify_bytes(tampered, trust_anchors=es256.anchors,
                              decrypt_keys=[recipient_keys["x25519"].key()])
    assert report.state == "Invalid"
    assert "assertion.hashedURI.mismatch" in report.failures()
    ann = report.manifests[-1].annotation
    assert ann["restricted"]["decrypted"] is False
    assert "error" in ann["restricted"]
    assert ann["author"] is None and ann["regions"] == []


def test_compressed_restricted_manifest(source_jpeg: bytes, es256: Any,
                                        recipient_keys: dict[str, KeyPair]) -> None:
    data = _restricted(source_jpeg, es256.signer, recipient_keys, compress=True, kinds=("p256", "rsa"))
    inside = _manifest_bytes(data)
    for secret in SECRETS:
        assert inside.find(secret.encode()) == -1 and data.find(secret.encode()) == -1, secret
    assert api.verify_bytes(data, trust_anchors=es256.anchors).state == "Trusted"
    ann = api.verify_bytes(data, decrypt_keys=[recipient_keys["rsa"].key()]).manifests[-1].annotation
    assert ann["author"] == AUTHOR and ann["restricted"]["recipients"] == 2


def test_restricted_parent_stays_sealed_in_a_chain(sealed: bytes, identity_factory: Callable[[str], Any],
                                                   recipient_keys: dict[str, KeyPair]) -> None:
    second = identity_factory("ed25519")
    data = api.annotate_bytes(sealed, {"modification_types": ["edited"]}, second.signer)
    assert data.find(AUTHOR.encode()) == -1
    hist = api.history(data, decrypt_keys=[recipient_keys["p256"].key()])
    assert len(hist["chain"]) == 2
    first = hist["tree"]["ingredients"][0]["node"]["annotation"]
    assert first["author"] == AUTHOR and first["restricted"]["decrypted"] is True
    assert "restricted" not in hist["tree"]["annotation"]


@pytest.mark.parametrize("options, message", [
    (api.AnnotateOptions(restrict=("author",)), "at least one recipient"),
    (api.AnnotateOptions(restrict=("modification_types",), recipients=(b"x",)), "cannot restrict"),
    (api.AnnotateOptions(restrict=("ipr",), recipients=(b"x",)), "nothing to restrict"),
])
def test_bad_restriction_requests_are_refused(source_jpeg: bytes, es256: Any, options: api.AnnotateOptions,
                                              message: str) -> None:
    with pytest.raises(AnnotationInvalid, match=message):
        api.annotate_bytes(source_jpeg, ANNOTATION, es256.signer, options)


def test_private_key_as_recipient_is_refused(source_jpeg: bytes, es256: Any,
                                             recipient_keys: dict[str, KeyPair]) -> None:
    options = api.AnnotateOptions(restrict=("author",), recipients=(recipient_keys["p256"].private_pem,))
    with pytest.raises(SigningError):
        api.annotate_bytes(source_jpeg, ANNOTATION, es256.signer, options)
