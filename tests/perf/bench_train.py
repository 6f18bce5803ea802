"""Time one training step of micrograd's moons demo, engine by engine, side by side.

    python tests/perf/bench_train.py [--quick]

The step: MLP(2, [16, 16, 1]) on 100 moons points (nn.data.make_moons, labels +-1), loss =
mean(relu(1 - y_i * score_i)) + 1e-4 * sum(p * p), backward, SGD with lr = 1.0 - 0.9 * k / 100.
Engines: micrograd 0.1.0 (when installed), our scalar engine through ``nn``, the same loss
replayed by ``autograd.compile``, a hand-written numpy forward/backward of the same network and a
batched PyTorch float64 step on one thread (when torch is installed). Every engine starts from
the parameters ``random.seed(SEED); nn.MLP(2, [16, 16, 1])`` draws (micrograd's MLP draws the
same), so their losses can be compared step by step; they are printed, not asserted.

Fair measurement: ``gc.collect(); gc.freeze()`` before timing, a ``gc.collect()`` inside each
timed step (each engine pays for its own garbage), the median of repeated steps.
"""

from __future__ import annotations

import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import autograd  # noqa: E402
import nn  # noqa: E402

SEED = 1337
N_POINTS = 100
SIZES = [16, 16, 1]
ALPHA = 1e-4
CHECK_STEPS = 3  # steps whose losses are compared with micrograd's (micrograd takes ~1 s each)


def lr_at(k: int) -> float:
    """micrograd's demo schedule (k wraps at 100 so long timing runs keep a positive rate)."""
    return 1.0 - 0.9 * (k % 100) / 100


def moons() -> tuple[list[list[float]], list[int]]:
    X, y = nn.data.make_moons(N_POINTS, noise=0.1, seed=SEED, labels="pm1")
    return [list(map(float, row)) for row in X], [int(t) for t in y]


def initial_model() -> nn.MLP:
    random.seed(SEED)
    return nn.MLP(2, SIZES)


