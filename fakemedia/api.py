"""The one façade of fakemedia: annotate, verify, history, detect, report, strip and keys.

Everything above this module (the batch runner, the presentation, the command line, a server)
goes through it. An input is read and parsed once into an :class:`Asset` (the bytes, the JPEG
layout and the manifest store's location and parse) that is handed down; each manifest is
validated once per call and its status lists are reused by the report and the history.
Outputs are written atomically (a temporary file renamed into place), never half-written.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from fakemedia import __version__, limits
from fakemedia._io import write_atomic
from fakemedia._record import Frozen, Record, replace
from fakemedia.errors import (
    AnnotationInvalid,
    FakemediaError,
    FormatError,
    InputImageError,
    InvalidRequest,
    LimitExceeded,
    ManifestError,
    ManifestNotFound,
    SigningError,
    UnsupportedFormat,
)
from fakemedia.formats import app11, jpeg
from fakemedia.inputs import (
    ANCHORS_FILE,
    ENV_DECRYPT_PASSPHRASE,
    ENV_PASSPHRASE,
    ENV_TRUST_ANCHORS,
    MAX_KEY_FILE_BYTES,
    Prompt,
    Trust,
    anchor_file,
    anchor_paths,
    authoring_fields,
    build_annotation,
    decrypt_key_material,
    env_passphrase,
    identity_dir,
    identity_passphrase,
    load_trust,
    naming,
    parse_component,
    parse_field_list,
    parse_moment,
    parse_region,
    read_anchor_file,
    read_annotation_file,
    read_key_file,
    read_recipients,
    read_trust_anchors,
    restriction_request,
    signer_files,
)
from fakemedia.manifest.data_hash import EarlyDigest
from fakemedia.manifest.reader import VerificationReport, read_report
from fakemedia.manifest.verdict import Verdict, verdict_of

if TYPE_CHECKING:
    from fakemedia.annotation.model import Annotation
    from fakemedia.cose.signer import Signer, TimeStamper
    from fakemedia.manifest.definition import ManifestDefinition
    from fakemedia.manifest.ingredient import Ingredient, IngredientSource
    from fakemedia.manifest.store import ManifestStore
    from fakemedia.manifest.thumbnail import ThumbnailOptions
    from fakemedia.manifest.validate import SignatureOutcomes, TrustSettings

Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]

__all__ = [
    "ANCHORS_FILE",
    "ENV_DECRYPT_PASSPHRASE",
    "ENV_PASSPHRASE",
    "ENV_TRUST_ANCHORS",
    "MAX_KEY_FILE_BYTES",
    "AnnotateOptions",
    "Asset",
    "Prompt",
    "Signed",
    "Trust",
    "Verdict",
    "VerificationReport",
    "anchor_file",
    "anchor_paths",
    "annotate",
    "annotate_asset",
    "annotate_bytes",
    "annotate_file",
    "authoring_fields",
    "build_annotation",
    "check_signed",
    "decrypt_key_material",
    "detect_bytes",
    "detect_image",
    "detected_annotation",
    "detector_available",
    "env_passphrase",
    "history",
    "identity_dir",
    "identity_passphrase",
    "ingredient_file",
    "load_decrypt_key",
    "load_definition",
    "load_trust",
    "manifest_thumbnails",
    "naming",
    "needs_recovery",
    "open_asset",
    "open_repository",
    "parse_asset",
    "parse_component",
    "parse_field_list",
    "parse_moment",
    "parse_region",
    "preload_detector",
    "read_anchor_file",
    "read_annotation_file",
    "read_key_file",
    "read_recipients",
    "read_source",
    "read_trust_anchors",
    "reattach",
    "recover_asset",
    "recover_file",
    "repository_add",
    "repository_add_files",
    "restriction_request",
    "sbr_manifest",
    "sbr_matches",
    "sbr_supported_algorithms",
    "signer_files",
    "stored_manifest_state",
    "strip",
    "strip_manifest",
    "thumbnail_options",
    "trust_settings",
    "verdict",
    "verify",
    "verify_asset",
    "verify_bytes",
    "wants_detection",
    "with_external",
    "write_atomic",
]


#: The largest input read (see :mod:`fakemedia.limits`).
MAX_FILE_BYTES = limits.MAX_FILE_BYTES


# --- one parsed input --------------------------------------------------------------------------


class Asset(Record):
    """An input read and parsed once: its bytes, JPEG layout and C2PA store (if any)."""

    __slots__ = ("_store", "data", "external", "layout", "location", "name")
    data: bytes
    name: str | None
    layout: jpeg.JpegLayout
    location: app11.StoreLocation | None
    _store: ManifestStore | None
    #: A manifest store kept outside the image (a ``.c2pa`` sidecar or a store file given
    #: explicitly), used when the image embeds none.
    external: bytes | None

    def __init__(self, data: bytes, name: str | None, layout: jpeg.JpegLayout,
                 location: app11.StoreLocation | None, _store: ManifestStore | None = None,
                 external: bytes | None = None) -> None:
        self.data = data
        self.name = name
        self.layout = layout
        self.location = location
        self._store = _store
        self.external = external

    @property
    def store(self) -> ManifestStore | None:
        """The parsed manifest store (parsed on first use, once)."""
        if self._store is None and self.location is not None:
            from fakemedia.manifest.store import parse_store

            self._store = parse_store(self.location.jumbf)
        return self._store


def read_source(source: Source) -> tuple[bytes, str | None]:
    """Bytes and a display name from a path, a bytes object or a binary stream (bounded)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > limits.MAX_FILE_BYTES:
                raise LimitExceeded(f"{path.name}: {size} bytes exceeds the {limits.MAX_FILE_BYTES} limit")
            return path.read_bytes(), path.name
        except IsADirectoryError as exc:
            raise UnsupportedFormat(f"{path}: is a directory, not a JPEG file") from exc
        except OSError as exc:
            raise UnsupportedFormat(f"{path}: cannot read ({exc.strerror or exc})") from exc
    data = source.read(limits.MAX_FILE_BYTES + 1)
    if len(data) > limits.MAX_FILE_BYTES:
        raise LimitExceeded(f"stream exceeds the {limits.MAX_FILE_BYTES}-byte limit")
    name = getattr(source, "name", None)
    return data, Path(name).name if isinstance(name, str) else None


def parse_asset(data: bytes, name: str | None = None) -> Asset:
    """Parse JPEG ``data`` once (a clear format error before anything else)."""
    layout = jpeg.parse_jpeg(data)
    return Asset(data, name, layout, app11.find_c2pa_store(data, layout))


def open_asset(source: Source) -> Asset:
    """Read and parse ``source`` (see :func:`read_source`) once."""
    return parse_asset(*read_source(source))


# --- verify and history ------------------------------------------------------------------------


