"""Real files for the shipped profiles and the profile lint, and their indicator sets.

* ``photo``: the bundled real photograph, annotated as an original capture with an author,
  the detector's score recorded, time-stamped by a local TSA;
* ``synthetic``: the bundled synthetic sample annotated by the detector alone;
* ``tampered``: ``photo`` with one scan-data byte flipped;
* ``unsigned``: the photograph without a manifest;
* ``forged``: the photograph with an unsigned JSON "claim" that says everything validated;
* ``c2pa``: the c2pa-python-signed two-step fixture (read with its own test root).

``python -m tests.trust.reference_files`` rewrites ``fakemedia/trust/reference/*.json``
(the lint's default reference sets) from freshly made files.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakemedia import api
from fakemedia.cose import certs
from fakemedia.cose.signer import Signer
from fakemedia.manifest.reader import read_report
from fakemedia.manifest.validate import TrustSettings
from fakemedia.trust.indicators import build_indicators

from .conftest import forged_json_store

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
PEER_FIXTURES = REPO.parent / "shared" / "fixtures" / "peer"
REFERENCE_DIR = REPO / "fakemedia" / "trust" / "reference"
AUTHOR = "Portrait desk"


@dataclass
class RealFile:
    name: str
    data: bytes
    anchors: bytes
    tsa_anchors: bytes | None = None

    def indicators(self) -> dict[str, Any]:
        tsa = certs.load_certificates(self.tsa_anchors) if self.tsa_anchors else []
        trust = TrustSettings(certs.load_certificates(self.anchors), tsa_anchors=tsa)
        return build_indicators(self.data, read_report(self.data, trust))


def make_real_files(signer: Signer, anchors: bytes, tsa_url: str, tsa_root: bytes) -> dict[str, RealFile]:
    """The files above (the detector runs: needs the ``detect`` extra)."""
    photo_source = (SAMPLES / "astronaut.jpg").read_bytes()
    photo = api.annotate_bytes(photo_source, {"modification_types": ["original"], "author": AUTHOR}, signer,
                               api.AnnotateOptions(detect=True, tsa_url=tsa_url), source="astronaut.jpg")
    synthetic = api.annotate_bytes((SAMPLES / "synthetic.jpg").read_bytes(), None, signer,
                                   api.AnnotateOptions(detect=True), source="synthetic.jpg")
    tampered = bytearray(photo)
    tampered[-300] ^= 1
    files = {
        "photo": RealFile("photo", photo, anchors, tsa_root),
        "synthetic": RealFile("synthetic", synthetic, anchors),
        "tampered": RealFile("tampered", bytes(tampered), anchors, tsa_root),
        "unsigned": RealFile("unsigned", photo_source, anchors),
        "forged": RealFile("forged", forged_json_store(photo_source), anchors),
    }
    fixture = PEER_FIXTURES / "two-step-history.jpg"
    if fixture.is_file():
        files["c2pa"] = RealFile("c2pa", fixture.read_bytes(),
                                 (PEER_FIXTURES / "pki" / "trust-anchors.pem").read_bytes())
    return files


def skeleton(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value (array members merged as ``[]``), values left out."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, member in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            out |= skeleton(member, path)
    elif isinstance(value, list):
        for member in value:
            out |= skeleton(member, prefix + "[]")
    return out


def main() -> int:
    sys.path.insert(0, str(REPO / "tests"))
    from tsa_server import LocalTsa

    from fakemedia.identity import create_identity, load_identity, load_trust_anchors

    with tempfile.TemporaryDirectory() as tmp, LocalTsa.running() as tsa:
        create_identity(Path(tmp) / "id", algorithm="es256", valid_days=365)
        signer = load_identity(Path(tmp) / "id")
        files = make_real_files(signer, load_trust_anchors(Path(tmp) / "id"), tsa.url, tsa.pki.root_pem)
        REFERENCE_DIR.mkdir(exist_ok=True)
        for name, real in files.items():
            target = REFERENCE_DIR / f"{name}.json"
            target.write_text(json.dumps(real.indicators(), indent=1, ensure_ascii=False) + "\n")
            print(f"wrote {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
