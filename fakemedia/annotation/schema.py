"""Loading the shipped JSON Schemas and validating instances against them.

Format checks are registered here rather than relying on jsonschema's optional extras
(``rfc3339-validator``, ``rfc3987``): without those packages ``date-time`` and ``uri`` would pass
anything silently, so validation would depend on what happens to be installed.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fakemedia.errors import AnnotationInvalid

if TYPE_CHECKING:  # jsonschema costs ~80 ms to import: verify/history must start fast
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

__all__ = ["def_issues", "is_rfc3339", "issues_of", "load_schema", "raise_issues", "validate"]

# RFC 3339 §5.6 date-time: a full date, 'T', a time and a mandatory offset.
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_rfc3339(value: str) -> bool:
    """True for an RFC 3339 date-time with an offset (leap second 60 accepted)."""
    m = _RFC3339.match(value)
    if not m:
        return False
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        date(year, month, day)
    except ValueError:
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    offset = m.group(8)
    if offset not in ("Z", "z"):
        oh, om = int(offset[1:3]), int(offset[4:6])
        if oh > 23 or om > 59:
            return False
    return True


def _is_full_date(value: str) -> bool:
    if not _FULL_DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_uri(value: str) -> bool:
    # Absolute URI with a scheme; http(s) also needs a host. No whitespace anywhere.
    if any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme or ""):
        return False
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return False
    return bool(parts.netloc or parts.path)


def _format_checker() -> FormatChecker:
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, func in (("date-time", is_rfc3339), ("date", _is_full_date), ("uri", _is_uri)):
        # Non-strings are the "type" keyword's business, as JSON Schema requires.
        checker.checks(name)(lambda v, f=func: not isinstance(v, str) or f(v))
    return checker


def load_schema(name: str = "annotation") -> dict[str, Any]:
    """The schema ``schemas/<name>.schema.json`` shipped as ``fakemedia._schemas``.

    Cached: treat the result as read-only.
    """
    return _load(name)


@functools.cache  # keyed by the resolved name, so load_schema() and load_schema("annotation") agree
def _load(name: str) -> dict[str, Any]:
    import importlib.resources  # with tempfile and zip support: only when a schema is read

    resource = importlib.resources.files("fakemedia._schemas") / f"{name}.schema.json"
    result: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return result


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name), format_checker=_format_checker())


def _path(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(root)"


def _message(error: ValidationError) -> str:
    # The default messages for these keywords repeat the whole (possibly long) instance.
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        return "unknown key(s): " + ", ".join(map(str, extra))
    if error.validator == "not":
        # Our schema only uses "not" as {"not": {"required": [key]}}: name the key.
        keys = error.validator_value.get("required") if isinstance(error.validator_value, dict) else None
        if keys:
            return "key not allowed here: " + ", ".join(map(str, keys))
        return "value matches a forbidden pattern"
    return " ".join(error.message.split())


def _order(error: ValidationError) -> tuple[bool, list[str]]:
    # A wrong value is what the user must fix first: name it before a key missing around it
    # (``--probability 1.5`` must not be reported as "'name' is a required property").
    return error.validator == "required", [str(p) for p in error.absolute_path]


def finite_issues(instance: Any, path: str = "") -> list[str]:
    """NaN and infinities anywhere in ``instance`` (JSON has neither; JSON Schema's
    minimum/maximum let NaN through), one ``"path: message"`` each."""
    issues: list[str] = []
    stack: list[tuple[str, Any]] = [(path, instance)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            issues.append(f"{at or '(root)'}: {value} is not a finite number")
        elif isinstance(value, Mapping):
            stack.extend((f"{at}/{k}" if at else str(k), v) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{at}/{i}" if at else str(i), v) for i, v in enumerate(value))
    return sorted(issues)


def issues_of(instance: Any, name: str = "annotation") -> list[str]:
    """All schema violations as ``"json/path: message"`` strings: impossible numbers first,
    then wrong values in document order, then missing keys."""
    errors: Iterable[ValidationError] = _validator(name).iter_errors(instance)
    ordered = sorted(errors, key=_order)
    return finite_issues(instance) + [f"{_path(e)}: {_message(e)}" for e in ordered]


def raise_issues(issues: list[str], what: str = "annotation") -> None:
    """Raise AnnotationInvalid summarising the first issue, when there is any."""
    if issues:
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        raise AnnotationInvalid(f"invalid {what}: {issues[0]}{more}", issues=list(issues))


def validate(instance: Any, name: str = "annotation") -> None:
    """Validate against the named schema; raise :class:`AnnotationInvalid` listing every issue."""
    raise_issues(issues_of(instance, name), what=name)


@functools.cache
def _def_validator(definition: str, name: str) -> Draft202012Validator:
    # Validate against one $defs entry while resolving its internal $refs against the root.
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    root = load_schema(name)
    registry: Registry[Any] = Registry().with_resource(root["$id"], Resource.from_contents(root))
    return Draft202012Validator(
        {"$ref": f"{root['$id']}#/$defs/{definition}"},
        registry=registry,
        format_checker=_format_checker(),
    )


def def_issues(instance: Any, definition: str, name: str = "annotation") -> list[str]:
    """Like :func:`issues_of`, for one ``$defs`` entry (e.g. ``"region"``) of the schema."""
    errors = _def_validator(definition, name).iter_errors(instance)
    ordered = sorted(errors, key=_order)
    return finite_issues(instance) + [f"{_path(e)}: {_message(e)}" for e in ordered]
