"""Time training: the compiled per-sample program against the hand-written numpy floor, torch
and JAX, and ``nn.fit`` itself against that program.

    python tests/perf/bench_train.py [--quick] [--threads]

1. One full-batch SGD step (tests/perf/train_peers.py: MLPs 2-16-16-1 and 2-64-64-1 with hinge
   loss on 100 and 1000 points, 10-128-128-10 with cross-entropy on 256, 1e-4 L2): the
   compiled program (``autograd.compile(..., batch=True)`` of one sample, parameters in an
   array) beside numpy by hand, torch float64 and ``jax.jit`` float64.
2. ``nn.fit(compile=True)``: a steady epoch (the median of a fit's epochs from the fourth on,
   timed from ``lr_schedule``'s calls; about 5 ms of epochs a round) against the program's own
   steps over the same batches (full batch, and batches of 32 over 1,000 points), for SGD, SGD
   with momentum 0.9 and Adam: each step the program's forward and backward and the
   optimizer's update of the parameter array (``opt.update``), and against the plain SGD step
   of table 1 (``fit/SGD program``).
3. The first epoch's overhead of ``fit`` on 10-128-128-10 (a fresh model: everything fit pays
   once: checking the targets, tracing, lowering, the look at the loss), by batch size.
4. ``nn.fit`` end to end, eager and compiled.

Measurement: BLAS on one thread for every engine (``--threads`` leaves numpy's default), and
the heap kept between steps (see ``_steady_heap``), so the comparison is like for like.
``gc.collect(); gc.freeze()`` first, then rounds A B A B ...: in each round every engine runs
``reps`` steps; the ratio is taken per round, and the median of those same-round ratios is
printed with min..max.
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

import ctypes  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402


def _steady_heap() -> str:
    """glibc gives freed blocks over 128 KB back to the system and faults them in again at the
    next allocation, which costs the engine that allocates its arrays afresh each step (the
    numpy step) up to half its time, depending on the heap's history. Both thresholds high,
    every engine's big arrays come from a heap that stays: like for like, run after run."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(-1, 1 << 30) and libc.mallopt(-3, 1 << 30)  # TRIM, MMAP thresholds
    except (OSError, AttributeError):
        return "heap: as the system keeps it"
    return "heap: kept (glibc mallopt)" if ok else "heap: as the system keeps it"


HEAP = _steady_heap()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from train_peers import (  # noqa: E402
    ALPHA,
    LR,
    Step,
    check_same,
    compiled_engine,
    dataset,
    jax_engine,
    loss_of,
    make_model,
    numpy_engine,
    per_sample_program,
    torch_engine,
)

import nn  # noqa: E402

ROWS = [  # (nin, hidden sizes, nout, points, loss)
    (2, [16, 16], 1, 100, "hinge"),
    (2, [16, 16], 1, 1000, "hinge"),
    (2, [64, 64], 1, 100, "hinge"),
    (2, [64, 64], 1, 1000, "hinge"),
    (10, [128, 128], 10, 256, "ce"),
]
NETS = [ROWS[0], ROWS[3], ROWS[4]]  # the three nets of the fit table
OPTIMIZERS: dict[str, Callable] = {
    "SGD": lambda ps: nn.SGD(ps, lr=LR),
    "Momentum": lambda ps: nn.SGD(ps, lr=LR, momentum=0.9),
    "Adam": lambda ps: nn.Adam(ps, lr=1e-3),
}


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


def name_of(row: tuple) -> str:
    nin, hidden, nout, n, loss = row
    kind = "cross-entropy" if loss == "ce" else "hinge"
    return f"{'-'.join(map(str, [nin, *hidden, nout]))} x{n} {kind}"


def _columns(times: dict[str, list[float]], peer: str) -> str:
    if peer not in times:
        return f"{'-':>9s} {'-':>20s}"
    median = fmt(statistics.median(times[peer]))
    return f"{median:>9s} {ratio(times['compiled'], times[peer]):>20s}"


