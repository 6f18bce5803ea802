"""Pictures of a graph: one box per value (name, data, grad), one small node per op.

The graph is read from outside through the public fields ``data``, ``grad``, ``op``,
``parents``, ``label`` and ``arg``; traversal is iterative, so graphs of any depth draw.
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import graphviz

from autograd import OPS, Value
from viz.notation import Names, fmt, graph_nodes

__all__ = ["draw", "render", "layout_size", "MissingDotWarning", "INSTALL_HINT"]

INSTALL_HINT = (
    "install graphviz to get pictures (apt-get install graphviz, brew install graphviz, "
    "or https://graphviz.org/download/)"
)

# Fill colours that tell the kinds of value apart (and a legend in the docstring of draw).
_FILL = {
    "output": "#f7c6c7",  # the value being differentiated
    "input": "#c6dbef",  # a named leaf: an input of the expression
    "param": "#fdd49e",  # a parameter (passed in ``params``)
    "const": "#f0f0f0",  # an unlabelled leaf: a number written into the expression
    "inner": "#ffffff",  # an intermediate result
}
_HIGHLIGHT = "#ffe34d"
_HIGHLIGHT_EDGE = "#e6550d"


class MissingDotWarning(UserWarning):
    """graphviz's ``dot`` binary is missing: the ``.dot`` source was written instead."""


def layout_size(nodes: list[Value]) -> int:
    """A rough measure of the work ``dot`` does to lay out the picture of ``nodes`` (in
    forward order, as from ``graph_nodes``): the boxes and op nodes plus one hidden node per
    rank each edge skips. A value used both early and late (an input feeding every term of a
    long sum) makes long edges, which is what makes dot slow, far more than the node count.

    >>> x = Value(1.0, "x")
    >>> layout_size(graph_nodes(x * x))  # x, the op node, x * x
    3
    >>> layout_size(graph_nodes((x * 2) * x))  # x used at ranks 1 and 3: two more
    8
    """
    rank: dict[Value, int] = {}
    uses: dict[Value, list[int]] = {}
    total = len(nodes)
    for n in nodes:
        if not n.parents:
            continue
        op = max((rank[p] for p in n.parents if p.parents), default=0) + 1
        rank[n] = op + 1
        total += 1
        for p in n.parents:
            if p.parents:
                total += op - rank[p] - 1
            else:  # dot places a leaf just before its first use
                uses.setdefault(p, []).append(op)
    for ranks in uses.values():
        first = min(ranks)
        total += sum(r - first for r in ranks)
    return total


def _op_text(node: Value) -> str:
    """The op's symbol from its row (``+``, ``** 2``, ``leaky_relu(0.1)``), else its name."""
    row = OPS.get(node.op)
    if row is None or not row.symbol:
        return node.op if node.arg is None else f"{node.op}({fmt(node.arg)})"
    return row.symbol.format(arg=fmt(node.arg) if node.arg is not None else "")


def _kind(node: Value, root: Value, params: set[Value]) -> str:
    if node is root:
        return "output"
    if node in params:
        return "param"
    if node.parents:
        return "inner"
    return "input" if node.label else "const"


def _box(name: str, data: str, grad: str | None, fill: str, bold: bool) -> str:
    """An HTML-like label: a one-row table of name | data | grad."""
    border = "2" if bold else "0"
    cells = [f"<b>{html.escape(name)}</b>" if bold else html.escape(name), f"data {data}"]
    if grad is not None:
        cells.append(f"grad {grad}")
    row = "".join(f"<td>{c}</td>" for c in cells)
    return (
        f'<<table border="{border}" cellborder="1" cellspacing="0" cellpadding="4" '
        f'bgcolor="{fill}"><tr>{row}</tr></table>>'
    )


