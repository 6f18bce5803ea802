"""Scalar engine benchmark: this engine beside micrograd 0.1.0 and numpy, in one process.

    python tests/perf/bench_engine.py [--repeat N]

Prints figures and ratios; asserts nothing (machines are shared and noisy). Fair measurement:
``gc.collect(); gc.freeze()`` before timing and a ``gc.collect()`` inside each timed step, so
each engine pays for its own garbage (micrograd's closures make every node a reference cycle).

(a) sum of 10,000 terms a_i*b_i + relu(c_i), built and backpropagated, as the user writes it
    (builtins.sum: a chain of adds) and with the n-ary ``autograd.sum``;
(b) forward + backward of MLP(2, [16, 16, 1]) on 100 points, micrograd's graph shape
    (one mul/add per weight) and with the fused neuron node ``autograd.affine``;
(c) a chain of 1,000 ops (micrograd's recursion limits it to about that), and 1,000,000 ops;
(d) bytes per graph node (tracemalloc) for (a).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

import autograd  # noqa: E402
from autograd import Value  # noqa: E402

try:
    from micrograd.engine import Value as MGValue
except ImportError:  # the `bench` extra: pip install -e '.[bench]'
    MGValue = None

N_TERMS = 10_000
# per term: leaves a, b, c and nodes a*b, relu(c), their sum, and the running total's add
NODES_A = 7 * N_TERMS + 1


def timed(step: Callable[[], Any], repeat: int) -> float:
    """Median seconds of ``step()``, each run paying for its own garbage."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        step()
        gc.collect()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def terms(seed: int = 0) -> list[tuple[float, float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(N_TERMS)]


def sum_graph(V: Any, data: list[tuple[float, float, float]], nary: bool = False) -> list[Any]:
    leaves = [(V(a), V(b), V(c)) for a, b, c in data]
    parts = [a * b + c.relu() for a, b, c in leaves]
    out = autograd.sum(parts) if nary else sum(parts)
    return [out, leaves]


def sum_step(V: Any, data: list[tuple[float, float, float]], nary: bool = False) -> None:
    out, _ = sum_graph(V, data, nary)
    out.backward()


def sum_numpy(data: list[tuple[float, float, float]]) -> None:
    a, b, c = np.array(data).T
    _ = np.sum(a * b + np.maximum(c, 0.0))
    da, db, dc = b.copy(), a.copy(), (c > 0).astype(float)
    _ = (da, db, dc)


def mlp_params(seed: int) -> list[list[tuple[list[float], float]]]:
    rng = random.Random(seed)
    sizes = [2, 16, 16, 1]
    return [
        [([rng.uniform(-1, 1) for _ in range(sizes[i])], 0.0) for _ in range(sizes[i + 1])]
        for i in range(len(sizes) - 1)
    ]


def points(seed: int = 1) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(-2, 2), rng.uniform(-1, 1.5)) for _ in range(100)]


def mlp_step(V: Any, layers: Any, xs: list[tuple[float, float]], fused: bool = False) -> None:
    params = [[([V(w) for w in ws], V(b)) for ws, b in layer] for layer in layers]
    total = []
    for x in xs:
        h: list[Any] = list(x)
        for li, layer in enumerate(params):
            nxt = []
            for ws, b in layer:
                if fused:
                    s = autograd.affine(b, ws, h)
                else:  # micrograd's neuron: sum((wi*xi ...), b)
                    s = sum((wi * xi for wi, xi in zip(ws, h)), b)
                nxt.append(s.relu() if li < len(params) - 1 else s)
            h = nxt
        total.append(h[0])
    loss = sum(total)
    loss.backward()


def mlp_numpy(layers: Any, xs: list[tuple[float, float]]) -> None:
    W = [np.array([ws for ws, _ in layer]) for layer in layers]
    B = [np.array([b for _, b in layer]) for layer in layers]
    X = np.array(xs)
    acts = [X]
    for i, (w, b) in enumerate(zip(W, B)):
        z = acts[-1] @ w.T + b
        acts.append(np.maximum(z, 0) if i < len(W) - 1 else z)
    g = np.ones((len(xs), 1))
    for i in reversed(range(len(W))):
        if i < len(W) - 1:
            g = g * (acts[i + 1] > 0)
        _ = g.T @ acts[i], g.sum(0)
        g = g @ W[i]


