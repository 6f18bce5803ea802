"""Three ways to train a linear softmax classifier, as in CS231n's notes on optimisation.

Strategy 1, random search: try random weight matrices W, keep the best.
Strategy 2, random local search: from the current W try W + a small random step, move only
when the loss falls.
Strategy 3, follow the gradient: step against dL/dW, which the engine computes exactly by one
backward pass.
Each strategy gets the same budget of loss evaluations (counted below; a gradient step
evaluates the loss once and then runs backward). The data: 45 points of 3 classes in 10
dimensions, at the scale of raw pixel values (tens), seeded so every run prints the same.
Finally the step-size sweep of the notes: from one W, one gradient, and steps from 1e-10 to
1e-1: the loss falls as the step grows, then explodes once the step overshoots.

Run:  python examples/search_strategies.py [--budget N] [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path
from typing import Any

from plotting import pyplot, save, subplots  # examples/plotting.py

import autograd
import nn
from autograd import Value

OUT = Path(__file__).resolve().parent / "out"
DIM, CLASSES, SAMPLES = 10, 3, 45
INIT_SCALE = 1e-3  # random W entries ~ N(0, 0.001), as in the notes
LOCAL_STEP = 1e-3  # size of a random local step
LEARNING_RATE = 1e-3  # the best single step of the sweep below
STEP_SIZES = [10.0**e for e in range(-10, 0)]

Matrix = list[list[float]]


def make_data(seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """SAMPLES points around 3 random class centres; each x ends with a constant 1 (the bias)."""
    rng = random.Random(seed)
    centres = [[rng.gauss(0, 30) for _ in range(DIM)] for _ in range(CLASSES)]
    X, y = [], []
    for i in range(SAMPLES):
        k = i % CLASSES
        X.append([rng.gauss(c, 60) for c in centres[k]] + [1.0])
        y.append(k)
    return X, y


class Objective:
    """The mean cross-entropy loss of W on (X, y), counting how often it is evaluated."""

    def __init__(self, X: list[list[float]], y: list[int]) -> None:
        self.X, self.y, self.evaluations = X, y, 0

    def _loss(self, W: list[list[Value]]) -> Value:
        self.evaluations += 1
        # A linear classifier: score of class k = W[k] . x (x's last entry 1 gives the bias).
        scores = [[autograd.sum([w * xj for w, xj in zip(row, x)]) for row in W] for x in self.X]
        return nn.cross_entropy(scores, self.y)

    def loss(self, W: Matrix) -> float:
        """L(W) only; no graph is kept (the two search strategies never need a gradient)."""
        with autograd.no_grad():
            return self._loss([[Value(w) for w in row] for row in W]).data

    def loss_and_grad(self, W: Matrix) -> tuple[float, Matrix]:
        """L(W) and dL/dW by one forward and one backward pass."""
        Wv = [[Value(w) for w in row] for row in W]
        out = self._loss(Wv)
        flat = autograd.grad(out, [w for row in Wv for w in row])
        n = len(W[0])
        return out.data, [list(flat[k * n : (k + 1) * n]) for k in range(len(W))]

    def accuracy(self, W: Matrix) -> float:
        """Fraction of points whose highest score is their class."""
        hits = 0
        for x, t in zip(self.X, self.y):
            s = [sum(w * xj for w, xj in zip(row, x)) for row in W]
            hits += s.index(max(s)) == t
        return hits / len(self.X)


def _randn(rng: random.Random, scale: float, shape: tuple[int, int]) -> Matrix:
    return [[rng.gauss(0, scale) for _ in range(shape[1])] for _ in range(shape[0])]


def random_search(obj: Objective, budget: int, seed: int) -> tuple[Matrix, list[float]]:
    """Strategy 1: ``budget`` random W's; returns the best and the best loss after each try."""
    rng = random.Random(seed)
    best, best_W, curve = math.inf, None, []
    for _ in range(budget):
        W = _randn(rng, INIT_SCALE, (CLASSES, DIM + 1))
        loss = obj.loss(W)
        if loss < best:
            best, best_W = loss, W
        curve.append(best)
    return best_W, curve


