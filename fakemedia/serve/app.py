"""The ASGI application: the verify page and the ``/v1`` HTTP API.

The event loop only reads uploads, checks tokens and answers; every image is handled in a
worker (:mod:`fakemedia.serve.pool`), so verify and history never load the detector stack in
this process. Each request gets an id (``X-Request-Id``, echoed when the client sends a sane
one) that appears in its log line, its response headers and any error body.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fakemedia import __version__, limits
from fakemedia.errors import EXIT_INTERNAL
from fakemedia.serve import jobs, page
from fakemedia.serve.openapi import openapi
from fakemedia.serve.pool import Busy, TimedOut, WorkerPool
from fakemedia.serve.service import Failure, WorkerSetup, init_worker
from fakemedia.serve.uploads import BadUpload, TooLarge, Upload, parse_upload, read_body, upload_limit

__all__ = ["ServeSettings", "create_app", "settings_for"]

log = logging.getLogger("fakemedia.serve")

#: Exit code of server-only conditions a client should retry (busy, timed out): EX_TEMPFAIL.
EXIT_RETRY = 75
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: HTTP status for each command-line exit code.
_STATUS = {1: 422, 2: 400, 3: 422, 4: 422, 5: 500, 6: 503, 7: 500, EXIT_INTERNAL: 500}


@dataclass(frozen=True)
class ServeSettings:
    setup: WorkerSetup = field(default_factory=WorkerSetup)
    #: The bearer token ``/v1/annotate`` requires; None: annotate is off.
    token: bytes | None = None
    workers: int = 2
    queue: int = 16
    #: Seconds one request may take in a worker.
    timeout: float = 30.0
    max_upload_bytes: int = limits.MAX_FILE_BYTES
    #: A manifest repository answered read-only under /sbr (Soft Binding Resolution API).
    repository: str | None = None


@dataclass
class _Runtime:
    settings: ServeSettings
    verify_pool: WorkerPool | None = None
    detect_pool: WorkerPool | None = None


class _HttpError(Exception):
    def __init__(self, status: int, failure: Failure, headers: dict[str, str] | None = None) -> None:
        super().__init__(failure.message)
        self.status, self.failure, self.headers = status, failure, headers or {}


def _status_of(failure: Failure) -> int:
    if failure.kind == "LimitExceeded":
        return 413
    return _STATUS.get(failure.exit_code, 500)


def _error_json(request: Request, error: _HttpError) -> JSONResponse:
    body = {"error": {"code": error.failure.exit_code, "type": error.failure.kind,
                      "message": error.failure.message},
            "request_id": request.state.request_id}
    return JSONResponse(body, error.status, headers=error.headers)


# --- middleware ------------------------------------------------------------------------------


class RequestContext:
    """Request ids, one log line per request, and the security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        start, status = time.perf_counter(), [0]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers += [(b"x-request-id", request_id.encode()),
                            (b"content-security-policy", page.CSP.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"DENY"),
                            (b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info("%s %s %s %d %.1fms", request_id, scope.get("method"), scope.get("path"),
                     status[0], 1000 * (time.perf_counter() - start))


# --- handlers --------------------------------------------------------------------------------


def _runtime(request: Request) -> _Runtime:
    runtime: _Runtime = request.app.state.runtime
    return runtime


async def _upload(request: Request) -> Upload:
    limit = _runtime(request).settings.max_upload_bytes
    content_type = request.headers.get("content-type", "")
    try:
        body = await read_body(request.stream(), request.headers.get("content-length"),
                               upload_limit(limit, content_type))
        upload = parse_upload(body, content_type, limit)
    except TooLarge as exc:
        raise _HttpError(413, Failure(3, "LimitExceeded", str(exc))) from None
    except BadUpload as exc:
        raise _HttpError(400, Failure(2, "BadRequest", str(exc))) from None
    name = request.query_params.get("name")
    if name:
        upload.filename = name
    if upload.filename:
        upload.filename = Path(upload.filename.replace("\\", "/")).name[:200] or None
    return upload


async def _run(pool: WorkerPool | None, func: Callable[..., jobs.Done | Failure], *args: Any) -> jobs.Done:
    if pool is None:
        raise _HttpError(503, Failure(EXIT_RETRY, "Busy", "the server is starting or stopping"))
    try:
        outcome = await pool.run(func, *args)
    except Busy as exc:
        raise _HttpError(503, Failure(EXIT_RETRY, "Busy", str(exc)),
                         {"Retry-After": str(exc.retry_after)}) from None
    except TimedOut as exc:
        raise _HttpError(504, Failure(EXIT_RETRY, "TimedOut", str(exc))) from None
    if isinstance(outcome, Failure):
        raise _HttpError(_status_of(outcome), outcome)
    return outcome


def _json_endpoint(job: Callable[[bytes, str | None], jobs.Done | Failure], *,
                   detector: bool = False) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        runtime = _runtime(request)
        try:
            upload = await _upload(request)
            pool = runtime.detect_pool if detector else runtime.verify_pool
            done = await _run(pool, job, upload.data, upload.filename)
        except _HttpError as error:
            return _error_json(request, error)
        return Response(done.body, media_type=done.media_type,
                        headers={"X-Fakemedia-Exit-Code": str(done.exit_code)})
    return endpoint


def _check_token(request: Request) -> None:
    token = _runtime(request).settings.token
    if token is None:
        raise _HttpError(403, Failure(2, "Forbidden", "annotate is disabled on this server (it was "
                                                      "started without a token file)"))
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise _HttpError(401, Failure(2, "Unauthorized", "annotate needs 'Authorization: Bearer TOKEN'"),
                         {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode("utf-8"), token):
        raise _HttpError(403, Failure(2, "Forbidden", "the bearer token is not accepted"))


async def annotate(request: Request) -> Response:
    try:
        _check_token(request)
        upload = await _upload(request)
        annotation: dict[str, Any] | None = None
        if "annotation" in upload.fields:
            try:
                annotation = json.loads(upload.fields["annotation"])
            except ValueError:
                annotation = None
            if not isinstance(annotation, dict):
                raise _HttpError(400, Failure(2, "AnnotationInvalid",
                                              "the annotation field is not a JSON object"))
        done = await _run(_runtime(request).detect_pool, jobs.annotate, upload.data, upload.filename,
                          annotation)
    except _HttpError as error:
        return _error_json(request, error)
    stem = (upload.filename or "image.jpg").rsplit(".", 1)[0]
    return Response(done.body, media_type=done.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{_ascii(stem)}.signed.jpg"'})


def _ascii(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:100] or "image"


async def health(request: Request) -> Response:
    runtime = _runtime(request)

    def describe(pool: WorkerPool | None) -> dict[str, Any] | None:
        if pool is None:
            return None
        return {"workers": pool.workers, "queue": pool.queue, "pending": pool.pending,
                "restarts": pool.restarts}

    return JSONResponse({"status": "ok", "version": __version__,
                         "annotate": runtime.settings.token is not None,
                         "profiles": [Path(p).name for p in runtime.settings.setup.profiles],
                         "pools": {"verify": describe(runtime.verify_pool),
                                   "detect": describe(runtime.detect_pool)}})


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi(__version__, annotate=_runtime(request).settings.token is not None))


def _profile_names(request: Request) -> tuple[str, ...]:
    return tuple(Path(p).name for p in _runtime(request).settings.setup.profiles)


async def home(request: Request) -> Response:
    return HTMLResponse(page.page(version=__version__, profiles=_profile_names(request)))


async def verify_form(request: Request) -> Response:
    """The form's target: the page again, with the result (or the error) under the form."""
    runtime = _runtime(request)
    profiles = _profile_names(request)
    try:
        upload = await _upload(request)
        done = await _run(runtime.verify_pool, jobs.verify_page, upload.data, upload.filename,
                          __version__, profiles)
    except _HttpError as error:
        fragment = page.error_fragment(error.failure.message, error.failure.exit_code,
                                       request.state.request_id)
        return HTMLResponse(page.page(fragment, version=__version__, profiles=profiles),
                            error.status, headers=error.headers)
    return Response(done.body, media_type=done.media_type,
                    headers={"X-Fakemedia-Exit-Code": str(done.exit_code)})


# --- the application -------------------------------------------------------------------------


def create_app(settings: ServeSettings) -> Starlette:
    runtime = _Runtime(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The one place anything from a client may touch the disk (a trust-profile evaluation
        # reads its image from a file): a private folder, removed when the server stops.
        with tempfile.TemporaryDirectory(prefix="fakemedia-serve-") as temp_root:
            setup = replace(settings.setup, temp_root=temp_root)
            verify_setup = replace(setup, identity=None, detector=False)
            runtime.verify_pool = WorkerPool("verify", settings.workers, settings.queue, settings.timeout,
                                             init_worker, (verify_setup,), jobs.ping)
            # One worker holds the detector and the signer; its first job loads the model, so
            # its limit leaves room for that.
            runtime.detect_pool = WorkerPool("detect", 1, settings.queue, max(settings.timeout, 120.0),
                                             init_worker, (replace(setup, detector=True),), jobs.ping)
            try:
                runtime.verify_pool.warm_up()
                log.info("ready: %d verify workers, queue %d, time limit %gs, annotate %s",
                         settings.workers, settings.queue, settings.timeout,
                         "on" if settings.token else "off")
                yield
            finally:
                runtime.verify_pool.close()
                runtime.detect_pool.close()

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/verify", verify_form, methods=["POST"]),
        Route("/v1/verify", _json_endpoint(jobs.verify), methods=["POST"]),
        Route("/v1/history", _json_endpoint(jobs.history), methods=["POST"]),
        Route("/v1/detect", _json_endpoint(jobs.detect, detector=True), methods=["POST"]),
        Route("/v1/annotate", annotate, methods=["POST"]),
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/openapi.json", openapi_json, methods=["GET"]),
        Mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static"),
    ]
    if settings.repository is not None:
        from fakemedia.serve import sbr

        async def sbr_job(request_data: bytes, name: str | None, *args: Any) -> jobs.Done:
            try:
                return await _run(runtime.verify_pool, jobs.sbr_by_content, request_data, name, *args)
            except _HttpError as error:
                raise sbr.HttpFailure(error.status, error.failure) from None

        async def sbr_upload(request: Request) -> Upload:
            try:
                return await _upload(request)
            except _HttpError as error:
                raise sbr.HttpFailure(error.status, error.failure) from None

        routes[-1:-1] = sbr.routes(settings.repository, sbr_job, sbr_upload, _status_of)
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    app.add_middleware(RequestContext)
    return app


def settings_for(anchors: Sequence[bytes], loader: Callable[[], Any] | None, profiles: Sequence[Path],
                 identity: Any, token: bytes | None, *, workers: int = 2, queue: int = 16,
                 timeout: float = 30.0, max_upload_mb: float | None = None,
                 repository: Path | None = None) -> ServeSettings:
    """A server's settings from checked values (``identity``: the IdentityRef /v1/annotate
    signs with, or None); an upload limit above fakemedia's file limit is lowered to it."""
    setup = WorkerSetup(anchors=tuple(anchors), trust_loader=loader,
                        profiles=tuple(str(p.resolve()) for p in profiles), identity=identity)
    max_bytes = int(max_upload_mb * 1024 * 1024) if max_upload_mb else limits.MAX_FILE_BYTES
    return ServeSettings(setup=setup, token=token, workers=workers, queue=queue, timeout=timeout,
                         max_upload_bytes=min(max_bytes, limits.MAX_FILE_BYTES),
                         repository=str(repository.resolve()) if repository else None)


def run(app: Starlette, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn until interrupted (log lines on stderr)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("python_multipart").setLevel(logging.ERROR)

    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info", server_header=False,
                timeout_graceful_shutdown=5)
