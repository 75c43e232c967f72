"""Throughput of ``fakemedia annotate`` on a folder, with the detector on, by --jobs.

    .venv/bin/python bench/bench_annotate.py [--count 100] [--sizes 256,1024] [--jobs 2]

Makes ``count`` seeded JPEGs (Pillow, quality 90) per size in a temporary folder, then times
``fakemedia annotate DIR -o OUT --detect`` with ``--jobs 1`` and ``--jobs N`` (each run a fresh
process, so worker start-up and model loading are included), and the cold start of annotating
one image (median of 5 runs). Prints a table and the load average before and after: on a shared
machine other jobs slow every number down.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image


def make_images(folder: Path, count: int, size: int, seed: int) -> None:
    """Smooth random colour fields plus noise: JPEG-like content, not flat blocks."""
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    for i in range(count):
        base = Image.new("RGB", (8, 8))
        base.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(64)])
        image = base.resize((size, size), Image.Resampling.BICUBIC)
        noise = Image.effect_noise((size, size), 12).convert("RGB")
        Image.blend(image, noise, 0.15).save(folder / f"img{i:03d}.jpg", "JPEG", quality=90)


def fakemedia(*args: str, env: dict[str, str]) -> float:
    """Seconds for one ``fakemedia`` command (run as ``python -m fakemedia``)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "fakemedia", *args], env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"fakemedia {' '.join(args)} failed ({done.returncode}): {done.stderr[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--sizes", default="256,1024")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"cores: {os.cpu_count()}")
    root = Path(tempfile.mkdtemp(prefix="bench-annotate-"))
    try:
        env = {**os.environ, "FAKEMEDIA_HOME": str(root / "home")}
        env.pop("FAKEMEDIA_KEY_PASSPHRASE", None)
        rows = []
        for n, size in enumerate(int(s) for s in args.sizes.split(",")):
            src = root / f"in{size}"
            make_images(src, args.count, size, seed=1000 + n)
            rates = {}
            for jobs in (1, args.jobs):
                out = root / f"out{size}-{jobs}"
                seconds = fakemedia("annotate", str(src), "-o", str(out), "--detect", "--jobs", str(jobs),
                                    env=env)
                assert len(list(out.glob("*.jpg"))) == args.count
                rates[jobs] = args.count / seconds
            rows.append((size, rates[1], rates[args.jobs]))
        one = root / "one.jpg"
        shutil.copy(root / f"in{rows[0][0]}" / "img000.jpg", one)
        # Each run writes a new file: annotate never replaces an output without --force.
        cold = statistics.median(fakemedia("annotate", str(one), "-o", str(root / f"one.out{i}.jpg"),
                                           "--detect", env=env) for i in range(args.cold_runs))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{'size':>6} {'jobs 1 img/s':>13} {f'jobs {args.jobs} img/s':>13} {'ratio':>7}")
    for size, r1, rn in rows:
        print(f"{size:>5}² {r1:>13.2f} {rn:>13.2f} {rn / r1:>7.2f}")
    print(f"\ncold start, one {rows[0][0]}² image (median of {args.cold_runs}): {cold:.2f} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
