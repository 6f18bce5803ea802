"""Second derivatives with ``create_graph=True``, checked against numerical ones.

``autograd.grad(f, xs, create_graph=True)`` returns the gradient as Values with a graph of
their own (the same derivative rules, evaluated on Values), so differentiating it again gives
second derivatives. We compute the Hessian of Rosenbrock's function
f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, whose exact Hessian is
[[2 - 400 (y - x^2) + 800 x^2, -400 x], [-400 x, 200]] (at the minimum (1, 1):
[[802, -400], [-400, 200]]), and compare every entry with central differences of central
differences. Then f'' of tanh on a grid, checked the same way. The plot shows each Hessian
on Rosenbrock's valley (with the ellipse of its quadratic model) and tanh's derivatives.

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
RISE = 0.2  # the plot's ellipses: steps d with 1/2 d^T H d = RISE


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
    figures["plot"] = _plot(figures["hessians"], grid, Path(out)) if plot else None
    return figures


def _plot(hessians: dict[Any, Any], grid: list[float], out: Path) -> str | None:
    """Left: the Hessians on Rosenbrock's valley. Right: tanh and its derivatives."""
    plt = pyplot()
    if plt is None:
        return None
    fig, (left, right) = subplots(plt, 1, 2, figsize=(11, 4.4))
    _draw_hessians(left, {p: h for p, (h, _) in hessians.items()})
    _draw_tanh(right, grid)
    fig.suptitle("Second derivatives through grad(..., create_graph=True)")
    return save(fig, plt, out / "hessian.png")


def _draw_hessians(ax: Any, hessians: dict[tuple[float, float], list[list[float]]]) -> None:
    """Rosenbrock's contours; at each point its Hessian H and the ellipse of steps d where the
    quadratic model 1/2 d^T H d rises by RISE: long along the valley (small curvature), thin
    across it, small where the curvature is large."""
    import numpy as np

    xs, ys = np.linspace(-2.0, 2.0, 201), np.linspace(-1.0, 3.0, 201)
    gx, gy = np.meshgrid(xs, ys)
    z = (1 - gx) ** 2 + 100 * (gy - gx**2) ** 2  # the same function, on a numpy grid
    ax.contour(xs, ys, z, levels=np.geomspace(0.5, 2000, 12), colors="0.75", linewidths=0.8)
    places = {(1.0, 1.0): (0.3, -0.75), (-1.2, 1.0): (-1.9, 2.15)}  # where each label goes
    for (px, py), h in hessians.items():
        values, vectors = np.linalg.eigh(np.array(h))
        t = np.linspace(0, 2 * np.pi, 200)
        d = vectors @ (np.sqrt(2 * RISE / values)[:, None] * np.array([np.cos(t), np.sin(t)]))
        ax.plot(px + d[0], py + d[1], color="tab:blue", lw=1.5)
        ax.plot([px], [py], "o", color="tab:red", ms=5)
        text = (
            f"H at ({px:g}, {py:g}) =\n[[{h[0][0]:g}, {h[0][1]:g}],\n [{h[1][0]:g}, {h[1][1]:g}]]"
        )
        ax.text(*places[(px, py)], text, fontsize=8.5, family="monospace", va="bottom",
                bbox={"facecolor": "white", "edgecolor": "0.8", "alpha": 0.9})  # fmt: skip
    ax.set_xlim(-2.0, 2.0)
    ax.set_ylim(-1.0, 3.0)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"Rosenbrock's Hessians; ellipses where ½ dᵀH d = {RISE:g}", fontsize=11)


def _draw_tanh(ax: Any, grid: list[float]) -> None:
    """tanh with its first and second derivatives, all three from one graph per point."""
    xs = [i / 20 for i in range(-80, 81)]
    curves: list[list[float]] = [[], [], []]
    for x in xs:
        v = Value(x)
        y = v.tanh()
        (d1,) = grad(y, [v], create_graph=True)
        curves[0].append(y.data)
        curves[1].append(d1.data)
        curves[2].append(grad(d1, [v])[0])
    for curve, name in zip(curves, ["tanh x", "tanh' x", "tanh'' x"]):
        ax.plot(xs, curve, label=name)
    ax.plot(grid, [tanh_second(x)[1] for x in grid], "k.", label="tanh'' numerical")
    ax.axhline(0, color="0.8", lw=0.8)
    ax.set_xlabel("x")
    ax.set_ylabel("value at x")
    ax.set_ylim(-1.1, 1.6)  # room above the curves for the legend
    ax.legend(loc="upper left", ncol=2, fontsize=8.5)
    ax.set_title("tanh and its derivatives, checked numerically", fontsize=11)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
