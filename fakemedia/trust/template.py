"""The Handlebars subset trust profiles use in ``report_text``, ``title`` and block values.

``{{path.to.value}}`` looks a value up, ``{{expr "json-formula"}}`` evaluates an expression
(objects and arrays are inserted as compact JSON), ``{{str path}}`` inserts JSON text and
``{{{…}}}`` skips escaping. Values are HTML-escaped as Handlebars does unless ``escape`` is
off; a simple name that is missing renders as ``🔴 Missing: name()``, as the reference
profile evaluator's ``helperMissing`` does. Nothing else of Handlebars is interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .formula.values import json_text, to_string

_MUSTACHE = re.compile(r"\{\{\{(.*?)\}\}\}|\{\{(?!!)(.*?)\}\}", re.DOTALL)
_ARG = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'|([^\s"\']+))')
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;", "`": "&#x60;",
            "=": "&#x3D;"}
MISSING = "🔴 Missing: "


class Safe(str):
    """Text a helper already made safe: inserted without escaping."""


def js_string(value: Any) -> str:
    """JavaScript's ``'' + value`` for JSON values, as Handlebars prints them."""
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return to_string(value)


def escape_html(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def lookup(data: Any, path: str) -> Any:
    """A Handlebars path (segments split on '.' or '/') in the data; None when absent."""
    value = data
    for segment in re.split(r"[./]", path):
        if segment in ("", "this"):
            continue
        if isinstance(value, dict):
            value = value.get(segment)
        elif isinstance(value, list) and segment.isdigit():
            index = int(segment)
            value = value[index] if index < len(value) else None
        else:
            return None
    return value


def render(template: str, data: Any, expr: Callable[[str], Any], *, escape: bool = True) -> str:
    """Render ``template`` against ``data``; ``expr`` evaluates json-formula text."""

    def substitute(match: re.Match[str]) -> str:
        raw = match.group(1) is not None
        body = (match.group(1) if raw else match.group(2)).strip()
        out = _mustache(body, data, expr)
        if isinstance(out, Safe) or raw or not escape:
            return str(out)
        return escape_html(out)

    return _MUSTACHE.sub(substitute, template)


def _mustache(body: str, data: Any, expr: Callable[[str], Any]) -> str:
    parts = [m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
             for m in _ARG.finditer(body)]
    quoted = [m.group(3) is None for m in _ARG.finditer(body)]
    if not parts:
        return ""
    name, args = parts[0], parts[1:]
    values = [_unescape(a) if q else _argument(a, data) for a, q in zip(args, quoted[1:], strict=False)]
    if name == "expr" and values:
        result = expr(str(values[0]))
        if isinstance(result, (dict, list)):
            return Safe(json_text(result))
        return js_string(result)
    if name == "str" and values:
        known = values[0] is not None or args[0] in _present(data)
        return Safe(json_text(values[0]) if known else "undefined")
    if args:
        return Safe(MISSING + name + "(" + ",".join(js_string(v) for v in values) + ")")
    value = lookup(data, name)
    if value is None and not re.search(r"[./]", name):
        return Safe(MISSING + name + "()")
    return js_string(value)


def _present(data: Any) -> set[str]:
    return set(data) if isinstance(data, dict) else set()


def _argument(token: str, data: Any) -> Any:
    if token in ("true", "false"):
        return token == "true"
    if token in ("null", "undefined"):
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", token):
        return float(token) if "." in token else int(token)
    return lookup(data, token)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
