"""Time a training step of compiled per-sample programs against torch (and JAX where installed).

    python tests/perf/bench_train.py [--quick] [--threads]

Rows: MLPs 2-16-16-1 and 2-64-64-1 (hinge loss, 100 and 1000 points) and 10-128-128-10
(cross-entropy, 256 points), each with 1e-4 L2, one SGD step. ``autograd.compile(...,
batch=True)`` traces ONE sample (model forward + per-sample loss + L2) and the program replays
it over the batch; the step keeps the parameters in an array (``params=``,
``backward(accumulate=False)``), as torch keeps them in tensors. Peers: torch float64 on one
thread (``torch.set_num_threads(1)``) and ``jax.jit`` float64 on one thread. BLAS runs on one
thread for every engine (``--threads`` leaves numpy's default), so the comparison is like for
like; on a busy machine multi-threaded BLAS makes these small products many times slower.

Measurement: ``gc.collect(); gc.freeze()`` first, then rounds A B A B ...: in each round every
engine runs ``reps`` steps; the ratio compiled / peer is taken per round, and the median of
those same-round ratios is printed with min..max. Compile time is traced + lowered, once per
row. The last block times ``nn.fit`` itself, eager and ``compile=True``: 10-128-128-10 for 20
epochs on 1,797 synthetic samples (batches of 256), and micrograd's whole moons demo.
"""

from __future__ import annotations

import os
import sys

if "--threads" not in sys.argv:  # before numpy is imported
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault(
        "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )

import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import autograd  # noqa: E402
import nn  # noqa: E402

ALPHA = 1e-4
LR = 0.05
ROWS = [  # (nin, hidden sizes, nout, points, loss)
    (2, [16, 16], 1, 100, "hinge"),
    (2, [16, 16], 1, 1000, "hinge"),
    (2, [64, 64], 1, 100, "hinge"),
    (2, [64, 64], 1, 1000, "hinge"),
    (10, [128, 128], 10, 256, "ce"),
]

Step = Callable[[], float]


def dataset(nin: int, nout: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, nin))
    if nout == 1:
        return X, np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    teacher = rng.normal(size=(nin, nout))
    return X, np.argmax(X @ teacher + rng.normal(size=(n, nout)), axis=1).astype(float)


def make_model(nin: int, hidden: list[int], nout: int) -> nn.MLP:
    return nn.MLP(nin, [*hidden, nout], seed=1337)


def per_sample_program(model: nn.MLP, nin: int, loss: str) -> autograd.BatchProgram:
    params = model.parameters()
    lossfn = nn.hinge_loss if loss == "hinge" else nn.cross_entropy

    def fn(x: list, t: autograd.Value) -> autograd.Value:
        out = model(x)
        return lossfn([out], [t]) + nn.l2_penalty(params, ALPHA)

    return autograd.compile(fn, [0.0] * nin, 0.0, batch=True)


def compiled_engine(row: tuple, X: np.ndarray, y: np.ndarray) -> tuple[Step, float]:
    nin, hidden, nout, _, loss = row
    model = make_model(nin, hidden, nout)
    t0 = time.perf_counter()
    prog = per_sample_program(model, nin, loss)
    seconds = time.perf_counter() - t0
    theta = prog.get_params()

    def step() -> float:
        value = prog(X, y, params=theta)
        theta[:] -= LR * prog.backward(accumulate=False)
        return value

    return step, seconds


def layer_arrays(model: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons]).T
        b = np.array([n.b.data for n in layer.neurons])
        out.append((W, b))
    return out


def torch_engine(row: tuple, X: np.ndarray, y: np.ndarray) -> tuple[Step, float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    nin, hidden, nout, _, loss = row
    params = []
    for W, b in layer_arrays(make_model(nin, hidden, nout)):
        params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    yi = yt.long()

    def step() -> float:
        h = Xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = torch.relu(h)
        if loss == "hinge":
            data_loss = torch.relu(1.0 - yt * h[:, 0]).mean()
        else:
            data_loss = torch.nn.functional.cross_entropy(h, yi)
        total = data_loss + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return total.item()

    return step, 0.0


def jax_engine(row: tuple, X: np.ndarray, y: np.ndarray) -> tuple[Step, float] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    nin, hidden, nout, _, loss = row
    params = [
        (jnp.asarray(W), jnp.asarray(b)) for W, b in layer_arrays(make_model(nin, hidden, nout))
    ]
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def objective(ps: list, X: jnp.ndarray, y: jnp.ndarray) -> jnp.ndarray:
        h = X
        for i, (W, b) in enumerate(ps):
            h = h @ W + b
            if i < len(ps) - 1:
                h = jax.nn.relu(h)
        if loss == "hinge":
            data = jax.nn.relu(1.0 - y * h[:, 0]).mean()
        else:
            logp = jax.nn.log_softmax(h)
            data = -jnp.take_along_axis(logp, y.astype(int)[:, None], axis=1).mean()
        return data + ALPHA * sum((W * W).sum() + (b * b).sum() for W, b in ps)

    @jax.jit
    def update(ps: list, X: jnp.ndarray, y: jnp.ndarray) -> tuple:
        value, grads = jax.value_and_grad(objective)(ps, X, y)
        return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, ps, grads)

    t0 = time.perf_counter()
    value, _ = update(params, Xj, yj)
    value.block_until_ready()
    seconds = time.perf_counter() - t0
    state = [params]

    def step() -> float:
        value, state[0] = update(state[0], Xj, yj)
        return float(value)  # waits for the result

    return step, seconds


