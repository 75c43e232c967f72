"""Throughput of the Dask backend against the local batch pool, and its scaling 1 -> 2 workers.

    .venv/bin/python bench/bench_dask.py [--count 200] [--size 512] [--rounds 3] [--jobs 2]

Makes ``count`` seeded JPEGs, then times on the same items, median of ``rounds`` after a
warm-up: ``batch.annotate_many`` / ``verify_many`` with ``jobs=N`` (a fresh spawn pool per call,
outputs written by the caller) against ``annotate_on`` / ``verify_on`` on a warm local cluster
of 1 and of N worker processes (outputs written and checked by the workers). Annotation
declares a modification type, so no detector runs: this measures the provenance path (read,
hash, claim, sign, verify, write). Prints items/s, the ratios and the load average: on a
shared machine other jobs slow every number down.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from fakemedia import api, batch
from fakemedia.distributed import WorkerIdentity, annotate_on, cluster_client, verify_on
from fakemedia.identity import create_identity, load_trust_anchors

EDITED = {"modification_types": ["edited"]}


def make_images(folder: Path, count: int, size: int, seed: int = 1) -> list[Path]:
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    paths = []
    for i in range(count):
        base = Image.new("RGB", (8, 8))
        base.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(64)])
        image = base.resize((size, size), Image.Resampling.BICUBIC)
        noise = Image.effect_noise((size, size), 12).convert("RGB")
        path = folder / f"img{i:04d}.jpg"
        Image.blend(image, noise, 0.15).save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def timed(run: Callable[[], int], rounds: int) -> float:
    """Median items/s of ``rounds`` runs (``run`` returns the items it completed)."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = run()
        rates.append(done / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, cores: {os.cpu_count()}")
    root = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        identity = create_identity(root / "identity").directory
        anchors = load_trust_anchors(identity)
        paths = make_images(root / "in", args.count, args.size)
        signed = root / "signed"
        signed.mkdir()
        outs = iter(range(10**6))

        def local_annotate() -> int:
            out = root / f"local{next(outs)}"
            out.mkdir()
            done = 0
            for r in batch.annotate_many(paths, EDITED, batch.IdentityRef(str(identity)), jobs=args.jobs):
                if r.output is not None:
                    api.write_atomic(out / str(r.source), r.output)
                    done += 1
            return done

        def local_verify() -> int:
            reports = batch.verify_many(sorted(signed.iterdir()), trust_anchors=anchors, jobs=args.jobs)
            return sum(r.report is not None and r.report.state == "Trusted" for r in reports)

        rows: dict[str, float] = {}
        local_annotate()  # warm-up (page cache, imports)
        rows["local annotate"] = timed(local_annotate, args.rounds)
        for r in batch.annotate_many(paths, EDITED, batch.IdentityRef(str(identity)), jobs=args.jobs):
            api.write_atomic(signed / str(r.source), r.output or b"")
        rows["local verify"] = timed(local_verify, args.rounds)

        for workers in (1, args.jobs):
            started = time.perf_counter()
            client = cluster_client(f"local:{workers}")
            client.wait_for_workers(workers)
            print(f"local:{workers} cluster up in {time.perf_counter() - started:.1f} s")
            try:
                def dask_annotate(client: Any = client) -> int:
                    out = root / f"dask{next(outs)}"
                    results = annotate_on(client, [str(root / "in")], EDITED, WorkerIdentity(str(identity)),
                                          output=str(out), batch_size=args.batch_size)
                    return sum(r.ok and not r.skipped for r in results)

                def dask_verify(client: Any = client) -> int:
                    results = verify_on(client, [str(signed)], trust_anchors=anchors,
                                        batch_size=args.batch_size)
                    return sum(r.report is not None and r.report.state == "Trusted" for r in results)

                dask_annotate()  # warm-up: plugin set-up, imports on the workers
                rows[f"dask annotate, {workers} worker(s)"] = timed(dask_annotate, args.rounds)
                rows[f"dask verify, {workers} worker(s)"] = timed(dask_verify, args.rounds)
            finally:
                client.close()

        print(f"\n{args.count} images of {args.size}x{args.size}, jobs={args.jobs}, "
              f"batch size {args.batch_size}, median of {args.rounds}")
        for name, rate in rows.items():
            print(f"  {name:<28} {rate:7.1f} items/s")
        n = args.jobs
        for kind in ("annotate", "verify"):
            dask_n, dask_1 = rows[f"dask {kind}, {n} worker(s)"], rows[f"dask {kind}, 1 worker(s)"]
            print(f"  {kind}: dask/local {dask_n / rows[f'local {kind}']:.2f}x, "
                  f"scaling 1->{n} workers {dask_n / dask_1:.2f}x")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
