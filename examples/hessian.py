"""Second derivatives with ``create_graph=True``, checked against numerical ones.

``autograd.grad(f, xs, create_graph=True)`` returns the gradient as Values with a graph of
their own (the same derivative rules, evaluated on Values), so differentiating it again gives
second derivatives. We compute the Hessian of Rosenbrock's function
f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, whose exact Hessian is
[[2 - 400 (y - x^2) + 800 x^2, -400 x], [-400 x, 200]] (at the minimum (1, 1):
[[802, -400], [-400, 200]]), and compare every entry with central differences of central
differences. Then f'' of tanh on a grid, checked the same way, and plotted.

Run:  python examples/hessian.py [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from plotting import pyplot, save, subplots  # examples/plotting.py

from autograd import Value, grad, gradcheck, numerical_diff, numerical_grad

OUT = Path(__file__).resolve().parent / "out"
POINTS = [(1.0, 1.0), (-1.2, 1.0)]  # the minimum, and the classic starting point


def rosenbrock(x: Value, y: Value) -> Value:
    """(1 - x)^2 + 100 (y - x^2)^2: a curved valley, smallest (0) at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def hessian(f: Any, point: tuple[float, ...]) -> list[list[float]]:
    """Exact Hessian of ``f`` at ``point``: differentiate each gradient entry once more."""
    xs = [Value(p) for p in point]
    first = grad(f(*xs), xs, create_graph=True)  # Values that remember how they were made
    return [list(grad(gi, xs)) for gi in first]


def numerical_hessian(f: Any, point: tuple[float, ...], h: float = 1e-4) -> list[list[float]]:
    """Row i = numerical gradient of the numerical df/dx_i: no chain rule anywhere."""
    rows = []
    for i in range(len(point)):

        def df_i(*vs: Value, i: int = i) -> float:
            return numerical_grad(f, vs, h)[i]

        rows.append(numerical_grad(df_i, point, h))
    return rows


def tanh_second(x: float) -> tuple[float, float]:
    """(f''(x) by the engine, f''(x) by central differences of central differences) for tanh."""
    v = Value(x)
    (d1,) = grad(v.tanh(), [v], create_graph=True)
    exact = grad(d1, [v])[0]
    numeric = numerical_diff(lambda u: numerical_diff(lambda w: w.tanh(), u.data), x)
    return exact, numeric


def main(plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Print each Hessian beside its numerical estimate and return both."""
    figures: dict[str, Any] = {"hessians": {}}
    for point in POINTS:
        exact = hessian(rosenbrock, point)
        numeric = numerical_hessian(rosenbrock, point)
        error = max(abs(a - n) for ra, rn in zip(exact, numeric) for a, n in zip(ra, rn))
        figures["hessians"][point] = (exact, numeric)
        print(f"Hessian of Rosenbrock at {point}, engine (numerical):")
        for ra, rn in zip(exact, numeric):
            shown = "  ".join(f"{a:9.4f} ({n:11.6f})" for a, n in zip(ra, rn))
            print(f"  {shown}")
        print(f"  largest difference {error:.2g}")
    # gradcheck(order=2) does the same comparison and raises a table on any mismatch.
    figures["gradcheck"] = gradcheck(rosenbrock, [-1.2, 1.0], eps=1e-4, atol=1e-4, order=2)
    print(f"gradcheck(rosenbrock, [-1.2, 1.0], order=2): {figures['gradcheck']}")

    grid = [i / 4 for i in range(-12, 13)]
    pairs = [tanh_second(x) for x in grid]
    figures["tanh"] = list(zip(grid, pairs))
    worst = max(abs(e - n) for e, n in pairs)
    print(f"tanh'' on {len(grid)} points in [-3, 3]: largest |engine - numerical| = {worst:.2g}")
    figures["plot"] = _plot_tanh(grid, Path(out)) if plot else None
    return figures


def _plot_tanh(grid: list[float], out: Path) -> str | None:
    """tanh with its first and second derivatives, all three from one graph per point."""
    plt = pyplot()
    if plt is None:
        return None
    xs = [i / 20 for i in range(-80, 81)]
    curves: list[list[float]] = [[], [], []]
    for x in xs:
        v = Value(x)
        y = v.tanh()
        (d1,) = grad(y, [v], create_graph=True)
        curves[0].append(y.data)
        curves[1].append(d1.data)
        curves[2].append(grad(d1, [v])[0])
    fig, ax = subplots(plt, figsize=(6, 4))
    for curve, name in zip(curves, ["tanh x", "tanh' x", "tanh'' x"]):
        ax.plot(xs, curve, label=name)
    ax.plot(grid, [tanh_second(x)[1] for x in grid], "k.", label="tanh'' numerical")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("x")
    ax.legend(loc="lower right")  # the one empty corner: tanh is near -1 only on the left
    ax.set_title("Second derivatives through create_graph=True")
    return save(fig, plt, out / "hessian.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
