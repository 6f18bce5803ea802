"""Backpropagation by hand and by the engine: f = (x + y) * z and micrograd's README expression.

The classic first example of the chain rule (CS231n, and the study notes): at x = -2, y = 5,
z = -4 the forward pass gives q = x + y = 3 and f = q * z = -12; the backward pass gives
df/dq = z = -4, df/dz = q = 3 and, through the add node, df/dx = df/dy = df/dq * 1 = -4.
We walk the backward pass one node at a time with ``autograd.backward_steps`` so every local
derivative and every contribution is printed, then check the engine on the longer expression
from micrograd's README (g = 24.7041, dg/da = 138.8338, dg/db = 645.5773).

Run:  python examples/backprop_basics.py [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plotting import pyplot, save  # examples/plotting.py

from autograd import Value, backward_steps, toposort

OUT = Path(__file__).resolve().parent / "out"


def simple_graph() -> dict[str, Value]:
    """Build f = (x + y) * z at x = -2, y = 5, z = -4 and return its named nodes."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return {"x": x, "y": y, "z": z, "q": q, "f": f}


def micrograd_expression(value: Callable[[float], Any] = Value) -> tuple[Any, Any, Any]:
    """The expression from micrograd's README, written exactly as there; returns (g, a, b).

    ``value`` makes the leaves: our ``Value`` by default, or micrograd's own to compare.
    """
    a = value(-4.0)
    b = value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g, a, b


def main(plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Print and return the forward values and gradients of both expressions."""
    n = simple_graph()
    f = n["f"]
    print(f"forward:  q = x + y = {n['q'].data:g},  f = q * z = {f.data:g}")
    print("backward, one node at a time (local derivative x incoming grad = contribution):")
    for step in backward_steps(f):
        for parent, local, added in step.parents:
            name = parent.label or parent.op
            print(
                f"  {step.node.label} ({step.node.op}) -> {name}: "
                f"local d{step.node.label}/d{name} = {local:g}, "
                f"{local:g} x {step.grad:g} = {added:g}"
            )
    figures: dict[str, Any] = {"q": n["q"].data, "f": f.data}
    for name in ("q", "x", "y", "z"):
        figures["d" + name] = n[name].grad
    print("gradients: " + ", ".join(f"df/d{k} = {figures['d' + k]:g}" for k in "qxyz"))

    g, a, b = micrograd_expression()
    g.backward()
    figures.update(g=g.data, dg_da=a.grad, dg_db=b.grad, nodes=len(toposort(g)))
    print(f"micrograd README expression ({figures['nodes']} nodes with parents):")
    print(f"  g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")

    figures["plot"] = _plot_graph(f, Path(out)) if plot else None
    return figures


def _plot_graph(root: Value, out: Path) -> str | None:
    """Draw the graph of ``root`` left to right, each node with its value and its gradient."""
    plt = pyplot()
    if plt is None:
        return None
    # Column of a node = length of the longest path from a leaf; rows stack within a column.
    column: dict[Value, int] = {}
    for node in toposort(root):
        for p in node.parents:
            column.setdefault(p, 0)
        column[node] = 1 + max(column[p] for p in node.parents)
    rows: dict[int, int] = {}
    pos = {}
    for node, col in column.items():
        pos[node] = (col, -rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for node in column:
        for p in node.parents:
            arrow = {"arrowstyle": "->", "color": "0.5", "shrinkA": 32, "shrinkB": 32}
            ax.annotate("", pos[node], pos[p], arrowprops=arrow)
    for node, (cx, cy) in pos.items():
        name = node.label + (f" ({node.op})" if node.op else "")
        text = f"{name}\ndata {node.data:g}\ngrad {node.grad:g}"
        ax.text(cx, cy, text, ha="center", va="center", bbox={"boxstyle": "round", "fc": "w"})
    ax.set_xlim(-0.5, max(column.values()) + 0.5)
    ax.set_ylim(-max(rows.values()) + 0.5, 0.5)
    ax.set_axis_off()
    ax.set_title("f = (x + y) * z: forward values and backward gradients")
    return save(fig, plt, out / "backprop_basics.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
