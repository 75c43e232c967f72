"""What a caller names by path or writes as text, read and checked once before any work: trust
anchor files, key files and their passphrases, recipient keys, annotation files and fields,
rectangles. Re-exported by :mod:`fakemedia.api`.

A bad value is an :class:`~fakemedia.errors.InvalidRequest` (exit 2) whose ``about`` names the
input (``"trust_anchors"``, ``"recipient"``, ...), so a front end can add its own hint; a key or
passphrase that does not load is a :class:`~fakemedia.errors.SigningError` (exit 5). Light
imports only: every ``fakemedia verify`` loads this module.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakemedia._record import Frozen
from fakemedia.errors import CertificateError, FakemediaError, InvalidRequest, SigningError

if TYPE_CHECKING:
    from datetime import datetime

ENV_PASSPHRASE = "FAKEMEDIA_KEY_PASSPHRASE"
ENV_DECRYPT_PASSPHRASE = "FAKEMEDIA_DECRYPT_PASSPHRASE"
ENV_TRUST_ANCHORS = "FAKEMEDIA_TRUST_ANCHORS"
ANCHORS_FILE = "trust-anchors.pem"
#: Bigger than any key file: a recipient or decryption key is read up to this many bytes.
MAX_KEY_FILE_BYTES = 1024 * 1024

#: Asks for the passphrase of the key it names; None where nobody can be asked (no terminal).
Prompt = Callable[[str], bytes]


class naming:  # noqa: N801 - used as a context manager, like contextlib's
    """Prefix errors about one file with its path when the library's message lacks it."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, FakemediaError) and self.path.name not in str(exc):
            exc.args = (f"{self.path}: {exc}", *exc.args[1:])


# --- trust anchors -----------------------------------------------------------------------------


def anchor_paths(given: Sequence[Path]) -> list[Path]:
    """The anchor files to use: ``given``, else $FAKEMEDIA_TRUST_ANCHORS, else none."""
    if given:
        return list(given)
    env = os.environ.get(ENV_TRUST_ANCHORS)
    return [Path(part) for part in env.split(os.pathsep) if part] if env else []


def anchor_file(path: Path) -> Path:
    """A directory means the trust-anchor file of the identity in it."""
    return path / ANCHORS_FILE if path.is_dir() else path


def read_trust_anchors(given: Sequence[Path], *, use_env: bool = True,
                       about: str = "trust_anchors") -> list[bytes]:
    """PEM bytes of every anchor file; a missing or unreadable one is an InvalidRequest."""
    from fakemedia.cose import certs

    out: list[bytes] = []
    for path in anchor_paths(given) if use_env else list(given):
        file = anchor_file(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InvalidRequest(f"cannot read {file} ({exc.strerror or exc})", about) from None
        try:
            certs.load_certificates(data)
        except CertificateError:
            raise InvalidRequest(f"{file} holds no readable certificate", about) from None
        out.append(data)
    return out


def read_anchor_file(path: str | None) -> bytes | None:
    """One PEM file of trusted roots (default: $FAKEMEDIA_TRUST_ANCHORS as one path), unchecked:
    JPEG Trust evaluation reads what it can of it."""
    path = path or os.environ.get(ENV_TRUST_ANCHORS)
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"cannot read trust anchors {path}: {exc.strerror}", "anchor_file") from None


class Trust(Frozen):
    """Trust options checked once, as plain (picklable) data: anchor PEMs, the trust settings
    file, time-stamp authority PEMs and the validation time."""

    __slots__ = ("anchors", "at", "config", "tsa_anchors")
    anchors: tuple[bytes, ...]
    config: str | None
    tsa_anchors: tuple[bytes, ...]
    at: Any

    def __init__(self, anchors: Sequence[bytes] = (), config: str | None = None,
                 tsa_anchors: Sequence[bytes] = (), at: Any = None) -> None:
        self._init(anchors=tuple(anchors), config=config, tsa_anchors=tuple(tsa_anchors), at=at)


def load_trust(anchors: Sequence[Path], config: Path | None = None, tsa: Sequence[Path] = (),
               at: Any = None) -> Trust:
    """Every trust file read and checked now: a bad one fails once, not once per image."""
    from fakemedia import api

    trust = Trust(read_trust_anchors(anchors), str(config) if config else None,
                  read_trust_anchors(tsa, use_env=False, about="tsa_anchors"), at)
    if config is not None:
        try:
            api.trust_settings(config=config)
        except FakemediaError as exc:
            raise InvalidRequest(str(exc), "trust_config") from None
    return trust


# --- keys and passphrases ----------------------------------------------------------------------


def read_key_file(path: Path, about: str) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path} ({exc.strerror or exc})", about) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise InvalidRequest(f"{path} is larger than any key file", about)
    return data


def _passphrase(variable: str, label: str, prompt: Prompt | None, refusal: str) -> bytes:
    env = os.environ.get(variable)
    if env:
        return env.encode()
    if prompt is not None:
        return prompt(label)
    raise SigningError(f"{refusal}: set {variable} or run on a terminal to be prompted")


