"""The Python API for pipelines: annotate, verify and history on paths, bytes or streams.

Pure functions over bytes at the core (``annotate_bytes``, ``verify_bytes``); the path and
stream helpers only read and write at the edges, writing outputs atomically (a temporary
file renamed into place) so an interrupted run never leaves a half-written image.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from fakemedia import __version__, limits
from fakemedia._io import write_atomic
from fakemedia.annotation import c2pa as annotation_c2pa
from fakemedia.annotation.model import Annotation
from fakemedia.cose import certs
from fakemedia.cose.signer import Signer, TimeStamper
from fakemedia.errors import (
    AnnotationInvalid,
    DetectorError,
    FakemediaError,
    LimitExceeded,
    ManifestError,
    ManifestNotFound,
    SigningError,
    UnsupportedFormat,
)
from fakemedia.formats import app11, jpeg
from fakemedia.manifest import builder, labels, redact, trust_config
from fakemedia.manifest.reader import VerificationReport, read_report
from fakemedia.manifest.store import HashedURI, ManifestStore, parse_store
from fakemedia.manifest.validate import TrustSettings, validate_store

Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]

__all__ = [
    "AnnotateOptions", "VerificationReport", "annotate", "annotate_bytes", "annotate_file",
    "detect_bytes", "detected_annotation", "history", "load_decrypt_key", "preload_detector",
    "read_source",
    "strip_manifest", "verify", "verify_bytes", "wants_detection", "write_atomic",
]


@dataclass(frozen=True)
class AnnotateOptions:
    compress: bool = False
    title: str | None = None
    when: datetime | None = None
    #: Assertions of earlier manifests to redact: ``LABEL`` (of the image's active manifest),
    #: ``MANIFEST/LABEL`` or a JUMBF URI.
    redact: tuple[str, ...] = ()
    redaction_reason: str = "c2pa.PII.present"
    #: Annotation fields to encrypt, and the recipients (PEM public keys or certificates).
    restrict: tuple[str, ...] = ()
    recipients: tuple[bytes, ...] = ()
    #: Run the detector and record its probability and regions: True always, False never,
    #: None when the annotation declares no modification type (then a missing detector stack
    #: or an image too small to analyse skips detection instead of failing).
    detect: bool | None = None
    #: Detector model file; None: the shipped default (SHA-256-pinned).
    model_path: str | None = None
    #: RFC 3161 time-stamp authority for the claim signature (``sigTst2``), or any
    #: :class:`fakemedia.cose.signer.TimeStamper`; ``timestamper`` wins when both are set.
    tsa_url: str | None = None
    timestamper: TimeStamper | None = None


def read_source(source: Source) -> tuple[bytes, str | None]:
    """Bytes and a display name from a path, a bytes object or a binary stream (bounded)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, name = bytes(source), None
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > limits.MAX_FILE_BYTES:
                raise LimitExceeded(f"{path.name}: {size} bytes exceeds the {limits.MAX_FILE_BYTES} limit")
            data, name = path.read_bytes(), path.name
        except IsADirectoryError as exc:
            raise UnsupportedFormat(f"{path}: is a directory, not a JPEG file") from exc
        except OSError as exc:
            raise UnsupportedFormat(f"{path}: cannot read ({exc.strerror or exc})") from exc
    else:
        data = source.read(limits.MAX_FILE_BYTES + 1)
        if len(data) > limits.MAX_FILE_BYTES:
            raise LimitExceeded(f"stream exceeds the {limits.MAX_FILE_BYTES}-byte limit")
        name = getattr(source, "name", None)
        name = Path(name).name if isinstance(name, str) else None
    return data, name


def _trust(anchors: bytes | Sequence[bytes] | None, now: datetime | None,
           trust: TrustSettings | None = None) -> TrustSettings:
    pems = [anchors] if isinstance(anchors, (bytes, bytearray)) else list(anchors or [])
    loaded = [cert for pem in pems for cert in certs.load_certificates(bytes(pem))]
    return trust_config.combine(trust, anchors=loaded, now=now)


