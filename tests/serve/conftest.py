"""A real ``fakemedia serve`` process on 127.0.0.1 (a free port) for each group of tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

for module in ("starlette", "uvicorn", "python_multipart"):
    pytest.importorskip(module, reason=f"{module} missing: pip install 'fakemedia[serve]'")

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT.parent / "shared" / "fixtures" / "peer"
HOSTILE = ROOT.parent / "shared" / "fixtures" / "hostile"
PEER_ANCHORS = PEER / "pki" / "trust-anchors.pem"
TOKEN = "s3cret-token-for-the-tests-0123456789"
PROFILE = """\
profile_metadata: {name: serve-tests, issuer: tests, date: "2026-01-01", version: "1.0.0"}
---
- id: jpt:profile_compliance
  expression: >-
    length(manifests) > 0 && length(manifests[?status.signature != "claimSignature.validated"]) == 0
  report_text:
    "true": {en: Every signature verifies}
    "false": {en: A signature does not verify}
"""


def peer(name: str) -> Path:
    path = PEER / name
    if not path.is_file():
        pytest.skip(f"shared peer fixture {name} not present")
    return path


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return Reply(response.status, {k.lower(): v for k, v in response.headers.items()},
                             response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def post_image(self, path: str, data: bytes, timeout: float = 60, **headers: str) -> Reply:
        return self.request("POST", path, data, {"Content-Type": "image/jpeg", **headers}, timeout)

    def post_form(self, path: str, fields: dict[str, tuple[str | None, bytes]],
                  headers: dict[str, str] | None = None) -> Reply:
        body, content_type = multipart(fields)
        return self.request("POST", path, body, {"Content-Type": content_type, **(headers or {})})


def multipart(fields: dict[str, tuple[str | None, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, (filename, value) in fields.items():
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if filename:
            out += b"Content-Type: image/jpeg\r\n"
        out += b"\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp: Path, args: Sequence[str]) -> Iterator[Server]:
    port = free_port()
    log = tmp / "server.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FAKEMEDIA_HOME": str(tmp / "home")}
    env.pop("FAKEMEDIA_TRUST_ANCHORS", None)
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "fakemedia", "serve", "--port", str(port), *args],
                                   stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {log.read_text()}")
        try:
            if server.request("GET", "/v1/health", timeout=2).status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start: {log.read_text()}")
        time.sleep(0.2)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Trust anchors of the peer PKI, one profile, annotate on (token file), 1 MiB uploads."""
    tmp = tmp_path_factory.mktemp("serve")
    (tmp / "token").write_text(TOKEN + "\n")
    (tmp / "token").chmod(0o600)
    (tmp / "profile.yml").write_text(PROFILE)
    yield from start_server(tmp, ["--trust-anchors", str(PEER_ANCHORS), "--profile", str(tmp / "profile.yml"),
                                  "--token-file", str(tmp / "token"), "--max-upload-mb", "1",
                                  "--workers", "2", "--queue", "8"])
