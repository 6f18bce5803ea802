"""Numerical derivatives (central difference, h = 1e-4) beside the engine's exact ones.

The study notes differentiate with (f(x + h) - f(x - h)) / 2h and get figures such as
6.00000000000378 where the true derivative is 6: the small error is rounding in f(x + h) and
f(x - h). The engine applies the chain rule instead, so its derivatives have no such error.
Numerical derivatives stay useful as a check of the analytic ones (gradient checking).

Run:  python examples/numerical_vs_analytic.py [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plotting import pyplot, save, subplots  # examples/plotting.py

from autograd import Value, grad, numerical_diff, numerical_grad

OUT = Path(__file__).resolve().parent / "out"


def function_1(x: Value) -> Value:
    """y = 0.01 x^2 + 0.1 x, the notes' one-variable example (exact derivative 0.02 x + 0.1)."""
    return 0.01 * x**2 + 0.1 * x


def function_2(x0: Value, x1: Value) -> Value:
    """f(x0, x1) = x0^2 + x1^2, the notes' two-variable example (gradient (2 x0, 2 x1))."""
    return x0**2 + x1**2


# Partial derivatives of function_2 at (3, 4): hold one variable fixed, as the notes do.
CASES: list[tuple[str, Callable[[Value], Value], float]] = [
    ("x0² + 4² at x0 = 3", lambda x0: x0 * x0 + 4.0**2.0, 3.0),
    ("3² + x1² at x1 = 4", lambda x1: 3.0**2.0 + x1 * x1, 4.0),
    ("0.01x² + 0.1x at x = 5", function_1, 5.0),
    ("0.01x² + 0.1x at x = 10", function_1, 10.0),
]
POINTS = [(3.0, 4.0), (0.0, 2.0), (3.0, 0.0)]


def exact_derivative(f: Callable[[Value], Value], x: float) -> float:
    """df/dx at x by the engine (backpropagation through the graph of f)."""
    v = Value(x)
    return grad(f(v), [v])[0]


def main(plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Print and return the numerical and exact derivatives for the notes' examples."""
    figures: dict[str, Any] = {"derivatives": [], "gradients": []}
    print(f"{'derivative of':<24} {'numerical (h=1e-4)':>22} {'exact':>8} {'error':>10}")
    for name, f, x in CASES:
        numeric = numerical_diff(f, x, h=1e-4)
        exact = exact_derivative(f, x)
        figures["derivatives"].append((numeric, exact))
        print(f"{name:<24} {numeric!r:>22} {exact:>8g} {abs(numeric - exact):>10.2g}")

    print("\ngradient of x0² + x1²:")
    for point in POINTS:
        numeric = numerical_grad(function_2, point)
        vs = [Value(p) for p in point]
        exact = grad(function_2(*vs), vs)
        figures["gradients"].append((tuple(numeric), exact))
        shown = ", ".join(f"{n:.10g}" for n in numeric)
        print(f"  at {point}: numerical ({shown}), exact {exact}")

    figures["plot"] = _plot_tangents(Path(out)) if plot else None
    return figures


def _plot_tangents(out: Path) -> str | None:
    """The notes' figure 4-7: y = 0.01x^2 + 0.1x with its tangents at x = 5 and x = 10."""
    plt = pyplot()
    if plt is None:
        return None
    xs = [i / 10 for i in range(0, 201)]
    fig, ax = subplots(plt, figsize=(6, 4))
    ax.plot(xs, [function_1(Value(x)).data for x in xs], label="y = 0.01x² + 0.1x")
    for x0 in (5.0, 10.0):
        y0 = function_1(Value(x0)).data
        slope = numerical_diff(function_1, x0)
        ax.plot(xs, [y0 + slope * (x - x0) for x in xs], "--", label=f"tangent at {x0:g}")
        ax.plot([x0], [y0], "ko")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    ax.set_title("Slopes from numerical differentiation")
    return save(fig, plt, out / "numerical_vs_analytic.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
