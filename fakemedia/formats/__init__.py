"""Container layer: JPEG segments (:mod:`.jpeg`), APP11/JPEG XT packets (:mod:`.app11`),
JUMBF boxes (:mod:`.jumbf`) and bounded Brotli (:mod:`.brob`). Stdlib plus ``brotli`` only;
every parse failure is a :class:`fakemedia.errors.FormatError`."""

from __future__ import annotations
