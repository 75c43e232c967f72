"""Profile lint: which indicator paths a profile reads that no reference indicator set has.

A mistyped or wrongly assumed field (``annotation.type`` where our annotation has
``modification_types``, a flat ``probability`` where ours is ``probability.value``) does not
fail in json-formula: it reads as null, and a profile then reports "probability 0" on a
0.99 image. The lint evaluates the profile on reference indicator sets (by default the ones
shipped in ``fakemedia/trust/reference/``, made by ``fakemedia trust indicators`` from real
files) while tracing every field looked up on an object. A field that is looked up but
present on none of the objects it was looked up on, in any set, is reported.

Paths the sets never reach (behind a condition no set meets) are not judged. A key that
only other writers' sets carry can be read with ``value(obj, "key")``, which is not traced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InvalidRequest
from .evaluate import evaluate
from .formula import FormulaEngine, FormulaError
from .formula.parser import Node
from .profile import Profile, ProfileError

_REGISTER = re.compile(r'^register\("([^"]+)"')
_PLAIN_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PATH_KINDS = {"field", "subexpression", "index_expression", "flatten", "projection", "current"}


@dataclass
class _Trace:
    hits: dict[int, int] = field(default_factory=dict)
    misses: dict[int, int] = field(default_factory=dict)
    nodes: dict[int, Node] = field(default_factory=dict)

    def __call__(self, node: Node, present: bool) -> None:
        key = id(node)
        self.nodes[key] = node
        counts = self.hits if present else self.misses
        counts[key] = counts.get(key, 0) + 1


def reference_sets() -> dict[str, dict[str, Any]]:
    """The shipped reference indicator sets, by file stem."""
    folder = resources.files("fakemedia.trust").joinpath("reference")
    out: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            out[entry.name[: -len(".json")]] = json.loads(entry.read_text(encoding="utf-8"))
    return out


def load_sets(paths: Iterable[str | Path]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for raw in paths:
        path = Path(raw)
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InvalidRequest(f"{path.name}: not a readable JSON indicator set") from exc
        if not isinstance(value, dict):
            raise InvalidRequest(f"{path.name}: an indicator set is a JSON object")
        out[path.stem] = value
    return out


def missing_paths(profile: Profile, sets: dict[str, dict[str, Any]]) -> list[str]:
    """Warnings for the fields ``profile`` reads that none of ``sets`` carries, and for
    evaluations that fail on a set."""
    trace = _Trace()
    engine = FormulaEngine(on_field=trace)
    warnings: list[str] = []
    for name, indicators in sets.items():
        try:
            evaluate(profile, indicators, engine=engine)
        except (FormulaError, ProfileError) as exc:
            warnings.append(f"on reference set {name!r} the profile fails: {exc}")
    owners = _owners(engine.compiled, profile)
    reported: set[tuple[str, str]] = set()
    for key, node in trace.nodes.items():
        if trace.hits.get(key):
            continue
        where, path = owners.get(key, ("an expression", _quoted(node.value)))
        if (where, path) in reported:
            continue
        reported.add((where, path))
        warnings.append(f"{where}: {path!r} reads field {_quoted(node.value)!r}, "
                        f"which no reference indicator set has ({', '.join(sets)})")
    return warnings


def _owners(compiled: dict[str, Node], profile: Profile) -> dict[int, tuple[str, str]]:
    """Field node id -> (where it is written, the path around it as text)."""
    ids = {str(item.get("expression")).strip(): str(item["id"]) for item in profile.statements()
           if item.get("id") and isinstance(item.get("expression"), str)}
    out: dict[int, tuple[str, str]] = {}
    for text, tree in compiled.items():
        match = _REGISTER.match(text)
        where = (f"expression {match.group(1)}" if match else
                 f"statement {ids[text]}" if text in ids else "a report text")
        for node, path_root in _walk(tree, None):
            if node.kind == "field":
                out[id(node)] = (where, _text(path_root or node))
    return out


def _walk(node: Node, path_root: Node | None) -> Iterable[tuple[Node, Node | None]]:
    """Every node with the outermost path expression (a.b[0].c …) it belongs to."""
    root = path_root if node.kind in _PATH_KINDS else None
    if root is None and node.kind in _PATH_KINDS:
        root = node
    yield node, root
    for child in _children(node):
        yield from _walk(child, root)


def _children(node: Node) -> Sequence[Node]:
    extra = [v for v in node.value if isinstance(v, Node)] if isinstance(node.value, tuple) else []
    return [*node.children, *extra]


def _quoted(name: Any) -> str:
    text = str(name)
    return text if _PLAIN_NAME.fullmatch(text) else "'" + text.replace("'", "\\'") + "'"


def _text(node: Node) -> str:
    """A path expression written back as json-formula text (other nodes as …)."""
    kind = node.kind
    if kind == "field":
        return _quoted(node.value)
    if kind == "current":
        return "@"
    if kind == "subexpression":
        left, right = (_text(c) for c in node.children)
        return right if left == "@" else f"{left}.{right}"
    if kind == "index_expression":
        index = node.children[1].value if node.children[1].kind == "index" else "…"
        return f"{_text(node.children[0])}[{index}]"
    if kind == "flatten":
        return f"{_text(node.children[0])}[]"
    if kind == "projection":
        left, right = (_text(c) for c in node.children)
        return left if right == "@" else f"{left}.{right}".replace("[].", "[].", 1)
    return "…"
