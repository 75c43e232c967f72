"""The ``fakemedia`` command line: a thin click layer over :mod:`fakemedia.api`.

The click group lives in :mod:`fakemedia.cli.group` and is loaded on first use of ``main``;
:func:`run` (the console script) first tries the click-free fast path for the commonest call,
``fakemedia verify [--json] FILE`` (see :mod:`fakemedia.cli._fast`), whose output, errors and
exit codes are the click command's own.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

__all__ = ["main", "run"]


def run() -> None:
    """The console script: the fast path when it applies, else the click group."""
    from fakemedia.cli import _fast

    gc.disable()  # one short verify: ≈30 cycle-collector passes over fresh imports, ≈1-2 ms
    code = _fast.try_verify(sys.argv[1:])
    gc.enable()
    if code is not None:
        sys.exit(code)
    from fakemedia.cli.group import main as group

    group()


def __getattr__(name: str) -> Any:
    if name == "main":  # the click group, imported only when someone asks for it
        from fakemedia.cli.group import main as group

        return group
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
