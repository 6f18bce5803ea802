"""The parts pictures are made of: colours, boxes, op nodes, the order boxes are written in,
and the size check every picture passes before any layout work."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import graphviz

from autograd import OPS, Value
from viz.names import Names
from viz.notation import fmt_arg

__all__ = [
    "FILL",
    "GROUP_FILL",
    "GROUP_LINE",
    "HIGHLIGHT",
    "HIGHLIGHT_EDGE",
    "INSTALL_HINT",
    "MAX_DRAW_NODES",
    "MAX_DRAW_SIZE",
    "PNG_DPI",
    "box_label",
    "check_size",
    "too_big",
    "draw_order",
    "groups",
    "input_order",
    "kind",
    "layout_size",
    "natural_key",
    "new_digraph",
    "op_node",
    "op_text",
    "param_table",
    "size_problem",
    "stacked_inputs",
    "text_width",
]

# Above these sizes one dot layout would take more than a few seconds on one core, so every
# picture refuses (the CLI says so and still prints the numbers). Sizes are layout_size,
# which counts the long edges that make dot slow (a value used early and late).
MAX_DRAW_NODES = 2000
MAX_DRAW_SIZE = 12_000
PNG_DPI = 180  # a PNG's default resolution: a 5-node graph comes out about 1000 pixels wide

INSTALL_HINT = (
    "install graphviz to get pictures (apt-get install graphviz, brew install graphviz, "
    "or https://graphviz.org/download/)"
)

# Fill colours that tell the kinds of value apart (and a legend in the docstring of draw).
FILL = {
    "output": "#f7c6c7",  # the value being differentiated
    "input": "#c6dbef",  # a named leaf: an input of the expression
    "param": "#fdd49e",  # a parameter (passed in ``params``)
    "const": "#f0f0f0",  # an unlabelled leaf: a number written into the expression
    "inner": "#ffffff",  # an intermediate result
}
GROUP_FILL = "#fff2e0"  # a collapsed group (a neuron or a layer drawn as one box)
GROUP_LINE = "#b35806"
HIGHLIGHT = "#ffe34d"
HIGHLIGHT_EDGE = "#e6550d"


def layout_size(nodes: list[Value], names: Names | None = None) -> int:
    """A rough measure of the work ``dot`` does to lay out the picture of ``nodes`` (in
    forward order, as from ``graph_nodes``): the boxes and op nodes plus one hidden node per
    rank each edge skips. A value used both early and late (an input feeding every term of a
    long sum) makes long edges, which is what makes dot slow, far more than the node count.
    With ``names``, inputs are taken as drawn (a left-out step's input in its place).

    >>> from viz.notation import graph_nodes
    >>> x = Value(1.0, "x")
    >>> layout_size(graph_nodes(x * x))  # x, the op node, x * x
    3
    >>> layout_size(graph_nodes((x * 2) * x))  # x used at ranks 1 and 3: two more
    8
    """
    rank: dict[Value, int] = {}
    uses: dict[Value, list[int]] = {}
    total = len(nodes)
    present = set(nodes)  # a folded constant is not drawn: no edge from it
    for n in nodes:
        if not n.parents:
            continue
        inputs = names.inputs(n) if names is not None else n.parents
        op = max((rank[p] for p in inputs if p in rank), default=0) + 1
        rank[n] = op + 1
        total += 1
        for p in inputs:
            if p in rank:
                total += op - rank[p] - 1
            elif p in present:  # dot places a leaf just before its first use
                uses.setdefault(p, []).append(op)
    for ranks in uses.values():
        first = min(ranks)
        total += sum(r - first for r in ranks)
    return total


# A graph of more nodes than this is refused before anything else is made: even with every
# constant folded its picture would have far more than MAX_DRAW_NODES boxes.
MAX_GRAPH_NODES = 20 * MAX_DRAW_NODES


def too_big(root: Value, what: str) -> None:
    """Refuse at once (one-line ValueError naming ``what``) a graph of more than
    :data:`MAX_GRAPH_NODES` nodes, counting no further than that."""
    seen: set[Value] = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
                if len(seen) > MAX_GRAPH_NODES:
                    raise ValueError(
                        f"{what}: the graph has more than {MAX_GRAPH_NODES} nodes, far more"
                        f" than {MAX_DRAW_NODES} can be laid out in reasonable time"
                        " (render(root, path, format='dot') still writes the source)"
                    )


def size_problem(nodes: list[Value], names: Names | None = None) -> str:
    """Why a picture of ``nodes`` (the boxes drawn) is too big for ``dot`` to lay out in a few
    seconds, in words ('' when it is not)."""
    count = len(nodes)
    if count > MAX_DRAW_NODES:
        return (
            f"the graph has {count} nodes (more than {MAX_DRAW_NODES}), too many to draw in"
            " reasonable time"
        )
    size = layout_size(nodes, names)
    if size > MAX_DRAW_SIZE:
        return (
            f"the graph has {count} nodes but long edges (values used far apart; layout size"
            f" {size} > {MAX_DRAW_SIZE}), too slow to draw"
        )
    return ""


def check_size(nodes: list[Value], what: str, names: Names | None = None) -> None:
    """Refuse (one-line ValueError naming ``what``) a picture of ``nodes`` (the boxes drawn)
    too big for ``dot`` to lay out in a few seconds. Cheap: every picture calls it before any
    work."""
    why = size_problem(nodes, names)
    if why:
        raise ValueError(
            f"{what}: {why} (render(root, path, format='dot') still writes the source)"
        )


def op_text(node: Value, names: Names | None = None) -> str:
    """The op's symbol from its row (``+``, ``** 2``, ``leaky_relu(0.1)``), else its name; a
    folded constant input is written on it (``* 3``, ``÷ 3``, ``2 +``)."""
    row = OPS.get(node.op)
    if row is None or not row.symbol:
        text = node.op if node.arg is None else f"{node.op}({fmt_arg(node.arg)})"
    else:
        text = row.symbol.format(arg=fmt_arg(node.arg))
    if names is None or len(node.parents) != 2:
        return text
    first, second = (p in names.folded for p in node.parents)
    if second and not first:
        c = names[node.parents[1]]
        return f"{text} ({c})" if c.startswith("-") else f"{text} {c}"  # + (-1)
    if first and not second:
        return f"{names[node.parents[0]]} {text}"
    return text


def kind(node: Value, names: Names) -> str:
    """What a node is, for its colour: output, param, input, const or inner."""
    if node is names.top:
        return "output"
    if node in names.params:
        return "param"
    if node.parents:
        return "const" if names.is_constant(node) else "inner"
    return "input" if node.label else "const"


def groups(names: Names) -> dict[Value, str]:
    """The group (``L0.N1``) of each node that belongs to one (see :class:`Names`)."""
    return names.group


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts numbers in order: ``L0.N2`` before ``L0.N10``.

    >>> sorted(["L0.N10", "L0.N2", "L0.b"], key=natural_key)
    ['L0.N2', 'L0.N10', 'L0.b']
    """
    return tuple((0, int(t)) if t.isdigit() else (1, t) for t in re.split(r"(\d+)", name) if t)


def input_order(node: Value, names: Names) -> list[int]:
    """The order in which a node's inputs are drawn, top to bottom: its parameters in the order
    ``params`` lists them (a neuron's w0, w1, ..., b), then the other inputs as given."""
    rank = names.param_rank
    first = sorted(
        (i for i, p in enumerate(node.parents) if p in rank), key=lambda i: rank[node.parents[i]]
    )
    return first + [i for i, p in enumerate(node.parents) if p not in rank]


def draw_order(names: Names) -> list[Value]:
    """The shown nodes in the order they are written for ``dot`` (which keeps it, top to
    bottom, where it can): reading order, except that each node's inputs are visited in
    :func:`input_order`, so a neuron's w0, w1, ..., b come in that order."""
    order: list[Value] = []
    top = names.top
    seen: set[Value] = {top}
    stack: list[tuple[Value, list[int], int]] = [(top, input_order(top, names), 0)]
    while stack:
        node, inputs, i = stack.pop()
        if i < len(inputs):
            stack.append((node, inputs, i + 1))
            p = names.shown_as(node.parents[inputs[i]])
            if p not in seen:
                seen.add(p)
                stack.append((p, input_order(p, names), 0))
        elif names.shown(node):
            order.append(node)
    return order


GOT = "#a33c00"  # the gradient a backward step just added to


def _grad_cell(grad: str, got: bool) -> str:
    text = html.escape(f"grad {grad}")
    return f'<font color="{GOT}"><b>{text}</b></font>' if got else text


def box_label(
    name: str,
    data: str,
    grad: str | None,
    fill: str,
    bold: bool,
    width: int = 0,
    got: bool = False,
) -> str:
    """An HTML-like label: name over data over grad. With ``width`` every cell has that fixed
    width (points), so the box keeps its size whatever text goes in later; ``got`` marks the
    gradient as just received."""
    border = "2" if bold else "0"
    cells = [
        f"<b>{html.escape(name)}</b>" if bold else html.escape(name),
        html.escape(f"data {data}"),
    ]
    if grad is not None:
        cells.append(_grad_cell(grad, got))
    size = f' fixedsize="true" width="{width}" height="17"' if width else ""
    rows = "".join(f"<tr><td{size}>{c}</td></tr>" for c in cells)
    return (
        f'<<table border="{border}" cellborder="1" cellspacing="0" cellpadding="3" '
        f'bgcolor="{fill}">{rows}</table>>'
    )


def text_width(text: str) -> int:
    """Width in points that ``text`` needs at 11 pt Helvetica (Liberation Sans), with room."""
    return int(6.1 * len(text)) + 8


def stacked_inputs(names: Names) -> dict[Value, list[Value]]:
    """The parameters drawn as one table beside the node that uses them, one row each, in
    :func:`input_order` (a neuron's w0, w1, ..., b top to bottom, which separate boxes do not
    reliably keep in dot), and far more compact: leaf parameters used by that node alone,
    when it has two or more."""
    users: dict[Value, int] = {}
    for n in names.nodes:
        if names.shown(n):
            for p in set(names.inputs(n)):
                users[p] = users.get(p, 0) + 1
    out = {}
    for n in names.nodes:
        if not names.shown(n) or not n.parents:
            continue
        ps = [n.parents[i] for i in input_order(n, names)]
        mine = [p for p in ps if p in names.param_rank and not p.parents and users[p] == 1]
        if len(set(mine)) >= 2 and len(set(mine)) == len(mine):
            out[n] = mine
    return out


def param_table(
    rows: list[tuple[str, str, str]],
    keys: list[str],
    show_grad: bool,
    widths: list[int],
    got: frozenset[str] = frozenset(),
) -> str:
    """Parameters as one table, one row each: name | data | grad. Row ``k`` has the port
    ``r{keys[k]}``, where its edge starts; with ``widths`` every cell has a fixed size; the
    gradients of the rows in ``got`` are marked as just received."""
    esc = html.escape
    if widths:
        name_w = max(text_width(r[0]) for r in rows)
        data_w = max(text_width(f"data {r[1]}") for r in rows)
        grad_w = max(widths)
        size = [f' fixedsize="true" height="17" width="{w}"' for w in (name_w, data_w, grad_w)]
    else:
        size = ["", "", ""]
    body = ""
    for (name, data, grad), key in zip(rows, keys):
        cells = [esc(name), esc(f"data {data}")]
        cells += [_grad_cell(grad, key in got)] if show_grad else []
        last = len(cells) - 1
        port = f' port="r{key}"'
        body += (
            "<tr>"
            + "".join(
                f"<td{size[c]}{port if c == last else ''}>{t}</td>" for c, t in enumerate(cells)
            )
            + "</tr>"
        )
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="3" '
        f'bgcolor="{FILL["param"]}">{body}</table>>'
    )