def fmt(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} us"


def interleaved(engines: dict[str, Step], rounds: int, reps: int) -> dict[str, list[float]]:
    """Per-step seconds of each engine in each round, engines alternating within a round."""
    for step in engines.values():  # warm up
        step()
    gc.collect()
    gc.freeze()
    times: dict[str, list[float]] = {name: [] for name in engines}
    try:
        for _ in range(rounds):
            for name, step in engines.items():
                t0 = time.perf_counter()
                for _ in range(reps):
                    step()
                times[name].append((time.perf_counter() - t0) / reps)
    finally:
        gc.unfreeze()
    return times


def ratio(a: list[float], b: list[float]) -> str:
    rs = [x / y for x, y in zip(a, b)]
    return f"{statistics.median(rs):.2f}x ({min(rs):.2f}..{max(rs):.2f})"


def fit_runs(epochs: int = 20, n: int = 1797, batch: int = 256) -> list[tuple[str, float, str]]:
    """``nn.fit`` itself, eager and ``compile=True``: 10-128-128-10 with cross-entropy for
    ``epochs`` (batches of ``batch``), and micrograd's whole moons demo (100 epochs, full
    batch, hinge + 1e-4 L2). Seconds include tracing; a second compiled fit reuses the program."""
    X, y = dataset(10, 10, n, seed=2)
    Xl, yl = X.tolist(), [int(t) for t in y]
    out = []
    for compiled in (True, False) if "--quick" not in sys.argv else (True,):
        model = nn.MLP(10, [128, 128, 10], seed=1337, init="kaiming")
        gc.collect()
        t0 = time.perf_counter()
        h = nn.fit(model, Xl, yl, loss=nn.cross_entropy, optimizer=nn.SGD(model.parameters(),
                   lr=0.1), epochs=epochs if compiled else 1, batch_size=batch, seed=0,
                   compile=compiled, progress=False)  # fmt: skip
        seconds = (time.perf_counter() - t0) * (1 if compiled else epochs)
        what = "" if compiled else f" (1 epoch timed, x{epochs})"
        out.append((f"10-128-128-10, {epochs} epochs, compile={compiled}{what}", seconds,
                    f"final loss {h.loss[-1]:.4f}"))  # fmt: skip
    Xm, ym = nn.data.make_moons(100, noise=0.1, seed=1, labels="pm1")
    for compiled in (True, False):
        model = nn.MLP(2, [16, 16, 1], seed=1337)
        gc.collect()
        t0 = time.perf_counter()
        h = nn.fit(model, Xm, ym, loss=nn.hinge_loss, optimizer=nn.SGD(model.parameters(),
                   lr=0.5), epochs=100, l2=1e-4, compile=compiled, progress=False)  # fmt: skip
        seconds = time.perf_counter() - t0
        out.append((f"moons demo, 100 epochs, compile={compiled}", seconds,
                    f"accuracy {h['accuracy'][-1]:.0%}"))  # fmt: skip
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    rounds = 7
    print("$ python tests/perf/bench_train.py" + " ".join([""] + sys.argv[1:]))
    threads = "numpy default" if "--threads" in sys.argv else "1 thread everywhere"
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cpus, BLAS: {threads}; {rounds} interleaved rounds"
    )
    have_torch = torch_engine(ROWS[0], *dataset(2, 1, 10)) is not None
    have_jax = jax_engine(ROWS[0], *dataset(2, 1, 10)) is not None
    print(f"torch: {'installed' if have_torch else 'not installed'}; "
          f"jax: {'installed' if have_jax else 'not installed'}")  # fmt: skip
    print()
    head = (
        f"{'problem':34s} {'compile':>9s} {'compiled step':>14s} {'torch step':>11s} "
        f"{'compiled/torch':>22s} {'jax jit step':>13s} {'compiled/jax':>22s}"
    )
    print(head)
    print("-" * len(head))
    for row in ROWS:
        nin, hidden, nout, n, loss = row
        X, y = dataset(nin, nout, n)
        step, compile_s = compiled_engine(row, X, y)
        engines = {"compiled": step}
        t = torch_engine(row, X, y)
        if t:
            engines["torch"] = t[0]
        j = jax_engine(row, X, y)
        if j:
            engines["jax"] = j[0]
        reps = max(3, int((10 if quick else 40) * 100 / max(n, 100)))
        times = interleaved(engines, rounds, reps)
        c = statistics.median(times["compiled"])
        kind = "cross-entropy" if loss == "ce" else "hinge"
        name = f"{'-'.join(map(str, [nin, *hidden, nout]))} x{n} {kind}"
        tt = f"{fmt(statistics.median(times['torch'])):>11s}" if t else f"{'-':>11s}"
        tr = f"{ratio(times['compiled'], times['torch']):>22s}" if t else f"{'-':>22s}"
        jt = f"{fmt(statistics.median(times['jax'])):>13s}" if j else f"{'not installed':>13s}"
        jr = f"{ratio(times['compiled'], times['jax']):>22s}" if j else f"{'-':>22s}"
        print(f"{name:34s} {fmt(compile_s):>9s} {fmt(c):>14s} {tt} {tr} {jt} {jr}")
    print()
    print("compiled/peer: median of same-round ratios (min..max); below 1 the compiled step is")
    print("faster. compile = trace one sample + lower, independent of the batch size.")
    print()
    print("nn.fit end to end (one run each; tracing included):")
    for name, seconds, result in fit_runs():
        print(f"  {name:58s} {seconds:7.2f} s   {result}")


if __name__ == "__main__":
    main()