def step_table(quick: bool, rounds: int) -> None:
    head = (
        f"{'problem':34s} {'compile':>9s} {'compiled':>9s} {'numpy':>9s} "
        f"{'compiled/numpy':>20s} {'torch':>9s} {'compiled/torch':>20s} {'jax jit':>9s} "
        f"{'compiled/jax':>20s}"
    )
    print(head)
    print("-" * len(head))
    for row in ROWS:
        nin, hidden, nout, n, loss = row
        X, y = dataset(nin, nout, n)
        step, compile_s = compiled_engine(row, X, y)
        engines = {"compiled": step, "numpy": numpy_engine(row, X, y)}
        t = torch_engine(row, X, y)
        j = jax_engine(row, X, y)
        if t:
            engines["torch"] = t
        if j:
            engines["jax"] = j[0]
        check_same(engines)
        reps = max(5, int((15 if quick else 60) * 100 / max(n, 100)))
        times = interleaved(engines, rounds, reps)
        ours = fmt(statistics.median(times["compiled"]))
        peers = " ".join(_columns(times, peer) for peer in ("numpy", "torch", "jax"))
        print(f"{name_of(row):34s} {fmt(compile_s):>9s} {ours:>9s} {peers}")


def program_epoch(
    row: tuple, X: np.ndarray, y: np.ndarray, batch: int | None, make_opt: Callable
) -> Step:
    """The program's steps over one epoch's batches, as fit cuts them, each with the
    optimizer's update of the parameter array (``opt.update``; for SGD ``theta - lr * g``)."""
    nin, hidden, nout, n, loss = row
    model = make_model(nin, hidden, nout)
    prog = per_sample_program(model, nin, loss)
    opt = make_opt(list(prog.params))
    theta = [prog.get_params()]
    order = list(range(len(X)))
    rng = random.Random(0)

    def epoch() -> float:
        parts = [None] if batch is None else None
        if parts is None:
            rng.shuffle(order)
            idx = np.array(order)
            parts = [idx[start : start + batch] for start in range(0, len(idx), batch)]
        for part in parts:
            xb, yb = (X, y) if part is None else (X[part], y[part])
            value = prog(xb, yb, params=theta[0])
            theta[0] = opt.update(theta[0], prog.backward(accumulate=False))
        return value

    return epoch


def fit_epochs(
    row: tuple, X: np.ndarray, y: np.ndarray, batch: int | None, make_opt: Callable, epochs: int
) -> Callable[[], float]:
    """An ``nn.fit(compile=True)`` of ``epochs`` on one model (its program kept between fits);
    returns the median of its steady epochs (the fourth on), timed from lr_schedule."""
    nin, hidden, nout, n, loss = row
    model = make_model(nin, hidden, nout)
    Xl = X.tolist()
    yl = [int(t) for t in y] if loss == "ce" else y.tolist()

    def run() -> float:
        stamps: list[float] = []
        opt = make_opt(model.parameters())
        lr = opt.lr

        def schedule(epoch: int) -> float:
            stamps.append(time.perf_counter())
            return lr

        nn.fit(model, Xl, yl, loss=loss_of(loss), optimizer=opt, epochs=epochs,
               batch_size=batch, seed=0, l2=ALPHA, compile=True, progress=False,
               lr_schedule=schedule)  # fmt: skip
        return statistics.median(b - a for a, b in zip(stamps[3:], stamps[4:]))

    return run


def _rounds(units: list[Callable[[], float]], rounds: int) -> list[list[float]]:
    """Seconds of each unit in each round, units in turn within a round."""
    gc.collect()
    gc.freeze()
    times: list[list[float]] = [[] for _ in units]
    try:
        for _ in range(rounds):
            for unit, ts in zip(units, times):
                ts.append(unit())
    finally:
        gc.unfreeze()
    return times


def _timed(step: Step, reps: int) -> Callable[[], float]:
    def unit() -> float:
        t0 = time.perf_counter()
        for _ in range(reps):
            step()
        return (time.perf_counter() - t0) / reps

    return unit


def _reps(step: Step) -> int:
    """Epochs per measurement: enough for about 5 ms (short epochs are noisy one by one)."""
    t0 = time.perf_counter()
    step()
    return max(2, min(50, int(5e-3 / (time.perf_counter() - t0))))