def new_digraph(rankdir: str, count: int) -> graphviz.Digraph:
    """An empty picture with the house style, for ``count`` boxes."""
    # No ordering=in: inside clusters dot reverses it. The order in which boxes are written
    # (draw_order) sets their order top to bottom instead.
    attrs = {"rankdir": rankdir, "ranksep": "0.25", "nodesep": "0.12"}
    if count > 100:
        # Cap dot's network-simplex iterations for node placement: big graphs lay out in
        # seconds instead of minutes, and the pictures look the same to the eye.
        attrs["nslimit"] = "2"
    g = graphviz.Digraph(graph_attr=attrs)
    g.attr("node", shape="plain", fontname="Helvetica", fontsize="11")
    g.attr("edge", arrowsize="0.6", color="#555555", fontname="Helvetica", fontsize="11")
    return g


def op_node(
    target: graphviz.Digraph,
    node: Value,
    names: Names,
    op_id: str,
    lit: bool,
    with_id: bool,
    extra: Mapping[str, str] | None = None,
) -> None:
    """The small node of ``node``'s op (``+``, ``affine``, ``* 3``)."""
    text = op_text(node, names)
    attrs = {
        "shape": "circle" if len(text) <= 2 else "ellipse",
        "style": "filled",
        "fillcolor": HIGHLIGHT if lit else "#eeeeee",
        "margin": "0.02",
        "width": "0.3",
        "height": "0.3",
    }
    if with_id:
        attrs.update(id=op_id, **(extra or {}))
    target.node(op_id, text, **attrs)
