"""Keys stay with the signer: what workers get instead of a key.

* :class:`WorkerIdentity`: an identity directory and the *name* of the environment variable that
  holds its passphrase, both resolved on the worker (a secret mount, a vault agent's file).
* :class:`RemoteSigner`: a :class:`~fakemedia.cose.signer.Signer` that sends the bytes to be
  signed (the COSE Sig_structure, RFC 9052 §4.4) to a signing service and gets the raw
  signature back; it carries the service's URL, the public certificate chain and the name of
  the variable holding the service's bearer token.
* :class:`SigningService`: that service over HTTP (standard library), holding the only copy of
  the key. ``GET /chain`` gives the algorithm and chain; ``POST /sign`` signs the body.

All three pickle to a few hundred bytes with no secret in them, so they can sit in a task graph.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fakemedia.cose.algorithms import Algorithm
from fakemedia.cose.signer import Signer
from fakemedia.errors import FakemediaError, IdentityError, SigningError

#: The largest body the service signs: a claim's Sig_structure is a few KiB.
MAX_TO_BE_SIGNED = 1 << 20


def _secret_from_env(variable: str | None) -> bytes | None:
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise IdentityError(f"the environment variable {variable} is not set on this worker")
    return value.encode()


@dataclass(frozen=True)
class WorkerIdentity:
    """An identity the workers load themselves (``fakemedia keys init`` layout), by reference."""

    directory: str
    passphrase_env: str | None = None

    def load(self) -> Signer:
        from fakemedia.identity import load_identity

        return load_identity(Path(self.directory), _secret_from_env(self.passphrase_env))


@dataclass(frozen=True)
class WorkerKey:
    """A recipient private key file for decrypting restricted fields, loaded on the worker."""

    path: str
    passphrase_env: str | None = None

    def load(self) -> tuple[bytes, bytes | None]:
        try:
            pem = Path(self.path).read_bytes()
        except OSError as exc:
            raise IdentityError(f"{self.path}: cannot read the key ({exc.strerror or exc})") from None
        return pem, _secret_from_env(self.passphrase_env)


class RemoteSigner:
    """Signs through a :class:`SigningService` (or anything speaking its two routes)."""

    def __init__(self, url: str, algorithm: Algorithm, certificate_chain: Sequence[bytes], *,
                 token_env: str | None = None, timeout: float = 30.0, attempts: int = 3) -> None:
        self.url = url.rstrip("/")
        self._algorithm = algorithm
        self._chain = tuple(bytes(c) for c in certificate_chain)
        self.token_env = token_env
        self.timeout = timeout
        self.attempts = max(1, attempts)

    @classmethod
    def connect(cls, url: str, *, token_env: str | None = None, timeout: float = 30.0) -> RemoteSigner:
        """Ask the service for its algorithm and certificate chain (public, fetched once)."""
        body = cls(url, Algorithm.ES256, (), token_env=token_env, timeout=timeout)._call("chain", None)
        try:
            info = json.loads(body)
            chain = [base64.b64decode(c) for c in info["chain"]]
            algorithm = Algorithm.from_label(info["algorithm"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SigningError(f"signing service at {url}: unreadable chain ({exc})") from None
        return cls(url, algorithm, chain, token_env=token_env, timeout=timeout)

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    @property
    def certificate_chain(self) -> Sequence[bytes]:
        return self._chain

    def sign(self, data: bytes) -> bytes:
        return self._call("sign", bytes(data))

    def _call(self, route: str, body: bytes | None) -> bytes:
        headers = {"Content-Type": "application/octet-stream"}
        token = _secret_from_env(self.token_env)
        if token is not None:
            headers["Authorization"] = f"Bearer {token.decode()}"
        request = urllib.request.Request(f"{self.url}/{route}", data=body, headers=headers,
                                         method="GET" if body is None else "POST")
        for attempt in range(self.attempts):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return bytes(response.read())
            except urllib.error.HTTPError as exc:
                if exc.code < 500 or attempt + 1 == self.attempts:
                    reason = exc.read(200).decode(errors="replace").strip() or exc.reason
                    raise SigningError(f"signing service at {self.url}: {exc.code} {reason}") from None
            except (urllib.error.URLError, OSError) as exc:
                if attempt + 1 == self.attempts:
                    why = getattr(exc, "reason", exc)
                    raise SigningError(f"signing service at {self.url} unreachable ({why})") from None
            time.sleep(0.2 * 2 ** attempt)  # a restarting service or a dropped connection
        raise AssertionError("unreachable")


class SigningService:
    """An HTTP signing service for :class:`RemoteSigner`, holding the key in this process.

    Bind it to loopback or an internal interface: it signs whatever an authorised caller
    sends. ``token``: when set, callers must send ``Authorization: Bearer TOKEN``.
    """

    def __init__(self, signer: Signer, *, host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None) -> None:
        self.signer = signer
        self.signatures = 0
        self._token = token
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SigningService:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fakemedia-signer",
                                        daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SigningService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def authorised(self, header: str | None) -> bool:
        if self._token is None:
            return True
        return header is not None and hmac.compare_digest(header.encode(), f"Bearer {self._token}".encode())

    def chain_document(self) -> bytes:
        chain = [base64.b64encode(c).decode() for c in self.signer.certificate_chain]
        return json.dumps({"algorithm": self.signer.algorithm.label, "chain": chain}).encode()

    def sign(self, data: bytes) -> bytes:
        signature = self.signer.sign(data)
        with self._lock:
            self.signatures += 1
        return signature


def _handler(service: SigningService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self._allowed():
                return
            if self.path.rstrip("/") != "/chain":
                self._reply(404, b"no such route")
                return
            self._reply(200, service.chain_document(), "application/json")

        def do_POST(self) -> None:
            if not self._allowed():
                return
            if self.path.rstrip("/") != "/sign":
                self._reply(404, b"no such route")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._reply(411, b"Content-Length required")
                return
            if not 0 < length <= MAX_TO_BE_SIGNED:
                self._reply(413, b"nothing to sign, or too much")
                return
            try:
                signature = service.sign(self.rfile.read(length))
            except FakemediaError as exc:
                self._reply(400, str(exc).encode())
                return
            self._reply(200, signature)

        def _allowed(self) -> bool:
            if service.authorised(self.headers.get("Authorization")):
                return True
            self._reply(401, b"missing or wrong bearer token")
            return False

        def _reply(self, status: int, body: bytes, kind: str = "application/octet-stream") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per signature would drown a batch's own log

    return Handler