def verify_bytes(data: bytes, *, trust_anchors: bytes | Sequence[bytes] | None = None,
                 now: datetime | None = None, source: str | None = None,
                 decrypt_keys: Sequence[Any] = (), trust: TrustSettings | None = None,
                 ) -> VerificationReport:
    """Validate the C2PA manifest store embedded in JPEG bytes; restricted annotation fields
    are shown decrypted when one of ``decrypt_keys`` (see :func:`load_decrypt_key`) fits.

    ``trust`` (see :func:`fakemedia.manifest.trust_config.load`) adds TSA anchors, EKUs and an
    end-entity allow-list; ``trust_anchors`` add to its anchors; ``now`` is the validation time.
    """
    jpeg.parse_jpeg(data)  # a clear format error before anything else
    return read_report(data, _trust(trust_anchors, now, trust), source, decrypt_keys)


def verify(source: Source, *, trust_anchors: bytes | Sequence[bytes] | None = None,
           now: datetime | None = None, decrypt_keys: Sequence[Any] = (),
           trust: TrustSettings | None = None) -> VerificationReport:
    data, name = read_source(source)
    return verify_bytes(data, trust_anchors=trust_anchors, now=now, source=name,
                        decrypt_keys=decrypt_keys, trust=trust)


def history(source: Source, *, trust_anchors: bytes | Sequence[bytes] | None = None,
            now: datetime | None = None, decrypt_keys: Sequence[Any] = (),
            trust: TrustSettings | None = None) -> dict[str, Any]:
    """The provenance chain (oldest first) and tree of an asset, each link validated."""
    return verify(source, trust_anchors=trust_anchors, now=now, decrypt_keys=decrypt_keys,
                  trust=trust).history()


def load_decrypt_key(pem: bytes, passphrase: bytes | None = None) -> Any:
    """A recipient private key (PKCS#8 PEM, optionally encrypted) for ``decrypt_keys``."""
    from fakemedia.cose.recipients import load_private_key

    return load_private_key(pem, passphrase)


def strip_manifest(data: bytes) -> bytes:
    """The JPEG without its C2PA store (the bytes the data hash covers)."""
    return app11.remove_c2pa_store(data)[0]


def _as_annotation(annotation: Annotation | Mapping[str, Any] | None) -> Annotation:
    if annotation is None:
        return Annotation.from_dict({})  # declares nothing: the image is opened and signed
    if isinstance(annotation, Annotation):
        return annotation
    return Annotation.from_dict(annotation)


def wants_detection(annotation: Annotation | Mapping[str, Any] | None,
                    options: AnnotateOptions | None = None) -> bool:
    """Whether annotate runs the detector: as ``options.detect`` says, else when no modification
    type is declared."""
    options = options or AnnotateOptions()
    if options.detect is not None:
        return options.detect
    return not _as_annotation(annotation).modification_types


@functools.lru_cache(maxsize=4)
def _detector(model_path: str | None) -> tuple[Any, Any]:
    """The model and encoder, loaded once per process and path (batches reuse them)."""
    from fakemedia.detect.model import load_default_model, load_model

    model = load_model(model_path) if model_path else load_default_model()
    encoder = None
    if model.features.uses_latents or model.patch_spec is not None:
        from fakemedia.detect.encoder import load_encoder

        encoder = load_encoder(None)
    return model, encoder


def preload_detector(model_path: str | os.PathLike | None = None, *, required: bool = True) -> bool:
    """Load the detector now (cached per process), so a batch worker's first image does not pay
    for it. With ``required=False`` a missing detector stack gives False instead of an error."""
    try:
        _detector(str(model_path) if model_path else None)
    except ImportError:
        if required:
            raise DetectorError("detection needs the detector stack: "
                                "pip install 'fakemedia[detect]'") from None
        return False
    return True


def _display_size(data: bytes) -> tuple[int, int]:
    """(width, height) as shown: EXIF orientations 5-8 swap the stored axes, as the detector's
    loader does when it applies them."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        width, height = im.size
        orientation = im.getexif().get(0x0112)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def detect_bytes(data: bytes, *, model_path: str | os.PathLike | None = None,
                 required: bool = True) -> Any:
    """The detector's :class:`~fakemedia.detect.model.DetectionResult` for JPEG ``data``.

    With ``required=False`` a missing detector stack (torch, scikit-learn, safetensors not
    installed) or an image under 16 pixels on a side gives None instead of an error.
    """
    jpeg.parse_jpeg(data)  # a clear format error before anything else
    try:
        width, height = _display_size(data)
    except OSError as exc:
        raise UnsupportedFormat(f"cannot decode the image for detection ({exc})") from None
    if not required and min(width, height) < 16:
        return None
    try:
        from fakemedia.detect.imageio import load_rgb
        from fakemedia.detect.model import score_image

        model, encoder = _detector(str(model_path) if model_path else None)
    except ImportError:
        if required:
            raise DetectorError("detection needs the detector stack: "
                                "pip install 'fakemedia[detect]'") from None
        return None
    return score_image(load_rgb(data), model, encoder=encoder)


def _detection_annotation(data: bytes, declared: Annotation, options: AnnotateOptions,
                          detection: Any) -> Annotation:
    """``declared`` with the detector's finding beside it (declared fields win)."""
    from fakemedia import detection as mapping

    if detection is None:
        if not wants_detection(declared, options):
            return declared
        detection = detect_bytes(data, model_path=options.model_path, required=bool(options.detect))
        if detection is None:
            return declared
    return mapping.with_declared(detected_annotation(data, detection), declared)


