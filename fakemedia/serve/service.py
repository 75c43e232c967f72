"""The one place where the server reaches the library: verification, history, detection,
annotation, trust profiles and the self-contained report page.

Everything here runs inside a worker process (see :mod:`fakemedia.serve.pool`): the event loop
never verifies, decodes or signs. :func:`init_worker` loads what a worker keeps for its life
(trust settings, signer, detector); the other functions take the uploaded bytes and return
plain, picklable data. Keeping every library call in this module means a change of the
library's façade is met here alone.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fakemedia import api, batch, errors, limits, trust
from fakemedia.errors import FakemediaError, InvalidRequest, LimitExceeded
from fakemedia.present import json as documents

__all__ = ["EXIT_INTERNAL", "Failure", "WorkerSetup", "annotate", "detect", "failure_of", "history",
           "init_worker", "page_parts", "trust_loader", "verify"]

#: The command line's exit code for an unexpected error (a bug).
EXIT_INTERNAL = errors.EXIT_INTERNAL


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker loads once: picklable, since workers are spawned processes."""

    #: PEM bundles of trusted signer roots (``--trust-anchors``).
    anchors: tuple[bytes, ...] = ()
    #: Loads the trust settings of ``--trust-config`` (a picklable callable), or None.
    trust_loader: Callable[[], Any] | None = None
    #: JPEG Trust profile files evaluated on each image verified for the page.
    profiles: tuple[str, ...] = ()
    #: The identity ``/v1/annotate`` signs with; None: annotate is off.
    identity: batch.IdentityRef | None = None
    #: Load the detector when the worker starts (the detection/annotation pool only).
    detector: bool = False
    #: Private folder for the one file a trust-profile evaluation reads (removed after each use).
    temp_root: str | None = None


def read_token(path: Path) -> tuple[bytes, str | None]:
    """The bearer token /v1/annotate requires, from ``path`` (at least 16 characters), and a
    warning when other users may read the file."""
    try:
        token = path.read_bytes().strip()
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path} ({exc.strerror or exc})", about="token_file") from None
    if len(token) < 16:
        raise InvalidRequest(f"{path}: a token needs at least 16 characters", about="token_file")
    shared = os.name == "posix" and path.stat().st_mode & 0o077
    return token, f"{path} is readable by other users" if shared else None


def trust_loader(config: Path | None, profiles: Sequence[Path] = ()) -> Callable[[], Any] | None:
    """What workers load a trust settings file with; it and every JPEG Trust profile are
    checked now, so a bad one fails at start, not once per request."""
    loader = None
    if config is not None:
        api.trust_settings(config=config)
        loader = functools.partial(api.trust_settings, config=config.resolve())
    for profile in profiles:
        api.trust_check_profile(str(profile))
    return loader


@dataclass(frozen=True)
class Failure:
    """A request that failed as the command line would: its exit code, class and message."""

    exit_code: int
    kind: str
    message: str


@dataclass
class _Worker:
    setup: WorkerSetup = field(default_factory=WorkerSetup)
    trust: Any = None
    signer: Any = None


_STATE = _Worker()


def init_worker(setup: WorkerSetup) -> None:
    """Pool initializer: trust settings, signer and detector, loaded once per worker."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = limits.MAX_DECODE_PIXELS  # Pillow's own decompression-bomb guard
    _STATE.setup = setup
    _STATE.trust = setup.trust_loader() if setup.trust_loader else None
    _STATE.signer = setup.identity.load() if setup.identity else None
    if setup.detector:
        api.limit_threads(1)
        api.preload_detector(required=False)


def failure_of(exc: BaseException) -> Failure:
    """The exit code and one-line message the command line gives for ``exc``."""
    if isinstance(exc, FakemediaError):
        return Failure(exc.exit_code, type(exc).__name__, str(exc))
    detail = " ".join(str(exc).split()) or "no details"
    return Failure(EXIT_INTERNAL, "InternalError", f"internal error: {type(exc).__name__}: {detail}")


def check_pixels(data: bytes) -> tuple[int, int] | None:
    """The stored (width, height) when Pillow can read the header; refuses images over
    :data:`fakemedia.limits.MAX_DECODE_PIXELS` before anything decodes them."""
    from PIL import Image

    guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # the size is judged below
    try:
        with Image.open(io.BytesIO(data)) as im:  # reads the header only
            width, height = im.size
    except Exception:  # not decodable here: the verifier says what is wrong with it
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = guard
    if width * height > limits.MAX_DECODE_PIXELS:
        raise LimitExceeded(f"image is {width}x{height}; more than {limits.MAX_DECODE_PIXELS} "
                            "pixels refused")
    return width, height


def _report(data: bytes, name: str | None) -> api.VerificationReport:
    check_pixels(data)
    # The validation time is now, per request: a long-running worker must not judge
    # certificates at the moment it started.
    return api.verify_bytes(data, trust_anchors=list(_STATE.setup.anchors), source=name,
                            trust=_STATE.trust, now=datetime.now(timezone.utc), time_requested=False)


def verdict_code(report: api.VerificationReport) -> int:
    """The exit code of ``fakemedia verify`` for this report: 0 Valid/Trusted, 1 Invalid, 4 none."""
    if not report.manifest_found:
        return 4
    return 0 if report.state in ("Valid", "Trusted") else 1


def verify(data: bytes, name: str | None) -> tuple[dict[str, Any], int]:
    """The document of ``fakemedia verify --json`` and its exit code."""
    report = _report(data, name)
    return documents.verify_document(report), verdict_code(report)


def history(data: bytes, name: str | None) -> tuple[dict[str, Any], int]:
    """The document of ``fakemedia history --json`` and its exit code."""
    report = _report(data, name)
    return documents.history_document(report), verdict_code(report)


def detect(data: bytes, name: str | None) -> dict[str, Any]:
    """What ``fakemedia detect --json`` prints for one image."""
    check_pixels(data)
    result = api.detect_bytes(data, required=True)
    out: dict[str, Any] = result.to_dict()
    out["file"] = name
    return out


def annotate(data: bytes, name: str | None, annotation: Mapping[str, Any] | None) -> bytes:
    """The image signed with the server's identity; an existing manifest becomes the parent."""
    if _STATE.signer is None:
        raise InvalidRequest("annotate is disabled on this server")
    check_pixels(data)
    # A claim thumbnail, as the command line makes by default.
    options = api.AnnotateOptions(thumbnails=api.thumbnail_options())
    signed = api.annotate_bytes(data, annotation, _STATE.signer, options, source=name)
    api.check_signed(signed)  # never hand out an image whose new manifest does not verify
    return signed


