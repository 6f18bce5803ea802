"""First-run time of `make demo`: a fresh clone, a new .venv, the install, the demo.

    python tests/perf/first_run.py [--rounds N] [REV ...]

Each round clones this repository at every REV (default: HEAD) into a new temporary folder
and times `make demo` there; revisions alternate within a round (A B A B ...). pip's own
cache is left as it is, as on a developer's machine; the network and the index decide most of
the figure, so compare revisions in one run rather than across machines.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def first_run(rev: str) -> float:
    """Seconds for `make demo` in a fresh clone of ``rev``."""
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "stepgrad"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
        start = time.perf_counter()
        subprocess.run(["make", "demo"], cwd=clone, check=True, capture_output=True)
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="*", default=["HEAD"], help="revisions to compare")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    revs = [
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", r],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for r in args.revs
    ]
    times: dict[str, list[float]] = {r: [] for r in revs}
    for k in range(args.rounds):
        for rev in revs:
            times[rev].append(first_run(rev))
            print(f"round {k + 1}: {rev} {times[rev][-1]:.1f} s", file=sys.stderr)
    print("$ python tests/perf/first_run.py " + " ".join(args.revs))
    print(f"{'revision':<10} {'median':>8} {'min..max':>14}  (seconds, {args.rounds} rounds)")
    for rev, ts in times.items():
        print(f"{rev:<10} {statistics.median(ts):>8.1f} {min(ts):>6.1f}..{max(ts):<6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