def detected_annotation(data: bytes, detection: Any) -> Annotation:
    """The detector's finding on JPEG ``data`` as an annotation (probability and regions in the
    image's pixels; see :mod:`fakemedia.detection` for the rule)."""
    from fakemedia import detection as mapping

    return mapping.detected_annotation(detection, _display_size(data))


def annotate_bytes(data: bytes, annotation: Annotation | Mapping[str, Any] | None, signer: Signer,
                   options: AnnotateOptions | None = None, *, source: str | None = None,
                   detection: Any = None) -> bytes:
    """Sign ``annotation`` into JPEG ``data``; an existing manifest becomes the parent.

    When :func:`wants_detection` says so, the detector's probability and regions are recorded
    beside the declared values (which win where both are set); pass ``detection`` (a result of
    :func:`detect_bytes`) to reuse one already computed.
    """
    options = options or AnnotateOptions()
    declared = _as_annotation(annotation)
    jpeg.check_complete(data)  # never sign a truncated picture
    annotation = _detection_annotation(data, declared, options, detection)
    title = options.title or source
    location = app11.find_c2pa_store(data)
    store = parse_store(location.jumbf) if location else None
    redactions = [redact.parse_redaction(spec, store) for spec in options.redact] if store else []
    if options.redact and not store:
        raise ManifestNotFound("nothing to redact: the image has no manifest")
    parent = _parent_ingredient(data, store, location, redactions, title)
    if redactions and store is not None:
        store = redact.redact_store(store, redactions)
    secret: dict[str, Any] = {}
    if options.restrict:
        from fakemedia.manifest import restricted  # encryption only when something is restricted

        annotation, secret = restricted.split(annotation, options.restrict)
        if not secret:
            raise AnnotationInvalid(f"nothing to restrict: {', '.join(options.restrict)} not set")
    # Actions carry only what the signer declared: detected regions never become an action's
    # ``changes`` (the detector's finding is not something the signer did to the image).
    # (Filtered from the annotation as stored, so a restricted region list stays out too.)
    acted = None if annotation is declared else dataclasses.replace(
        annotation, regions=tuple(r for r in annotation.regions if r in declared.regions))
    specs = _assertions(parent, annotation, title, options.when, acted)
    if secret:
        custom = next(s for s in specs if s.label == annotation_c2pa.CUSTOM_LABEL)
        custom.content["restricted"] = restricted.seal(secret, options.recipients)
    if redactions:
        _add_redaction_actions(specs, redactions, options.redaction_reason)
    request = builder.BuildRequest(data, specs, signer, title=title,
                                   generator_version=__version__, compress=options.compress,
                                   redacted_assertions=[r.uri for r in redactions],
                                   timestamper=_timestamper(options))
    return builder.build(request, store)


def _timestamper(options: AnnotateOptions) -> TimeStamper | None:
    if options.timestamper is not None or not options.tsa_url:
        return options.timestamper
    from fakemedia.cose.tsa_client import HttpTimeStamper

    return HttpTimeStamper(options.tsa_url)


def _add_redaction_actions(specs: list[builder.AssertionSpec], redactions: Sequence[redact.Redaction],
                           reason: str) -> None:
    """C2PA asks for a ``c2pa.redacted`` action naming each redacted URI and a reason."""
    actions = next(s for s in specs if s.label == labels.ACTIONS_V2)
    for r in redactions:
        actions.content["actions"].append({"action": "c2pa.redacted", "reason": reason,
                                           "parameters": {"redacted": r.uri}})


