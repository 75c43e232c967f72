"""Differential check against the reference SDK: mutants (byte flips, inserts, deletions) of
signed files that fakemedia calls Valid or Trusted must not be rejected by c2pa-python.

The sample is seeded and bounded (a few seconds). Mutations aim mostly at the manifest store,
where a validator's rules matter; c2pa-python is asked only about mutants fakemedia accepts.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fakemedia import api
from fakemedia.cose.signer import LocalSigner
from fakemedia.errors import FakemediaError
from fakemedia.formats import app11

oracle = pytest.importorskip("tests.interop.c2pa_oracle")

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
HOSTILE = SHARED / "hostile"
ASSETS = Path(__file__).resolve().parents[1] / "assets"
SOURCES = [SHARED / "peer" / "signed-es256.jpg", SHARED / "peer" / "signed-ed25519.jpg",
           HOSTILE / "restricted-garbage-signed.jpg"]
MUTANTS_PER_FILE = 100
pytestmark = pytest.mark.timeout(120)


def _anchors() -> bytes:
    pems = [HOSTILE / "keys" / "anchors-all.pem", SHARED / "peer" / "pki" / "trust-anchors.pem",
            ASSETS / "fixed-root.cert.pem"]
    return b"".join(p.read_bytes() for p in pems if p.exists())


def _ours() -> bytes:
    """A file fakemedia signs now (fixed Ed25519 test identity), with an annotation."""
    signer = LocalSigner.from_pem((ASSETS / "fixed-ed25519.key.pem").read_bytes(),
                                  (ASSETS / "fixed-ed25519.chain.pem").read_bytes())
    return api.annotate_bytes((ASSETS / "small-exif-xmp-icc.jpg").read_bytes(),
                              {"modification_types": ["edited"], "author": "A"}, signer)


def _mutant(data: bytes, rng: random.Random) -> bytes:
    location = app11.find_c2pa_store(data)
    start, end = (location.offset, location.offset + location.length) if location else (0, len(data))
    if rng.random() < 0.2:
        start, end = 0, len(data)
    at = rng.randrange(start, end)
    kind = rng.choice(("flip", "byte", "insert", "delete"))
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1:]
    if kind == "byte":
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
    if kind == "insert":
        return data[:at] + bytes([rng.randrange(256)]) + data[at:]
    return data[:at] + data[at + 1:]


@pytest.mark.parametrize("source", [*SOURCES, None], ids=lambda p: p.name if p else "ours")
def test_accepted_mutants_are_accepted_by_the_reference(source: Path | None) -> None:
    if source is not None and not source.exists():
        pytest.skip(f"{source.name} not present")
    data = source.read_bytes() if source is not None else _ours()
    anchors = _anchors()
    assert api.verify_bytes(data, trust_anchors=anchors).state == "Trusted"
    rng = random.Random(source.name if source is not None else "ours")
    disagreements = []
    for _ in range(MUTANTS_PER_FILE):
        mutant = _mutant(data, rng)
        try:
            ours = api.verify_bytes(mutant, trust_anchors=anchors).state
        except FakemediaError:
            continue  # refused as unreadable: never Valid
        if ours not in ("Valid", "Trusted"):
            continue
        error = oracle.read_error(mutant, anchors.decode())
        theirs = None if error else oracle.read(mutant, anchors.decode()).state
        if error or theirs == "Invalid" or (ours == "Trusted" and theirs != "Trusted"):
            disagreements.append((ours, theirs, error))
    assert not disagreements