def random_local_search(obj: Objective, budget: int, seed: int) -> tuple[Matrix, list[float]]:
    """Strategy 2: perturb the current W at random, keep the change only if the loss falls."""
    rng = random.Random(seed)
    W = _randn(rng, INIT_SCALE, (CLASSES, DIM + 1))
    best = obj.loss(W)
    curve = [best]
    for _ in range(budget - 1):
        trial = [[w + rng.gauss(0, LOCAL_STEP) for w in row] for row in W]
        loss = obj.loss(trial)
        if loss < best:
            best, W = loss, trial
        curve.append(best)
    return W, curve


def follow_gradient(obj: Objective, budget: int, seed: int) -> tuple[Matrix, list[float]]:
    """Strategy 3: W <- W - lr * dL/dW, one loss evaluation (plus its backward pass) per step."""
    rng = random.Random(seed)
    W = _randn(rng, INIT_SCALE, (CLASSES, DIM + 1))
    curve = []
    for _ in range(budget - 1):
        loss, dW = obj.loss_and_grad(W)
        curve.append(loss)
        W = [[w - LEARNING_RATE * g for w, g in zip(row, grow)] for row, grow in zip(W, dW)]
    curve.append(obj.loss(W))  # the last evaluation scores the last step
    return W, curve


def step_size_sweep(obj: Objective, seed: int) -> tuple[float, list[tuple[float, float]]]:
    """The loss at W - step * dL/dW for one W and each step size; returns (L(W), table)."""
    W = _randn(random.Random(seed), INIT_SCALE, (CLASSES, DIM + 1))
    original, dW = obj.loss_and_grad(W)
    table = []
    for step in STEP_SIZES:
        moved = [[w - step * g for w, g in zip(row, grow)] for row, grow in zip(W, dW)]
        table.append((step, obj.loss(moved)))
    return original, table


def main(budget: int = 100, plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Run the three strategies with ``budget`` loss evaluations each, then the sweep."""
    if budget < 2:
        raise ValueError(f"budget must be >= 2 loss evaluations, got {budget}")
    X, y = make_data()
    figures: dict[str, Any] = {"curves": {}}
    print(f"linear softmax classifier, {SAMPLES} points, {DIM} features, {CLASSES} classes")
    print(f"{'strategy':<22} {'evaluations':>11} {'final loss':>11} {'accuracy':>9}")
    strategies = [
        ("random search", random_search),
        ("random local search", random_local_search),
        ("follow the gradient", follow_gradient),
    ]
    for name, strategy in strategies:
        obj = Objective(X, y)
        W, curve = strategy(obj, budget, seed=1)
        figures[name] = {"loss": curve[-1], "evaluations": obj.evaluations}
        figures[name]["accuracy"] = obj.accuracy(W)
        figures["curves"][name] = curve
        print(f"{name:<22} {obj.evaluations:>11} {curve[-1]:>11.4f} {obj.accuracy(W):>9.0%}")

    original, table = step_size_sweep(Objective(X, y), seed=1)
    figures["original loss"], figures["sweep"] = original, table
    print(f"\nstep-size sweep from one W: original loss {original:.6f}")
    for step, loss in table:
        print(f"  step size {step:.0e}: new loss {loss:.6f}")
    figures["plot"] = _plot(figures, Path(out)) if plot else None
    return figures


def _plot(figures: dict[str, Any], out: Path) -> str | None:
    """Left: loss of the W each strategy keeps, per evaluation. Right: the step-size sweep."""
    plt = pyplot()
    if plt is None:
        return None
    fig, (left, right) = subplots(plt, 1, 2, figsize=(11, 4))
    top = 0.0
    for name, curve in figures["curves"].items():
        left.plot(range(1, len(curve) + 1), curve, label=name)
        top = max(top, *curve)
    left.set_xlabel("loss evaluations")
    left.set_ylabel("loss of the W kept")
    # Every curve starts at the top left and only falls: room above the highest start keeps
    # the legend clear of them at any budget, inside the axes (nothing to clip at an edge).
    left.set_ylim(0, 1.45 * top)
    left.legend(loc="upper right")
    steps, losses = zip(*figures["sweep"])
    right.loglog(steps, losses, "o-")
    right.axhline(figures["original loss"], color="0.6", ls="--", label="loss before the step")
    right.set_xlabel("step size")
    right.set_ylabel("loss after one step")
    right.legend()
    fig.suptitle("Following the gradient beats random search; too big a step explodes")
    return save(fig, plt, out / "search_strategies.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=100, help="loss evaluations per strategy")
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
