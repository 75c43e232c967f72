"""``fakemedia verify [--json] FILE`` without click: the commonest call starts fast.

Only the plain form takes this path (one existing file, at most ``--json``, anchors from
$FAKEMEDIA_TRUST_ANCHORS when set and readable); anything else, including every error in the
arguments, goes to the click command, so help, usage errors and messages stay one. The verdict
printed, the error line and the exit code are the click command's own (both call
:mod:`fakemedia.present.outcome`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fakemedia.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, FakemediaError


def _anchors() -> list[bytes] | None:
    """The environment's anchor files, or None when one of them would be a usage error."""
    from fakemedia import api

    try:
        return [api.anchor_file(path).read_bytes() for path in api.anchor_paths(())]
    except OSError:
        return None


def try_verify(argv: list[str]) -> int | None:
    """The exit code of the fast path, or None when it does not apply."""
    if not argv or argv[0] != "verify":
        return None
    rest = argv[1:]
    as_json = "--json" in rest
    files = [a for a in rest if a != "--json"]
    if len(files) != 1 or files[0].startswith("-") or len(rest) - len(files) > 1:
        return None
    if not Path(files[0]).is_file():
        return None
    anchors = _anchors()
    if anchors is None:
        return None
    try:
        return _verify(Path(files[0]), anchors, as_json)
    except _FallBack:
        return None
    except FakemediaError as exc:
        _error(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        detail = " ".join(str(exc).split()) or "no details"
        _error(f"internal error: {type(exc).__name__}: {detail} (rerun with -v)")
        return EXIT_INTERNAL


class _FallBack(Exception):
    """The fast path cannot say it as the click command would (an unreadable anchor file)."""


def _error(message: str) -> None:
    sys.stderr.write(f"fakemedia: error: {' '.join(message.split())}\n")


def _verify(path: Path, anchors: list[bytes], as_json: bool) -> int:
    from fakemedia import api
    from fakemedia.errors import CertificateError
    from fakemedia.present import outcome

    try:
        trust = api.trust_settings(anchors)
    except CertificateError:
        raise _FallBack from None
    with api.naming(path):
        asset = api.with_external(api.open_asset(path), path)  # IMG.c2pa beside it, if any
        report = api.verify_asset(asset, trust)
    if os.environ.get("FAKEMEDIA_REPO") and api.needs_recovery(report):
        raise _FallBack  # the pixels are to be looked up: the click command does that
    shown = outcome.shown(report, as_json=as_json)
    if as_json:
        import json

        shown = json.dumps(shown, indent=2, ensure_ascii=False)
    sys.stdout.write(shown + "\n")
    sys.stdout.flush()
    problem = outcome.problem_of(report)
    if problem is not None:
        _error(str(problem))
        return problem.exit_code
    return 0
