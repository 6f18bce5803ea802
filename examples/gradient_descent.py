"""Gradient descent on f(x0, x1) = x0^2 + x1^2 from (-3, 4), with gradients from the engine.

The study notes run 100 steps of x <- x - lr * grad f(x) with lr = 0.1 and end at about
(-6.1e-10, 8.1e-10), very close to the true minimum (0, 0). They also warn that the learning
rate matters: too large (lr = 10) and the iterates blow up, too small (lr = 1e-10) and they
hardly move; the plot shows all three runs. Each step here builds f as a graph of Values and
asks ``autograd.grad`` for the exact gradient (the notes use a numerical gradient; the end
point is the same).

Run:  python examples/gradient_descent.py [--steps N] [--lr LR] [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from plotting import pyplot, save, subplots  # examples/plotting.py

from autograd import Value, grad

OUT = Path(__file__).resolve().parent / "out"
START = (-3.0, 4.0)


def f(x0: Value, x1: Value) -> Value:
    """The bowl x0^2 + x1^2, smallest (0) at the origin."""
    return x0**2 + x1**2


def gradient_descent(
    lr: float, steps: int, start: tuple[float, float] = START
) -> list[tuple[float, float]]:
    """Run ``steps`` updates x <- x - lr * grad f(x); return every point visited, start first."""
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    x = list(start)
    path = [(x[0], x[1])]
    for _ in range(steps):
        vs = [Value(xi) for xi in x]  # fresh leaves: a new graph each step
        g = grad(f(*vs), vs)  # the exact gradient (2 x0, 2 x1), by backpropagation
        x = [xi - lr * gi for xi, gi in zip(x, g)]
        path.append((x[0], x[1]))
    return path


def main(lr: float = 0.1, steps: int = 100, plot: bool = True, out: str | Path = OUT) -> dict:
    """Descend with ``lr`` (and with lr = 10 and 1e-10) and print where each run ends."""
    path = gradient_descent(lr, steps)
    end = path[-1]
    print(f"lr = {lr:g}, {steps} steps from {START}: end at ({end[0]:.2g}, {end[1]:.2g})")
    print(f"  f at the end = {f(Value(end[0]), Value(end[1])).data:.3g}")
    figures: dict[str, Any] = {"end": end}
    paths = {lr: path}
    # The notes' warnings: too large a learning rate diverges, too small barely moves.
    for name, bad_lr in (("too_large", 10.0), ("too_small", 1e-10)):
        paths[bad_lr] = gradient_descent(bad_lr, steps)
        bad = paths[bad_lr][-1]
        figures[name] = bad
        print(f"lr = {bad_lr:g}: end at ({bad[0]:.10g}, {bad[1]:.10g})")
    figures["plot"] = _plot_paths(paths, Path(out)) if plot else None
    return figures


def _plot_paths(paths: dict[float, list[tuple[float, float]]], out: Path) -> str | None:
    """Left: the contour lines of f with each path drawn over them (as far as it stays in
    view). Right: each run's distance from the minimum per step, on a log scale, where all
    three fit: the good rate shrinks it, the large one multiplies it, the tiny one keeps it."""
    plt = pyplot()
    if plt is None:
        return None
    grid = [i / 10 for i in range(-45, 46)]
    z = [[f(Value(a), Value(b)).data for a in grid] for b in grid]
    fig, (left, right) = subplots(plt, 1, 2, figsize=(10.5, 4.6))
    left.contour(grid, grid, z, levels=[0.5, 2, 4, 8, 12, 16, 20], colors="0.7")
    notes = {10.0: " (its first step leaves the view)", 1e-10: " (does not visibly move)"}
    for lr, path in paths.items():
        # Drawn whole and clipped by the axes: a diverging path shows its first step leaving.
        ahead = path if lr <= 1 else path[:2]
        style = "--" if lr > 1 else "o-" if lr > 1e-3 else "D"  # a path of one visible point
        left.plot([p[0] for p in ahead], [p[1] for p in ahead], style, ms=4, lw=1.2,
                  zorder=3 if lr <= 1 else 2, label=f"lr = {lr:g}{notes.get(lr, '')}")  # fmt: skip
        distance = [max(math.hypot(*p), 1e-300) for p in path]
        right.semilogy(range(len(path)), distance, label=f"lr = {lr:g}")
        right.annotate(f"{distance[-1]:.2g}", (len(path) - 1, distance[-1]), fontsize=8.5,
                       xytext=(4, 0), textcoords="offset points", va="center")  # fmt: skip
    left.plot([0], [0], "k+", ms=12)
    left.set_xlim(-4.5, 4.5)
    left.set_ylim(-4.5, 4.5)
    left.set_xlabel("x0")
    left.set_ylabel("x1")
    left.set_aspect("equal")
    left.legend(loc="lower left", fontsize=8.5)
    left.set_title("paths on the contours of f")
    right.set_xlabel("step")
    right.set_ylabel("distance from the minimum, |x|")
    right.legend(loc="center left", fontsize=8.5)
    right.set_title("distance from (0, 0) per step")
    fig.suptitle("Gradient descent on x0² + x1² from (-3, 4) at three learning rates")
    return save(fig, plt, out / "gradient_descent.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    parser.add_argument("--steps", type=int, default=100, help="number of steps (default 100)")
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
