"""Run the coverage-guided fuzz targets (atheris / libFuzzer) for a while each.

    python fuzz/run.py --seconds 60                 # every target, 60 s each
    python fuzz/run.py --smoke                      # every target, 20 s each (about 3 minutes)
    python fuzz/run.py --target verify --runs 200000
    python fuzz/run.py --target verify --child      # (internal) the libFuzzer process itself

Each target runs in its own process, started from the seed corpus in ``fuzz/corpus/`` (made by
``make_corpus.py``)
(new inputs go to ``--work``, not into the repository). libFuzzer stops with a non-zero exit and
writes the input to ``--work/artifacts`` on an uncaught exception, on an input that takes longer
than ``--timeout`` seconds, or on memory above ``--rss-mb``; this script then fails. A summary
line per target gives executions, time and the slowest input seen.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Every target's bound on one input (the security acceptance: under 5 s and 1 GiB).
TIMEOUT_S = 5
RSS_MB = 1024
#: Targets that read the same kind of input share one seed folder.
SEEDS = {"app11": "jpeg", "verify": "jpeg", "history": "jpeg", "store": "jumbf", "der": "x509"}
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_SLOWEST = re.compile(r"Slowest unit: (\d+) s")


def _child(name: str, corpus: list[str], libfuzzer_args: list[str]) -> None:
    import warnings

    import atheris

    warnings.simplefilter("ignore")  # cryptography's deprecation notes on odd certificates

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    with atheris.instrument_imports(include=["fakemedia"]):
        import targets

    target = targets.TARGETS[name]
    from fakemedia.errors import FakemediaError

    def one_input(data: bytes) -> None:
        try:
            target(data)
        except FakemediaError:
            pass

    atheris.Setup([sys.argv[0], *libfuzzer_args, *corpus], one_input)
    atheris.Fuzz()


def _run_target(name: str, args: argparse.Namespace, work: Path) -> tuple[bool, str]:
    corpus = work / "corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = work / "artifacts" / name
    artifacts.mkdir(parents=True, exist_ok=True)
    seeds = HERE / "corpus" / SEEDS.get(name, name)
    libfuzzer = [f"-timeout={args.timeout}", f"-rss_limit_mb={args.rss_mb}",
                 f"-malloc_limit_mb={args.rss_mb}", f"-artifact_prefix={artifacts}/",
                 "-print_final_stats=1", f"-max_len={args.max_len}", "-report_slow_units=1"]
    libfuzzer.append(f"-runs={args.runs}" if args.runs else f"-max_total_time={args.seconds}")
    command = [sys.executable, str(Path(__file__).resolve()), "--target", name, "--child", "--",
               *libfuzzer, str(corpus), str(seeds)]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    elapsed = time.monotonic() - started
    log = proc.stdout + proc.stderr
    (work / f"{name}.log").write_text(log)
    runs = _DONE.findall(log)
    execs = int(runs[-1][0]) if runs else 0
    slow = max((int(s) for s in _SLOWEST.findall(log)), default=0)
    line = (f"{name:8} exit {proc.returncode:3}  {execs:9d} executions in {elapsed:6.1f} s  "
            f"slowest unit >= {slow} s" if slow else
            f"{name:8} exit {proc.returncode:3}  {execs:9d} executions in {elapsed:6.1f} s  "
            f"no unit over 1 s")
    if proc.returncode != 0:
        line += f"\n  finding: see {work / (name + '.log')} and {artifacts}"
    return proc.returncode == 0, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", help="target name (repeatable; default all)")
    parser.add_argument("--seconds", type=int, default=60, help="time per target")
    parser.add_argument("--runs", type=int, default=0, help="executions per target (over --seconds)")
    parser.add_argument("--smoke", action="store_true", help="20 s per target")
    parser.add_argument("--timeout", type=int, default=TIMEOUT_S, help="seconds per input")
    parser.add_argument("--rss-mb", type=int, default=RSS_MB, help="memory bound")
    parser.add_argument("--max-len", type=int, default=65536, help="largest input")
    parser.add_argument("--work", type=Path, help="corpus and findings (default: a temp dir)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        _child(args.target[0], [], [a for a in rest if a != "--"])
        return 0
    sys.path.insert(0, str(HERE))
    import targets

    names = args.target or list(targets.TARGETS)
    unknown = sorted(set(names) - set(targets.TARGETS))
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(targets.TARGETS)}")
    if args.smoke:
        args.seconds, args.runs = 20, 0
    work = args.work or Path(tempfile.mkdtemp(prefix="fakemedia-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    ok = True
    for name in names:
        passed, line = _run_target(name, args, work)
        print(line, flush=True)
        ok = ok and passed
    print(f"work directory: {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
