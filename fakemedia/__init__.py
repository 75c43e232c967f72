"""fakemedia: provenance annotation for JPEG Fake Media, signed as C2PA manifests.

The public entry points live in :mod:`fakemedia.api`; they are imported lazily so that
``import fakemedia`` stays cheap and never pulls in torch or scikit-learn.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