def fit_table(rounds: int) -> None:
    head = (
        f"{'net':24s} {'batches':>11s} {'optimizer':>9s} {'program':>9s} {'fit':>9s} "
        f"{'fit/program':>20s} {'fit/SGD program':>20s}"
    )
    print(head)
    print("-" * len(head))
    for row in NETS:
        nin, hidden, nout, n, loss = row
        for batch, points in ((None, n), (32, 1000)):
            X, y = dataset(nin, nout, points)
            case = (nin, hidden, nout, points, loss)
            plain = program_epoch(case, X, y, batch, OPTIMIZERS["SGD"])
            plain()
            reps = _reps(plain)
            sgd = _timed(plain, reps)
            for opt_name, make_opt in OPTIMIZERS.items():
                same = _timed(program_epoch(case, X, y, batch, make_opt), reps)
                fit = fit_epochs(case, X, y, batch, make_opt, 4 + reps)
                fit()  # the program is traced and kept on the model
                a, b, c = _rounds([same, fit, sgd], rounds)
                what = f"full x{points}" if batch is None else f"{batch} of {points}"
                net = "-".join(map(str, [nin, *hidden, nout]))
                print(f"{net:24s} {what:>11s} {opt_name:>9s} {fmt(statistics.median(a)):>9s} "
                      f"{fmt(statistics.median(b)):>9s} {ratio(b, a):>20s} "
                      f"{ratio(b, c):>20s}")  # fmt: skip


def _first_epoch(Xl: list, yl: list, batch: int | None) -> float:
    """One fresh fit's one-time cost: until the end of epoch 1, less a steady epoch."""
    nin, hidden, nout, _, _ = NETS[2]
    model = make_model(nin, hidden, nout)
    stamps: list[float] = []

    def schedule(epoch: int) -> float:
        stamps.append(time.perf_counter())
        return LR

    gc.collect()
    t0 = time.perf_counter()
    nn.fit(model, Xl, yl, loss=nn.cross_entropy, optimizer=nn.SGD(model.parameters(), lr=LR),
           epochs=3, batch_size=batch, seed=0, l2=ALPHA, compile=True, progress=False,
           lr_schedule=schedule)  # fmt: skip
    return (stamps[1] - t0) - (stamps[2] - stamps[1])


def first_epoch_table(rounds: int) -> None:
    """Fit's one-time cost on 10-128-128-10 (1,000 points): a fresh model each run."""
    nin, _, nout, _, _ = NETS[2]
    X, y = dataset(nin, nout, 1000)
    Xl, yl = X.tolist(), [int(t) for t in y]
    for batch in (32, 256, None):
        costs = [_first_epoch(Xl, yl, batch) for _ in range(rounds)]
        what = "full batch" if batch is None else f"batches of {batch}"
        spread = f"({min(costs):.3f}..{max(costs):.3f})"
        print(f"  {what:18s} {statistics.median(costs):.3f} s {spread}")


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
    rounds = 5 if quick else 9
    print("$ python tests/perf/bench_train.py" + " ".join([""] + sys.argv[1:]))
    threads = "numpy default" if "--threads" in sys.argv else "1 thread everywhere"
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cpus, BLAS: {threads}; {HEAP}; {rounds} interleaved rounds"
    )
    have = [name for name, f in (("torch", torch_engine), ("jax", jax_engine))
            if f(ROWS[0], *dataset(2, 1, 10)) is not None]  # fmt: skip
    print(f"peers installed: numpy (by hand){''.join(', ' + h for h in have)}")
    print()
    print("1. One full-batch SGD step; ratios are compiled / peer (below 1: compiled faster)")
    step_table(quick, rounds)
    print()
    print("2. nn.fit(compile=True): a steady epoch against the program's steps over the same")
    print("   batches with the same optimizer's array update (fit/program), and with SGD's")
    fit_table(rounds)
    print()
    print("3. fit's first-epoch overhead on 10-128-128-10 x1000 (trace, lowering, checks)")
    first_epoch_table(3 if quick else 5)
    print()
    print("4. nn.fit end to end (one run each; tracing included):")
    for name, seconds, result in fit_runs():
        print(f"  {name:58s} {seconds:7.2f} s   {result}")


if __name__ == "__main__":
    main()
