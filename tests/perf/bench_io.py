"""Save and load times for an MLP of about 100k parameters (``nn.save`` / ``nn.load``).

    PYTHONPATH=. python tests/perf/bench_io.py

Prints the median and min..max of 7 rounds each; loading must stay linear in the parameter
count (it was quadratic: 22,911 parameters took 29 s), well under 1 s here.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nn  # noqa: E402

ROUNDS = 7


def main() -> None:
    model = nn.MLP(100, [320, 200, 10], seed=0)
    n = model.num_parameters()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        saves, loads, loads_into = [], [], []
        gc.collect()
        gc.freeze()
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            nn.save(model, path)
            t1 = time.perf_counter()
            nn.load(path)
            t2 = time.perf_counter()
            nn.load(path, model)
            t3 = time.perf_counter()
            saves.append(t1 - t0)
            loads.append(t2 - t1)
            loads_into.append(t3 - t2)
        size = path.stat().st_size
    print(f"{n:,} parameters, {size / 1e6:.1f} MB file, {ROUNDS} rounds (median, min..max)")
    for name, times in (("save", saves), ("load", loads), ("load into a model", loads_into)):
        print(
            f"  {name:18s} {statistics.median(times):.3f} s  ({min(times):.3f}..{max(times):.3f})"
        )


if __name__ == "__main__":
    main()
