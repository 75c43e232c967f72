"""Size of the embedded manifest store with and without --compress (Brotli c2cm/brob, C2PA §11).

Prints the APP11 bytes each annotation costs, plain and compressed, and their ratio, for a
minimal and a full annotation on the bundled sample photograph. Part of the saving is the zero
padding that reserves room for the COSE signature; the rest is the CBOR and certificate text.

    python bench/bench_compression.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fakemedia import api, identity
from fakemedia.formats import app11

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "astronaut.jpg"
FULL = {
    "modification_types": ["deepfaked"], "purpose": "satire",
    "purpose_text": "Parody for a late-night show", "author": "Jane Doe",
    "description": "The presenter's face was replaced by a generated one.",
    "probability": {"value": 0.93, "method": "algorithmic", "name": "fakemedia-detector",
                    "version": "1", "model_sha256": "a" * 64, "calibrated": True},
    "regions": [{"shape": "rectangle", "unit": "pixel", "x": 10 * i, "y": 20, "width": 30, "height": 40}
                for i in range(1, 9)],
    "references": [{"url": "https://example.com/desc.json", "hash_alg": "sha256", "hash": "b" * 64}],
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        identity.create_identity(Path(tmp) / "id")
        signer = identity.load_identity(Path(tmp) / "id")
        source = SAMPLE.read_bytes()
        print(f"{'annotation':<10} {'plain B':>8} {'compressed B':>13} {'ratio':>6}")
        for name, annotation in (("minimal", {"modification_types": ["edited"]}), ("full", FULL)):
            sizes = []
            for compress in (False, True):
                options = api.AnnotateOptions(compress=compress)
                signed = api.annotate_bytes(source, annotation, signer, options)
                location = app11.find_c2pa_store(signed)
                assert location is not None
                sizes.append(location.length)
            print(f"{name:<10} {sizes[0]:>8} {sizes[1]:>13} {sizes[1] / sizes[0]:>6.2f}")


if __name__ == "__main__":
    main()