def _digraph(
    root: Value,
    *,
    rankdir: str,
    grads: Mapping[Value, float] | None,
    show_grad: bool,
    highlight: Iterable[Value],
    params: Iterable[Value],
    nodes: list[Value] | None = None,
    names: Names | None = None,
) -> graphviz.Digraph:
    """Build the picture; ``grads`` (when given) replaces ``.grad``, a missing entry is blank."""
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    nodes = graph_nodes(root) if nodes is None else nodes
    names = Names(root, nodes) if names is None else names
    marked = set(highlight)
    param_set = set(params)
    ids = {n: f"v{i}" for i, n in enumerate(nodes)}
    attrs = {"rankdir": rankdir}
    if len(nodes) > 100:
        # Cap dot's network-simplex iterations for node placement: big graphs lay out in
        # seconds instead of minutes, and the pictures look the same to the eye.
        attrs["nslimit"] = "2"
    g = graphviz.Digraph(graph_attr=attrs)
    g.attr("node", shape="plain", fontname="Helvetica", fontsize="11")
    g.attr("edge", arrowsize="0.6", color="#555555")
    for node in nodes:
        if grads is None:
            grad: str | None = fmt(node.grad)
        else:
            grad = fmt(grads[node]) if node in grads else ""
        kind = _kind(node, root, param_set)
        lit = node in marked
        fill = _HIGHLIGHT if lit else _FILL[kind]
        label = _box(
            names[node], fmt(node.data), grad if show_grad else None, fill, kind == "output"
        )
        g.node(ids[node], label, tooltip=kind)
        if node.parents:
            op_id = ids[node] + "_op"
            edge = {"color": _HIGHLIGHT_EDGE, "penwidth": "2.5"} if lit else {}
            g.node(
                op_id,
                _op_text(node),
                shape="circle" if len(_op_text(node)) <= 2 else "ellipse",
                style="filled",
                fillcolor=_HIGHLIGHT if lit else "#eeeeee",
                margin="0.02",
                width="0.3",
                height="0.3",
            )
            row = OPS.get(node.op)
            roles = row.roles if row is not None else ()
            for i, p in enumerate(node.parents):
                attrs = dict(edge)
                if i < len(roles):
                    attrs["label"] = roles[i]
                    attrs["fontsize"] = "9"
                g.edge(ids[p], op_id, **attrs)
            g.edge(op_id, ids[node], **edge)
    return g


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    params: Iterable[Value] = (),
) -> graphviz.Digraph:
    """The graph of ``root`` as a ``graphviz.Digraph`` (it displays inline in Jupyter).

    One box per value showing its name, data and grad (grad left out with
    ``show_grad=False``); one small node per op, with one edge per input, so ``a * a`` shows
    two edges. Fill colours tell kinds apart: output pink and bold, named inputs blue,
    ``params`` orange, constants grey, intermediates white. ``highlight`` (a Value or several)
    is filled yellow with the edges into it drawn thick orange. Reads grads, never changes them.

    >>> a = Value(3.0, "a")
    >>> src = draw(a * a).source
    >>> src.count("-> v1_op"), "data 9" in src
    (2, True)
    """
    if highlight is None:
        marked: Iterable[Value] = ()
    elif isinstance(highlight, Value):
        marked = (highlight,)
    else:
        marked = highlight
    return _digraph(
        root, rankdir=rankdir, grads=None, show_grad=show_grad, highlight=marked, params=params
    )


def render(root: Value | graphviz.Digraph, path: str | Path, format: str = "svg") -> Path:  # noqa: A002 - the issue names this parameter
    """Write the picture of ``root`` (a Value, or a picture from :func:`draw`) to ``path``.

    The suffix of ``path`` is set to ``format``. ``format="dot"`` writes the graphviz source.
    When the ``dot`` binary is missing, the ``.dot`` source is written instead and a
    :class:`MissingDotWarning` says how to install graphviz. Returns the path written.
    """
    graph = root if isinstance(root, graphviz.Digraph) else draw(root)
    if format != "dot" and format not in graphviz.FORMATS:
        raise ValueError(f"render: unknown format {format!r} (try svg, png, pdf or dot)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format != "dot":
        try:
            data = graph.pipe(format=format)
        except graphviz.ExecutableNotFound:
            warnings.warn(
                f"graphviz's `dot` was not found, so the .dot source was written: {INSTALL_HINT}",
                MissingDotWarning,
                stacklevel=2,
            )
        else:
            out = path.with_suffix("." + format)
            out.write_bytes(data)
            return out
    out = path.with_suffix(".dot")
    out.write_text(graph.source, encoding="utf-8")
    return out
