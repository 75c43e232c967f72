"""Encoder throughput at 256×256 on CPU: batch 1 vs batched, peak RSS.

    python bench/bench_encoder.py [--threads 2] [--batch 16] [--seconds 8]

Times ``JpegAIStyleEncoder.forward`` (analysis + hyperprior + quantiser, i.e. what
``encode_latents`` runs) under ``torch.inference_mode`` with channels_last inputs.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import torch

from fakemedia.detect.encoder import load_encoder
from fakemedia.detect.runtime import limit_threads


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def throughput(enc: torch.nn.Module, batch: int, size: int, seconds: float) -> float:
    x = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(2):  # warm-up: allocator, oneDNN primitive cache
            enc(x)
        n, t0 = 0, time.perf_counter()
        while (el := time.perf_counter() - t0) < seconds or n < 3:
            enc(x)
            n += 1
    return n * batch / el


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, nargs="+", default=[2], help="one row pair per value")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=8.0)
    a = ap.parse_args()
    enc = load_encoder(None)  # channels_last, eval mode
    rss0 = peak_rss_mib()
    print(f"encoder {enc.weights_id}  {a.size}x{a.size}  torch {torch.__version__}  "
          f"RSS after load {rss0:.0f} MiB")  # fmt: skip
    print(f"{'threads':>7} {'batch':>5} {'img/s':>8} {'ms/img':>8} {'peak RSS MiB':>13}")
    rows = []
    for th in a.threads:
        limit_threads(th)
        pair = []
        for b in (1, a.batch):
            ips = throughput(enc, b, a.size, a.seconds)
            pair.append(ips)
            rows.append((th, b, ips))
            print(f"{th:>7} {b:>5} {ips:>8.1f} {1000.0 / ips:>8.1f} {peak_rss_mib():>13.0f}")
        print(f"{'':>7} batched/batch-1 throughput ratio: {pair[1] / pair[0]:.2f}")
    best = max(r[2] for r in rows)
    print(f"target 30 img/s: {'met' if best >= 30 else 'NOT met'} (best {best:.1f} img/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