def trust_settings(anchors: bytes | Sequence[bytes] | None = None, *, now: datetime | None = None,
                   config: str | os.PathLike | None = None, tsa_anchors: Sequence[bytes] = (),
                   base: TrustSettings | None = None) -> TrustSettings:
    """What signers are judged against: PEM ``anchors``, a trust settings file (``config``, see
    keys/README.md), time-stamp authority roots and the validation time ``now``."""
    from fakemedia.manifest import trust_config

    pems = [anchors] if isinstance(anchors, (bytes, bytearray)) else list(anchors or [])
    loaded: list[Any] = []
    tsa: list[Any] = []
    if pems or tsa_anchors:  # cryptography's X.509 layer only when there are anchors to read
        from fakemedia.cose import certs

        loaded = [cert for pem in pems for cert in certs.load_certificates(bytes(pem))]
        tsa = [cert for pem in tsa_anchors for cert in certs.load_certificates(bytes(pem))]
    if config is not None:
        base = trust_config.load(Path(config))
    return trust_config.combine(base, anchors=loaded, tsa_anchors=tsa, now=now)


def check_certificates(pem: bytes) -> None:
    """Raise :class:`~fakemedia.errors.CertificateError` unless ``pem`` holds a certificate."""
    from fakemedia.cose import certs

    certs.load_certificates(pem)


def verify_asset(asset: Asset, trust: TrustSettings | None = None, *, decrypt_keys: Sequence[Any] = (),
                 time_requested: bool = False,
                 signatures: SignatureOutcomes | None = None,
                 early: EarlyDigest | None = None) -> VerificationReport:
    """Validate ``asset``'s manifest store (each manifest once; ``signatures``: outcomes of
    signature checks made earlier in the same operation, see
    :data:`fakemedia.manifest.validate.SignatureOutcomes`; ``early``: the asset's hash, begun
    by the caller, see :mod:`fakemedia.manifest.data_hash`)."""
    if trust is None:
        trust = trust_settings()
    if asset.location is None and asset.external is not None:
        from fakemedia.manifest.external import validate_external

        found, results = validate_external(asset.data, asset.external, trust)
        return read_report(asset.data, trust, asset.name, decrypt_keys, store=found,
                           results=results, time_requested=time_requested)
    if early is None:  # begun before the store is parsed, so that runs beside it too
        early = EarlyDigest.start(asset.data, asset.location)
    store = asset.store if asset.location is not None else None
    return read_report(asset.data, trust, asset.name, decrypt_keys, location=asset.location,
                       store=store, time_requested=time_requested, signatures=signatures,
                       early=early)


def with_external(asset: Asset, image_path: str | os.PathLike | None,
                  manifest_file: str | os.PathLike | None = None) -> Asset:
    """``asset`` with its external manifest store attached: ``manifest_file`` when given, else
    the ``.c2pa`` sidecar beside ``image_path`` when the image embeds no store."""
    if manifest_file is None and (asset.location is not None or image_path is None):
        return asset
    from fakemedia.manifest import external

    path = Path(manifest_file) if manifest_file else None
    if path is None and asset.location is None and image_path is not None:
        path = external.find_sidecar(Path(image_path))
    if path is None:
        return asset
    return replace(asset, external=external.read_store_file(path))


def verify_bytes(data: bytes, *, trust_anchors: bytes | Sequence[bytes] | None = None,
                 now: datetime | None = None, source: str | None = None,
                 decrypt_keys: Sequence[Any] = (), trust: TrustSettings | None = None,
                 time_requested: bool | None = None) -> VerificationReport:
    """Validate the C2PA manifest store embedded in JPEG bytes; restricted annotation fields
    are shown decrypted when one of ``decrypt_keys`` (see :func:`load_decrypt_key`) fits.

    ``trust`` (see :func:`trust_settings`) adds TSA anchors, EKUs and an end-entity allow-list;
    ``trust_anchors`` add to its anchors; ``now`` is the validation time, said to be one the
    caller asked for unless ``time_requested=False`` (a server passing the present moment).
    """
    asset = parse_asset(data, source)
    early = EarlyDigest.start(asset.data, asset.location)  # hashing begins while anchors are read
    settings = trust_settings(trust_anchors, now=now, base=trust)
    requested = now is not None if time_requested is None else time_requested
    return verify_asset(asset, settings, decrypt_keys=decrypt_keys, time_requested=requested,
                        early=early)


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


# --- durable credentials ----------------------------------------------------------------------


class RecoveryResult(Frozen):
    """A soft-binding look-up of an image (see :mod:`fakemedia.softbinding.recovery`).

    ``recovery``: the state (recovered, conflict, invalid, not-found), method, distances and the
    stored manifest's validation. ``report``: for a found manifest, the report of the image with
    that store re-attached (what the manifest says; its hard binding is judged against these
    bytes, so a re-encoded copy shows the mismatch it should). ``repository``: where it looked.
    """

    __slots__ = ("recovery", "report", "repository")
    recovery: Any
    report: VerificationReport | None
    repository: str

    def __init__(self, recovery: Any, report: VerificationReport | None, repository: str) -> None:
        self._init(recovery=recovery, report=report, repository=repository)

    @property
    def state(self) -> str:
        return str(self.recovery.state)

    def to_dict(self) -> dict[str, Any]:
        return {**self.recovery.to_dict(), "repository": self.repository}


def needs_recovery(report: VerificationReport) -> bool:
    """Whether an image's pixels should be looked up: it embeds no manifest, or the embedded
    one fails its hard binding (a re-encoded copy that kept its metadata)."""
    from fakemedia.manifest.labels import hard_binding_failed

    if not report.manifest_found:
        return not report.remote_url
    return hard_binding_failed(report.failures())


def recover_asset(asset: Asset, repository: str | os.PathLike | None, trust: TrustSettings | None = None,
                  *, watermark: bool = True, resolver: str | None = None) -> RecoveryResult:
    """Look ``asset``'s pixels up in ``repository`` (an SQLite file, which must exist) or, with
    ``resolver``, at a Soft Binding Resolution API base URL; its own store is ignored.
    ``watermark`` False reads the fingerprint only (no onnxruntime)."""
    from fakemedia.softbinding import recovery
    from fakemedia.softbinding.repository import Repository
    from fakemedia.softbinding.resolver import RemoteRepository

    if (repository is None) == (resolver is None):
        raise InvalidRequest("look up in one place: a repository or a resolver")
    where = resolver if resolver is not None else str(repository)
    with (RemoteRepository(resolver) if resolver is not None
          else Repository(Path(str(repository)), create=False)) as lookup:
        try:
            found = recovery.recover(asset.data, lookup, trust=trust, watermark=watermark)
        except InputImageError as exc:  # a verdict on the file is still due: nothing found
            found = recovery.Recovery("not-found", f"its pixels cannot be looked up ({exc})")
    report = None
    if found.store is not None and found.state in ("recovered", "conflict"):
        report = read_report(recovery.reattach(asset.data, found.store), trust, asset.name)
    return RecoveryResult(found, report, where)


