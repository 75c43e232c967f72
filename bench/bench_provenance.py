"""Provenance benchmark: fakemedia against c2pa-python on the same 1 MP and 12 MP JPEGs.

(a) in-process, median of N runs: annotate (fakemedia ``annotate_bytes`` / c2pa ``Builder.sign``),
    verify (``verify_bytes`` / ``Reader`` + ``get_validation_state``) and history
    (``history`` / ``Reader.json``), both verifying the same fakemedia-signed file;
(b) cold command line, median of several runs: ``python -m fakemedia verify FILE --json`` against
    a ``python -c`` that imports c2pa and reads the same file;
(c) in-process verify against a bare SHA-256 over the file (the least any verifier does);
(d) call counts per command: JPEG header walks, manifest store parses, signature checks.

Both sign with ES256; c2pa's automatic thumbnail is switched off so both do the same work.
Targets: cold CLI verify ≤ 1.0× c2pa, in-process verify ≤ 1.0× c2pa and ≤ 1.5× SHA-256.

    python bench/bench_provenance.py [--runs 7] [--cli-runs 5] [--counts-only]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from fakemedia import api
from fakemedia.identity import create_identity, load_identity, load_trust_anchors

SIZES = {"1MP": (1152, 864), "12MP": (4000, 3000)}
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
ANNOTATION = {"modification_types": ["edited"], "author": "bench"}


def make_jpeg(width: int, height: int, seed: int = 1) -> bytes:
    """Seeded gradient plus mild noise, quality 90: compresses like a photograph."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    base = np.stack([x + 0 * y, y + 0 * x, (x + y) / 2], axis=-1)
    pixels = np.clip(base + rng.normal(0, 12, (height, width, 3)), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def median_time(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class C2paSide:
    """c2pa-python with an ES256 identity of its own (a fresh test PKI from fakemedia)."""

    def __init__(self, identity_dir: Path) -> None:
        import c2pa

        self.c2pa = c2pa
        key = (identity_dir / "signer.key.pem").read_bytes()
        chain = (identity_dir / "chain.pem").read_bytes()
        self.info = c2pa.C2paSignerInfo(b"es256", chain, key, None)
        self.sign_settings = {"builder": {"thumbnail": {"enabled": False}},
                              "verify": {"verify_after_sign": False}}

    def _context(self, settings: dict[str, Any]) -> Any:
        return self.c2pa.Context(self.c2pa.Settings.from_dict(settings))

    def annotate(self, data: bytes) -> bytes:
        manifest = {"claim_generator_info": [{"name": "bench", "version": "1"}],
                    "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [
                        {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}]}}]}
        with self.c2pa.Builder(manifest, context=self._context(self.sign_settings)) as builder:
            out = io.BytesIO()
            builder.sign(self.c2pa.Signer.from_info(self.info), "image/jpeg", io.BytesIO(data), out)
        return out.getvalue()

    def verify(self, data: bytes, anchors: str) -> str:
        settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False},
                    "trust": {"trust_anchors": anchors}}
        with self.c2pa.Reader("image/jpeg", io.BytesIO(data), context=self._context(settings)) as r:
            return str(r.get_validation_state())

    def history(self, data: bytes, anchors: str) -> str:
        settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False},
                    "trust": {"trust_anchors": anchors}}
        with self.c2pa.Reader("image/jpeg", io.BytesIO(data), context=self._context(settings)) as r:
            return str(r.json())


C2PA_CLI = ("import io,sys,c2pa;"
            "s=c2pa.Settings.from_dict({'verify':{'verify_trust':True,'remote_manifest_fetch':False}});"
            "d=open(sys.argv[1],'rb').read();"
            "r=c2pa.Reader('image/jpeg',io.BytesIO(d),context=c2pa.Context(s));"
            "print(r.get_validation_state());print(r.json()[:0])")