def layer_arrays(model: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W of shape (nin, nout), b of shape (nout,)) per layer, from an nn.MLP."""
    out = []
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons]).T
        b = np.array([n.b.data for n in layer.neurons])
        out.append((W, b))
    return out


# -- engines: each returns step(k) -> loss before the update ---------------------------------


def micrograd_engine(X: list[list[float]], y: list[int]) -> Callable[[int], float]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(SEED)
    model = MLP(2, SIZES)
    params = model.parameters()

    def step(k: int) -> float:
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in params)
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        lr = lr_at(k)
        for p in params:
            p.data -= lr * p.grad
        return total.data

    return step


def nn_loss(model: nn.MLP, X: list, y: list) -> autograd.Value:
    scores = [model(row) for row in X]
    return nn.hinge_loss(scores, y) + nn.l2_penalty(model.parameters(), ALPHA)


def scalar_engine(X: list[list[float]], y: list[int]) -> Callable[[int], float]:
    model = initial_model()
    params = model.parameters()

    def step(k: int) -> float:
        total = nn_loss(model, X, y)
        model.zero_grad()
        total.backward()
        lr = lr_at(k)
        for p in params:
            p.data -= lr * p.grad
        return total.data

    return step


def compiled_engine(X: list[list[float]], y: list[int]) -> Callable[[int], float]:
    model = initial_model()
    params = model.parameters()
    prog = autograd.compile(lambda xv, yv: nn_loss(model, xv, yv), X, y)
    Xa, ya = np.array(X), np.array(y, dtype=float)

    def step(k: int) -> float:
        model.zero_grad()
        loss = prog(Xa, ya)
        prog.backward()
        lr = lr_at(k)
        for p in params:
            p.data -= lr * p.grad
        return loss

    return step


def numpy_engine(X: list[list[float]], y: list[int]) -> Callable[[int], float]:
    layers = layer_arrays(initial_model())
    Xa, ya = np.array(X), np.array(y, dtype=float)
    n = len(ya)

    def step(k: int) -> float:
        acts = [Xa]
        pre = []
        for i, (W, b) in enumerate(layers):
            z = acts[-1] @ W + b
            pre.append(z)
            acts.append(np.maximum(z, 0.0) if i < len(layers) - 1 else z)
        score = acts[-1][:, 0]
        margin = 1.0 - ya * score
        reg = sum(float((W * W).sum() + (b * b).sum()) for W, b in layers)
        loss = float(np.maximum(margin, 0.0).sum() * (1.0 / n) + ALPHA * reg)
        dz = (-(ya * (margin > 0.0)) * (1.0 / n))[:, None]
        grads = []
        for i in range(len(layers) - 1, -1, -1):
            W, b = layers[i]
            grads.append((acts[i].T @ dz + 2 * ALPHA * W, dz.sum(0) + 2 * ALPHA * b))
            if i:
                dz = (dz @ W.T) * (pre[i - 1] > 0.0)
        lr = lr_at(k)
        for (W, b), (dW, db) in zip(layers, reversed(grads)):
            W -= lr * dW
            b -= lr * db
        return loss

    return step


def torch_engine(X: list[list[float]], y: list[int]) -> Callable[[int], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    params = []
    for W, b in layer_arrays(initial_model()):
        params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    n = len(y)

    def step(k: int) -> float:
        h = Xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = torch.relu(h)
        data_loss = torch.relu(1.0 - yt * h[:, 0]).sum() * (1.0 / n)
        reg = sum((p * p).sum() for p in params)
        total = data_loss + ALPHA * reg
        for p in params:
            p.grad = None
        total.backward()
        lr = lr_at(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return total.detach().item()

    return step


# -- measurement ------------------------------------------------------------------------------


def run(step: Callable[[int], float], n_steps: int) -> tuple[list[float], list[float]]:
    """Losses and per-step seconds of ``n_steps`` steps, each paying for its own garbage."""
    gc.collect()
    gc.freeze()
    losses, times = [], []
    try:
        for k in range(n_steps):
            t0 = time.perf_counter()
            losses.append(step(k))
            gc.collect()
            times.append(time.perf_counter() - t0)
    finally:
        gc.unfreeze()
    return losses, times


def fmt_time(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:8.3f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:8.3f} ms"
    return f"{seconds * 1e6:8.1f} us"


def main() -> None:
    quick = "--quick" in sys.argv
    X, y = moons()
    engines: list[tuple[str, Callable[[int], float] | None, int]] = []
    try:
        engines.append(("micrograd 0.1.0", micrograd_engine(X, y), CHECK_STEPS))
    except ImportError:
        engines.append(("micrograd 0.1.0", None, 0))
    engines += [
        ("stepgrad scalar (nn)", scalar_engine(X, y), 6 if quick else 20),
        ("stepgrad compiled replay", compiled_engine(X, y), 100 if quick else 300),
        ("numpy by hand", numpy_engine(X, y), 100 if quick else 300),
        ("torch float64, 1 thread", torch_engine(X, y), 100 if quick else 300),
    ]
    print("$ python tests/perf/bench_train.py" + (" --quick" if quick else ""))
    print(
        f"one training step of micrograd's moons demo: MLP(2, {SIZES}), {N_POINTS} points, "
        f"hinge loss + {ALPHA:g} L2, SGD"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cpus; median of timed steps"
    )
    results = {}
    for name, step, n_steps in engines:
        if step is None:
            results[name] = None
            continue
        results[name] = run(step, n_steps)
    base = results["micrograd 0.1.0"]
    ref_losses = base[0] if base else results["stepgrad scalar (nn)"][0]
    torch_res = results["torch float64, 1 thread"]
    print()
    head = f"{'engine':26s} {'time/step':>11s} {'steps':>6s} {'vs micrograd':>13s} {'vs torch':>9s}"
    print(head + "  losses vs micrograd, first steps")
    print("-" * (len(head) + 34))
    for name, _, _ in engines:
        res = results[name]
        if res is None:
            print(f"{name:26s} {'(not installed)':>11s}")
            continue
        losses, times = res
        t = statistics.median(times)
        vs_mg = f"{statistics.median(base[1]) / t:12.1f}x" if base else f"{'-':>13s}"
        vs_torch = f"{t / statistics.median(torch_res[1]):8.2f}x" if torch_res else f"{'-':>9s}"
        m = min(len(losses), len(ref_losses), CHECK_STEPS)
        diffs = [abs(a - b) / abs(b) for a, b in zip(losses[:m], ref_losses[:m])]
        same = next((i for i in range(m) if losses[i] != ref_losses[i]), m)
        if res is base:
            agree = "(reference) " + ", ".join(f"{v:.6f}" for v in losses[:m])
        elif same == m:
            agree = f"identical for all {m} steps"
        else:
            agree = f"identical for {same} of {m} steps, max rel diff {max(diffs):.1e}"
        print(f"{name:26s} {fmt_time(t):>11s} {len(times):6d} {vs_mg} {vs_torch}  {agree}")
    print()
    print("vs torch = time / torch's time (lower is faster). Losses drift by ulps once gradients")
    print("are summed in another order (micrograd sums them in the order of its _prev sets).")
    print()
    print("the whole demo, 100 epochs of nn.fit (accuracy metric on, no progress bar):")
    for compiled in (False, True):
        seconds, acc = whole_demo(X, y, compiled)
        print(f"  nn.fit(compile={compiled!s:5}) {seconds:6.2f} s, final accuracy {acc:.0%}")


def whole_demo(X: list[list[float]], y: list[int], compiled: bool) -> tuple[float, float]:
    """Seconds for micrograd's whole moons demo through ``nn.fit``, and the final accuracy."""
    model = initial_model()
    gc.collect()
    t0 = time.perf_counter()
    history = nn.fit(
        model,
        X,
        y,
        loss=nn.hinge_loss,
        optimizer=nn.SGD(model.parameters(), lr=1.0),
        epochs=100,
        l2=ALPHA,
        lr_schedule=lr_at,
        progress=False,
        compile=compiled,
    )
    gc.collect()
    return time.perf_counter() - t0, history["accuracy"][-1]


if __name__ == "__main__":
    main()