def reattach(data: bytes, store: bytes) -> bytes:
    """JPEG ``data`` with manifest ``store`` embedded in place of any it carries (where the
    store's hard binding expects it, when that is a segment boundary of ``data``)."""
    from fakemedia.softbinding import recovery

    return recovery.reattach(data, store)


def stored_manifest_state(store: bytes, trust: TrustSettings | None = None) -> tuple[str, list[str]]:
    """The state and failure codes of a manifest store validated on its own (no asset)."""
    from fakemedia.manifest.store import parse_store
    from fakemedia.manifest.validate import validate_store

    results = validate_store(parse_store(store), None, None, trust)
    return str(results.state), sorted(set(results.failures()))


def sbr_supported_algorithms() -> dict[str, Any]:
    """``GET services/supportedAlgorithms`` of the Soft Binding Resolution API."""
    from fakemedia.softbinding import resolver

    return resolver.supported_algorithms()


def sbr_matches(repository: str | os.PathLike, alg: str, *, value: str | None = None,
                image: bytes | None = None, max_results: int = 10) -> dict[str, Any]:
    """``matches/byBinding`` (``value``: base64) or ``matches/byContent`` (``image``) of the
    Soft Binding Resolution API, answered from ``repository``."""
    from fakemedia.softbinding import resolver
    from fakemedia.softbinding.repository import Repository

    with Repository(Path(repository), create=False) as repo:
        if image is not None:
            return resolver.matches_by_content(repo, image, alg, max_results)
        return resolver.matches_by_binding(repo, alg, resolver.decode_value(value or ""), max_results)


def sbr_manifest(repository: str | os.PathLike, manifest_id: str) -> bytes | None:
    """``GET manifests/{manifestId}``: the stored manifest store, None when unknown."""
    from fakemedia.softbinding.repository import Repository

    with Repository(Path(repository), create=False) as repo:
        entry = repo.get(manifest_id)
    return entry.store if entry is not None else None


def open_repository(path: str | os.PathLike, *, create: bool = False) -> Any:
    """A :class:`~fakemedia.softbinding.repository.Repository` (a context manager)."""
    from fakemedia.softbinding.repository import Repository

    return Repository(Path(path), create=create)


def repository_add(repository: Any, source: Source, *, trust: TrustSettings | None = None) -> Any:
    """Keep the manifest store of a signed JPEG (or a ``.c2pa`` store file) in ``repository``,
    after checking that it validates; returns the stored entry."""
    data, name = read_source(source)
    if data[:2] == b"\xff\xd8":
        asset = parse_asset(data, name)
        if asset.location is None:
            raise ManifestNotFound(f"{name or 'input'}: no C2PA manifest to keep")
        store, report = asset.location.jumbf, verify_asset(asset, trust)
        state, failures = report.state, report.failures()
    else:  # a store file: validated on its own, there is no asset to bind
        store = data
        try:
            state, failures = stored_manifest_state(store, trust)
        except FormatError as exc:
            raise UnsupportedFormat(f"{name or 'input'}: neither a JPEG nor a C2PA manifest store "
                                    f"({exc})") from None
    if state == "Invalid":
        raise ManifestError(f"{name or 'input'}: its manifest does not validate "
                            f"({', '.join(failures[:3])}); a repository keeps sound ones")
    return repository.add(store, title=name)


def repository_add_files(path: str | os.PathLike, files: Sequence[str | os.PathLike], *,
                         trust: TrustSettings | None = None) -> list[dict[str, Any]]:
    """Keep the manifests of ``files`` (signed JPEGs or ``.c2pa`` stores) in the repository at
    ``path`` (created when missing); what each added, in order. The first that fails stops it."""
    added = []
    with open_repository(path, create=True) as db:
        for file in files:
            with naming(Path(file)):
                entry = repository_add(db, Path(file), trust=trust)
            added.append({"file": str(file), "manifest": entry.manifest_id,
                          "soft_bindings": [b.alg for b in entry.bindings]})
    return added


def recover_file(image: str | os.PathLike, output: str | os.PathLike, repository: str | os.PathLike | None,
                 trust: TrustSettings | None = None, *, resolver: str | None = None
                 ) -> tuple[VerificationReport, RecoveryResult]:
    """``image``'s embedded verdict and its look-up (see :func:`recover_asset`); when recovered,
    ``output`` is written (atomically) as ``image`` with the found store re-attached."""
    with naming(Path(image)):
        asset = open_asset(image)
        embedded = verify_asset(asset, trust)
        found = recover_asset(asset, repository, trust, resolver=resolver)
    if found.state == "recovered":
        write_atomic(Path(output), reattach(asset.data, found.recovery.store))
    return embedded, found


def repository_label(manifest: str) -> str:
    """A manifest's label as the repository keys it (``urn:c2pa:`` added when missing)."""
    return manifest if manifest.startswith("urn:") else f"urn:c2pa:{manifest}"


def repository_listing(path: str | os.PathLike, limit: int = 50) -> dict[str, Any]:
    """The count of kept manifests and the newest ``limit`` entries, each with its soft
    binding algorithms."""
    with open_repository(path) as db:
        total, rows = db.count(), [(e, db.get(e.manifest_id)) for e in db.entries(limit=limit)]
    return {"count": total, "entries": [
        {"manifest": e.manifest_id, "created": e.created, "title": e.title,
         "soft_bindings": [b.alg for b in full.bindings] if full else []} for e, full in rows]}


def repository_entry(path: str | os.PathLike, manifest: str) -> Any:
    """One kept manifest (ID: its label, with or without ``urn:c2pa:``)."""
    with open_repository(path) as db:
        entry = db.get(repository_label(manifest))
    if entry is None:
        raise ManifestNotFound(f"no manifest {manifest} in {path}")
    return entry


def repository_remove(path: str | os.PathLike, manifest: str) -> str:
    """Remove a kept manifest and its soft bindings; its label as the repository keyed it."""
    label = repository_label(manifest)
    with open_repository(path) as db:
        if not db.remove(label):
            raise ManifestNotFound(f"no manifest {manifest} in {path}")
    return label


def entry_document(entry: Any, trust: TrustSettings | None = None) -> dict[str, Any]:
    """A kept manifest, validated on its own, with its soft bindings."""
    state, failures = stored_manifest_state(entry.store, trust)
    return {"manifest": entry.manifest_id, "created": entry.created, "title": entry.title,
            "store_bytes": len(entry.store), "store_sha256": entry.store_sha256,
            "state": state, "failures": failures if state == "Invalid" else [],
            "soft_bindings": [{"alg": b.alg, "kind": b.kind, "value": b.value.hex()}
                              for b in entry.bindings]}