@dataclass(frozen=True)
class PageParts:
    """Everything the page shows about one image, as plain data."""

    report: dict[str, Any]
    history: dict[str, Any]
    exit_code: int
    #: The self-contained HTML report page (the one ``fakemedia report`` writes).
    report_html: str
    #: One JPEG Trust report per configured profile (or its failure).
    profiles: list[dict[str, Any]]
    #: The image for display: data URI and the pixel size the regions refer to.
    picture: dict[str, Any] | None
    #: Each step's claim thumbnail as a data URI, by manifest label (where the manifest has one).
    thumbnails: dict[str, str] = field(default_factory=dict)


def page_parts(data: bytes, name: str | None) -> PageParts:
    from fakemedia.present.html import render_report

    report = _report(data, name)
    thumbnails = api.manifest_thumbnails(api.parse_asset(data, name))
    html = render_report(report, data, generated=datetime.now(timezone.utc), thumbnails=thumbnails)
    return PageParts(documents.verify_document(report), documents.history_document(report),
                     verdict_code(report), html,
                     _profiles(data, name), _picture(data), _data_uris(thumbnails))


def _data_uris(thumbnails: dict[str, tuple[str, bytes]]) -> dict[str, str]:
    import base64

    return {label: f"data:{kind};base64,{base64.b64encode(raw).decode('ascii')}"
            for label, (kind, raw) in thumbnails.items()}


def _profiles(data: bytes, name: str | None) -> list[dict[str, Any]]:
    setup = _STATE.setup
    if not setup.profiles:
        return []
    anchors = b"\n".join(setup.anchors) or None
    results: list[dict[str, Any]] = []
    # The evaluator reads an image from a path: one private folder per request, removed after.
    with tempfile.TemporaryDirectory(prefix="eval-", dir=setup.temp_root) as folder:
        path = Path(folder) / _safe_name(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        for profile in setup.profiles:
            try:
                results.append({"profile": Path(profile).name,
                                "report": trust.evaluate_image(path, profile, trust_anchors=anchors)})
            except FakemediaError as exc:
                results.append({"profile": Path(profile).name, "error": str(exc)})
    return results


def _safe_name(name: str | None) -> str:
    """The upload's name reduced to a harmless file name (it names the asset in the report)."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name or "").name)[:100].lstrip(".")
    return stem or "upload.jpg"


#: Shown as uploaded when this small and narrow; otherwise downscaled for display.
_EMBED_AS_IS_BYTES = 4 * 1024 * 1024
_DISPLAY_WIDTH = 1600


def _picture(data: bytes) -> dict[str, Any] | None:
    import base64

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
            if width <= _DISPLAY_WIDTH and len(data) <= _EMBED_AS_IS_BYTES:
                im.load()  # a corrupt file shows no picture rather than a broken one
                shown = data
            else:
                shown_width = min(width, _DISPLAY_WIDTH)
                size = (shown_width, max(1, round(height * shown_width / width)))
                im.draft("RGB", size)
                small = im.convert("RGB").resize(size)
                buffer = io.BytesIO()
                small.save(buffer, "JPEG", quality=85)
                shown = buffer.getvalue()
    except Exception:
        return None
    uri = "data:image/jpeg;base64," + base64.b64encode(shown).decode("ascii")
    return {"data_uri": uri, "width": width, "height": height}


def describe_profiles(paths: Sequence[str]) -> None:
    """Refuse a profile that does not load, at start-up rather than on every request."""
    for path in paths:
        trust.check_profile(path)


# --- the Soft Binding Resolution API over a repository --------------------------------------


def sbr_supported() -> dict[str, Any]:
    return api.sbr_supported_algorithms()


def sbr_by_binding(repository: str, alg: str, value: str, max_results: int) -> dict[str, Any]:
    return api.sbr_matches(repository, alg, value=value, max_results=max_results)


def sbr_by_content(repository: str, data: bytes, alg: str, max_results: int) -> dict[str, Any]:
    return api.sbr_matches(repository, alg, image=data, max_results=max_results)


def sbr_manifest(repository: str, manifest_id: str) -> bytes | None:
    return api.sbr_manifest(repository, manifest_id)