def env_passphrase(variable: str | None) -> bytes | None:
    """The passphrase in environment variable ``variable`` (an InvalidRequest when unset)."""
    if not variable:
        return None
    value = os.environ.get(variable)
    if not value:
        raise InvalidRequest(f"environment variable {variable} is unset or empty", "passphrase_env")
    return value.encode()


def identity_dir(identity: Path | None) -> tuple[Path, Any]:
    """The signing identity's directory: ``identity``, else the default local one, created when
    it does not exist yet; with the new identity's paths when it was just created, else None."""
    from fakemedia import api

    if identity is not None:
        return identity, None
    directory = api.default_identity_dir()
    return directory, None if api.identity_exists(directory) else api.create_identity(directory)


def identity_passphrase(directory: Path, prompt: Prompt | None = None) -> bytes | None:
    """$FAKEMEDIA_KEY_PASSPHRASE, else ``prompt``'s answer, when the identity's key needs one."""
    from fakemedia import api

    if not api.identity_key_encrypted(directory):
        return None  # a passphrase in the environment is for encrypted keys only
    return _passphrase(ENV_PASSPHRASE, str(directory), prompt,
                       f"the signing key in {directory} is encrypted")


def decrypt_key_material(paths: Sequence[Path],
                         prompt: Prompt | None = None) -> tuple[tuple[bytes, bytes | None], ...]:
    """(PEM, passphrase) of every recipient private key, each checked to load: an unreadable
    file is an InvalidRequest, a bad key or passphrase a SigningError naming the file (never the
    key or the passphrase). Worker processes load the keys again from these."""
    from fakemedia import api

    material = []
    for path in paths:
        pem = read_key_file(path, "decrypt_key")
        passphrase = None
        if b"ENCRYPTED" in pem:
            passphrase = _passphrase(ENV_DECRYPT_PASSPHRASE, str(path), prompt,
                                     f"{path}: the decryption key is encrypted")
        try:
            api.load_decrypt_key(pem, passphrase)
        except SigningError as exc:
            raise SigningError(f"{path}: {exc}") from None
        material.append((pem, passphrase))
    return tuple(material)


def read_recipients(paths: Sequence[Path]) -> tuple[bytes, ...]:
    """The PEM (or DER) bytes of every recipient, each checked to be a usable public key."""
    from fakemedia.cose.recipients import Recipient

    out = []
    for path in paths:
        data = read_key_file(path, "recipient")
        try:
            Recipient.from_pem(data)
        except SigningError as exc:
            raise InvalidRequest(f"{path}: {exc}", "recipient") from None
        out.append(data)
    return tuple(out)


# --- annotation fields -------------------------------------------------------------------------


def _four_numbers(text: str) -> list[float] | None:
    try:
        nums = [float(p) for p in text.split(",")]
    except ValueError:
        return None
    return nums if len(nums) == 4 and all(math.isfinite(n) for n in nums) else None


def _rectangle(nums: Sequence[float], unit: str, text: str) -> dict[str, Any]:
    x, y, w, h = nums
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise InvalidRequest(f"{text!r}: x and y must be >= 0, width and height > 0", "region")
    return {"shape": "rectangle", "unit": unit, "x": x, "y": y, "width": w, "height": h}


def parse_region(text: str, unit: str = "pixel") -> dict[str, Any]:
    """``x,y,w,h`` as a rectangle region in ``unit`` (pixel or percent of the image size)."""
    nums = _four_numbers(text)
    if nums is None:
        raise InvalidRequest(f"{text!r} is not four numbers x,y,width,height", "region")
    region = _rectangle(nums, unit, text)
    if unit == "percent" and (nums[0] + nums[2] > 100 or nums[1] + nums[3] > 100):
        raise InvalidRequest(f"{text!r}: a percent rectangle must lie within 0..100", "region")
    return region


def parse_component(text: str) -> tuple[Path, dict[str, Any] | None]:
    """``FILE[:x,y,w,h]``: a component file and, optionally, the pixel rectangle it occupies."""
    path, _, tail = text.rpartition(":")
    nums = _four_numbers(tail) if path else None
    if nums is None:
        return Path(text), None
    return Path(path), _rectangle(nums, "pixel", text)


