"""``fakemedia serve``: a local verify page for people and an HTTP API for pipelines.

Needs the optional extra ``fakemedia[serve]`` (Starlette, uvicorn, python-multipart); nothing
else in fakemedia imports this package.
"""

from __future__ import annotations

__all__ = ["ServeSettings", "create_app"]


def __getattr__(name: str) -> object:
    # Lazy, so `import fakemedia.serve.service` in a worker does not load the web stack.
    if name in __all__:
        from fakemedia.serve import app

        return getattr(app, name)
    raise AttributeError(name)