def manifest_thumbnails(asset: Asset) -> dict[str, tuple[str, bytes]]:
    """Each manifest's claim thumbnail as (media type, bytes), by manifest label; stored size
    and decoded pixels are bounded (others' files are untrusted), and one that fails the
    bounds or does not decode is left out."""
    store = asset.store if asset.location is not None else None
    if store is None:
        return {}
    from fakemedia.manifest import labels
    from fakemedia.manifest.thumbnail import CLAIM_LABEL, read_thumbnail

    out: dict[str, tuple[str, bytes]] = {}
    for manifest in store.manifests:
        label = next((a.label for a in manifest.assertions()
                      if labels.base_label(a.label).startswith(CLAIM_LABEL)), None)
        if label is None:
            continue
        found, _why = read_thumbnail(manifest, label)
        if found is not None:
            out[manifest.label] = (found.media_type, found.data)
    return out


def verdict(report: VerificationReport) -> Verdict:
    """Provenance and content assessment of a report, kept apart (see
    :mod:`fakemedia.manifest.verdict`)."""
    return verdict_of(report)


def load_decrypt_key(pem: bytes, passphrase: bytes | None = None) -> Any:
    """A recipient private key (PKCS#8 PEM, optionally encrypted) for ``decrypt_keys``."""
    from fakemedia.cose.recipients import load_private_key

    return load_private_key(pem, passphrase)


def strip_manifest(data: bytes) -> bytes:
    """The JPEG without its C2PA store (the bytes the data hash covers)."""
    return app11.remove_c2pa_store(data)[0]


def strip(source: Source) -> bytes:
    """``source`` without its C2PA store; :class:`ManifestNotFound` when it has none."""
    asset = open_asset(source)
    if asset.location is None:
        raise ManifestNotFound(f"{asset.name or 'input'}: no C2PA manifest to strip")
    return asset.data[: asset.location.offset] + asset.data[asset.location.offset + asset.location.length:]


# --- detection ---------------------------------------------------------------------------------


def detector_available() -> bool:
    """Whether the detector stack (the ``detect`` extra) is installed (looked up, not imported)."""
    from fakemedia import detection

    return detection.available()


#: Why an annotation was signed without the detector's finding.
NOT_INSTALLED = "not run: the detector stack is not installed"
TOO_SMALL = "not run: the image is under 16 pixels on a side"


def _as_annotation(annotation: Annotation | Mapping[str, Any] | None) -> Annotation:
    from fakemedia.annotation.model import Annotation

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


def _detector(model_path: str | os.PathLike | None) -> Any:
    """The loaded detector (once per process and model); DetectorUnavailable without the stack."""
    from fakemedia import detection

    return detection.load_detector(str(model_path) if model_path else None)


def preload_detector(model_path: str | os.PathLike | None = None, *, required: bool = True) -> bool:
    """Load the detector now (cached per process), so a batch worker's first image does not pay
    for it. With ``required=False`` a missing detector stack gives False instead of an error."""
    if not required and not detector_available():
        return False
    _detector(model_path)
    return True


def limit_threads(n: int | None = None) -> None:
    """Cap torch's intra-op threads (one per batch worker: N workers × N threads oversubscribe)."""
    from fakemedia import detection

    detection.limit_threads(n)


def use_encoder_weights(path: str | os.PathLike) -> None:
    """Run the detector's encoder with other weights (models record which ones they need)."""
    from fakemedia.errors import DetectorUnavailable

    if not detector_available():
        raise DetectorUnavailable()
    from fakemedia.detect.encoder import use_encoder_weights as use

    use(Path(path))


def _display_size(data: bytes) -> tuple[int, int]:
    """(width, height) as shown: EXIF orientations 5-8 swap the stored axes, as the detector's
    loader does when it applies them."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        width, height = im.size
        orientation = im.getexif().get(0x0112)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def detect_image(source: Source, *, model_path: str | os.PathLike | None = None) -> Any:
    """The detector's result for any image Pillow reads (not only JPEG)."""
    data, _name = read_source(source)
    with naming(Path(source)) if isinstance(source, (str, os.PathLike)) else contextlib.nullcontext():
        return _detector(model_path).score(data)


def detect_bytes(data: bytes, *, model_path: str | os.PathLike | None = None,
                 required: bool = True) -> Any:
    """The detector's :class:`~fakemedia.detect.model.DetectionResult` for JPEG ``data``.

    With ``required=False`` a missing detector stack (torch, scikit-learn, safetensors not
    installed) or an image under 16 pixels on a side gives None instead of an error.
    """
    jpeg.parse_jpeg(data)  # a clear format error before anything else
    return _detect(data, model_path, required)[0]


def _detect(data: bytes, model_path: str | os.PathLike | None, required: bool) -> tuple[Any, str | None]:
    """(result, None), or (None, why it did not run) when not ``required``."""
    try:
        width, height = _display_size(data)
    except OSError as exc:
        raise UnsupportedFormat(f"cannot decode the image for detection ({exc})") from None
    if not required and min(width, height) < 16:
        return None, TOO_SMALL
    if not required and not detector_available():
        return None, NOT_INSTALLED
    return _detector(model_path).score(data), None


def detected_annotation(data: bytes, detection: Any) -> Annotation:
    """The detector's finding on JPEG ``data`` as an annotation (probability and regions in the
    image's pixels; see :mod:`fakemedia.detection` for the rule)."""
    from fakemedia import detection as mapping

    return mapping.detected_annotation(detection, _display_size(data))


def detection_summary(data: bytes, detection: Any) -> dict[str, Any]:
    """What the detector said about JPEG ``data``, JSON-ready (probability, model, areas)."""
    from fakemedia.detection import detection_summary as summary

    return summary(detection, detected_annotation(data, detection).regions)


def draw_heatmap(data: bytes, detection: Any, out: str | os.PathLike) -> bool:
    """The detector's patch map over the image, detected areas outlined, as a PNG at ``out``;
    False when the model has no patch map to draw."""
    if detection.patch_map is None:
        return False
    from PIL import Image, ImageDraw

    from fakemedia.detect.imageio import load_rgb
    from fakemedia.detect.plots import heatmap_png
    from fakemedia.detection import detected_regions

    buf = io.BytesIO()
    heatmap_png(load_rgb(data), detection.patch_map, detection.cell_size, detection.offset, cast(Any, buf))
    with Image.open(io.BytesIO(buf.getvalue())) as im:
        canvas = im.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    line = max(2, round(min(canvas.size) / 200))
    # The same areas as recorded, in the pixels of the copy the detector saw (the heat map's).
    for r in detected_regions(detection):
        x, y, w, h = (float(v or 0) for v in (r.x, r.y, r.width, r.height))
        draw.rectangle((x, y, x + w - 1, y + h - 1), outline=(255, 255, 0), width=line)
    out_buf = io.BytesIO()
    canvas.save(out_buf, format="PNG")
    try:
        write_atomic(out, out_buf.getvalue())
    except OSError as exc:
        raise FakemediaError(f"cannot write {out} ({exc.strerror or exc})") from None
    return True


