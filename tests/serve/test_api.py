"""The HTTP API against a real server: every endpoint, the CLI's error codes and messages,
the token on annotate, size and pixel limits, malformed bodies."""

from __future__ import annotations

import http.client
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from .conftest import HOSTILE, PEER_ANCHORS, ROOT, TOKEN, Reply, Server, peer


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fakemedia", *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)


def _tiny_jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


def _bomb() -> bytes:
    """A tiny JPEG whose frame header claims 65535 × 65535 pixels (a decompression bomb)."""
    data = bytearray(_tiny_jpeg((8, 8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = b"\xff\xff\xff\xff"  # height, width
    return bytes(data)


def _error(reply: object, status: int, code: int) -> dict:
    assert reply.status == status, reply.body  # type: ignore[attr-defined]
    body = reply.json()  # type: ignore[attr-defined]
    assert body["error"]["code"] == code
    assert "\n" not in body["error"]["message"]
    assert body["request_id"] == reply.headers["x-request-id"]  # type: ignore[attr-defined]
    return body["error"]


def _untimed(doc: dict) -> str:
    """The document with validation times blanked (explanations name them to the second)."""
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", json.dumps(doc, sort_keys=True))


def test_verify_is_the_cli_json(server: Server) -> None:
    path = peer("signed-es256.jpg")
    reply = server.post_image("/v1/verify?name=signed-es256.jpg", path.read_bytes())
    assert reply.status == 200 and reply.headers["x-fakemedia-exit-code"] == "0"
    cli = _cli("verify", "--json", "--trust-anchors", str(PEER_ANCHORS), str(path))
    assert cli.returncode == 0
    assert reply.json()["state"] == "Trusted"
    assert _untimed(reply.json()) == _untimed(json.loads(cli.stdout))


def test_verify_invalid_and_unsigned_exit_codes(server: Server) -> None:
    invalid = server.post_image("/v1/verify", peer("tampered-pixels.jpg").read_bytes())
    assert invalid.status == 200 and invalid.headers["x-fakemedia-exit-code"] == "1"
    assert invalid.json()["state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in invalid.json()["failures"]
    unsigned = server.post_image("/v1/verify", peer("unsigned.jpg").read_bytes())
    assert unsigned.headers["x-fakemedia-exit-code"] == "4" and unsigned.json()["manifest_found"] is False


def test_history(server: Server) -> None:
    reply = server.post_form("/v1/history", {"file": ("two.jpg", peer("two-step-history.jpg").read_bytes())})
    assert reply.status == 200
    doc = reply.json()
    assert doc["source"] == "two.jpg" and len(doc["chain"]) == 2
    assert doc["tree"]["ingredients"][0]["relationship"] == "parentOf"


def test_not_a_jpeg_gets_the_cli_code_and_message(server: Server, tmp_path: Path) -> None:
    (tmp_path / "note.jpg").write_bytes(b"hello, not an image")
    reply = server.post_form("/v1/verify", {"file": ("note.jpg", b"hello, not an image")})
    error = _error(reply, 422, 3)
    cli = _cli("verify", str(tmp_path / "note.jpg"))
    assert cli.returncode == 3
    assert cli.stderr.strip().endswith(error["message"].split("note.jpg: ", 1)[1])
    assert error["message"].startswith("note.jpg: not a JPEG")


def test_detect(server: Server) -> None:
    pytest.importorskip("torch", reason="detection needs fakemedia[detect]")
    data = (ROOT / "samples" / "synthetic.jpg").read_bytes()
    reply = server.post_image("/v1/detect?name=synthetic.jpg", data)
    assert reply.status == 200, reply.body
    doc = reply.json()
    assert 0.0 <= doc["probability_synthetic"] <= 1.0 and doc["file"] == "synthetic.jpg"


def test_main_process_never_loads_torch(server: Server) -> None:
    """Verify and detect both ran in workers: the server process itself has no torch mapped."""
    maps = Path(f"/proc/{server.process.pid}/maps")
    if not maps.exists():
        pytest.skip("needs /proc to inspect the server process")
    server.post_image("/v1/verify", peer("signed-es256.jpg").read_bytes())
    assert "libtorch" not in maps.read_text()


def test_annotate_signs_with_the_server_identity(server: Server) -> None:
    annotation = json.dumps({"modification_types": ["edited"], "description": "cropped"}).encode()
    reply = server.post_form("/v1/annotate",
                             {"file": ("photo.jpg", _tiny_jpeg()), "annotation": (None, annotation)},
                             {"Authorization": f"Bearer {TOKEN}"})
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == "image/jpeg"
    assert 'filename="photo.signed.jpg"' in reply.headers["content-disposition"]
    verified = server.post_image("/v1/verify", reply.body).json()
    assert verified["state"] == "Valid"  # the local identity is not in the peer trust list
    assert verified["manifests"][-1]["annotation"]["description"] == "cropped"


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": "Bearer wrong-token-wrong-token-wrong"}, 403),
    ({"Authorization": f"Basic {TOKEN}"}, 401),
    ({"Authorization": f"Bearer {TOKEN}x"}, 403),
])
def test_annotate_refuses_a_missing_or_wrong_token(server: Server, headers: dict[str, str],
                                                   status: int) -> None:
    reply = server.request("POST", "/v1/annotate", _tiny_jpeg(), {"Content-Type": "image/jpeg", **headers})
    _error(reply, status, 2)
    if status == 401:
        assert reply.headers["www-authenticate"] == "Bearer"


def test_annotate_refuses_a_bad_annotation(server: Server) -> None:
    reply = server.post_form("/v1/annotate",
                             {"file": ("a.jpg", _tiny_jpeg()), "annotation": (None, b"[1, 2")},
                             {"Authorization": f"Bearer {TOKEN}"})
    _error(reply, 400, 2)
    reply = server.post_form("/v1/annotate", {"file": ("a.jpg", _tiny_jpeg()),
                                              "annotation": (None, b'{"modification_types": ["nonsense"]}')},
                             {"Authorization": f"Bearer {TOKEN}"})
    assert _error(reply, 400, 2)["type"] == "AnnotationInvalid"


def _announce(server: Server, path: str, length: int, content_type: str) -> Reply:
    """Headers announcing ``length`` bytes, and no body: the server must refuse from the declared
    size alone. (Sending the body too races the server closing the connection after its 413,
    which the client sees as a broken pipe.)"""
    where = urlsplit(server.url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", content_type)
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def test_oversized_upload_is_refused(server: Server) -> None:
    big = 2 * 1024 * 1024  # over the 1 MiB image limit, and over it plus the multipart allowance
    error = _error(_announce(server, "/v1/verify", big, "image/jpeg"), 413, 3)
    assert "limit" in error["message"]
    _error(_announce(server, "/v1/verify", big, "multipart/form-data; boundary=xyz"), 413, 3)


def test_decompression_bomb_is_refused_before_decoding(server: Server) -> None:
    for endpoint in ("/v1/verify", "/v1/history", "/v1/detect"):
        error = _error(server.post_image(endpoint, _bomb()), 413, 3)
        assert "65535x65535" in error["message"] and error["type"] == "LimitExceeded"


@pytest.mark.parametrize("body", [
    b"no boundary at all",
    b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",  # never closed
    b"--BOUNDARY\r\nX-Nonsense\r\n\r\nabc\r\n--BOUNDARY--\r\n",  # a header without a colon
    b"--BOUNDARY\r\nContent-Type: text/plain\r\n\r\nabc\r\n--BOUNDARY--\r\n",  # no disposition
    b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nabc\r\n--BOUNDARY--\r\n",  # no file
])
def test_malformed_multipart(server: Server, body: bytes) -> None:
    reply = server.request("POST", "/v1/verify", body,
                           {"Content-Type": "multipart/form-data; boundary=BOUNDARY"})
    _error(reply, 400, 2)
    reply = server.request("POST", "/v1/verify", body, {"Content-Type": "multipart/form-data"})
    _error(reply, 400, 2)


def test_hostile_files_get_a_verdict_or_a_clean_error(server: Server) -> None:
    if not HOSTILE.is_dir():
        pytest.skip("shared hostile fixtures not present")
    for name in ("deep-json-assertion.jpg", "claim-alg-array.jpg", "history-chain-350.jpg"):
        for endpoint in ("/v1/verify", "/v1/history"):
            reply = server.post_image(endpoint, (HOSTILE / name).read_bytes())
            assert reply.status in (200, 422), (name, endpoint, reply.body[:300])
            if reply.status == 422:
                assert reply.json()["error"]["code"] != 70


def test_health_openapi_and_request_ids(server: Server) -> None:
    health = server.request("GET", "/v1/health", headers={"X-Request-Id": "trace-42"})
    assert health.status == 200 and health.headers["x-request-id"] == "trace-42"
    doc = health.json()
    assert doc["status"] == "ok" and doc["annotate"] is True and doc["profiles"] == ["profile.yml"]
    assert doc["pools"]["verify"]["workers"] == 2
    odd = server.request("GET", "/v1/health", headers={"X-Request-Id": "bad id\twith space"})
    assert odd.headers["x-request-id"] != "bad id\twith space" and len(odd.headers["x-request-id"]) == 32
    spec = server.request("GET", "/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/v1/verify", "/v1/history", "/v1/detect", "/v1/annotate", "/v1/health"} <= set(spec["paths"])
    assert "trace-42" in server.log.read_text()  # the request id is in the log line


def test_page_headers_and_no_javascript_form(server: Server) -> None:
    home = server.request("GET", "/")
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    html = home.body.decode()
    assert '<form id="upload" method="post" action="/verify" enctype="multipart/form-data">' in html
    assert "<script>" not in html and "http://" not in html.replace("http://127", "")
    js = server.request("GET", "/static/app.js")
    assert js.status == 200 and "javascript" in js.headers["content-type"]
    page = server.post_form("/verify", {"file": ("two.jpg", peer("two-step-history.jpg").read_bytes())})
    assert page.status == 200
    text = page.body.decode()
    assert 'id="provenance-state">Trusted<' in text and 'id="assessment"' in text
    assert 'id="chain"' in text and 'id="tree"' in text and 'id="download-json"' in text
    assert 'data-compliance="True"' in text  # the configured trust profile ran
    failed = server.post_form("/verify", {"file": ("x.jpg", b"not a jpeg")})
    assert failed.status == 422 and 'id="error"' in failed.body.decode()


def test_page_shows_the_assessment_apart_from_provenance_and_draws_regions(server: Server) -> None:
    annotation = {"modification_types": ["edited"],
                  "probability": {"value": 0.8, "method": "human", "assessor": "Alice <b>"},
                  "regions": [{"shape": "rectangle", "unit": "pixel",
                               "x": 4, "y": 5, "width": 20, "height": 10},
                              {"shape": "circle", "unit": "percent", "x": 50, "y": 50, "width": 10}]}
    signed = server.post_form("/v1/annotate", {"file": ("r.jpg", _tiny_jpeg()),
                                               "annotation": (None, json.dumps(annotation).encode())},
                              {"Authorization": f"Bearer {TOKEN}"})
    assert signed.status == 200, signed.body
    text = server.post_form("/verify", {"file": ("r.signed.jpg", signed.body)}).body.decode()
    provenance = text[text.index('id="provenance"'):text.index('id="assessment"')]
    assessment = text[text.index('id="assessment"'):text.index('id="image"')]
    assert "Valid" in provenance and "P(synthetic)" not in provenance
    assert "P(synthetic) = 0.80 by Alice &lt;b&gt; (human judgement)" in assessment
    assert "Valid" not in assessment
    assert '<rect x="4" y="5" width="20" height="10"' in text
    assert '<circle cx="32" cy="24" r="3.2"' in text  # percent of the 64 x 48 image
    assert "Alice <b>" not in text  # every value from the image is escaped


def test_the_page_shows_each_steps_thumbnail(server: Server) -> None:
    # annotate writes a claim thumbnail by default; the page's history shows it inline.
    signed = server.post_form("/v1/annotate",
                              {"file": ("photo.jpg", _tiny_jpeg()),
                               "annotation": (None, json.dumps({"modification_types": ["edited"]}).encode())},
                              {"Authorization": f"Bearer {TOKEN}"})
    assert signed.status == 200, signed.body
    page = server.post_form("/verify", {"file": ("photo.signed.jpg", signed.body)}).body.decode()
    chain = page[page.index('id="chain"'):page.index("</ol>", page.index('id="chain"'))]
    assert '<img class="thumb" src="data:image/jpeg;base64,' in chain
    plain = server.post_form("/verify", {"file": ("two.jpg", peer("two-step-history.jpg").read_bytes())})
    assert 'class="thumb"' not in plain.body.decode().split('id="chain"', 1)[1].split("</ol>")[0]
