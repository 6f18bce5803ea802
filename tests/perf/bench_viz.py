"""Time and size of the HTML stepper page for the pages a teacher projects
(run: python tests/perf/bench_viz.py).

The pages of tests/viz_pages.py: the (x + y) * z demo, CS231n's sigmoid neuron as the command
builds it, a 3-input tanh neuron, nn.MLP(2, [4, 1]) with squared error and MLP(2, [16, 16, 1])
with hinge loss on one sample, and micrograd's lecture net MLP(3, [4, 4, 1]) over its 4
samples, each with params=model. Each page is built 7 times (gc.collect(); gc.freeze() before
each); the table gives the median with min..max and the page size. The stepper must build
MLP(2, [16, 16, 1])'s page within 3 s and 2.5 MB.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parent)]

from viz_pages import PAGES  # noqa: E402

from viz import stepper_html  # noqa: E402

ROUNDS = 7
LABELS = {
    "demo": "demo (x + y) * z",
    "cs231n": "CS231n's neuron (command)",
    "tanh_neuron": "3-input tanh neuron",
    "mlp_4_1": "MLP(2, [4, 1])",
    "mlp_16_16_1": "MLP(2, [16, 16, 1])",
    "lecture_net": "MLP(3, [4, 4, 1]), 4 samples",
}


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in PAGES.items():
            root, params, title = make()
            times = []
            for k in range(ROUNDS):
                gc.collect()
                gc.freeze()
                t0 = time.perf_counter()
                path = stepper_html(root, Path(tmp) / f"{k}.html", params=params, title=title)
                times.append(time.perf_counter() - t0)
                gc.unfreeze()
            size = path.stat().st_size
            rows.append((LABELS[name], statistics.median(times), min(times), max(times), size))
    print(f"| graph | page time, median (min..max) of {ROUNDS} | page size |")
    print("|---|---|---|")
    for name, med, lo, hi, size in rows:
        print(f"| {name} | {med:.3f} s ({lo:.3f}..{hi:.3f}) | {size / 1e6:.3f} MB |")


if __name__ == "__main__":
    main()
