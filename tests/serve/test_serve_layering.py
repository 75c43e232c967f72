"""fakemedia.serve reaches the library only through its façade: the API, batch, the report
renderer, errors, limits and JPEG Trust (and the package root, for its version)."""

from __future__ import annotations

import ast
from pathlib import Path

SERVE = Path(__file__).resolve().parents[2] / "fakemedia" / "serve"
ALLOWED = ("fakemedia.api", "fakemedia.batch", "fakemedia.present", "fakemedia.htmlreport",
           "fakemedia.errors", "fakemedia.limits", "fakemedia.trust", "fakemedia.serve")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from fakemedia import api" imports fakemedia.api
            names |= ({f"{node.module}.{a.name}" for a in node.names} if node.module == "fakemedia"
                      else {node.module})
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("relative import")
    return names


def _allowed(name: str) -> bool:
    return name == "fakemedia.__version__" or any(name == a or name.startswith(a + ".") for a in ALLOWED)


def test_serve_imports_only_the_facade() -> None:
    files = sorted(SERVE.rglob("*.py"))
    assert files, "no fakemedia/serve package"
    bad = {f"{path.name}: {name}" for path in files for name in _imports(path)
           if name == "relative import" or (name.startswith("fakemedia") and not _allowed(name))}
    assert not bad, sorted(bad)


def test_only_the_adapter_calls_the_library() -> None:
    """Every call into the library sits in service.py, the one module to re-point."""
    library = [a for a in ALLOWED if a not in ("fakemedia.errors", "fakemedia.limits", "fakemedia.serve")]
    for path in sorted(SERVE.rglob("*.py")):
        if path.name == "service.py":
            continue
        used = {n for n in _imports(path) if any(n == a or n.startswith(a + ".") for a in library)}
        assert not used, f"{path.name} imports {sorted(used)}"
