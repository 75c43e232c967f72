"""Agreement with the C2PA reference SDK on every reference JPEG, with and without anchors.

    python bench/fixture_agreement.py [--all]

Each case is one file in one trust mode; it agrees when fakemedia gives the same validation
state and the same set of failure codes that c2pa-python recorded (see
``tests/interop/reference_cases.py``). Prints the disagreeing cases (``--all``: every case)
and the totals per folder.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from interop.reference_cases import all_cases, observe


def _codes(codes: frozenset[str]) -> str:
    return ", ".join(sorted(codes)) or "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="list agreeing cases too")
    args = parser.parse_args()
    cases = all_cases()
    if not cases:
        print("no reference fixtures found")
        return 1
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in cases:
        state, failures = observe(case)
        same = (state, failures) == (case.state, case.failures)
        total[case.folder] += 1
        agree[case.folder] += same
        if args.all or not same:
            mark = "ok  " if same else "DIFF"
            print(f"{mark} {case.id}: expected {case.state} [{_codes(case.failures)}]")
            if not same:
                print(f"       fakemedia {state} [{_codes(failures)}]")
    print()
    print(f"{'folder':<14} {'agree':>5} / {'cases':<5}")
    for folder in total:
        print(f"{folder:<14} {agree[folder]:>5} / {total[folder]:<5}")
    print(f"{'all':<14} {sum(agree.values()):>5} / {sum(total.values()):<5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
