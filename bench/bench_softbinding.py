"""Durable credentials: how often a stripped, degraded copy finds its manifest again.

    .venv/bin/python bench/bench_softbinding.py [--unmarked 1000] [--seed 1]
    .venv/bin/python bench/bench_softbinding.py --annotate-timing 5

``--annotate-timing N`` instead times the command line on a 12 MP photograph (the bundled
``samples/astronaut.jpg`` upscaled to 4000×3000): ``fakemedia annotate --watermark --repo``
against plain ``fakemedia annotate`` of the same file, new processes, median of N runs each,
wall-clock and CPU seconds.

Marks and signs every bundled photograph (fakemedia.lab.photos) and its mirror image (so
24 distinct pictures), each with its own repository key, and stores the manifests in a fresh
repository. Each signed file is then stripped by re-encoding and attacked: JPEG quality
90/70/50, resize to 75/50 % (then JPEG 90), a centred crop keeping 90 % of each side (JPEG 90),
and a screenshot-like re-render (resize to 80 %, gamma 1.1, PNG). Every copy goes through
``recovery.recover``; a recovery counts when it names the right manifest.

False recoveries: ``--unmarked`` images made from the *unmarked* originals (random crops of
50-85 % per side, random mirror, resize and JPEG quality) must all come back "not-found".
Prints Markdown tables; times are wall-clock on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from cryptography import x509
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakemedia.identity import create_identity, load_identity, load_trust_anchors
from fakemedia.lab.photos import available_photos
from fakemedia.manifest import builder, labels, soft_binding
from fakemedia.manifest.builder import AssertionSpec, BuildRequest
from fakemedia.manifest.validate import TrustSettings
from fakemedia.softbinding import binding, recovery
from fakemedia.softbinding.repository import Repository

ATTACKS = ("none (stripped only)", "JPEG 90", "JPEG 70", "JPEG 50", "resize 75 %", "resize 50 %",
           "crop 10 %", "screenshot")


def encode(image: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


def attack(signed: bytes, name: str) -> bytes:
    image = Image.open(io.BytesIO(signed)).convert("RGB")
    w, h = image.size
    if name.startswith("none"):
        return encode(image, "PNG")
    if name.startswith("JPEG"):
        return encode(image, quality=int(name.split()[1]))
    if name.startswith("resize"):
        scale = int(name.split()[1]) / 100
        return encode(image.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS))
    if name.startswith("crop"):
        return encode(image.crop((w // 20, h // 20, w - w // 20, h - h // 20)))
    # screenshot: shown smaller on a screen, gamma shifted by the display path, saved as PNG
    small = np.asarray(image.resize((round(w * 0.8), round(h * 0.8)), Image.Resampling.BILINEAR),
                       dtype=np.float64) / 255.0
    return encode(Image.fromarray(np.uint8(np.clip(255 * small ** (1 / 1.1) + 0.5, 0, 255))), "PNG")


def unmarked_variant(pixels: np.ndarray, rng: random.Random) -> bytes:
    image = Image.fromarray(pixels)
    w, h = image.size
    kw, kh = rng.uniform(0.5, 0.85), rng.uniform(0.5, 0.85)
    x, y = rng.uniform(0, 1 - kw), rng.uniform(0, 1 - kh)
    image = image.crop((int(x * w), int(y * h), int((x + kw) * w), int((y + kh) * h)))
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    scale = rng.uniform(0.6, 1.4)
    image = image.resize((max(80, round(image.width * scale)), max(80, round(image.height * scale))),
                         Image.Resampling.BILINEAR)
    return encode(image, quality=rng.choice((60, 75, 90)))


def sign(data: bytes, bindings: tuple[soft_binding.SoftBinding, ...], signer: object) -> bytes:
    actions = [{"action": "c2pa.created",
                "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"},
               soft_binding.watermarked_action()]
    specs = [AssertionSpec(labels.ACTIONS_V2, {"actions": actions}),
             *soft_binding.assertion_specs(bindings)]
    return builder.build(BuildRequest(data, specs, signer, title="photo.jpg"))  # type: ignore[arg-type]


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    import resource
    import subprocess

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def annotate_timing(runs: int) -> None:
    """Cold ``annotate --watermark --repo`` of a 12 MP photograph against plain ``annotate``."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.jpg"
        Image.open(root / "samples" / "astronaut.jpg").resize((4000, 3000), Image.Resampling.BICUBIC) \
            .save(big, "JPEG", quality=90)
        env = {**os.environ, "FAKEMEDIA_HOME": str(Path(tmp) / "home")}
        base = [sys.executable, "-m", "fakemedia", "annotate", str(big), "--type", "edited", "--force"]
        forms = {"annotate": [*base, "-o", str(Path(tmp) / "plain.jpg")],
                 "annotate --watermark --repo": [*base, "-o", str(Path(tmp) / "marked.jpg"),
                                                 "--watermark", "--repo", str(Path(tmp) / "r.db")]}
        _timed(forms["annotate"], env)  # creates the identity, warms the file cache
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in forms}
        for _ in range(runs):
            for name, command in forms.items():
                times[name].append(_timed(command, env))
    print(f"12 MP photograph, {runs} runs each, load average {os.getloadavg()[0]:.1f}\n")
    print("| command | wall (median) | CPU (median) |")
    print("|---|---|---|")
    for name, rows in times.items():
        print(f"| `{name}` | {statistics.median(w for w, _ in rows):.2f} s | "
              f"{statistics.median(c for _, c in rows):.2f} s |")
    ratio = statistics.median(w for w, _ in times["annotate --watermark --repo"]) / \
        statistics.median(w for w, _ in times["annotate"])
    print(f"\nwatermarked / plain (wall): {ratio:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unmarked", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-attacks", action="store_true",
                        help="only the false-recovery run (e.g. to split it over processes)")
    parser.add_argument("--annotate-timing", type=int, default=0, metavar="N",
                        help="time the annotate command on a 12 MP photograph instead (N runs)")
    args = parser.parse_args()
    if args.annotate_timing:
        annotate_timing(args.annotate_timing)
        return
    rng = random.Random(args.seed)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        create_identity(Path(tmp) / "id", algorithm="es256", valid_days=2)
        signer = load_identity(Path(tmp) / "id")
        trust = TrustSettings(anchors=x509.load_pem_x509_certificates(
            load_trust_anchors(Path(tmp) / "id")))
        photos = available_photos()
        pictures = {**photos, **{f"{n} (mirrored)": np.ascontiguousarray(p[:, ::-1])
                                 for n, p in photos.items()}}
        repo = Repository(Path(tmp) / "repo.sqlite")
        signed_files: dict[str, tuple[bytes, str]] = {}
        psnrs, embed_times = [], []
        for name, pixels in pictures.items():
            source = encode(Image.fromarray(pixels), quality=95)
            started = time.perf_counter()
            bound = binding.bind_jpeg(source, repo.allocate_key())
            embed_times.append(time.perf_counter() - started)
            psnrs.append(bound.psnr or 0.0)
            signed = sign(bound.jpeg, bound.bindings, signer)
            signed_files[name] = (signed, repo.add(binding.store_of(signed)).manifest_id)

        rows = []
        recover_times = []
        for attack_name in () if args.no_attacks else ATTACKS:
            ok = 0
            methods: Counter[str] = Counter()
            states: Counter[str] = Counter()
            for signed, manifest_id in signed_files.values():
                copy = attack(signed, attack_name)
                started = time.perf_counter()
                result = recovery.recover(copy, repo, trust=trust)
                recover_times.append(time.perf_counter() - started)
                states[result.state] += 1
                if result.state == "recovered" and result.manifest_id == manifest_id:
                    ok += 1
                    methods[result.method or "?"] += 1
            rows.append((attack_name, ok, len(signed_files), methods, states))
            print(f"{attack_name}: {ok}/{len(signed_files)}", file=sys.stderr, flush=True)

        false_hits = 0
        unmarked_states: Counter[str] = Counter()
        names = list(photos)
        for i in range(args.unmarked):
            variant = unmarked_variant(photos[rng.choice(names)], rng)
            result = recovery.recover(variant, repo, trust=trust)
            unmarked_states[result.state] += 1
            false_hits += result.state == "recovered"
            if (i + 1) % 100 == 0:
                print(f"unmarked {i + 1}: {false_hits} false", file=sys.stderr, flush=True)
        repo.close()

    print(f"{len(signed_files)} signed pictures ({len(photos)} photographs and their mirror images), "
          f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}\n")
    print("| attack (after stripping) | recovered | by watermark / fingerprint / both | other states |")
    print("|---|---|---|---|")
    for attack_name, ok, total, methods, states in rows:
        other = ", ".join(f"{k} {v}" for k, v in sorted(states.items()) if k != "recovered") or "–"
        print(f"| {attack_name} | {ok}/{total} ({100 * ok / total:.0f} %) | "
              f"{methods['watermark']} / {methods['fingerprint']} / {methods['watermark+fingerprint']} "
              f"| {other} |")
    if not recover_times:
        recover_times.append(float("nan"))
    print(f"\nPSNR of the watermark: mean {statistics.mean(psnrs):.1f} dB, min {min(psnrs):.1f} dB")
    print(f"bind (embed + re-encode + fingerprint): median {1000 * statistics.median(embed_times):.0f} ms; "
          f"recover: median {1000 * statistics.median(recover_times):.0f} ms")
    print(f"unmarked images: {args.unmarked}, false recoveries: {false_hits} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(unmarked_states.items()))})")


if __name__ == "__main__":
    main()