def draw_patch_map(source: Source, detection: Any, out: str | os.PathLike) -> None:
    """The detector's per-patch probabilities over any image, as a PNG at ``out``."""
    from fakemedia.detect.imageio import load_rgb
    from fakemedia.detect.plots import heatmap_png

    data, _name = read_source(source)
    heatmap_png(load_rgb(data), detection.patch_map, detection.cell_size, detection.offset, Path(out))


# --- annotate ----------------------------------------------------------------------------------


class AnnotateOptions(Frozen):
    __slots__ = ("compress", "definition", "detect", "ingredients", "model_path", "recipients", "redact",
                 "redaction_reason", "remote_url", "repository", "restrict", "sidecar", "thumbnails",
                 "timestamper", "title", "tsa_url", "watermark", "when")
    compress: bool
    title: str | None
    when: datetime | None
    #: Assertions of earlier manifests to redact: ``LABEL`` (of the image's active manifest),
    #: ``MANIFEST/LABEL`` or a JUMBF URI.
    redact: tuple[str, ...]
    redaction_reason: str
    #: Annotation fields to encrypt, and the recipients (PEM public keys or certificates).
    restrict: tuple[str, ...]
    recipients: tuple[bytes, ...]
    #: Run the detector and record its probability and regions: True always, False never,
    #: None when the annotation declares no modification type (then a missing detector stack
    #: or an image too small to analyse skips detection instead of failing).
    detect: bool | None
    #: Detector model file; None: the shipped default (SHA-256-pinned).
    model_path: str | None
    #: RFC 3161 time-stamp authority for the claim signature (``sigTst2``), or any
    #: :class:`fakemedia.cose.signer.TimeStamper`; ``timestamper`` wins when both are set.
    tsa_url: str | None
    timestamper: TimeStamper | None
    #: Ingredients from other files: at most one parentOf (an image that carries a manifest
    #: has its own parent already) and any number of componentOf, each optionally with the
    #: region it occupies (see :mod:`fakemedia.manifest.ingredient`).
    ingredients: tuple[IngredientSource, ...]
    #: Claim and ingredient thumbnails; None: none (the command line makes them by default).
    thumbnails: ThumbnailOptions | None
    #: A manifest definition (see :func:`load_definition`): its title, generator, assertions,
    #: actions, ingredients and annotation are used where these options and the annotation
    #: passed in leave them unset (what is given explicitly wins).
    definition: ManifestDefinition | None
    #: Keep the new manifest store outside the image: a sidecar (``OUT.c2pa``, the image
    #: bytes untouched) and/or a remote manifest at ``remote_url`` (the image then carries the
    #: XMP reference, C2PA 2.1 §11.3; the store is written beside it to upload).
    sidecar: bool
    remote_url: str | None
    #: Durable credentials: a manifest repository (SQLite file) that keeps the signed store and
    #: its soft bindings (a fingerprint always, a watermark with ``watermark``); an image
    #: without a sound manifest is first looked up there for a parent.
    repository: str | None
    watermark: bool

    def __init__(self, compress: bool = False, title: str | None = None, when: datetime | None = None,
                 redact: tuple[str, ...] = (), redaction_reason: str = "c2pa.PII.present",
                 restrict: tuple[str, ...] = (), recipients: tuple[bytes, ...] = (),
                 detect: bool | None = None, model_path: str | None = None, tsa_url: str | None = None,
                 timestamper: TimeStamper | None = None, ingredients: tuple[IngredientSource, ...] = (),
                 thumbnails: ThumbnailOptions | None = None, definition: ManifestDefinition | None = None,
                 sidecar: bool = False, remote_url: str | None = None, repository: str | None = None,
                 watermark: bool = False) -> None:
        self._init(compress=compress, title=title, when=when, redact=redact,
                   redaction_reason=redaction_reason, restrict=restrict, recipients=recipients, detect=detect,
                   model_path=model_path, tsa_url=tsa_url, timestamper=timestamper, ingredients=ingredients,
                   thumbnails=thumbnails, definition=definition, sidecar=sidecar, remote_url=remote_url,
                   repository=repository, watermark=watermark)


class Signed(Frozen):
    """What :func:`annotate_asset` made: the signed bytes and what is known about them."""

    __slots__ = ("data", "detection", "detection_note", "durability", "parent_failures", "parent_state",
                 "redacted", "report", "store", "warnings")
    data: bytes
    #: The signed output, verified (the same report :func:`check_signed` passes on).
    report: VerificationReport
    #: The state of the manifest continued, as validated before signing; None without one.
    parent_state: str | None
    parent_failures: tuple[str, ...]
    #: The detector's result when it ran, else why not (None when it was not wanted).
    detection: Any
    detection_note: str | None
    redacted: tuple[str, ...]
    #: What the caller should be told: detected regions clipped to the image, remote
    #: references kept, and the like (one line each).
    warnings: tuple[str, ...]
    #: The manifest store when it is kept outside the image (sidecar or remote), else None.
    store: bytes | None
    #: What was done for durable credentials (a :class:`~fakemedia.softbinding.signing.Durability`).
    durability: Any

    def __init__(self, data: bytes, report: VerificationReport, parent_state: str | None = None,
                 parent_failures: tuple[str, ...] = (), detection: Any = None,
                 detection_note: str | None = None, redacted: tuple[str, ...] = (),
                 warnings: tuple[str, ...] = (), store: bytes | None = None,
                 durability: Any = None) -> None:
        self._init(data=data, report=report, parent_state=parent_state, parent_failures=parent_failures,
                   detection=detection, detection_note=detection_note, redacted=redacted, warnings=warnings,
                   store=store, durability=durability)

    @property
    def parent_invalid(self) -> bool:
        return self.parent_state == "Invalid"


def annotate_asset(asset: Asset, annotation: Annotation | Mapping[str, Any] | None, signer: Signer,
                   options: AnnotateOptions | None = None, *, detection: Any = None,
                   trust: TrustSettings | None = None) -> Signed:
    """Sign ``annotation`` into ``asset``; an existing manifest becomes the parent.

    When :func:`wants_detection` says so, the detector's probability and regions are recorded
    beside the declared values (which win where both are set); ``detection`` reuses a result of
    :func:`detect_bytes`. The output is verified against ``trust`` before it is returned.
    """
    from fakemedia.manifest.validate import TrustSettings

    options = options or AnnotateOptions()
    trust = trust or TrustSettings()
    if not (options.repository or options.watermark):
        return _annotate(asset, annotation, signer, options, detection, trust, None)
    from fakemedia.softbinding import signing

    signing.check_request(options.repository, options.watermark)
    assert options.repository is not None
    with signing.DurableSigning(options.repository, watermark=options.watermark) as durable:
        return _annotate(asset, annotation, signer, options, detection, trust, durable)


