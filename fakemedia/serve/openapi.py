"""The OpenAPI 3.1 description served at ``/v1/openapi.json`` (written by hand: the API is small)."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi"]

_IMAGE_BODY = {
    "required": True,
    "content": {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}},
    },
}
_ERROR = {
    "description": "An error, as JSON: the command line's exit code and one-line message",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_NAME = {"name": "name", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "File name reported as the source (default: the multipart filename)."}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _ERROR for s in statuses}


def _json_op(summary: str, schema: str) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "parameters": [_NAME], "requestBody": _IMAGE_BODY,
        "responses": {
            "200": {"description": f"The document of `fakemedia {schema}` (header X-Fakemedia-Exit-Code: "
                                   "the command's exit code, 0 Valid/Trusted, 1 Invalid, 4 no manifest)",
                    "content": {"application/json": {"schema": {"type": "object"}}}},
            **_errors(400, 413, 422, 503, 504),
        }}}


def openapi(version: str, *, annotate: bool) -> dict[str, Any]:
    annotate_op: dict[str, Any] = {"post": {
        "summary": "Sign an annotation into the image with the server's identity"
                   + ("" if annotate else " (disabled on this server: it was started without a token file)"),
        "security": [{"bearer": []}],
        "parameters": [_NAME],
        "requestBody": {"required": True, "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "annotation": {"type": "string",
                                              "description": "The annotation, a JSON object "
                                                             "(see `fakemedia schema annotation`)"}}}}}},
        "responses": {"200": {"description": "The signed JPEG",
                              "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors(400, 401, 403, 413, 422, 500, 503, 504)},
    }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "fakemedia", "version": version,
                 "description": "C2PA provenance of JPEG images: verify, history, detection, annotation. "
                                "Every response carries an X-Request-Id header."},
        "paths": {
            "/v1/verify": _json_op("Verify the image's Content Credentials", "verify --json"),
            "/v1/history": _json_op("The image's provenance chain and ingredient tree", "history --json"),
            "/v1/detect": {"post": {
                "summary": "Probability that the image is synthetic (the detector)",
                "parameters": [_NAME], "requestBody": _IMAGE_BODY,
                "responses": {"200": {"description": "What `fakemedia detect --json` prints",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              **_errors(400, 413, 422, 503, 504)}}},
            "/v1/annotate": annotate_op,
            "/v1/health": {"get": {"summary": "Liveness and load",
                                   "responses": {"200": {"description": "ok", "content": {
                                       "application/json": {"schema": {"type": "object"}}}}}}},
            "/v1/openapi.json": {"get": {"summary": "This description",
                                         "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {
                "type": "object", "required": ["error", "request_id"],
                "properties": {
                    "request_id": {"type": "string"},
                    "error": {"type": "object", "required": ["code", "type", "message"], "properties": {
                        "code": {"type": "integer", "description":
                                 "the command line's exit code: 2 usage, 3 unreadable input or a limit, "
                                 "4 no manifest, 5 signing, 6 detector, 70 internal; 75 busy or timed "
                                 "out (try again later)"},
                        "type": {"type": "string"},
                        "message": {"type": "string", "description": "one line"}}}}}},
        },
    }