def cold(cmd: list[str], runs: int) -> float | None:
    """Median wall time of ``cmd`` in a new process, as an installed tool starts: after one
    unmeasured run that leaves both sides' bytecode cached (an environment that forbids
    writing bytecode would otherwise time the compiler)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        # verify exits 1 for Invalid; anything above means it did not run properly.
        if done.returncode not in (0, 1):
            print(f"  skipped: {' '.join(cmd[:4])} exited {done.returncode}: "
                  f"{(done.stderr.strip().splitlines() or ['?'])[-1]}")
            return None
    return statistics.median(times)


def ratio(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:6.2f}x" if ours and theirs else "   n/a"


@contextlib.contextmanager
def counting() -> Any:
    """Count calls of the header walk, the store parse and the signature check, wherever a
    module bound them by name."""
    from fakemedia.cose import sign1
    from fakemedia.formats import jpeg
    from fakemedia.manifest import store

    targets = {"header walks": (jpeg, "iter_segments"), "store parses": (store, "parse_store"),
               "signature checks": (sign1, "verify_sign1")}
    counts = dict.fromkeys(targets, 0)
    patched: list[tuple[Any, str, Any]] = []
    for name, (module, attr) in targets.items():
        original = getattr(module, attr)

        def wrapper(*a: Any, _f: Any = original, _n: str = name, **k: Any) -> Any:
            counts[_n] += 1
            return _f(*a, **k)

        for mod in [m for key, m in sys.modules.items() if key.startswith("fakemedia") and m]:
            for key, value in list(vars(mod).items()):
                if value is original:
                    patched.append((mod, key, value))
                    setattr(mod, key, wrapper)
    try:
        yield counts
    finally:
        for mod, key, value in patched:
            setattr(mod, key, value)


def call_counts(signer: Any, anchors: bytes) -> None:
    """(d): what each command costs in parses and signature checks."""
    plain = make_jpeg(640, 480)
    one = api.annotate_bytes(plain, ANNOTATION, signer)
    two = api.annotate_bytes(one, ANNOTATION, signer)
    cases = {
        "verify (2-manifest chain)": lambda: api.verify_bytes(two, trust_anchors=anchors),
        "history (2-manifest chain)": lambda: api.history(two, trust_anchors=anchors),
        "annotate (no manifest)": lambda: api.annotate_bytes(plain, ANNOTATION, signer),
        "annotate (1-manifest input)": lambda: api.annotate_bytes(one, ANNOTATION, signer),
        "annotate --redact (2-manifest chain)": lambda: api.annotate_bytes(
            two, ANNOTATION, signer, api.AnnotateOptions(redact=("org.fakemedia.annotation",))),
    }
    print(f"\n{'command':38} {'header walks':>12} {'store parses':>13} {'signature checks':>17}")
    for name, run in cases.items():
        with counting() as counts:
            run()
        print(f"{name:38} {counts['header walks']:12} {counts['store parses']:13} "
              f"{counts['signature checks']:17}")
    print("(annotate verifies its own output from the bytes before it is written: one more header "
          "walk and store parse; the parent's signature outcome is reused there)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="in-process runs per figure")
    parser.add_argument("--cli-runs", type=int, default=5, help="cold command-line runs")
    parser.add_argument("--counts-only", action="store_true", help="only the call counts (d)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        create_identity(tmp / "id", algorithm="es256")
        signer, anchors = load_identity(tmp / "id"), load_trust_anchors(tmp / "id")
        call_counts(signer, anchors)
        if args.counts_only:
            return
        theirs = C2paSide(tmp / "id")
        rows: list[tuple[str, str, float | None, float | None]] = []
        for size, (w, h) in SIZES.items():
            plain = make_jpeg(w, h)
            runs = args.runs if size == "1MP" else max(3, args.runs // 2)
            signed = api.annotate_bytes(plain, ANNOTATION, signer)
            path = tmp / f"{size}.jpg"
            path.write_bytes(signed)
            print(f"{size}: {w}x{h}, {len(plain) / 1e6:.1f} MB plain, "
                  f"verify state {api.verify_bytes(signed, trust_anchors=anchors).state} / "
                  f"c2pa {theirs.verify(signed, anchors.decode())}")
            rows.append((size, "annotate", median_time(
                lambda p=plain: api.annotate_bytes(p, ANNOTATION, signer), runs),
                median_time(lambda p=plain: theirs.annotate(p), runs)))
            rows.append((size, "verify", median_time(
                lambda s=signed: api.verify_bytes(s, trust_anchors=anchors), runs),
                median_time(lambda s=signed: theirs.verify(s, anchors.decode()), runs)))
            rows.append((size, "verify vs sha256", median_time(
                lambda s=signed: api.verify_bytes(s, trust_anchors=anchors), runs),
                median_time(lambda s=signed: hashlib.sha256(s).digest(), runs)))
            rows.append((size, "history", median_time(
                lambda s=signed: api.history(s, trust_anchors=anchors), runs),
                median_time(lambda s=signed: theirs.history(s, anchors.decode()), runs)))
            rows.append((size, "cold CLI verify",
                         cold([sys.executable, "-m", "fakemedia", "verify", str(path), "--json"],
                              args.cli_runs),
                         cold([sys.executable, "-c", C2PA_CLI, str(path)], args.cli_runs)))

    print(f"\n{'image':6} {'operation':16} {'fakemedia':>11} {'c2pa-python':>12} {'ratio':>8}")
    for size, op, ours, c2pa_time in rows:
        fm = f"{ours * 1e3:9.1f}ms" if ours else "      n/a"
        cp = f"{c2pa_time * 1e3:10.1f}ms" if c2pa_time else "       n/a"
        print(f"{size:6} {op:16} {fm:>11} {cp:>12} {ratio(ours, c2pa_time):>8}")
    print("\ntargets: cold CLI verify <= 1.0x, in-process verify <= 1.0x c2pa and <= 1.5x sha256"
          " (the 'verify vs sha256' row's right column is a bare SHA-256 of the file)")


if __name__ == "__main__":
    main()
