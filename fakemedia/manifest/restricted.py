"""Restricted annotation fields: encrypted for named recipients inside the signed assertion.

The chosen fields leave the public annotation (and so the standard C2PA actions: a restricted
``regions`` or ``purpose`` is not echoed in ``changes`` or ``reason``) and travel as one
COSE_Encrypt message (``fakemedia/cose/ENCRYPTION.md``) in ``org.fakemedia.annotation``:

    "restricted": {"fields": [names], "recipients": [key id hex], "cose_encrypt": bstr}

The assertion is hashed into the claim, so the C2PA signature covers the ciphertext: a flipped
byte makes the manifest Invalid (hashed-URI mismatch) before anyone tries to decrypt it. The
AAD binds the ciphertext to this assertion's purpose so it cannot be replayed elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cbor2

from fakemedia.annotation.model import Annotation
from fakemedia.cose import encrypt
from fakemedia.cose.recipients import Recipient, key_id_of
from fakemedia.errors import AnnotationInvalid, DecryptionError

AAD = b"org.fakemedia.annotation/restricted/v1"
#: Fields that may be restricted. The modification type always stays public: saying *that* an
#: image was changed is the point of a Fake Media annotation; who, where and why may be private.
RESTRICTABLE = ("author", "regions", "purpose", "purpose_text", "probability", "description",
                "ipr", "origin", "references", "software_agent", "when")


def split(annotation: Annotation, fields: Sequence[str]) -> tuple[Annotation, dict[str, Any]]:
    """(public annotation, restricted values) for the named fields."""
    unknown = sorted(set(fields) - set(RESTRICTABLE))
    if unknown:
        raise AnnotationInvalid(f"cannot restrict {', '.join(unknown)}; restrictable fields: "
                                f"{', '.join(RESTRICTABLE)}")
    public = annotation.to_dict()
    secret = {name: public.pop(name) for name in fields if name in public}
    if "purpose" in secret and "purpose_text" in public:
        secret["purpose_text"] = public.pop("purpose_text")  # the text explains the purpose
    return Annotation.from_dict(public), secret


def seal(secret: Mapping[str, Any], recipients: Sequence[bytes]) -> dict[str, Any]:
    """The ``restricted`` member of our assertion, encrypted for every recipient PEM."""
    if not recipients:
        raise AnnotationInvalid("restricted fields need at least one recipient")
    parsed = [Recipient.from_pem(pem) for pem in recipients]
    message = encrypt.encrypt(cbor2.dumps(dict(secret), canonical=True), parsed, external_aad=AAD)
    return {"fields": sorted(secret), "recipients": sorted({r.key_id.hex() for r in parsed}),
            "cose_encrypt": message}


def open_restricted(restricted: Any, keys: Sequence[Any]) -> tuple[dict[str, Any] | None, str]:
    """Decrypt with the first key that is a recipient: (values, "") or (None, why not)."""
    if not isinstance(restricted, Mapping) or not isinstance(restricted.get("cose_encrypt"), bytes):
        return None, "restricted data is malformed"
    if not keys:
        return None, "no decryption key given"
    message = restricted["cose_encrypt"]
    try:
        ids = set(encrypt.recipient_ids(message))
    except DecryptionError as exc:  # not COSE_Encrypt at all: a note on the report, not an exit
        return None, f"restricted data is not a COSE_Encrypt message ({exc})"
    except Exception:  # a hostile message may trip the decoder in other ways
        return None, "restricted data is not a COSE_Encrypt message"
    matching = [k for k in keys if key_id_of(k.public_key()) in ids]
    if not matching:
        return None, "none of the given keys is a recipient"
    try:
        values = cbor2.loads(encrypt.decrypt(message, matching[0], external_aad=AAD))
    except DecryptionError as exc:
        return None, str(exc)
    except Exception:  # undecodable plaintext after authentication cannot happen honestly
        return None, "restricted data decrypted to something unreadable"
    return (values, "") if isinstance(values, dict) else (None, "restricted data is malformed")


def describe(restricted: Any) -> dict[str, Any]:
    """What anyone may know without a key: which fields, for how many recipients."""
    if not isinstance(restricted, Mapping):
        return {"fields": [], "recipients": 0}
    fields, recipients = restricted.get("fields"), restricted.get("recipients")
    return {"fields": [f for f in fields if isinstance(f, str)] if isinstance(fields, list) else [],
            "recipients": len(recipients) if isinstance(recipients, list) else 0}
