from __future__ import annotations

from fakemedia.cli import run

run()
