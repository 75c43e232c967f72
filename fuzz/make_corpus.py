"""Rebuild the seed corpus in fuzz/corpus/ from small JPEGs (defaults: the test assets and
the reproducers in ../shared/fixtures/hostile when present). Seeds stay small: files over
``--max-bytes`` are skipped, and each seed is named by its SHA-256 so reruns do not duplicate.

    python fuzz/make_corpus.py [JPEG ...]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _save(kind: str, data: bytes) -> None:
    folder = HERE / "corpus" / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha256(data).hexdigest()[:16]).write_bytes(data)


def _pieces(data: bytes) -> None:
    """The JUMBF store, claim and assertion CBOR, COSE signature and DER certificates."""
    from fakemedia.cose import sign1
    from fakemedia.errors import FakemediaError
    from fakemedia.formats import app11
    from fakemedia.manifest.store import parse_store

    try:
        location = app11.find_c2pa_store(data)
        if location is None:
            return
        _save("jumbf", location.jumbf)
        store = parse_store(location.jumbf)
    except FakemediaError:
        return
    for m in store.manifests:
        if m.claim_bytes:
            _save("cbor", m.claim_bytes)
        for assertion in m.assertions():
            for box in assertion.box.content_boxes():
                if box.box_type == b"cbor" and len(box.payload) < 4096:
                    _save("cbor", box.payload)
        if m.signature_bytes:
            _save("cose", m.signature_bytes)
            try:
                for der in sign1.decode_sign1(m.signature_bytes).x5chain:
                    _save("x509", der)
            except FakemediaError:
                pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jpegs", nargs="*", type=Path)
    parser.add_argument("--max-bytes", type=int, default=12_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    jpegs = args.jpegs or [*sorted((ROOT / "tests" / "assets").glob("*.jpg")),
                           *sorted((ROOT / ".." / "shared" / "fixtures" / "hostile").glob("*.jpg"))]
    for path in jpegs:
        data = path.read_bytes()
        if len(data) > args.max_bytes:
            continue
        _save("jpeg", data)
        _pieces(data)
    for kind in sorted(p.name for p in (HERE / "corpus").iterdir()):
        files = list((HERE / "corpus" / kind).iterdir())
        print(f"{kind}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
