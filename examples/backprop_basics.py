"""Backpropagation by hand and by the engine: f = (x + y) * z and micrograd's README expression.

The classic first example of the chain rule (CS231n, and the study notes): at x = -2, y = 5,
z = -4 the forward pass gives q = x + y = 3 and f = q * z = -12; the backward pass gives
df/dq = z = -4, df/dz = q = 3 and, through the add node, df/dx = df/dy = df/dq * 1 = -4.
We walk the backward pass one node at a time with ``autograd.backward_steps`` and print every
step in the notation of ``python -m viz`` (``viz.notation`` writes both), draw the graph with
viz's own picture, then check the engine on the longer expression from micrograd's README
(g = 24.7041, dg/da = 138.8338, dg/db = 645.5773).

Run:  python examples/backprop_basics.py [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plotting import DPI  # examples/plotting.py

import viz
from autograd import Value, backward_steps, toposort
from viz.notation import Names, chain_lines, fmt, forward_line

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
    names = Names(f)  # the names python -m viz would use: the labels here
    print("f = (x + y) * z at x = -2, y = 5, z = -4")
    print("forward pass:")
    for node in toposort(f):
        print(f"  {forward_line(node, names)}")
    print("backward pass, one step per node (d input = d output * local derivative):")
    seen: dict[Value, float] = {}
    for step in backward_steps(f):
        for line in chain_lines(step, names, seen):
            print(f"  {line}")
    figures: dict[str, Any] = {"q": n["q"].data, "f": f.data}
    for name in ("q", "x", "y", "z"):
        figures["d" + name] = n[name].grad
    print("gradients: " + ", ".join(f"d{k} = {fmt(n[k].grad)}" for k in "qxyz"))

    g, a, b = micrograd_expression()
    g.backward()
    figures.update(g=g.data, dg_da=a.grad, dg_db=b.grad, nodes=len(toposort(g)))
    print(f"micrograd README expression ({figures['nodes']} nodes with parents):")
    print(f"  g = {g.data:.4f}, dg/da = {a.grad:.4f}, dg/db = {b.grad:.4f}")

    figures["plot"] = _picture(f, Path(out)) if plot else None
    return figures


def _picture(root: Value, out: Path) -> str:
    """viz's picture of the graph, every node with its value and gradient, as a PNG.

    Without graphviz's ``dot`` program viz writes the ``.dot`` source instead (and warns).
    """
    path = viz.render(viz.draw(root), out / "backprop_basics", format="png", dpi=DPI)
    print(f"picture saved to {path}")
    return str(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the picture")
    parser.add_argument("--out", default=OUT, help="folder for the picture (default examples/out)")
    main(**vars(parser.parse_args()))
