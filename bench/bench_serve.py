"""``fakemedia serve`` under load: verify requests per second and latency with 1 and 8 concurrent
clients, against the same files verified by the command line (one process per file), and the
server's memory over many requests.

The server runs as ``fakemedia serve --workers 2`` pinned to two cores (where the platform lets
a process choose its cores); clients keep one HTTP/1.1 connection each and cycle through the
peer fixtures (Trusted, Invalid, unsigned, a two-step history). Memory is the resident set of
the server and its workers together, sampled every 500 requests.

    python bench/bench_serve.py [--requests 400] [--cli-files 20] [--memory-requests 2000]
    python bench/bench_serve.py --long      # 10,000 requests for the memory run
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER = ROOT.parent / "shared" / "fixtures" / "peer"
FILES = ("signed-es256.jpg", "tampered-pixels.jpg", "unsigned.jpg", "two-step-history.jpg")
ANCHORS = PEER / "pki" / "trust-anchors.pem"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _two_cores() -> None:
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))[:2]
        os.sched_setaffinity(0, cores)


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "fakemedia", "serve", "--port", str(port), "--workers", "2",
         "--queue", "64", "--trust-anchors", str(ANCHORS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, preexec_fn=_two_cores)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/v1/health")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def _rss_kib(pid: int) -> int:
    """Resident set of ``pid`` and all its descendants (Linux /proc), in KiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending += [int(c) for c in children]
        except OSError:
            continue
    return total


def run_clients(port: int, bodies: Sequence[bytes], clients: int, requests: int,
                on_progress: object = None) -> tuple[float, list[float], int]:
    """(requests per second, latencies in seconds, non-200 count)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    counter = iter(range(requests))

    def client(_n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            body = bodies[index % len(bodies)]
            start = time.perf_counter()
            conn.request("POST", "/v1/verify", body, {"Content-Type": "image/jpeg"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures[0] += 1
            if callable(on_progress):
                on_progress(index)
        conn.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return requests / (time.perf_counter() - start), latencies, failures[0]


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cli_baseline(files: Sequence[Path], count: int) -> tuple[float, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fakemedia", "verify", "--json", "--trust-anchors",
                        str(ANCHORS), str(files[i % len(files)])], env=env, capture_output=True,
                       preexec_fn=_two_cores, check=False)
        latencies.append(time.perf_counter() - t)
    return count / (time.perf_counter() - start), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per client setting")
    parser.add_argument("--cli-files", type=int, default=20, help="command-line runs")
    parser.add_argument("--memory-requests", type=int, default=2000)
    parser.add_argument("--long", action="store_true", help="10,000 requests for the memory run")
    args = parser.parse_args()
    files = [PEER / name for name in FILES]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise SystemExit(f"fixtures missing: {', '.join(missing)}")
    bodies = [f.read_bytes() for f in files]
    port = _free_port()
    server = start_server(port)
    try:
        print("| setting | requests/s | p50 ms | p99 ms | non-200 |\n|---|---|---|---|---|")
        run_clients(port, bodies, 2, 40)  # warm-up
        for clients in (1, 8):
            rate, lat, bad = run_clients(port, bodies, clients, args.requests)
            print(f"| serve, {clients} client{'s' if clients > 1 else ''} | {rate:.1f} | "
                  f"{1000 * statistics.median(lat):.1f} | {1000 * _pct(lat, 0.99):.1f} | {bad} |")
        rate, lat = cli_baseline(files, args.cli_files)
        print(f"| CLI, a process per file | {rate:.1f} | {1000 * statistics.median(lat):.1f} | "
              f"{1000 * _pct(lat, 0.99):.1f} | - |")

        total = 10_000 if args.long else args.memory_requests
        samples: list[tuple[int, int]] = [(0, _rss_kib(server.pid))]
        sample_lock = threading.Lock()

        def sample(index: int) -> None:
            if index % 500 == 499:
                with sample_lock:
                    samples.append((index + 1, _rss_kib(server.pid)))

        _rate, _lat, bad = run_clients(port, bodies, 8, total, sample)
        samples.append((total, _rss_kib(server.pid)))
        first = samples[1][1] if len(samples) > 2 else samples[0][1]
        print(f"\nmemory over {total} requests (server + workers, MiB): "
              + ", ".join(f"{n}: {kib / 1024:.0f}" for n, kib in samples)
              + f"; growth after the first 500: {(samples[-1][1] - first) / 1024:+.1f} MiB; non-200: {bad}")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
