"""The Trust Profiles shipped in ``fakemedia/trust/profiles/``: a library of shared functions
for ``include`` and the newsroom, wire-intake and AI-label profiles written against the
indicator sets ``fakemedia trust indicators`` emits.

``--profile NAME`` names a shipped profile; ``trust profile new --template NAME`` copies one
(and the library it includes) to start from.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from .._io import write_atomic
from ..errors import InvalidRequest
from .profile import load_yaml_documents

#: Shipped profiles by name (``--profile NAME``).
PROFILES = ("newsroom", "wire-intake", "ai-label")
#: What ``trust profile new --template`` offers.
TEMPLATES = (*PROFILES, "blank")
LIBRARY = "library.yml"


def _folder() -> Traversable:
    return resources.files("fakemedia.trust").joinpath("profiles")


def shipped_path(name: str) -> Path:
    """The file of a shipped profile (the package is installed as files, not zipped)."""
    return Path(str(_folder().joinpath(f"{name}.yml")))


def resolve_profile(value: str | os.PathLike[str]) -> Path:
    """A profile path, or a shipped profile's when ``value`` is one of :data:`PROFILES` and no
    such file exists here (a file of that name wins)."""
    path = Path(value)
    if str(value) in PROFILES and not path.exists():
        return shipped_path(str(value))
    return path


def _includes(text: str, origin: str) -> list[str]:
    docs = load_yaml_documents(text, origin)
    info = docs[0] if docs and isinstance(docs[0], dict) else {}
    includes = info.get("include") or []
    return [str(i) for i in includes] if isinstance(includes, list) else []


def write_template(template: str, output: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Write the template ``template`` to ``output``, and beside it the library it includes.

    Refuses to replace an existing file unless ``force``; a library already there with the
    same text is left alone. Returns the files written."""
    if template not in TEMPLATES:
        raise InvalidRequest(f"unknown template {template!r} (choose from {', '.join(TEMPLATES)})")
    target = Path(output)
    text = _folder().joinpath(f"{template}.yml").read_text(encoding="utf-8")
    pending = [(target, text)]
    for name in _includes(text, f"{template}.yml"):
        library = _folder().joinpath(name).read_text(encoding="utf-8")
        beside = target.parent / name
        if beside.resolve() == target.resolve():
            raise InvalidRequest(f"{target.name}: choose another name (the template includes {name})")
        if not (beside.is_file() and beside.read_text(encoding="utf-8") == library):
            pending.append((beside, library))
    clashes = [str(path) for path, _ in pending if path.exists()]
    if clashes and not force:
        raise InvalidRequest(f"{', '.join(clashes)} already exist(s); use force to replace them")
    if not target.parent.is_dir():
        raise InvalidRequest(f"{target.parent}: no such folder")
    for path, content in pending:
        write_atomic(path, content.encode("utf-8"))
    return [path for path, _ in pending]