def _assertions(parent: dict[str, Any] | None, annotation: Annotation, title: str | None,
                when: datetime | None, acted: Annotation | None = None) -> list[builder.AssertionSpec]:
    """Ingredient (when continuing), actions (opening + modifications, from ``acted`` when
    given), our annotation."""
    acted = acted or annotation
    agent = {"name": "fakemedia", "version": __version__}
    stamp = builder.tagged_time(when)
    specs: list[builder.AssertionSpec] = []
    dst = annotation_c2pa.creation_source_type(acted, parent=parent is not None)
    if parent is None and dst is not None:
        opening: dict[str, Any] = {"action": "c2pa.created", "digitalSourceType": dst,
                                   "softwareAgent": agent, "when": stamp}
    else:
        if parent is None:  # an edit of an image with no provenance of its own
            parent = {"relationship": "parentOf", "dc:format": "image/jpeg"}
            if title:
                parent["dc:title"] = title
        ingredient = builder.AssertionSpec(labels.INGREDIENT_V3, parent, salted=False)
        specs.append(ingredient)
        ref = HashedURI(labels.relative_assertion_uri(ingredient.label),
                        builder.assertion_hash(ingredient))
        opening = {"action": "c2pa.opened", "softwareAgent": agent, "when": stamp,
                   "parameters": {"ingredients": [ref.to_cbor()]}}
    actions = [opening]
    has_parent = opening["action"] == "c2pa.opened"
    for action in annotation_c2pa.modification_actions(acted, software_agent=agent,
                                                       parent=has_parent):
        action = dict(action)
        action["when"] = builder.tagged_time(_parse_when(action.get("when")) or when)
        actions.append(action)
    specs.append(builder.AssertionSpec(labels.ACTIONS_V2, {"actions": actions}))
    specs.append(builder.AssertionSpec(annotation_c2pa.CUSTOM_LABEL,
                                       annotation_c2pa.custom_assertion(annotation)))
    return specs


def _parse_when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parent_ingredient(data: bytes, store: ManifestStore | None, location: app11.StoreLocation | None,
                       redactions: Sequence[redact.Redaction], title: str | None) -> dict[str, Any] | None:
    """The parentOf ingredient for the image's active manifest (validated as found; hashed as
    it will be stored, i.e. after any redaction)."""
    if store is None or location is None:
        return None
    if store.active is None:
        raise ManifestError("the existing C2PA store holds no manifest to continue")
    results = validate_store(store, data, location)
    stored = redact.redact_store(store, redactions) if redactions else store
    active = stored.active
    assert active is not None
    return builder.ingredient_assertion(builder.ParentInfo(active, results.to_dict(), title))


def annotate(source: Source, annotation: Annotation | Mapping[str, Any] | None, signer: Signer,
             options: AnnotateOptions | None = None, *, detection: Any = None) -> bytes:
    data, name = read_source(source)
    return annotate_bytes(data, annotation, signer, options, source=name, detection=detection)


def annotate_file(path: str | os.PathLike, annotation: Annotation | Mapping[str, Any] | None,
                  signer: Signer, *, output: str | os.PathLike | None = None,
                  in_place: bool = False, options: AnnotateOptions | None = None,
                  detection: Any = None) -> Path:
    """Annotate a file; writes ``output`` (default ``<stem>.signed.jpg``) atomically and never
    touches the input unless ``in_place``."""
    src = Path(path)
    data, name = read_source(src)
    signed = annotate_bytes(data, annotation, signer, options, source=name, detection=detection)
    target = src if in_place else Path(output) if output else src.with_name(f"{src.stem}.signed.jpg")
    if not in_place and target.resolve() == src.resolve():
        raise FakemediaError(f"{target}: output would overwrite the input; use --in-place")
    write_atomic(target, signed, check=check_signed)
    return target


#: What a freshly signed file must show for its own manifest, or it is never written.
_SOUND_OUTPUT = ("claimSignature.validated", "assertion.dataHash.match")


def check_signed(data: bytes) -> None:
    """Refuse output whose new manifest does not verify (its signature and hard binding); the
    parent's own problems are recorded in its ingredient and do not count here."""
    try:
        report = verify_bytes(data)
    except FakemediaError as exc:
        raise SigningError(f"the signed output does not read back ({exc}); nothing was written") from exc
    statuses = report.results.active_manifest if report.results is not None else None
    missing = [code for code in _SOUND_OUTPUT if statuses is None or not statuses.has(code)]
    if missing:
        raise SigningError(f"the signed output does not verify ({', '.join(missing)} missing); "
                           "nothing was written")
