"""Trust Profiles (JPEG Trust, ISO/IEC 21617-1): multi-document YAML loaded by YAML 1.2
core-schema rules.

Document 1 is the information block (``profile_metadata``, ``variables``, ``expressions``,
``include`` and free namespaced maps); every later document is a section: a list of
information statements, expression statements and data blocks.

YAML 1.2 core schema, unlike PyYAML's 1.1 default: booleans are only true/false (``no``
stays a string), no implicit timestamps (``date: 2025-06-26`` stays text), no sexagesimal or
``_``-separated numbers. Anchors and aliases are refused (a profile needs none, and they
are the classic expansion bomb). Includes resolve inside the profile's own folder only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import FakemediaError
from ..limits import MAX_PROFILE_BYTES, MAX_PROFILE_INCLUDES

_EXPR_IN_TEMPLATE = re.compile(r'\{\{\{?\s*expr\s+"((?:[^"\\]|\\.)*)"')
_FUNCTION_NAME = re.compile(r"_[A-Za-z0-9_$]*")


class ProfileError(FakemediaError):
    """A trust profile cannot be read or is not a valid profile (a usage error)."""

    exit_code = 2


class _CoreLoader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types only."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            line = event.start_mark.line + 1
            raise ProfileError(f"YAML aliases are not allowed in a profile (line {line})")
        return super().compose_node(parent, index)


_CoreLoader.yaml_implicit_resolvers = {}
_RESOLVERS = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
]
for _tag, _pattern, _first in _RESOLVERS:
    _CoreLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() == "true"


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_CoreLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_CoreLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_CoreLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def load_yaml_documents(text: str, origin: str) -> list[Any]:
    """All documents of a YAML stream under the core schema; mapping keys become strings
    (as JSON and the reference evaluator see them)."""
    try:
        return [_string_keys(doc) for doc in yaml.load_all(text, Loader=_CoreLoader)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ProfileError(f"{origin}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc


def _string_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_key_text(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


@dataclass
class Profile:
    """A loaded profile: its information block (includes merged) and its sections."""

    path: Path
    info: dict[str, Any]
    sections: list[Any]
    sha256: str
    files: list[Path] = field(default_factory=list)

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.info.get("profile_metadata") or self.info.get("metadata") or {}
        return meta if isinstance(meta, dict) else {}

    @property
    def variables(self) -> dict[str, Any]:
        value = self.info.get("variables") or {}
        return value if isinstance(value, dict) else {}

    @property
    def expressions(self) -> dict[str, str]:
        value = self.info.get("expressions") or {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def statements(self) -> list[dict[str, Any]]:
        """Every statement and data block in evaluation order."""
        out: list[dict[str, Any]] = []
        for section in self.sections:
            items = section if isinstance(section, list) else [section]
            out.extend(item for item in items if isinstance(item, dict))
        return out

    def all_expressions(self) -> list[str]:
        """Every json-formula text in the profile: statement expressions, expression
        definitions and ``{{expr "…"}}`` in templates (for linting and tests)."""
        found: list[str] = list(self.expressions.values())
        for item in self.statements():
            if isinstance(item.get("expression"), str):
                found.append(item["expression"])
            found.extend(_templated_expressions(item))
        found.extend(_templated_expressions(self.info))
        return [e.strip() for e in dict.fromkeys(found) if e.strip()]


def _templated_expressions(value: Any) -> list[str]:
    if isinstance(value, str):
        return [re.sub(r"\\(.)", r"\1", m) for m in _EXPR_IN_TEMPLATE.findall(value)]
    if isinstance(value, dict):
        return [e for v in value.values() for e in _templated_expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in _templated_expressions(v)]
    return []


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_PROFILE_BYTES:
            raise ProfileError(f"{path.name}: profile larger than {MAX_PROFILE_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{path.name}: cannot read profile: {exc.strerror}") from exc


def _documents(data: bytes, origin: str) -> list[Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{origin}: profile is not UTF-8") from exc
    docs = load_yaml_documents(text, origin)
    if not docs or not isinstance(docs[0], dict):
        raise ProfileError(f"{origin}: the first YAML document must be the information block (a mapping)")
    return docs


def load_profile(path: str | Path) -> Profile:
    """Load a profile and its includes (inside the profile's folder only)."""
    path = Path(path)
    raw = _read(path)
    docs = _documents(raw, path.name)
    info = dict(docs[0])
    sections = [d for d in docs[1:] if d is not None]
    digest = hashlib.sha256(raw)
    files = [path]
    root = path.resolve().parent
    includes = info.get("include") or []
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise ProfileError(f"{path.name}: include must be a list of file names")
    if len(includes) + 1 > MAX_PROFILE_INCLUDES:
        raise ProfileError(f"{path.name}: more than {MAX_PROFILE_INCLUDES - 1} includes")
    for name in includes:
        target = (root / name).resolve()
        if Path(name).is_absolute() or not target.is_relative_to(root):
            raise ProfileError(f"{path.name}: include {name!r} leaves the profile's folder")
        if not target.is_file():
            raise ProfileError(f"{path.name}: include {name!r} not found")
        included_raw = _read(target)
        digest.update(hashlib.sha256(included_raw).digest())
        included = _documents(included_raw, name)
        _merge_information(info, included[0])
        sections.extend(d for d in included[1:] if d is not None)
        files.append(target)
    _check_shape(path.name, info, sections)
    return Profile(path=path, info=info, sections=sections, sha256=digest.hexdigest(), files=files)


def _merge_information(info: dict[str, Any], included: dict[str, Any]) -> None:
    """Merge an include's first document the way the reference evaluator does: for a key in
    both, two maps merge shallowly with the included values winning; otherwise the included
    value replaces."""
    for key, value in included.items():
        if key in info and isinstance(info[key], dict) and isinstance(value, dict):
            info[key] = {**info[key], **value}
        else:
            info[key] = value


def _check_shape(origin: str, info: dict[str, Any], sections: list[Any]) -> None:
    if not isinstance(info.get("profile_metadata", info.get("metadata")), dict):
        raise ProfileError(f"{origin}: profile_metadata (a mapping) is required")
    for name in (info.get("expressions") or {}):
        if not _FUNCTION_NAME.fullmatch(str(name)):
            raise ProfileError(f"{origin}: expression name {name!r} must start with '_' "
                               "and use letters, digits, '_' or '$'")
    for section in sections:
        items = section if isinstance(section, list) else [section]
        for item in items:
            if not isinstance(item, dict):
                raise ProfileError(f"{origin}: a section item is not a mapping: {item!r}"[:200])
            if "block" not in item and not item.get("id"):
                raise ProfileError(f"{origin}: a statement has no id")