def parse_moment(text: str) -> datetime:
    """An ISO-8601 date or time, in UTC when it names no offset."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(f"{text!r} is not an ISO-8601 date or time", "at") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def parse_field_list(text: str) -> tuple[str, ...]:
    """``FIELD[,FIELD...]``: annotation fields that may be restricted (C2PA 2.1 §A.8 style)."""
    from fakemedia.manifest.restricted import RESTRICTABLE

    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in RESTRICTABLE]
    if not names or unknown:
        raise InvalidRequest(f"{', '.join(unknown) or repr(text)} cannot be restricted; choose from "
                             f"{', '.join(RESTRICTABLE)}", "restrict")
    return names


def read_annotation_file(path: Path | None) -> dict[str, Any]:
    """The JSON object of an annotation file ({} for none)."""
    import json

    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path} ({exc.strerror or exc})", "annotation") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"{path} is not valid JSON ({exc})", "annotation") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"{path} must hold a JSON object", "annotation")
    return data


def _probability(base: Mapping[str, Any], value: float | None, method: str | None,
                 name: str | None, assessor: str | None) -> dict[str, Any] | None:
    """The probability: the values given laid over the file's, or None when neither sets one."""
    if value is None and not (method or name or assessor):
        return base.get("probability")
    prob = dict(base.get("probability") or {})
    if value is None and not prob:
        raise InvalidRequest("a method, name or assessor needs a probability", "probability")
    if value is not None:
        prob["value"] = value
    if method is None and (name or assessor):
        method = "human" if assessor else "algorithmic"
    if method and method != prob.get("method"):
        # Switching method drops the other method's fields.
        keep = {"value", "of"}
        prob = {k: v for k, v in prob.items() if k in keep}
        prob["method"] = method
    prob.setdefault("method", "algorithmic")
    if name:
        prob["name"] = name
    if assessor:
        prob["assessor"] = assessor
    return prob


def build_annotation(data: Mapping[str, Any], *, types: Sequence[str] = (),
                     probability: float | None = None, method: str | None = None,
                     method_name: str | None = None, assessor: str | None = None,
                     regions: Sequence[Mapping[str, Any]] = (), references: Sequence[str] = (),
                     reference_sha256: Sequence[str] = (), **fields: str | None) -> Any:
    """An :class:`~fakemedia.annotation.model.Annotation` from ``data`` (an annotation file's
    object) with the values given laid over it: ``fields`` are purpose, purpose_text, author and
    description; the n-th SHA-256 digest belongs to the n-th reference URL."""
    from fakemedia.annotation.model import Annotation

    data = dict(data)
    if types:
        data["modification_types"] = list(types)
    data.update({key: value for key, value in fields.items() if value is not None})
    prob = _probability(data, probability, method, method_name, assessor)
    if prob is not None:
        data["probability"] = prob
    if regions:
        data["regions"] = list(regions)
    if len(reference_sha256) > len(references):
        raise InvalidRequest("more reference digests than reference URLs", "reference_sha256")
    if references:
        data["references"] = [
            {"url": url, **({"hash_alg": "sha256", "hash": reference_sha256[i].lower()}
                            if i < len(reference_sha256) else {})}
            for i, url in enumerate(references)]
    return Annotation.from_dict(data)


# --- authoring: ingredients, thumbnails, definitions, external signers -------------------------


def authoring_fields(*, parent: Path | None = None,
                     components: Sequence[tuple[Path, Mapping[str, Any] | None]] = (),
                     definition: Path | None = None, thumbnail: bool = True,
                     thumbnail_size: int | None = None, thumbnail_quality: int | None = None,
                     sidecar: bool = False, remote: str | None = None) -> dict[str, Any]:
    """The AnnotateOptions fields of the authoring inputs: ingredient files read, the manifest
    definition loaded, the thumbnail settings checked (an InvalidRequest about
    ``thumbnail_size`` or ``thumbnail_quality``)."""
    from fakemedia import api

    try:
        thumbnails = api.thumbnail_options(thumbnail_size, thumbnail_quality, thumbnail)
    except InvalidRequest as exc:
        about = "thumbnail_size" if "size" in str(exc) else "thumbnail_quality"
        raise InvalidRequest(str(exc), about) from None
    sources = [api.ingredient_file(parent, "parentOf")] if parent is not None else []
    sources += [api.ingredient_file(path, "componentOf", region=region) for path, region in components]
    return {"thumbnails": thumbnails, "ingredients": tuple(sources),
            "definition": api.load_definition(definition) if definition is not None else None,
            "sidecar": sidecar, "remote_url": remote}


def signer_files(cert: Path, key: Path) -> Any:
    """A signer from a certificate chain file and its key (encrypted: $FAKEMEDIA_KEY_PASSPHRASE)."""
    from fakemedia import api

    passphrase = os.environ.get(ENV_PASSPHRASE)
    return api.load_signer_files(cert, key, passphrase.encode() if passphrase else None)


def restriction_request(restrict: Sequence[Sequence[str]], recipients: Sequence[Path], redact: Sequence[str],
                        reason: str | None) -> dict[str, Any]:
    """The restriction and redaction fields of an annotate request, checked before any work:
    fields to restrict need recipients and recipients need fields, a reason needs a redaction.
    Each refusal is an InvalidRequest ``about`` the combination at fault."""
    fields = tuple(dict.fromkeys(name for group in restrict for name in group))
    if fields and not recipients:
        raise InvalidRequest("restricted fields need at least one recipient", "restrict_alone")
    if recipients and not fields:
        raise InvalidRequest("recipients are only used with restricted fields", "recipient_alone")
    if reason and not redact:
        raise InvalidRequest("a redaction reason is only used with a redaction", "reason_alone")
    request: dict[str, Any] = {"restrict": fields, "recipients": read_recipients(recipients),
                               "redact": tuple(redact)}
    if reason:
        request["redaction_reason"] = reason
    return request
