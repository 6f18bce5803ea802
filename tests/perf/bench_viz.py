"""Time and size of the HTML stepper page for four graphs (run: python tests/perf/bench_viz.py).

The demo (x + y) * z, the 3-input neuron tanh(w1*x1 + w2*x2 + w3*x3 + b), and nn.MLP(2, [4, 1])
and MLP(2, [16, 16, 1]) on one sample with a squared-error loss and params=model. Each page is
built 7 times (gc.collect(); gc.freeze() before each); the table gives the median with min..max
and the page size. Issue 10 asks for MLP(2, [16, 16, 1]) under 2 s and under 2 MB.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nn  # noqa: E402
from autograd import Value  # noqa: E402
from viz import stepper_html  # noqa: E402

ROUNDS = 7


def demo() -> tuple[Value, object]:
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    return (x + y) * z, None


def neuron() -> tuple[Value, object]:
    xs = [Value(v, f"x{i + 1}") for i, v in enumerate([2.0, -1.0, 0.5])]
    ws = [Value(v, f"w{i + 1}") for i, v in enumerate([-3.0, 1.0, 0.7])]
    b = Value(6.8813735870195432, "b")
    return (ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2] + b).tanh(), None


def mlp(sizes: list[int]) -> tuple[Value, object]:
    random.seed(0)
    model = nn.MLP(2, sizes)
    return (model([Value(0.5, "x1"), Value(-1.5, "x2")]) - 1.0) ** 2, model


CASES = {
    "demo (x + y) * z": demo,
    "3-input neuron": neuron,
    "MLP(2, [4, 1])": lambda: mlp([4, 1]),
    "MLP(2, [16, 16, 1])": lambda: mlp([16, 16, 1]),
}


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in CASES.items():
            root, params = make()
            times = []
            for k in range(ROUNDS):
                gc.collect()
                gc.freeze()
                t0 = time.perf_counter()
                path = stepper_html(root, Path(tmp) / f"{k}.html", params=params)
                times.append(time.perf_counter() - t0)
                gc.unfreeze()
            size = path.stat().st_size
            rows.append((name, statistics.median(times), min(times), max(times), size))
    print(f"| graph | page time, median (min..max) of {ROUNDS} | page size |")
    print("|---|---|---|")
    for name, med, lo, hi, size in rows:
        print(f"| {name} | {med:.3f} s ({lo:.3f}..{hi:.3f}) | {size / 1e6:.3f} MB |")


if __name__ == "__main__":
    main()
