"""Manifests outside the image: sidecar ``.c2pa`` files and remote manifests (C2PA 2.1 §11.3).

A sidecar is the manifest store as its own file (media type ``application/c2pa``) beside an
image whose bytes are left untouched; a remote manifest is the same store served from a URL
that the image names in its XMP (``dcterms:provenance``, §11.3.2). Either way the hard binding
covers the whole published image (:func:`fakemedia.manifest.builder.build_external`).

References are never dropped silently: :func:`plan_reference` decides what happens to a
reference already in the image and says so in warnings. Nothing is fetched unless
:func:`fetch_remote_store` is called.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from fakemedia import limits
from fakemedia.errors import FormatError, InvalidRequest, LimitExceeded, ManifestError
from fakemedia.formats import app11, xmp
from fakemedia.formats.jpeg import JpegLayout
from fakemedia.manifest.store import ManifestStore, parse_store
from fakemedia.manifest.validate import StoreResults, TrustSettings, validate_store

SIDECAR_SUFFIX = ".c2pa"
MEDIA_TYPE = "application/c2pa"


def sidecar_path(image: str | Path) -> Path:
    """``photo.jpg`` → ``photo.c2pa`` (the name c2patool and c2pa-rs use)."""
    return Path(image).with_suffix(SIDECAR_SUFFIX)


def find_sidecar(image: str | Path) -> Path | None:
    """The sidecar beside ``image`` when there is one."""
    path = sidecar_path(image)
    return path if path.is_file() else None


def read_store_file(path: str | Path) -> bytes:
    """A ``.c2pa`` file's bytes, bounded and checked to be a C2PA manifest store."""
    target = Path(path)
    try:
        size = target.stat().st_size
        if size > limits.MAX_STORE_BYTES:
            raise LimitExceeded(f"{target.name}: {size} bytes exceeds the "
                                f"{limits.MAX_STORE_BYTES}-byte store limit")
        data = target.read_bytes()
    except OSError as exc:
        raise FormatError(f"{target}: cannot read ({exc.strerror or exc})") from None
    check_store_bytes(data, target.name)
    return data


def check_store_bytes(data: bytes, name: str = "manifest store") -> ManifestStore:
    """Parse store bytes; a clear :class:`ManifestError` when they are not a C2PA store."""
    if len(data) < 8 or data[4:8] != b"jumb":
        raise ManifestError(f"{name}: not a C2PA manifest store (no JUMBF superbox)")
    return parse_store(data)


def validate_external(asset: bytes, store_bytes: bytes,
                      trust: TrustSettings | None = None) -> tuple[ManifestStore, StoreResults]:
    """Validate a sidecar or remote store against the image it describes. An image that also
    embeds a store is refused: which of the two speaks for it would be ambiguous."""
    if asset[:2] == b"\xff\xd8" and app11.find_c2pa_store(asset) is not None:
        raise InvalidRequest("the image embeds a manifest store; validate that one, or strip "
                             "it before using a separate manifest file")
    store = check_store_bytes(store_bytes)
    return store, validate_store(store, asset, None, trust)


def remote_reference(data: bytes, layout: JpegLayout | None = None) -> str | None:
    """The remote-manifest URL a JPEG's XMP names (``self#jumbf=`` values are not remote)."""
    return xmp.provenance_url(data, layout)


@dataclass(frozen=True)
class ReferencePlan:
    """What to do with the XMP reference of an image being signed.

    ``url`` is the reference the output must carry (None: none); ``previous`` the one the input
    held; ``warnings`` one line each, for the user."""

    url: str | None
    previous: str | None
    warnings: list[str] = field(default_factory=list)

    def apply(self, data: bytes) -> bytes:
        """The image with this plan's reference written (or removed) in its XMP."""
        if self.url is not None:
            return xmp.set_provenance(data, self.url)
        return xmp.remove_provenance(data) if self.previous is not None else data


def plan_reference(data: bytes, new_url: str | None = None, *, replace: bool = False,
                   drop: bool = False, layout: JpegLayout | None = None) -> ReferencePlan:
    """Decide the output's remote reference from the input's and the one asked for.

    * no reference in, none asked: nothing to do;
    * ``new_url`` asked, none in (or the same one): it is written;
    * ``new_url`` asked, another in: refused unless ``replace``, then replaced with a warning;
    * none asked, one in: kept, with a warning that the remote manifest is not part of the
      new history unless it was fetched; ``drop`` removes it instead, with a warning.
    """
    if new_url is not None:
        check_remote_url(new_url)
    previous = remote_reference(data, layout)
    if previous is None:
        return ReferencePlan(new_url, None)
    if new_url is not None:
        if new_url == previous:
            return ReferencePlan(new_url, previous)
        if not replace:
            raise InvalidRequest(f"the image already references a remote manifest at {previous}; "
                                 "ask to replace it explicitly")
        return ReferencePlan(new_url, previous,
                             [f"the remote manifest reference {previous} is replaced by {new_url}"])
    if drop:
        return ReferencePlan(None, previous,
                             [f"the remote manifest reference {previous} is removed from the output"])
    return ReferencePlan(previous, previous,
                         [f"the image's manifest is remote ({previous}); the reference is kept, "
                          "and that manifest is in the new history only when fetched"])


def check_remote_url(url: str) -> str:
    """An absolute http(s) URL without credentials, or :class:`InvalidRequest`."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidRequest(f"remote manifest URL must be an absolute http(s) URL: {url!r}")
    if parsed.username or parsed.password:
        raise InvalidRequest("remote manifest URL must not carry credentials")
    return url


def fetch_remote_store(url: str, *, timeout: float = limits.REMOTE_FETCH_TIMEOUT,
                       max_bytes: int = limits.MAX_REMOTE_STORE_BYTES) -> bytes:
    """GET a remote manifest store (only ever called on an explicit request), bounded in time
    and size and checked to be a C2PA store."""
    check_remote_url(url)
    request = urllib.request.Request(url, headers={"Accept": MEDIA_TYPE})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # scheme checked
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise LimitExceeded(f"remote manifest of {declared} bytes exceeds the {max_bytes}-byte limit")
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise ManifestError(f"remote manifest {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ManifestError(f"remote manifest {url}: cannot fetch ({reason})") from None
    if len(data) > max_bytes:
        raise LimitExceeded(f"remote manifest exceeds the {max_bytes}-byte limit")
    check_store_bytes(data, f"remote manifest {url}")
    return data
