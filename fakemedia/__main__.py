from __future__ import annotations

from fakemedia.cli import main

main()
