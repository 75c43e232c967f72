"""Signed Trust Reports: a new C2PA manifest that carries a Trust Report as an assertion.

The new manifest continues the image's credentials: the image's active manifest becomes its
``parentOf`` ingredient (``c2pa.ingredient.v3`` with the validation results found when it was
taken in, C2PA 2.x §8.4 and §12.1), its actions open that ingredient (``c2pa.opened``), and the
report is a CBOR assertion ``org.fakemedia.trust-report`` (our reverse-domain namespace, as
C2PA §6.2 asks of entity-specific labels). The report's ``fakemedia:evaluation`` envelope names
the SHA-256 of the image it judged, so a reader can tell the report belongs to the parent.
An image without credentials gets a ``parentOf`` ingredient without a manifest.

The output is signed with the given signer, checked (its own signature and hard binding
verify) before it is written atomically, and an existing file is never replaced unless asked.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import __version__
from .._io import write_atomic
from ..cose.signer import Signer
from ..errors import FakemediaError, InvalidRequest, ManifestError, SigningError
from ..formats import app11, jpeg
from ..manifest import builder, compose, labels
from ..manifest.reader import read_report
from ..manifest.store import parse_store
from ..manifest.validate import validate_store

REPORT_LABEL = "org.fakemedia.trust-report"

__all__ = ["REPORT_LABEL", "embed_report", "embed_report_file", "report_assertion"]


def _parent(data: bytes, title: str | None) -> tuple[dict[str, Any] | None, Any]:
    """The parentOf ingredient content for the image's active manifest (None for a bare
    image), and the store to keep."""
    location = app11.find_c2pa_store(data)
    store = parse_store(location.jumbf) if location is not None else None
    if store is None or location is None:
        return None, None
    if store.active is None:
        raise ManifestError("the existing C2PA store holds no manifest to continue")
    results = validate_store(store, data, location)
    return builder.ingredient_assertion(builder.ParentInfo(store.active, results.to_dict(), title)), store


def embed_report(data: bytes, report: dict[str, Any], signer: Signer, *, title: str | None = None,
                 when: datetime | None = None) -> bytes:
    """JPEG ``data`` with a new signed manifest carrying ``report`` (a Trust Report)."""
    jpeg.check_complete(data)  # never sign a truncated picture
    parent, store = _parent(data, title)
    ingredient = compose.parent_ingredient(parent, title)
    opened = compose.opened_action(compose.reference(ingredient), when=when,
                                   agent={"name": "fakemedia", "version": __version__})
    specs = [ingredient,
             builder.AssertionSpec(labels.ACTIONS_V2, {"actions": [opened]}),
             builder.AssertionSpec(REPORT_LABEL, report)]
    request = builder.BuildRequest(data, specs, signer, title=title, generator_version=__version__)
    return builder.build(request, store)


def report_assertion(data: bytes) -> dict[str, Any] | None:
    """The Trust Report carried by the active manifest of ``data``, or None."""
    location = app11.find_c2pa_store(data)
    store = parse_store(location.jumbf) if location is not None else None
    active = store.active if store is not None else None
    if active is None:
        return None
    for assertion in active.assertions():
        if assertion.label == REPORT_LABEL:
            content = assertion.try_content()
            return content if isinstance(content, dict) else None
    return None


def _check_sound(data: bytes) -> None:
    """Refuse an output whose new manifest does not verify (signature and hard binding)."""
    try:
        report = read_report(data)
    except FakemediaError as exc:
        raise SigningError(f"the signed output does not read back ({exc}); nothing was written") from exc
    missing = report.unsound_output()
    if missing:
        raise SigningError(f"the signed output does not verify ({', '.join(missing)} missing); "
                           "nothing was written")


def embed_report_file(data: bytes, report: dict[str, Any], signer: Signer, output: str | os.PathLike[str],
                      *, source: str | os.PathLike[str] | None = None, force: bool = False,
                      title: str | None = None) -> Path:
    """Sign ``report`` into ``data`` and write it to ``output`` atomically; an existing file is
    replaced only with ``force``, and the input never."""
    target = Path(output)
    if source is not None and target.exists() and target.resolve() == Path(source).resolve():
        raise InvalidRequest(f"{target}: the signed report would overwrite the input image")
    if target.exists() and not force:
        raise InvalidRequest(f"{target} already exists; use force to replace it")
    if not target.parent.is_dir():
        raise InvalidRequest(f"{target.parent}: no such folder")
    signed = embed_report(data, report, signer, title=title)
    write_atomic(target, signed, check=_check_sound)
    return target
