"""The authoring options of ``fakemedia annotate`` (safe outputs, ingredients from files,
thumbnails, manifest definitions, sidecar and remote manifests, external signers), kept in one
group apart from the annotation fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fakemedia.cli._safety import force_option

F = TypeVar("F", bound=Callable[..., Any])

#: The keyword arguments :func:`authoring_options` adds to a command.
AUTHORING_KEYS = ("force",)


def authoring_options(func: F) -> F:
    """Add the authoring group (applied last, so it shows as one block in --help)."""
    return force_option(func)
