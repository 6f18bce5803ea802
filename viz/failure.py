"""A failed gradient check, pictured: the graph of the failing function at its
counterexample, the node whose local derivative disagrees with differences highlighted.

The engine's ``GradcheckError`` (and check_op's ``OpCheckError``) keep the function, the
inputs and the table of mismatches; this module, outside the engine, draws them.
"""

from __future__ import annotations

import graphviz

from autograd import GradcheckError, Value, backward
from autograd.check import first_input, local_mismatches
from viz.draw import digraph
from viz.notation import Names, fmt

__all__ = ["draw_failure"]


def draw_failure(err: GradcheckError, rankdir: str = "LR") -> graphviz.Digraph:
    """The failing graph as a ``graphviz.Digraph``: boxes show the analytic gradients; the
    node whose local derivative disagrees with a central difference of its row's forward rule
    is highlighted (else the mismatching inputs are), analytic vs numerical written beside it.
    """
    if err.function is None:
        raise ValueError("draw: this GradcheckError carries no function to draw")
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(err.inputs)]
    try:
        out = err.function(*leaves)
    except (ValueError, ArithmeticError) as why:
        raise ValueError(f"draw: the failing graph cannot be built: {why}") from None
    if not isinstance(out, Value):
        raise TypeError(f"draw: the failing function returned {type(out).__name__}, not a Value")
    backward(out)
    culprits = dict(local_mismatches(out))
    notes: dict[Value, list[str]] = {node: list(lines) for node, lines in culprits.items()}
    rows = {name: (a, n) for name, a, n in err.rows}
    for name in err.bad:
        a, n = rows[name]
        notes.setdefault(leaves[first_input(name)], []).append(
            f"{name}: analytic {fmt(a)}, numerical {fmt(n)}"
        )
    marked = list(culprits) or [leaves[first_input(n)] for n in err.bad]
    names = Names(out)
    picture = digraph(
        out, rankdir=rankdir, grads=None, show_grad=True, highlight=marked, names=names
    )
    ids = {node: f"v{i}" for i, node in enumerate(n for n in names.nodes if names.shown(n))}
    for node, lines in notes.items():
        if node in ids:
            picture.node(ids[node], xlabel="\n".join(lines), fontcolor="#b00020")
    picture.attr(label=str(err).splitlines()[0], labelloc="t", fontcolor="#b00020")
    return picture