def _annotate(asset: Asset, annotation: Annotation | Mapping[str, Any] | None, signer: Signer,
              options: AnnotateOptions, detection: Any, trust: TrustSettings, durable: Any) -> Signed:
    from fakemedia import detection as mapping
    from fakemedia.manifest import builder, compose, redact

    signatures: dict[tuple[bytes, bytes], str] = {}  # checked once: the input's, then the output's
    declared = _as_annotation(annotation)
    definition = options.definition
    if definition is not None:
        options = _with_definition(options, definition)
        if definition.annotation is not None:
            declared = definition.annotation.merged(declared)
    jpeg.check_complete(asset.data, asset.layout)  # never sign a truncated picture
    store = asset.store
    if options.redact and store is None:
        raise ManifestNotFound("nothing to redact: no manifest (the image carries no C2PA manifest)")
    # Requests are checked before any work (the detector is the slow part).
    redactions = [redact.parse_redaction(spec, store) for spec in options.redact] if store else []
    note = None
    if detection is None and wants_detection(declared, options):
        detection, note = _detect(asset.data, options.model_path, required=bool(options.detect))
    if detection is not None and (why := mapping.not_assessed(detection)) is not None:
        detection, note = None, f"not assessed: {why}"  # no finding to sign, and it is said
    warnings: list[str] = []
    _check_declared_regions(asset.data, declared)
    placed = [s.region for s in options.ingredients if s.region is not None]
    if placed:  # where a component sits must lie within the picture too
        from fakemedia.annotation.bounds import check_regions_within

        check_regions_within(placed, _display_size(asset.data))
    if detection is None:
        recorded = declared
    else:
        found = detected_annotation(asset.data, detection)
        clipped, clip_warnings = _clip_detected(asset.data, found)
        warnings += clip_warnings
        recorded = mapping.with_declared(clipped, declared)
    title = options.title or (definition.title if definition else None) or asset.name
    parent, parent_state = None, None
    parent_failures: tuple[str, ...] = ()
    if store is not None and asset.location is not None:
        if store.active is None:
            raise ManifestError("the existing C2PA store holds no manifest to continue")
        from fakemedia.manifest.validate import validate_store

        results = validate_store(store, asset.data, asset.location, trust, signatures=signatures)
        parent_state, parent_failures = results.state, tuple(results.failures())
        found = _recovered_parent(durable, asset.data, trust, store, set(parent_failures))
        if found is not None:  # the same manifest, for these pixels re-encoded
            store, parent_state, parent_failures = found.store, found.recovery.validation.state, ()
        if redactions:
            store = redact.redact_store(store, redactions)
        active = store.active
        assert active is not None
        parent = builder.ingredient_assertion(builder.ParentInfo(
            active, found.validation_results if found else results.to_dict(), title,
            found.algorithms if found else ()))
    elif durable is not None and asset.external is None:
        found = durable.recover_parent(asset.data, trust, speculate=True)
        if found is not None and found.store.active is not None:
            store, parent_state = found.store, found.recovery.validation.state
            parent = builder.ingredient_assertion(builder.ParentInfo(
                found.store.active, found.validation_results, title, found.algorithms))
    sealed = None
    if options.restrict:
        from fakemedia.manifest import restricted  # encryption only when something is restricted

        recorded, secret = restricted.split(recorded, options.restrict)
        if not secret:
            raise AnnotationInvalid(f"nothing to restrict: {', '.join(options.restrict)} not set")
        sealed = restricted.seal(secret, options.recipients)
    # Actions carry only what the signer declared: detected regions never become an action's
    # ``changes`` (the detector's finding is not something the signer did to the image).
    acted = None if recorded is declared else replace(
        recorded, regions=tuple(r for r in recorded.regions if r in declared.regions))
    uris = [r.uri for r in redactions]
    made = _file_ingredients(options, has_parent=parent is not None, trust=trust)
    warnings += [w for m in made for w in m.warnings]
    data, parsed = asset.data, (asset.layout, asset.location)
    extra_actions = list(definition.actions) if definition else []
    extra: list[Any] = []
    if durable is not None:  # the mark goes into the pixels before the hard binding hashes them
        from fakemedia.manifest import soft_binding

        bound = durable.bind(asset.data, store.active if store is not None else None)
        if bound.jpeg is not asset.data:
            data = bound.jpeg
            parsed = (jpeg.parse_jpeg(data), None)
        extra = soft_binding.assertion_specs(bound.bindings)
        if bound.watermarked:
            extra_actions.insert(0, soft_binding.watermarked_action())
    claim_thumb = None
    if options.thumbnails is not None and options.thumbnails.enabled:
        from fakemedia.manifest import thumbnail

        picture = data
        if definition is not None and definition.thumbnail is not None:
            picture = read_source(definition.thumbnail)[0]
        try:
            claim_thumb = thumbnail.claim_thumbnail(picture, options.thumbnails)
        except InputImageError as exc:
            # The manifest binds the bytes, not the pixels: a file Pillow cannot draw is still
            # signed, without a thumbnail, and the user is told.
            warnings.append(f"no thumbnail: {exc}")
    if definition is not None:
        from fakemedia.manifest.definition import assertion_specs

        extra += assertion_specs(definition)
    composition = compose.compose(recorded, agent={"name": "fakemedia", "version": __version__},
                                  parent=parent, title=title, when=options.when, acted=acted,
                                  redacted=uris, redaction_reason=options.redaction_reason,
                                  sealed=sealed, ingredients=made, thumbnail=claim_thumb,
                                  extra_actions=extra_actions, extra=extra)
    generator = definition.generator if definition else None
    request = builder.BuildRequest(data, composition.assertions, signer, title=title,
                                   generator_version=__version__, compress=options.compress,
                                   redacted_assertions=uris, timestamper=_timestamper(options),
                                   generator=(generator.name, generator.version) if generator else None)
    if made:
        from fakemedia.manifest.ingredient import carried_store

        store = carried_store(store, made)
    from fakemedia.manifest.external import plan_reference

    plan = plan_reference(data, options.remote_url, layout=parsed[0])
    warnings += plan.warnings
    if options.sidecar or options.remote_url:
        built = builder.build_external(request, store, remote_url=options.remote_url)
        report = _check_output(built.asset, trust, asset.name, built.store)
        kept = durable.record(built.store, title) if durable is not None else None
        return Signed(built.asset, report, parent_state, parent_failures, detection, note,
                      tuple(uris), tuple(warnings), built.store, kept)
    signed = builder.build(request, store, parsed=parsed)
    report = _check_output(signed, trust, asset.name, signatures=signatures)
    kept = None
    if durable is not None:
        location = app11.find_c2pa_store(signed)
        assert location is not None
        kept = durable.record(location.jumbf, title)
    return Signed(signed, report, parent_state, parent_failures, detection, note, tuple(uris),
                  tuple(warnings), durability=kept)


def _recovered_parent(durable: Any, data: bytes, trust: TrustSettings, store: ManifestStore,
                      failures: set[str]) -> Any:
    """The embedded manifest recovered through soft bindings when only its hard binding fails
    (a re-encoded copy that kept its metadata); None otherwise or without a repository."""
    from fakemedia.manifest.labels import hard_binding_failed

    if durable is None or store.active is None or not hard_binding_failed(failures):
        return None
    return durable.recover_parent(data, trust, embedded_label=store.active.label)


