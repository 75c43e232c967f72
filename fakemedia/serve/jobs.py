"""What a worker does for each endpoint: call the service, serialise, and turn any error into
a :class:`~fakemedia.serve.service.Failure` (so nothing but plain data crosses back).

JSON is serialised here, in the worker: a deep document costs the worker, not the event loop,
and one that cannot be serialised becomes an error of its own request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakemedia.serve import page, service
from fakemedia.serve.service import Failure

__all__ = ["Done", "annotate", "detect", "history", "ping", "sbr_by_content", "verify", "verify_page"]


@dataclass(frozen=True)
class Done:
    body: bytes
    media_type: str
    #: What the command line would exit with for the same input (0 Valid/Trusted, 1 Invalid, …).
    exit_code: int = 0


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _guarded(work: Callable[[], Done], name: str | None) -> Done | Failure:
    try:
        return work()
    except RecursionError:
        failure = Failure(3, "LimitExceeded", "the document nests too deeply to be written as JSON")
    except Exception as exc:  # every error, expected or not, is this request's answer
        failure = service.failure_of(exc)
    if name and name not in failure.message and failure.exit_code != service.EXIT_INTERNAL:
        # As the command line does: an error about one file names it.
        failure = Failure(failure.exit_code, failure.kind, f"{name}: {failure.message}")
    return failure


def ping() -> bool:
    return True


def verify(data: bytes, name: str | None) -> Done | Failure:
    def work() -> Done:
        document, code = service.verify(data, name)
        return Done(_json(document), "application/json", code)
    return _guarded(work, name)


def history(data: bytes, name: str | None) -> Done | Failure:
    def work() -> Done:
        document, code = service.history(data, name)
        return Done(_json(document), "application/json", code)
    return _guarded(work, name)


def detect(data: bytes, name: str | None) -> Done | Failure:
    return _guarded(lambda: Done(_json(service.detect(data, name)), "application/json"), name)


def annotate(data: bytes, name: str | None, annotation: dict[str, Any] | None) -> Done | Failure:
    return _guarded(lambda: Done(service.annotate(data, name, annotation), "image/jpeg"), name)


def verify_page(data: bytes, name: str | None, version: str, profiles: tuple[str, ...]) -> Done | Failure:
    """The whole page with the result of checking ``data`` under the form."""
    def work() -> Done:
        parts = service.page_parts(data, name)
        fragment = page.result_fragment(parts.report, parts.history, report_html=parts.report_html,
                                        profiles=parts.profiles, picture=parts.picture,
                                        thumbnails=parts.thumbnails)
        return Done(page.page(fragment, version=version, profiles=profiles).encode("utf-8"),
                    "text/html; charset=utf-8", parts.exit_code)
    return _guarded(work, name)


def sbr_by_content(data: bytes, name: str | None, repository: str, alg: str,
                   max_results: int) -> Done | Failure:
    """``matches/byContent``: the image's binding is computed here, in a worker."""
    return _guarded(lambda: Done(_json(service.sbr_by_content(repository, data, alg, max_results)),
                                 "application/json"), name)

