"""Run @adobe/json-formula (through node) as the differential oracle, when installed.

``tests/trust/setup_peer.sh`` installs the profile evaluator and its json-formula package
under ``.cache/profile-evaluator``; FAKEMEDIA_TRUST_PEER may point elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
PEER_SOURCE = SHARED / "peers" / "profile-evaluator"
RUNNER = Path(__file__).with_name("jf_peer.mjs")


def peer_dir() -> Path | None:
    """The installed profile evaluator (with node_modules), or None."""
    root = Path(os.environ.get("FAKEMEDIA_TRUST_PEER", REPO / ".cache" / "profile-evaluator"))
    if shutil.which("node") is None:
        return None
    if not (root / "node_modules" / "@adobe" / "json-formula" / "package.json").is_file():
        return None
    return root


def run_json_formula(root: Path, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluate [{expression, data, globals?}] in node; each result is {value} or {error}."""
    env = dict(os.environ, TZ="UTC")
    proc = subprocess.run(["node", str(RUNNER), str(root)], input=json.dumps(cases), capture_output=True,
                          text=True, timeout=300, env=env, check=True)
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


def run_profile_evaluator(root: Path, profile: Path, indicator_set: Path,
                          out_dir: Path) -> dict[str, Any] | None:
    """The reference evaluator's JSON report for one pair, or None when it aborts."""
    env = dict(os.environ, TZ="UTC")
    proc = subprocess.run(["node", str(root / "src" / "index.js"), "-p", str(profile), "-o", str(out_dir),
                           "--json", str(indicator_set)], capture_output=True, text=True, timeout=120,
                          env=env, cwd=root)
    report = out_dir / f"{indicator_set.stem}_report.json"
    if proc.returncode != 0 or not report.is_file():
        return None
    result: dict[str, Any] = json.loads(report.read_text())
    return result
