"""Shared example annotations (JSON form) for the annotation tests."""

from __future__ import annotations

from typing import Any

MINIMAL: dict[str, Any] = {"modification_types": ["edited"]}

FULL: dict[str, Any] = {
    "modification_types": ["deepfaked", "edited"],
    "purpose": "satire",
    "purpose_text": "Parody for a late-night show",
    "probability": {
        "value": 0.93,
        "of": "deepfaked",
        "method": "algorithmic",
        "name": "fmdet",
        "version": "1.0",
        "model_sha256": "a" * 64,
        "calibrated": True,
    },
    "regions": [
        {
            "shape": "rectangle",
            "unit": "pixel",
            "x": 10.0,
            "y": 20.0,
            "width": 100.0,
            "height": 50.0,
            "identifier": "face-1",
            "name": "face",
            "region_type": "http://cv.iptc.org/newscodes/imageregiontype/face",
            "description": "face swapped",
            "probability": 0.9,
        },
        {"shape": "polygon", "unit": "percent", "vertices": [[0.0, 0.0], [50.0, 0.0], [50.0, 50.0]]},
        {"shape": "circle", "unit": "pixel", "x": 5.0, "y": 5.0, "width": 4.0},
    ],
    "author": "Jane Doe",
    "software_agent": "FaceSwap 2",
    "when": "2026-01-02T03:04:05Z",
    "description": "The presenter's face was replaced.",
    "ipr": {
        "creator": "Jane Doe",
        "copyright": "© 2026 Example",
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
    },
    "origin": {
        "source": "agency wire",
        "source_type": "digitalCapture",
        "device": "Nikon Z9",
        "url": "https://example.com/a.jpg",
        "instance_id": "xmp.iid:1234",
        "created": "2025-05-01",
    },
    "references": [
        {
            "url": "https://example.com/desc.json",
            "hash_alg": "sha256",
            "hash": "b" * 64,
            "media_type": "application/json",
            "description": "full edit log",
        }
    ],
}
