"""The C2PA Soft Binding Resolution API, read-only, over the server's manifest repository.

Mounted under ``/sbr`` when ``fakemedia serve --repo DB`` is given, so a resolver's base URL is
``http://HOST:PORT/sbr``: ``GET services/supportedAlgorithms``, ``GET|POST matches/byBinding``,
``POST matches/byContent`` (the image as the body; its binding is computed in a worker) and
``GET manifests/{manifestId}`` (``application/c2pa``). Errors are JSON with the command line's
exit code, as elsewhere on this server.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakemedia.errors import FakemediaError
from fakemedia.serve import service
from fakemedia.serve.service import Failure

Handler = Callable[[Request], Awaitable[Response]]
#: A byBinding body is a few hundred bytes of JSON.
MAX_QUERY_BYTES = 64 * 1024


class HttpFailure(Exception):
    """A request the server refuses (busy, timed out, a bad upload) with its HTTP status."""

    def __init__(self, status: int, failure: Failure) -> None:
        super().__init__(failure.message)
        self.status, self.failure = status, failure


def _failure(status: int, failure: Failure) -> JSONResponse:
    return JSONResponse({"error": {"code": failure.exit_code, "type": failure.kind,
                                   "message": failure.message}}, status)


def _max_results(request: Request) -> int:
    """``maxResults`` as asked (the look-up bounds it); 10 when absent or not a number."""
    try:
        return int(request.query_params.get("maxResults", "10"))
    except ValueError:
        return 10


def routes(repository: str, run_job: Callable[..., Awaitable[Any]], upload: Callable[..., Awaitable[Any]],
           status_of: Callable[[Failure], int]) -> list[Route]:
    """The SBR routes over ``repository``; ``run_job`` runs a job in the verify workers and
    ``upload`` reads an image body (the server's own, with its limits and errors)."""

    def guarded(work: Callable[[Request], Awaitable[Response]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await work(request)
            except FakemediaError as exc:
                failure = service.failure_of(exc)
                return _failure(status_of(failure), failure)
            except HttpFailure as exc:
                return _failure(exc.status, exc.failure)
        return endpoint

    async def supported(request: Request) -> Response:
        return JSONResponse(service.sbr_supported())

    async def by_binding(request: Request) -> Response:
        if request.method == "POST":
            body = await request.body()
            try:
                query: Any = json.loads(body) if len(body) <= MAX_QUERY_BYTES else None
                alg, value = str(query["alg"]), str(query["value"])
            except (ValueError, TypeError, KeyError):
                return _failure(400, Failure(2, "BadRequest", 'the body is {"alg": …, "value": base64}'))
        else:
            alg, value = request.query_params.get("alg", ""), request.query_params.get("value", "")
        found = await run_in_threadpool(service.sbr_by_binding, repository, alg, value, _max_results(request))
        return JSONResponse(found)

    async def by_content(request: Request) -> Response:
        image = await upload(request)
        alg = request.query_params.get("alg", "io.iscc.v0")
        done = await run_job(image.data, image.filename, repository, alg, _max_results(request))
        return Response(done.body, media_type=done.media_type)  # a job's failure: HttpFailure

    async def manifest(request: Request) -> Response:
        manifest_id = request.path_params["manifest_id"]
        store = await run_in_threadpool(service.sbr_manifest, repository, manifest_id)
        if store is None:
            return _failure(404, Failure(4, "ManifestNotFound", f"no manifest {manifest_id}"))
        return Response(store, media_type="application/c2pa")

    return [
        Route("/sbr/services/supportedAlgorithms", guarded(supported), methods=["GET"]),
        Route("/sbr/matches/byBinding", guarded(by_binding), methods=["GET", "POST"]),
        Route("/sbr/matches/byContent", guarded(by_content), methods=["POST"]),
        Route("/sbr/manifests/{manifest_id:path}", guarded(manifest), methods=["GET"]),
    ]
