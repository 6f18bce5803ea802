"""Scalar engine benchmark: this engine beside micrograd 0.1.0, interleaved round by round.

    python tests/perf/bench_engine.py [--rounds N] [--quick]

How it measures (asserts nothing: machines are shared and noisy):
- the engines run in turn within each round (ours, micrograd, ours, micrograd, ...), after one
  untimed warm-up round; a row quotes each engine's median (min..max) over the rounds and the
  median (min..max) of the same-round ratios micrograd / ours;
- inputs (leaves, models, data) are made before timing, then ``gc.collect(); gc.freeze()``;
- a timed unit is build + backward + dropping the graph + ``gc.collect()``, so each engine pays
  for its own garbage (micrograd's ``_backward`` closures make every node a reference cycle,
  which only the cyclic collector frees); the automatic collector stays on, as users run it.
  Extra rows without the forced collect are labelled "no forced collect" (the collection then
  runs after the clock stops, so neither engine pays for the other's garbage);
- Python's recursion limit is raised so micrograd's recursive topological sort can walk the
  10k- and 100k-deep chain of adds that ``builtins.sum`` makes.

Rows:
(a)   builtins.sum of 10,000 terms a*b + relu(c) from existing leaves: build + backward + free;
(a')  the same at 100,000 terms;
(a'') backward() alone on the 10k graph (built before the clock starts, a fresh one per round);
(b)   one step of micrograd's moons demo: MLP(2, [16, 16, 1]) on 100 points, hinge loss +
      1e-4 L2, backward, SGD; ours written with nn, micrograd's as in its demo notebook;
(c)   a chain of 1,000 ops (both engines) and of 1,000,000 ops (ours only: micrograd's
      recursive sort cannot at Python's default recursion limit; raised far enough, CPython
      3.11+ lets it finish in many seconds, which this script does not time);
(d)   bytes per graph node of (a), traced by tracemalloc.
At the bottom the targets the issues set, with PASS/FAIL from each median ratio.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleave import Spread, Unit, interleave, ratios, settle, timed  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Value  # noqa: E402

try:
    from micrograd.engine import Value as MGValue
    from micrograd.nn import MLP as MGMLP
except ImportError:  # the `bench` extra: pip install -e '.[bench]'
    MGValue = MGMLP = None

SEED = 1337
ALPHA = 1e-4  # micrograd's demo: reg_loss = alpha * sum(p*p)
CHAIN_FACTOR = 1.0000001


@dataclass
class Size:
    """Workload sizes; --quick shrinks them."""

    terms: int = 10_000
    big_terms: int = 100_000
    chain: int = 1_000
    big_chain: int = 1_000_000
    big_chain_rounds: int = 3


QUICK = Size(terms=2_000, big_terms=20_000, big_chain=100_000, big_chain_rounds=1)


@dataclass
class Row:
    name: str
    ours: list[float]
    theirs: list[float] | None = None
    note: str = ""
    speedups: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.theirs is not None:
            self.speedups = ratios(self.theirs, self.ours)


# -- workloads: the same code runs on either engine ------------------------------------------


def make_leaves(V: Any, n: int, seed: int = 0) -> list[tuple[Any, Any, Any]]:
    rng = random.Random(seed)
    return [(V(rng.uniform(-1, 1)), V(rng.uniform(-1, 1)), V(rng.uniform(-1, 1))) for _ in range(n)]


def sum_graph(leaves: list[tuple[Any, Any, Any]]) -> Any:
    """builtins.sum of a*b + relu(c): a chain of adds, as a user writes it."""
    return sum(a * b + c.relu() for a, b, c in leaves)


def sum_step(leaves: list[tuple[Any, Any, Any]]) -> Callable[[], None]:
    def step() -> None:
        sum_graph(leaves).backward()  # the graph is dropped when step returns

    return step


def nary_sum_step(leaves: list[tuple[Any, Any, Any]]) -> Callable[[], None]:
    def step() -> None:
        autograd.sum([a * b + c.relu() for a, b, c in leaves]).backward()

    return step


def backward_only(leaves: list[tuple[Any, Any, Any]]) -> Unit:
    """Times out.backward() alone; the graph is built and freed outside the clock."""

    def unit() -> float:
        out = sum_graph(leaves)
        gc.collect()  # pending garbage from the build is not backward's to pay
        t0 = time.perf_counter()
        out.backward()
        elapsed = time.perf_counter() - t0
        del out
        gc.collect()
        return elapsed

    return unit


def chain_step(V: Any, n: int) -> Callable[[], None]:
    x = V(0.5)

    def step() -> None:
        v = x
        for _ in range(n):
            v = v * CHAIN_FACTOR
        v.backward()

    return step


def moons() -> tuple[list[list[float]], list[int]]:
    X, y = nn.data.make_moons(100, noise=0.1, seed=SEED, labels="pm1")
    return [[float(a) for a in row] for row in X], [int(t) for t in y]


def lr_at(k: int) -> float:
    """micrograd's demo schedule; k wraps at 100 so the rate stays positive."""
    return 1.0 - 0.9 * (k % 100) / 100


