"""The JPEG Fake Media annotation: domain model, JSON Schema validation and C2PA mapping.

``model`` holds the immutable values, ``schema`` the validation against
``schemas/annotation.schema.json``, ``c2pa`` the mapping to C2PA actions and the
``org.fakemedia.annotation`` assertion (table in ``MAPPING.md``).
"""

from __future__ import annotations

from fakemedia.annotation.c2pa import (
    CUSTOM_LABEL,
    IPTC,
    TYPE_TABLE,
    TypeMapping,
    creation_action,
    creation_source_type,
    custom_assertion,
    modification_actions,
    region_from_c2pa,
    region_to_c2pa,
    summarize,
)
from fakemedia.annotation.model import (
    IPR,
    MODIFICATION_TYPES,
    PURPOSES,
    Annotation,
    Origin,
    Probability,
    Reference,
    Region,
)
from fakemedia.annotation.schema import load_schema, validate

__all__ = [
    "CUSTOM_LABEL",
    "IPR",
    "IPTC",
    "MODIFICATION_TYPES",
    "PURPOSES",
    "TYPE_TABLE",
    "Annotation",
    "Origin",
    "Probability",
    "Reference",
    "Region",
    "TypeMapping",
    "creation_action",
    "creation_source_type",
    "custom_assertion",
    "load_schema",
    "modification_actions",
    "region_from_c2pa",
    "region_to_c2pa",
    "summarize",
    "validate",
]