def load_definition(path: str | os.PathLike) -> ManifestDefinition:
    """A c2patool-style manifest definition file, validated by its JSON Schema
    (:class:`~fakemedia.errors.AnnotationInvalid` when it does not fit)."""
    from fakemedia.manifest import definition

    return definition.load(Path(path))


def _with_definition(options: AnnotateOptions, definition: ManifestDefinition) -> AnnotateOptions:
    """The definition's ingredients added to ``options``': a parent given explicitly replaces
    the file's, components given explicitly come after the file's."""
    from fakemedia.manifest.ingredient import PARENT, IngredientSource

    explicit_parent = any(s.relationship == PARENT for s in options.ingredients)
    listed = [IngredientSource(read_source(i.path)[0], i.relationship, i.title or i.path.name,
                               region=i.region, description=i.description)
              for i in definition.ingredients if not (explicit_parent and i.relationship == PARENT)]
    return replace(options, ingredients=(*listed, *options.ingredients))


def ingredient_file(source: Source, relationship: str = "parentOf", *,
                    region: Mapping[str, Any] | None = None,
                    title: str | None = None) -> IngredientSource:
    """An ingredient to name in :attr:`AnnotateOptions.ingredients`: a file (read bounded) as
    ``parentOf`` or ``componentOf``, a component optionally with the region (an annotation
    region dict) it occupies in the new image."""
    from fakemedia.annotation.model import Region
    from fakemedia.manifest.ingredient import IngredientSource

    data, name = read_source(source)
    shape = Region.from_dict(dict(region)) if region is not None else None
    return IngredientSource(data, relationship, title or name, region=shape)


def thumbnail_options(size: int | None = None, quality: int | None = None,
                      enabled: bool = True) -> ThumbnailOptions:
    """Thumbnail settings (defaults: longest side 512 pixels, JPEG quality 80); a value out of
    range raises :class:`~fakemedia.errors.InvalidRequest`."""
    from fakemedia.manifest import thumbnail

    return thumbnail.ThumbnailOptions(size if size is not None else thumbnail.DEFAULT_SIZE,
                                      quality if quality is not None else thumbnail.DEFAULT_QUALITY,
                                      enabled)


def _file_ingredients(options: AnnotateOptions, *, has_parent: bool,
                      trust: TrustSettings) -> list[Ingredient]:
    """The ingredients named by file: the parent is ``c2pa.ingredient.v3``, components follow
    from ``__1`` (the first label stays the parent's, whichever way it came)."""
    if not options.ingredients:
        return []
    from fakemedia.errors import InvalidRequest
    from fakemedia.manifest import ingredient
    from fakemedia.manifest.thumbnail import ThumbnailOptions

    thumbs = options.thumbnails or ThumbnailOptions(enabled=False)
    parents = [s for s in options.ingredients if s.relationship == ingredient.PARENT]
    others = [s for s in options.ingredients if s.relationship != ingredient.PARENT]
    if parents and has_parent:
        raise InvalidRequest("the image carries a manifest, which is its parent: a parent file "
                             "cannot be one too")
    if len(parents) > 1:
        raise InvalidRequest(f"{len(parents)} parent files: a manifest has at most one parent")
    made = [ingredient.ingredient_from_file(p, index=0, thumbnails=thumbs, trust=trust)
            for p in parents]
    return made + ingredient.ingredients_from_files(others, start=1, thumbnails=thumbs, trust=trust)


def _check_declared_regions(data: bytes, declared: Annotation) -> None:
    """Declared pixel regions must lie within the picture as displayed (AnnotationInvalid)."""
    if any(r.unit == "pixel" for r in declared.regions):
        from fakemedia.annotation.bounds import check_regions_within

        check_regions_within(declared, _display_size(data))


def _clip_detected(data: bytes, found: Annotation) -> tuple[Annotation, list[str]]:
    """The detector's regions clipped to the picture: their edges are estimates."""
    if not found.regions:
        return found, []
    from fakemedia.annotation.bounds import clip_regions

    regions, warnings = clip_regions(found.regions, _display_size(data))
    if not warnings:
        return found, []
    return replace(found, regions=tuple(regions)), [f"detector: {w}" for w in warnings]


def _timestamper(options: AnnotateOptions) -> TimeStamper | None:
    if options.timestamper is not None or not options.tsa_url:
        return options.timestamper
    from fakemedia.cose.tsa_client import HttpTimeStamper

    return HttpTimeStamper(options.tsa_url)


def annotate_bytes(data: bytes, annotation: Annotation | Mapping[str, Any] | None, signer: Signer,
                   options: AnnotateOptions | None = None, *, source: str | None = None,
                   detection: Any = None) -> bytes:
    """The signed bytes of :func:`annotate_asset` over JPEG ``data``."""
    return annotate_asset(parse_asset(data, source), annotation, signer, options, detection=detection).data


def annotate(source: Source, annotation: Annotation | Mapping[str, Any] | None, signer: Signer,
             options: AnnotateOptions | None = None, *, detection: Any = None) -> bytes:
    return annotate_asset(open_asset(source), annotation, signer, options, detection=detection).data


def output_path(path: str | os.PathLike, output: str | os.PathLike | None = None,
                in_place: bool = False) -> Path:
    """Where :func:`annotate_file` writes: ``output``, the input itself (``in_place``) or
    ``<stem>.signed.jpg`` beside it; never the input unless ``in_place``."""
    src = Path(path)
    target = src if in_place else Path(output) if output else src.with_name(f"{src.stem}.signed.jpg")
    if not in_place and target.resolve() == src.resolve():
        raise FakemediaError(f"{target}: the output would overwrite the input")
    return target


def annotate_file(path: str | os.PathLike, annotation: Annotation | Mapping[str, Any] | None,
                  signer: Signer, *, output: str | os.PathLike | None = None,
                  in_place: bool = False, options: AnnotateOptions | None = None,
                  detection: Any = None) -> Path:
    """Annotate a file; writes ``output`` (default ``<stem>.signed.jpg``) atomically and never
    touches the input unless ``in_place``."""
    target = output_path(path, output, in_place)
    signed = annotate_asset(open_asset(path), annotation, signer, options, detection=detection)
    write_signed(target, signed)
    return target


def write_signed(target: str | os.PathLike, signed: Signed, mode: int | None = None) -> None:
    """Write verified output atomically; the bytes read back must be the ones verified."""
    def same(read_back: bytes) -> None:
        if read_back != signed.data:
            raise SigningError("the output file does not read back as written; nothing was written")

    if signed.store is not None:  # the store first: an image never names a missing sidecar
        from fakemedia.manifest.external import sidecar_path

        write_atomic(sidecar_path(Path(target)), signed.store, mode)
    write_atomic(target, signed.data, mode, check=same)