def ours_moons(X: list[list[float]], y: list[int]) -> Callable[[], float]:
    """The demo step written with nn: hinge loss + L2 penalty, zero_grad, backward, SGD."""
    random.seed(SEED)
    model = nn.MLP(2, [16, 16, 1])
    opt = nn.SGD(model.parameters(), lr=lr_at(0))
    k = 0

    def step() -> float:
        nonlocal k
        scores = [model(x) for x in X]
        loss = nn.hinge_loss(scores, y) + nn.l2_penalty(model.parameters(), ALPHA)
        opt.zero_grad()
        loss.backward()
        opt.lr = lr_at(k)
        opt.step()
        k += 1
        return loss.data

    return step


def micrograd_moons(X: list[list[float]], y: list[int]) -> Callable[[], float]:
    """micrograd's demo notebook step (its svm loss, L2, zero_grad, backward, SGD update)."""
    random.seed(SEED)
    model = MGMLP(2, [16, 16, 1])
    k = 0

    def step() -> float:
        nonlocal k
        inputs = [list(map(MGValue, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = lr_at(k)
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        k += 1
        return total_loss.data

    return step


def bytes_per_node(V: Any, n: int) -> float:
    """Memory held by the graph of (a), leaves included, per node (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out = sum_graph(make_leaves(V, n))  # the output keeps every node alive through its parents
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del out
    gc.collect()
    # per term: leaves a, b, c; nodes a*b, relu(c), their add; the running total's add
    return (after - before) / (7 * n)


# -- checks that both engines do the same work ------------------------------------------------


def same_work(size: Size, X: list[list[float]], y: list[int]) -> list[str]:
    lines = []
    ours = make_leaves(Value, 200)
    theirs = make_leaves(MGValue, 200)
    o, t = sum_graph(ours), sum_graph(theirs)
    o.backward()
    t.backward()
    same = abs(o.data - t.data) <= 1e-9 * max(1.0, abs(t.data)) and all(
        abs(p.grad - q.grad) <= 1e-12 for tp, tq in zip(ours, theirs) for p, q in zip(tp, tq)
    )
    lines.append(f"(a) same value and leaf gradients on both engines: {'yes' if same else 'NO'}")
    lo, lt = ours_moons(X, y)(), micrograd_moons(X, y)()
    same = abs(lo - lt) <= 1e-9 * max(1.0, abs(lt))
    lines.append(
        f"(b) first-step loss: ours {lo:.12f}, micrograd {lt:.12f} ({'same' if same else 'DIFFER'})"
    )
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default
    try:
        chain_step(MGValue, size.chain)()
        lines.append(f"(c) micrograd, {size.chain:,}-op chain at the default recursion limit: ok")
    except RecursionError:
        lines.append(
            f"(c) micrograd, {size.chain:,}-op chain at the default recursion limit (1000): "
            "RecursionError; the rows here raise the limit"
        )
    finally:
        sys.setrecursionlimit(limit)
    gc.collect()
    return lines


# -- running and printing -------------------------------------------------------------------


def pair(name: str, ours: Unit, theirs: Unit | None, rounds: int, note: str = "") -> Row:
    """One row: ours and micrograd interleaved (ours, micrograd, ours, ...), or ours alone."""
    units = [ours] if theirs is None else [ours, theirs]
    times = interleave(units, rounds)
    return Row(name, times[0], times[1] if theirs else None, note)


def fmt_ms(xs: list[float] | None) -> str:
    if xs is None:
        return "cannot"
    s = Spread.of(xs)
    fmt = ".2f" if s.median < 0.01 else ".1f" if s.median < 1 else ".0f"
    return s.show(1e3, fmt)


def fmt_ratio(xs: list[float]) -> str:
    return Spread.of(xs).show(1.0, ".2f", "x") if xs else ""


def print_table(title: str, rows: list[Row]) -> None:
    w = max(len(r.name) for r in rows) + 1
    print(title)
    head = f"{'row':<{w}} {'ours ms':>24} {'micrograd ms':>24} {'speed-up':>24}  rounds"
    print(head)
    print("-" * len(head))
    for r in rows:
        cells = f"{fmt_ms(r.ours):>24} {fmt_ms(r.theirs):>24} {fmt_ratio(r.speedups):>24}"
        print(f"{r.name:<{w}} {cells}  {len(r.ours):>6}{'  ' + r.note if r.note else ''}")
    print()


def revision() -> str:
    """The git commit of the engine's tree, '+ changes' when it has uncommitted edits."""
    root = Path(autograd.__file__).resolve().parents[1]
    try:
        git = ["git", "-C", str(root)]
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--", "autograd", "nn"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return head + (" + uncommitted changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=None, help="interleaved rounds per row (default 9; quick 3)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: smaller and fewer")
    args = parser.parse_args()
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 9)
    if rounds < 1:
        parser.error(f"--rounds must be >= 1, got {rounds}")
    big_rounds = min(rounds, 7)
    size = QUICK if args.quick else Size()
    if MGValue is None:
        sys.exit("micrograd is not installed: pip install -e '.[bench]' for the comparison")
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * size.big_terms + 10_000))

    print(" ".join(["$ python tests/perf/bench_engine.py", *sys.argv[1:]]))
    print(f"engine: {Path(autograd.__file__).parent} at {revision()}")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{platform.system()}; micrograd {metadata.version('micrograd')}; "
        f"{rounds} interleaved rounds per row "
        f"({big_rounds} for the {size.big_terms:,}-term row) after one warm-up round"
        + ("; QUICK: smaller workloads, figures indicative only" if args.quick else "")
    )
    X, y = moons()
    for line in same_work(size, X, y):
        print(line)
    print()

    nt, bt = f"{size.terms // 1000}k", f"{size.big_terms // 1000}k"
    ours_a, mg_a = make_leaves(Value, size.terms), make_leaves(MGValue, size.terms)
    settle()
    row_a = pair(
        f"(a) sum {nt} a*b+relu(c)", timed(sum_step(ours_a)), timed(sum_step(mg_a)), rounds
    )
    row_a2 = pair(f"(a'') backward alone, {nt}", backward_only(ours_a), backward_only(mg_a), rounds)
    no_collect_a = pair(
        f"(a) sum {nt}, no forced collect",
        timed(sum_step(ours_a), collect=False),
        timed(sum_step(mg_a), collect=False),
        rounds,
    )
    nary_a = pair(
        f"(a) sum {nt}, ours n-ary autograd.sum",
        timed(nary_sum_step(ours_a)),
        timed(sum_step(mg_a)),
        rounds,
        "micrograd: builtins.sum",
    )
    del ours_a, mg_a

    ours_big, mg_big = make_leaves(Value, size.big_terms), make_leaves(MGValue, size.big_terms)
    settle()
    row_a1 = pair(
        f"(a') sum {bt} a*b+relu(c)",
        timed(sum_step(ours_big)),
        timed(sum_step(mg_big)),
        big_rounds,
    )
    del ours_big, mg_big

    ours_b, mg_b = ours_moons(X, y), micrograd_moons(X, y)
    settle()
    row_b = pair("(b) moons step, MLP 2-16-16-1", timed(ours_b), timed(mg_b), rounds)
    no_collect_b = pair(
        "(b) moons step, no forced collect",
        timed(ours_b, collect=False),
        timed(mg_b, collect=False),
        rounds,
    )

    chain_ours, chain_mg = chain_step(Value, size.chain), chain_step(MGValue, size.chain)
    settle()
    row_c = pair(f"(c) chain of {size.chain:,} ops", timed(chain_ours), timed(chain_mg), rounds)
    big_name = f"(c) chain of {size.big_chain:,} ops"
    row_c1: Row | None = None
    try:
        big_chain = chain_step(Value, size.big_chain)
        settle()
        row_c1 = pair(
            big_name,
            timed(big_chain),
            None,
            size.big_chain_rounds,
            "micrograd: recursion limit, see the check above",
        )
    except (RecursionError, MemoryError) as e:
        print(f"{big_name}: ours FAILED with {type(e).__name__}")

    print_table(
        "Time per unit: median (min..max); speed-up = median (min..max) of same-round "
        "micrograd/ours",
        [row_a, row_a1, row_a2, row_b, row_c] + ([row_c1] if row_c1 else []),
    )
    print_table(
        "Extra information, not targets: without the forced collect (each unit's cyclic "
        "garbage is collected after the clock stops)",
        [no_collect_a, no_collect_b],
    )
    print_table("Extra information, not a target: ours with the n-ary sum", [nary_a])

    b_ours, b_mg = bytes_per_node(Value, size.terms), bytes_per_node(MGValue, size.terms)
    b_ratio = b_ours / b_mg
    print(
        f"(d) bytes per node, graph of (a) with its leaves (tracemalloc): ours {b_ours:.0f}, "
        f"micrograd {b_mg:.0f}, ours/micrograd {b_ratio:.3f}x"
    )
    print()

    # The training issue asks (b) >= 45x; the others are the first engine issue's, kept to see
    # what later changes cost: (a'') fell from 2.8x to 2x when every form of backward became a
    # view of one reverse pass, and (d) rose by the 8-byte data-clock stamp per node with which
    # a stale graph is refused (0.25x then).
    print("Targets, PASS/FAIL from the median (after each, the issue that set it)")
    targets: list[tuple[str, str, bool]] = []
    for row, want, label in [
        (row_a, 6.0, ">= 6x (engine)"),
        (row_a1, 5.0, ">= 5x (engine)"),
        (row_a2, 2.0, ">= 2x (engine)"),
        (row_b, 45.0, ">= 45x (training)"),
    ]:
        med = Spread.of(row.speedups).median
        targets.append((row.name, f"{label:<18} got {med:.2f}x", med >= want))
    bytes_ok = b_ratio <= 0.27
    targets.append(
        ("(d) bytes per node", f"{'<= 0.27x (engine)':<18} got {b_ratio:.3f}x", bytes_ok)
    )
    ran = f"ran {len(row_c1.ours)}x" if row_c1 else "failed"
    targets.append((big_name, f"{'still works':<16} {ran}", row_c1 is not None))
    w = max(len(name) for name, _, _ in targets) + 1
    for name, text, ok in targets:
        print(f"  {'PASS' if ok else 'FAIL'}  {name:<{w}} {text}")
    if args.quick:
        print("  (quick run: smaller workloads than the issue's; run without --quick to judge)")


if __name__ == "__main__":
    main()
