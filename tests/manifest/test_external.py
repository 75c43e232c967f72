"""Sidecar and remote manifests: paths, validation, reference plans, fetching from 127.0.0.1."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakemedia.errors import FormatError, InvalidRequest, LimitExceeded, ManifestError
from fakemedia.formats import xmp
from fakemedia.manifest import builder, external, labels
from tests.conftest import make_jpeg

URL = "https://example.com/a.c2pa"


def _store(es256, asset: bytes, remote: str | None = None) -> builder.ExternalBuild:  # type: ignore[no-untyped-def]
    actions = {"actions": [{"action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}]}
    request = builder.BuildRequest(asset, [builder.AssertionSpec(labels.ACTIONS_V2, actions)], es256.signer)
    return builder.build_external(request, remote_url=remote)


def test_sidecar_leaves_image_untouched_and_validates(es256, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asset = make_jpeg()
    out = _store(es256, asset)
    assert out.asset == asset
    path = external.sidecar_path(tmp_path / "photo.jpg")
    assert path.name == "photo.c2pa" and external.find_sidecar(tmp_path / "photo.jpg") is None
    path.write_bytes(out.store)
    assert external.find_sidecar(tmp_path / "photo.jpg") == path
    store, results = external.validate_external(asset, external.read_store_file(path))
    assert results.state == "Valid" and len(store.manifests) == 1
    _, tampered = external.validate_external(asset[:-3] + b"\x00" + asset[-2:], out.store)
    assert "assertion.dataHash.mismatch" in {s.code for s in tampered.active_manifest.statuses}


def test_remote_reference_embedded_and_store_separate(es256) -> None:  # type: ignore[no-untyped-def]
    out = _store(es256, make_jpeg(), URL)
    assert external.remote_reference(out.asset) == URL
    _, results = external.validate_external(out.asset, out.store)
    assert results.state == "Valid"


def test_embedded_image_with_separate_store_is_refused(es256, signed_jpeg: bytes) -> None:  # type: ignore[no-untyped-def]
    out = _store(es256, make_jpeg())
    with pytest.raises(InvalidRequest, match="embeds"):
        external.validate_external(signed_jpeg, out.store)


def test_store_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "x.c2pa"
    bad.write_bytes(b"not a store")
    with pytest.raises(ManifestError, match="not a C2PA manifest store"):
        external.read_store_file(bad)
    with pytest.raises(FormatError, match="cannot read"):
        external.read_store_file(tmp_path / "missing.c2pa")


def test_reference_plans_never_drop_silently() -> None:
    plain = make_jpeg()
    cloud = xmp.set_provenance(plain, URL)
    assert external.plan_reference(plain) == external.ReferencePlan(None, None)
    assert external.plan_reference(plain, URL).url == URL
    kept = external.plan_reference(cloud)
    assert kept.url == URL and "kept" in kept.warnings[0]
    assert xmp.provenance_url(kept.apply(cloud)) == URL
    with pytest.raises(InvalidRequest, match="replace it explicitly"):
        external.plan_reference(cloud, "https://example.com/b.c2pa")
    replaced = external.plan_reference(cloud, "https://example.com/b.c2pa", replace=True)
    assert "replaced" in replaced.warnings[0]
    assert xmp.provenance_url(replaced.apply(cloud)) == "https://example.com/b.c2pa"
    dropped = external.plan_reference(cloud, drop=True)
    assert "removed" in dropped.warnings[0] and xmp.provenance(dropped.apply(cloud)) is None
    assert external.plan_reference(cloud, URL).warnings == []


@pytest.mark.parametrize("url", ["ftp://x/y", "file:///etc/passwd", "https://u:p@host/x", "relative"])
def test_remote_urls_checked(url: str) -> None:
    with pytest.raises(InvalidRequest):
        external.check_remote_url(url)


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.path == "/missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", external.MEDIA_TYPE)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(es256) -> Iterator[str]:  # type: ignore[no-untyped-def]
    _Handler.body = _store(es256, make_jpeg()).store
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_remote_store(server: str) -> None:
    data = external.fetch_remote_store(server + "/m.c2pa")
    assert data == _Handler.body
    with pytest.raises(ManifestError, match="HTTP 404"):
        external.fetch_remote_store(server + "/missing")
    with pytest.raises(LimitExceeded):
        external.fetch_remote_store(server + "/m.c2pa", max_bytes=100)