def outputs_of(target: str | os.PathLike, options: AnnotateOptions) -> list[Path]:
    """Every file :func:`write_signed` writes for ``target``: the image, and its ``.c2pa``
    store when the manifest is kept outside it."""
    from fakemedia.manifest.external import sidecar_path

    external = options.sidecar or options.remote_url is not None
    return [Path(target), *([sidecar_path(Path(target))] if external else [])]


def _check_output(data: bytes, trust: TrustSettings | None, name: str | None,
                  external: bytes | None = None,
                  signatures: SignatureOutcomes | None = None) -> VerificationReport:
    try:
        report = verify_asset(replace(parse_asset(data, name), external=external), trust,
                              signatures=signatures)
    except FakemediaError as exc:
        raise SigningError(f"the signed output does not read back ({exc}); nothing was written") from exc
    missing = report.unsound_output()
    if missing:
        raise SigningError(f"the signed output does not verify ({', '.join(missing)} missing); "
                           "nothing was written")
    return report


def check_signed(data: bytes) -> None:
    """Refuse output whose new manifest does not verify (its signature and hard binding); the
    parent's own problems are recorded in its ingredient and do not count here."""
    _check_output(data, None, None)


# --- signing identities and recipient keys -----------------------------------------------------


def default_identity_dir() -> Path:
    from fakemedia.identity import default_identity_dir as default

    return default()


def identity_exists(directory: str | os.PathLike) -> bool:
    from fakemedia.identity import identity_exists as exists

    return exists(Path(directory))


def create_identity(directory: str | os.PathLike, **kwargs: Any) -> Any:
    """A new local identity (see :func:`fakemedia.identity.create_identity`); its paths."""
    from fakemedia.identity import create_identity as create

    return create(Path(directory), **kwargs)


def describe_identity(directory: str | os.PathLike) -> dict[str, Any]:
    from fakemedia.identity import describe_identity as describe

    return describe(Path(directory))


def load_identity(directory: str | os.PathLike, passphrase: bytes | None = None) -> Signer:
    from fakemedia.identity import load_identity as load

    return load(Path(directory), passphrase)


def command_signer(command: str, chain: str | os.PathLike) -> Signer:
    """A signer that runs ``command`` (no shell): the bytes to sign on its stdin, the
    signature on its stdout; ``chain`` is the PEM certificate chain it signs for. The key
    stays with the command: fakemedia never reads it."""
    from fakemedia.cose.command_signer import CommandSigner

    return CommandSigner.from_files(command, Path(chain))


def load_signer_files(cert: str | os.PathLike, key: str | os.PathLike,
                      passphrase: bytes | None = None) -> Signer:
    """A signer from a CA-issued certificate (chain) file and its key, under any names."""
    from fakemedia.cose.command_signer import load_signer_files as load

    return load(Path(cert), Path(key), passphrase=passphrase)


def identity_key_encrypted(directory: str | os.PathLike) -> bool:
    from fakemedia.identity import key_is_encrypted

    return key_is_encrypted(Path(directory))


def identity_tsa_url(directory: str | os.PathLike) -> str | None:
    from fakemedia.identity import default_tsa_url

    return default_tsa_url(Path(directory))


def local_anchor_for(report: VerificationReport) -> str | None:
    """The default local identity's trust-anchor file when it signed the active manifest."""
    from fakemedia.identity import IdentityPaths, signed_by

    active = report.manifest(report.active_manifest)
    serial = (active.signer or {}).get("serial_number") if active else None
    directory = default_identity_dir()
    return str(IdentityPaths.of(directory).trust_anchors) if signed_by(directory, serial) else None


def check_recipient(data: bytes) -> None:
    """Raise :class:`SigningError` unless ``data`` is a usable recipient public key."""
    from fakemedia.cose.recipients import Recipient

    Recipient.from_pem(data)


def write_recipient_key(directory: str | os.PathLike, **kwargs: Any) -> dict[str, Any]:
    """A recipient key pair in ``directory``: its paths and key id."""
    from fakemedia.cose.recipients import Recipient
    from fakemedia.cose.recipients import write_recipient_key as write

    key_path, pub_path = write(Path(directory), **kwargs)
    return {"private_key": key_path, "public_key": pub_path,
            "key_id": Recipient.from_pem(pub_path.read_bytes()).key_id.hex()}


def restrictable_fields() -> tuple[str, ...]:
    from fakemedia.manifest.restricted import RESTRICTABLE

    return tuple(RESTRICTABLE)


def load_schema(name: str) -> dict[str, Any]:
    from fakemedia.annotation.schema import load_schema as load

    return load(name)


# --- JPEG Trust (fakemedia.trust, loaded when asked for) ----------------------------------------


def trust_profiles() -> tuple[str, ...]:
    """Names of the shipped Trust Profiles."""
    from fakemedia.trust import shipped

    return tuple(shipped.PROFILES)


def trust_templates() -> tuple[str, ...]:
    from fakemedia.trust import shipped

    return tuple(shipped.TEMPLATES)


def trust_write_template(template: str, out: str, *, force: bool = False) -> list[Any]:
    from fakemedia.trust import shipped

    return list(shipped.write_template(template, out, force=force))


def trust_evaluate_image(image: str, profile: str, **kwargs: Any) -> tuple[dict[str, Any], bytes]:
    """The Trust Report of ``profile`` on ``image``'s verified credentials, and the image bytes."""
    from fakemedia import trust

    return trust.evaluate_image_with_bytes(image, profile, **kwargs)


def trust_view(report: VerificationReport, data: bytes, profile: str, *, language: str = "en") -> Any:
    """The verdicts of ``profile`` on the image ``data`` just verified (``report``), as a
    :class:`~fakemedia.trust.presentation.ReportView` for display."""
    from fakemedia import trust
    from fakemedia.trust.presentation import present_report

    return present_report(trust.evaluate_verified(data, report, profile, language=language,
                                                  asset_name=report.source))


def trust_evaluate_indicators(indicator_set: str, profile: str, **kwargs: Any) -> dict[str, Any]:
    from fakemedia import trust

    return trust.evaluate_indicator_file(indicator_set, profile, **kwargs)


def trust_indicators(image: str, **kwargs: Any) -> Any:
    from fakemedia import trust

    return trust.image_indicators(image, **kwargs)


def trust_report(report: dict[str, Any], fmt: str) -> str:
    from fakemedia import trust

    return trust.render_report(report, fmt)


def trust_exit_status(report: dict[str, Any]) -> int:
    from fakemedia import trust

    return trust.exit_status(report)


def trust_check_profile(profile: str, against: Sequence[str] = ()) -> list[str]:
    from fakemedia import trust

    return trust.check_profile(profile, against)


def trust_embed_report(data: bytes, report: dict[str, Any], signer: Signer, out: str, **kwargs: Any) -> Any:
    """A copy of the image with a new signed manifest carrying the Trust Report."""
    from fakemedia.trust import embed

    return embed.embed_report_file(data, report, signer, out, **kwargs)