def chain_step(V: Any, n: int) -> None:
    v = V(0.5)
    for _ in range(n):
        v = v * 1.0000001
    v.backward()


def bytes_per_node(V: Any, data: list[tuple[float, float, float]]) -> float:
    """Memory held by the graph of (a) alone (tracemalloc), per node, leaves included."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out = sum_graph(V, data)[0]  # the graph keeps every node alive through its parents
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del out
    return (after - before) / NODES_A


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (median)")
    args = parser.parse_args()
    rep = args.repeat
    sys.setrecursionlimit(100_000)  # micrograd's recursive topological sort needs depth
    gc.collect()
    gc.freeze()
    data = terms()
    layers = mlp_params(0)
    xs = points()
    rows: list[tuple[str, float, float | None]] = []

    def row(name: str, ours: Callable[[], Any], theirs: Callable[[], Any] | None) -> None:
        t_ours = timed(ours, rep)
        t_mg = timed(theirs, max(1, rep // 2)) if theirs and MGValue else None
        rows.append((name, t_ours, t_mg))

    mg = MGValue
    row(
        "(a) sum 10k a*b+relu(c), builtins.sum",
        lambda: sum_step(Value, data),
        mg and (lambda: sum_step(mg, data)),
    )
    row(
        "(a) same, n-ary autograd.sum",
        lambda: sum_step(Value, data, nary=True),
        mg and (lambda: sum_step(mg, data)),
    )
    row("(a) same, numpy", lambda: sum_numpy(data), mg and (lambda: sum_step(mg, data)))
    row(
        "(b) MLP 2-16-16-1 x100 fwd+bwd",
        lambda: mlp_step(Value, layers, xs),
        mg and (lambda: mlp_step(mg, layers, xs)),
    )
    row(
        "(b) same, fused affine neuron",
        lambda: mlp_step(Value, layers, xs, fused=True),
        mg and (lambda: mlp_step(mg, layers, xs)),
    )
    row("(b) same, numpy", lambda: mlp_numpy(layers, xs), mg and (lambda: mlp_step(mg, layers, xs)))
    row(
        "(c) chain of 1,000 ops",
        lambda: chain_step(Value, 1000),
        mg and (lambda: chain_step(mg, 1000)),
    )
    t_big = timed(lambda: chain_step(Value, 1_000_000), max(1, rep // 2))

    print("$ python tests/perf/bench_engine.py")
    print(f"{'benchmark':<40} {'ours':>10} {'micrograd':>10} {'speed-up':>9}")
    for name, t_ours, t_mg in rows:
        mg_s = f"{t_mg * 1e3:8.2f}ms" if t_mg else "       n/a"
        ratio = f"{t_mg / t_ours:8.1f}x" if t_mg else "      n/a"
        print(f"{name:<40} {t_ours * 1e3:8.2f}ms {mg_s} {ratio}")
    print(f"{'(c) chain of 1,000,000 ops':<40} {t_big * 1e3:8.0f}ms {'cannot':>10} {'':>9}")
    t_a = rows[0][1]
    print(f"(a) graph nodes per second (ours, build + backward): {NODES_A / t_a:,.0f}")
    b_ours = bytes_per_node(Value, data)
    if MGValue:
        b_mg = bytes_per_node(MGValue, data)
        print(f"(d) bytes per node: ours {b_ours:.0f}, micrograd {b_mg:.0f} ({b_ours / b_mg:.2f}x)")
    else:
        print(f"(d) bytes per node: ours {b_ours:.0f}; micrograd not installed")
    if not MGValue:
        print("micrograd is not installed: pip install -e '.[bench]' for the comparison")


if __name__ == "__main__":
    main()
