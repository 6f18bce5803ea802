"""Pictures of a graph: one box per value (name, data, grad), one small node per op.

The graph is read from outside through the public fields ``data``, ``grad``, ``op``,
``parents``, ``label`` and ``arg``; traversal is iterative, so graphs of any depth draw.
"""

from __future__ import annotations

import html
import re
import subprocess
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import graphviz

from autograd import OPS, GradcheckError, Value, numbers
from viz.expr import one_line
from viz.notation import Names, fmt, fmt_arg

__all__ = [
    "INSTALL_HINT",
    "MAX_DRAW_NODES",
    "MAX_DRAW_SIZE",
    "MissingDotWarning",
    "Collapsed",
    "check_size",
    "collapsed_digraph",
    "draw",
    "groups",
    "kind",
    "layout_size",
    "render",
    "stacked_inputs",
]

# Above these sizes one dot layout would take more than a few seconds on one core, so render
# and the stepper refuse (the CLI says so and still prints the numbers). Sizes are
# layout_size, which counts the long edges that make dot slow (a value used early and late).
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


class MissingDotWarning(UserWarning):
    """graphviz's ``dot`` binary is missing: the ``.dot`` source was written instead."""


def layout_size(nodes: list[Value]) -> int:
    """A rough measure of the work ``dot`` does to lay out the picture of ``nodes`` (in
    forward order, as from ``graph_nodes``): the boxes and op nodes plus one hidden node per
    rank each edge skips. A value used both early and late (an input feeding every term of a
    long sum) makes long edges, which is what makes dot slow, far more than the node count.

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
        op = max((rank[p] for p in n.parents if p in rank), default=0) + 1
        rank[n] = op + 1
        total += 1
        for p in n.parents:
            if p in rank:
                total += op - rank[p] - 1
            elif p in present:  # dot places a leaf just before its first use
                uses.setdefault(p, []).append(op)
    for ranks in uses.values():
        first = min(ranks)
        total += sum(r - first for r in ranks)
    return total


def _op_text(node: Value, names: Names | None = None) -> str:
    """The op's symbol from its row (``+``, ``** 2``, ``leaky_relu(0.1)``), else its name; a
    folded constant input is written on it (``* 3``, ``÷ 3``, ``2 +``)."""
    row = OPS.get(node.op)
    if row is None or not row.symbol:
        text = node.op if node.arg is None else f"{node.op}({fmt_arg(node.arg)})"
    else:
        text = row.symbol.format(arg=fmt_arg(node.arg))
    if names is None or len(node.parents) != 2:
        return text
    first, second = (names.is_constant(p) for p in node.parents)
    if second and not first:
        c = names[node.parents[1]]
        return f"{text} ({c})" if c.startswith("-") else f"{text} {c}"  # + (-1)
    if first and not second:
        return f"{names[node.parents[0]]} {text}"
    return text


def kind(node: Value, names: Names) -> str:
    """What a node is, for its colour: output, param, input, const or inner."""
    if node is names.root:
        return "output"
    if node in names.params:
        return "param"
    if node.parents:
        return "const" if names.is_constant(node) else "inner"
    return "input" if node.label else "const"


def groups(names: Names) -> dict[Value, str]:
    """The group (``L0.N1``) of each node that belongs to one, read from dotted parameter
    names: a node using parameters belongs to their common group (a neuron's sum); a one-input
    op on such a node (its activation) and a node adding up nodes of one group join it too."""

    def group_of(name: str) -> str:
        return name.rsplit(".", 1)[0] if "." in name else ""

    where: dict[Value, str] = {}
    inner: set[Value] = set()  # in a group because it uses parameters (not an activation)
    for node in names.nodes:
        if node in names.params:
            g = group_of(names.params[node])
            if g:
                where[node] = g
            continue
        if not node.parents or not names.shown(node):
            continue
        own = [where[p] for p in node.parents if p in names.params and p in where]
        live = [p for p in node.parents if names.shown(p)]
        if own:
            common = own[0].split(".")
            for g in own[1:]:
                parts = g.split(".")
                k = 0
                while k < min(len(common), len(parts)) and common[k] == parts[k]:
                    k += 1
                common = common[:k]
            if common:
                where[node] = ".".join(common)
                inner.add(node)
        elif live and all(p in inner and where[p] == where[live[0]] for p in live):
            row = OPS.get(node.op)
            if len(live) >= 2 or (row is not None and row.arity == 1):
                where[node] = where[live[0]]
                if len(live) >= 2:
                    inner.add(node)
    return where


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
    seen: set[Value] = {names.root}
    stack: list[tuple[Value, list[int], int]] = [(names.root, input_order(names.root, names), 0)]
    while stack:
        node, inputs, i = stack.pop()
        if i < len(inputs):
            stack.append((node, inputs, i + 1))
            p = node.parents[inputs[i]]
            if p not in seen:
                seen.add(p)
                stack.append((p, input_order(p, names), 0))
        elif names.shown(node):
            order.append(node)
    return order


def _box(
    name: str,
    data: str,
    grad: str | None,
    fill: str,
    bold: bool,
    width: int = 0,
) -> str:
    """An HTML-like label: name over data over grad. With ``width`` every cell has that fixed
    width (points), so the box keeps its size whatever text goes in later."""
    border = "2" if bold else "0"
    cells = [
        f"<b>{html.escape(name)}</b>" if bold else html.escape(name),
        html.escape(f"data {data}"),
    ]
    if grad is not None:
        cells.append(html.escape(f"grad {grad}"))
    size = f' fixedsize="true" width="{width}" height="17"' if width else ""
    rows = "".join(f"<tr><td{size}>{c}</td></tr>" for c in cells)
    return (
        f'<<table border="{border}" cellborder="1" cellspacing="0" cellpadding="3" '
        f'bgcolor="{fill}">{rows}</table>>'
    )


def text_width(text: str) -> int:
    """Width in points that ``text`` needs at 11 pt Helvetica (Liberation Sans), with room."""
    return int(6.1 * len(text)) + 8


def check_size(nodes: list[Value], what: str) -> None:
    """Refuse (one-line ValueError) a graph too big for ``dot`` to lay out in a few seconds."""
    count = len(nodes)
    if count > MAX_DRAW_NODES:
        raise ValueError(
            f"{what}: the graph has {count} nodes, more than {MAX_DRAW_NODES} can be laid out in"
            " reasonable time (draw(...).source or format='dot' still give the source)"
        )
    size = layout_size(nodes)
    if size > MAX_DRAW_SIZE:
        raise ValueError(
            f"{what}: the graph has {count} nodes but long edges (layout size {size} >"
            f" {MAX_DRAW_SIZE}), too slow to lay out"
        )


def digraph(
    root: Value,
    *,
    rankdir: str,
    grads: Mapping[Value, float] | None,
    show_grad: bool,
    highlight: Iterable[Value],
    params: object = None,
    names: Names | None = None,
    texts: Mapping[Value, tuple[str, str]] | None = None,
    widths: Mapping[Value, int] | None = None,
    clusters: bool = False,
) -> graphviz.Digraph:
    """Build the picture. ``grads`` (when given) replaces ``.grad``, a missing entry is blank;
    ``texts`` (when given) gives every box's data and grad text. ``widths`` fixes each box's
    width and names every node, op and edge with an id (``v3``, ``v3_op``, ``e5``) for the
    stepper's script; ``clusters`` draws each parameter group (``L0.N1``) as a cluster."""
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    names = Names(root, params=params) if names is None else names
    shown = [n for n in names.nodes if names.shown(n)]
    marked = set(highlight)
    ids = {n: f"v{i}" for i, n in enumerate(shown)}
    g = _new_digraph(rankdir, len(shown))
    where = groups(names) if clusters else {}
    subgraphs: dict[str, graphviz.Digraph] = {}
    for name in sorted(set(where.values()), key=lambda s: (s.count("."), natural_key(s))):
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            key = ".".join(parts[:k])
            if key not in subgraphs:
                sub = graphviz.Digraph(name=f"cluster_{key}")
                sub.attr(
                    label=key,
                    id=f"c:{key}",
                    style="rounded,dashed",
                    color="#999999",
                    fontname="Helvetica",
                    fontsize="11",
                    labeljust="l",
                )
                subgraphs[key] = sub
    edges: list[tuple[str, str, dict[str, str]]] = []
    stacks = stacked_inputs(names)
    stacked = {p: node for node, ps in stacks.items() for p in ps}
    tails = dict(ids)  # where an edge from each node starts: its box, or its row of a table
    for node, ps in stacks.items():
        for p in ps:
            tails[p] = f"{ids[node]}_in:r{ids[p][1:]}:e"
    for node in draw_order(names):
        if node in stacked:
            continue  # drawn as a row of its user's table of parameters
        if texts is not None:
            data, grad = texts[node]
        else:
            data = fmt(node.data)
            if grads is None:
                grad = fmt(node.grad)
            else:
                grad = fmt(grads[node]) if node in grads else ""
        k = kind(node, names)
        lit = node in marked
        fill = HIGHLIGHT if lit else FILL[k]
        width = widths[node] if widths is not None else 0
        label = _box(names[node], data, grad if show_grad else None, fill, k == "output", width)
        target = subgraphs.get(where.get(node, ""), g)
        extra = {"id": ids[node]} if widths is not None else {}
        target.node(ids[node], label, tooltip=k, **extra)
        if not node.parents:
            continue
        op_id = ids[node] + "_op"
        edge = {"color": HIGHLIGHT_EDGE, "penwidth": "2.5"} if lit else {}
        _op_node(target, node, names, op_id, lit, widths is not None)
        if node in stacks:
            rows = []
            for p in stacks[node]:
                if texts is not None:
                    rows.append((names[p], *texts[p]))
                else:
                    pg = fmt(p.grad) if grads is None else fmt(grads[p]) if p in grads else ""
                    rows.append((names[p], fmt(p.data), pg))
            table = ids[node] + "_in"
            ws = [widths[p] for p in stacks[node]] if widths is not None else []
            label = _param_table(rows, [ids[p][1:] for p in stacks[node]], show_grad, ws)
            target.node(table, label, tooltip="param", **({"id": table} if ws else {}))
        edges += _input_edges(node, names, tails, op_id, edge)
        edges.append((op_id, ids[node], dict(edge)))
    # Clusters first, then edges: dot orders the boxes of a rank by first appearance.
    for key in sorted(subgraphs, key=lambda s: -s.count(".")):
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        (subgraphs[parent] if parent else g).subgraph(subgraphs[key])
    for count, (tail, head, e) in enumerate(edges):
        if widths is not None:
            e["id"] = f"e{count}:{tail.split(':')[0]}:{head}"
        g.edge(tail, head, **e)
    return g


def stacked_inputs(names: Names) -> dict[Value, list[Value]]:
    """The parameters drawn as one table beside the node that uses them, one row each, in
    :func:`input_order` (a neuron's w0, w1, ..., b top to bottom, which separate boxes do not
    reliably keep in dot), and far more compact: leaf parameters used by that node alone,
    when it has two or more."""
    users: dict[Value, int] = {}
    for n in names.nodes:
        if names.shown(n):
            for p in set(n.parents):
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


def _param_table(
    rows: list[tuple[str, str, str]], keys: list[str], show_grad: bool, widths: list[int]
) -> str:
    """Parameters as one table, one row each: name | data | grad. Row ``k`` has the port
    ``r{keys[k]}``, where its edge starts; with ``widths`` every cell has a fixed size."""
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
        cells = [esc(name), esc(f"data {data}")] + ([esc(f"grad {grad}")] if show_grad else [])
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


@dataclass
class Collapsed:
    """A picture with each group of one level drawn as one box, for the stepper: ``cells``
    gives the ids of every box's text cells (top to bottom), ``owner[i]`` the id of the box
    that shows node ``i`` (a group's box for its members), ``boxes`` each group box's
    group name (``L0.N1``)."""

    picture: graphviz.Digraph
    cells: dict[str, list[str]]
    owner: list[str]
    boxes: dict[str, str]


def collapsed_digraph(
    names: Names,
    level: int,
    prefix: str,
    texts: Mapping[Value, tuple[str, str]],
    widths: Mapping[Value, int],
    rankdir: str = "LR",
) -> Collapsed:
    """The graph with every group of ``level`` (1: ``L0``, 2: ``L0.N1``; see :func:`groups`)
    drawn as ONE box holding the values that leave it (a neuron's output; a layer's outputs,
    one row per neuron), with one edge per pair of boxes that pass values. Other nodes are
    drawn as in the full picture. Every id starts with ``prefix``; box ``i`` is
    ``{prefix}v{i}`` (its data and grad cells ``{prefix}v{i}-1``, ``-2``), whether it stands
    alone or is a row of a group box, so one step's changes apply to every picture alike."""
    shown = [n for n in names.nodes if names.shown(n)]
    index = {n: i for i, n in enumerate(shown)}
    ids = {n: f"{prefix}v{i}" for n, i in index.items()}
    where = groups(names)

    def box_of(n: Value) -> str | None:
        g = where.get(n)
        return ".".join(g.split(".")[:level]) if g else None

    users: dict[Value, list[Value]] = {}
    for n in shown:
        for p in n.parents:
            users.setdefault(p, []).append(n)
    order = draw_order(names)
    members: dict[str, list[Value]] = {}
    for n in order:
        g = box_of(n)
        if g is not None:
            members.setdefault(g, []).append(n)
    gid = {g: f"{prefix}g{k}" for k, g in enumerate(sorted(members, key=natural_key))}
    outputs: dict[str, list[Value]] = {}
    for g, ms in members.items():
        place = {n: k for k, n in enumerate(ms)}
        leave = [n for n in ms if n is names.root or any(box_of(u) != g for u in users.get(n, []))]
        outputs[g] = sorted(leave, key=lambda n: (natural_key(where[n]), place[n]))
    multi = {g for g, outs in outputs.items() if len(outs) != 1}
    # every group box of the level equally wide: a tidy column per layer
    wide = max((widths[n] for outs in outputs.values() for n in outs), default=0)
    for g in set(outputs) - multi:
        wide = max(wide, text_width(f"{g}: {names[outputs[g][0]]}xx"))
    widths = {**widths, **{n: wide for outs in outputs.values() for n in outs}}

    pic = _new_digraph(rankdir, len(members) + len(shown) - sum(map(len, members.values())))
    # Without clusters, ordering=in keeps each box's inputs in input order (N0, N1, ... top
    # to bottom); room between ranks lets the many edges from layer to layer fan out.
    pic.graph_attr.update(ordering="in")
    cells: dict[str, list[str]] = {}
    edges: dict[tuple[str, str, int], str] = {}  # (tail, head, k) -> tail with its port

    def source(p: Value) -> tuple[str, str]:
        g = box_of(p)
        if g is None:
            return ids[p], ids[p]
        return gid[g], (f"{gid[g]}:o{index[p]}:e" if g in multi else gid[g])

    boxes = set(gid.values())
    done: set[str] = set()
    for n in order:
        g = box_of(n)
        if g is not None:
            if g not in done:
                done.add(g)
                label, cells[gid[g]] = _group_label(g, outputs[g], names, where, texts,
                                                    widths, index, prefix, gid[g])  # fmt: skip
                pic.node(gid[g], label, id=gid[g], tooltip=f"{g}: click to see every value")
            for p in n.parents:
                if p in index and box_of(p) != g:
                    tail, port = source(p)
                    edges.setdefault((tail, gid[g], 0), port)
            continue
        data, grad = texts[n]
        k = kind(n, names)
        pic.node(ids[n], _box(names[n], data, grad, FILL[k], k == "output", widths[n]),
                 id=ids[n], tooltip=k)  # fmt: skip
        cells[ids[n]] = [f"{ids[n]}-{c}" for c in range(3)]
        if not n.parents:
            continue
        op_id = ids[n] + "_op"
        _op_node(pic, n, names, op_id, False, True)
        for count, i in enumerate(input_order(n, names)):
            p = n.parents[i]
            if p in index:
                tail, port = source(p)
                edges[(tail, op_id, count)] = port
        edges[(op_id, ids[n], 0)] = op_id
    between = {"color": "#9a9a9a", "penwidth": "0.8"}  # many, so lighter
    # many edges between boxes (layer to layer) get room to fan out: a few ranks' length
    if sum(tail in boxes and head in boxes for tail, head, _ in edges) > 2 * len(boxes):
        pic.graph_attr["ranksep"] = "1.2"
    for count, ((tail, head, _), port) in enumerate(edges.items()):
        style = between if tail in boxes and head in boxes else {}

        pic.edge(port, head, id=f"{prefix}e{count}:{tail}:{head}", **style)
    owner = []
    for n in shown:
        g = box_of(n)
        owner.append(gid[g] if g is not None else ids[n])
    return Collapsed(pic, cells, owner, {b: g for g, b in gid.items()})


def _group_label(
    group: str,
    outputs: list[Value],
    names: Names,
    where: Mapping[Value, str],
    texts: Mapping[Value, tuple[str, str]],
    widths: Mapping[Value, int],
    index: Mapping[Value, int],
    prefix: str,
    box: str,
) -> tuple[str, list[str]]:
    """A group's box: its name, then the data and grad of each value leaving it, one row each
    (``N3: r | data 0.2 | grad ?``), and the ids of its text cells, top to bottom."""
    esc = html.escape
    head = '<table border="2" cellborder="1" cellspacing="0" cellpadding="3"'
    head += f' color="{GROUP_LINE}" bgcolor="{GROUP_FILL}">'
    size = 'fixedsize="true" height="17"'
    if len(outputs) == 1:
        (n,) = outputs
        title = f"{group}: {names[n]}"
        w = max(widths[n], text_width(title + "xx"))
        data, grad = texts[n]
        rows = "".join(
            f'<tr><td {size} width="{w}">{c}</td></tr>'
            for c in (f"<b>{esc(title)}</b>", esc(f"data {data}"), esc(f"grad {grad}"))
        )
        i = index[n]
        return f"<{head}{rows}</table>>", [f"{box}-0", f"{prefix}v{i}-1", f"{prefix}v{i}-2"]
    labels = []
    for n in outputs:
        sub = where[n][len(group) + 1 :]
        labels.append(f"{sub}: {names[n]}" if sub else names[n])
    w1 = max(text_width(t) for t in labels)
    w2 = max(widths[n] for n in outputs)
    rows = f'<tr><td colspan="3" height="17"><b>{esc(group)}</b></td></tr>'
    ids = [f"{box}-0"]
    for j, (n, text) in enumerate(zip(outputs, labels)):
        data, grad = texts[n]
        i = index[n]
        rows += (
            f'<tr><td {size} width="{w1}">{esc(text)}</td>'
            f'<td {size} width="{w2}">{esc(f"data {data}")}</td>'
            f'<td {size} width="{w2}" port="o{i}">{esc(f"grad {grad}")}</td></tr>'
        )
        ids += [f"{box}-r{j}", f"{prefix}v{i}-1", f"{prefix}v{i}-2"]
    return f"<{head}{rows}</table>>", ids


def _new_digraph(rankdir: str, count: int) -> graphviz.Digraph:
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
    g.attr("edge", arrowsize="0.6", color="#555555")
    return g


def _stack(target: graphviz.Digraph, leaves: list[Value], ids: Mapping[Value, str]) -> None:
    """Keep ``leaves`` (a neuron's parameters) in one column in the order given, top to
    bottom: dot keeps the order of invisible edges within a rank."""
    if len(leaves) < 2:
        return
    with target.subgraph() as same:
        same.attr(rank="same")
        for a in leaves:
            same.node(ids[a])


def _op_node(
    target: graphviz.Digraph, node: Value, names: Names, op_id: str, lit: bool, with_id: bool
) -> None:
    """The small node of ``node``'s op (``+``, ``affine``, ``* 3``)."""
    text = _op_text(node, names)
    target.node(
        op_id,
        text,
        shape="circle" if len(text) <= 2 else "ellipse",
        style="filled",
        fillcolor=HIGHLIGHT if lit else "#eeeeee",
        margin="0.02",
        width="0.3",
        height="0.3",
        **({"id": op_id} if with_id else {}),
    )


def _input_edges(
    node: Value, names: Names, ids: Mapping[Value, str], op_id: str, edge: Mapping[str, str]
) -> list[tuple[str, str, dict[str, str]]]:
    """One edge from each drawn input of ``node`` into its op node, labelled with the input's
    role where the op's row names one (``base``, ``exponent``)."""
    row = OPS.get(node.op)
    roles = row.roles if row is not None else ()
    out = []
    for i in input_order(node, names):
        p = node.parents[i]
        if p not in ids:
            continue
        e = dict(edge)
        if i < len(roles):
            e["label"] = roles[i]
            e["fontsize"] = "9"
        out.append((ids[p], op_id, e))
    return out


def as_root(root: object, what: str) -> Value:
    """``root`` when it is a Value, else a one-line TypeError naming ``what``."""
    if not isinstance(root, Value):
        raise TypeError(
            f"{what}: expected a Value (the output of an expression), got {type(root).__name__}"
        )
    return root


def draw(
    root: Value | GradcheckError,
    rankdir: str = "LR",
    show_grad: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    params: object = None,
    constants: str = "op",
    format: str | None = None,  # noqa: A002 - micrograd's draw_dot(root, format=, rankdir=)
) -> graphviz.Digraph:
    """The graph of ``root`` as a ``graphviz.Digraph`` (it displays inline in Jupyter).

    One box per value showing its name, data and grad (grad left out with
    ``show_grad=False``); one small node per op, with one edge per input, so ``a * a`` shows
    two edges. Fill colours tell kinds apart: output pink and bold, named inputs blue,
    parameters orange, constants grey, intermediates white. ``params`` (an ``nn.Module``, a
    ``{name: Value}`` mapping or Values) names parameters (``L0.N1.w0``) and colours them.
    Constants are written on their op (``* 3``, ``÷ 3``) unless ``constants="nodes"``.
    ``highlight`` (a Value or several) is filled yellow with the edges into it drawn thick
    orange. Reads grads, never changes them. ``format`` (``"svg"``, ``"png"``) is the
    picture's output format, and with ``rankdir`` it takes micrograd's ``draw_dot`` arguments,
    so ``draw_dot = viz.draw`` works in its lecture. A failed gradient check
    (``GradcheckError``, ``OpCheckError``) draws its failing graph, the culprit highlighted.

    >>> a = Value(3.0, "a")
    >>> src = draw(a * a).source
    >>> src.count("-> v1_op"), "data 9" in src
    (2, True)
    """
    if format is not None and format not in graphviz.FORMATS:
        raise ValueError(f"draw: unknown format {format!r} (try svg or png)")
    if isinstance(root, GradcheckError):
        from viz.failure import draw_failure

        picture = draw_failure(root, rankdir=rankdir)
    else:
        picture = _draw(root, rankdir, show_grad, highlight, params, constants)
    if format is not None:
        picture.format = format
    return picture


def _draw(
    root: object,
    rankdir: str,
    show_grad: bool,
    highlight: Value | Iterable[Value] | None,
    params: object,
    constants: str,
) -> graphviz.Digraph:
    root = as_root(root, "draw")
    if highlight is None:
        marked: Iterable[Value] = ()
    elif isinstance(highlight, Value):
        marked = (highlight,)
    else:
        marked = highlight
    names = Names(root, params=params, constants=constants)
    return digraph(
        root, rankdir=rankdir, grads=None, show_grad=show_grad, highlight=marked, names=names
    )


def render(
    root: Value | graphviz.Digraph,
    path: str | Path,
    format: str = "svg",  # noqa: A002 - the issue names this parameter
    dpi: int = 0,
    params: object = None,
) -> Path:
    """Write the picture of ``root`` (a Value, or a picture from :func:`draw`) to ``path``.

    The suffix of ``path`` is set to ``format``. ``format="dot"`` writes the graphviz source.
    ``dpi`` sets a PNG's resolution (0: :data:`PNG_DPI`, sharp on a projected slide). When the
    ``dot`` binary is missing, the ``.dot`` source is written instead and a
    :class:`MissingDotWarning` says how to install graphviz. A Value graph too big to lay out
    quickly (see :func:`check_size`) is refused with a one-line ValueError unless
    ``format="dot"``. Returns the path written.
    """
    if isinstance(root, graphviz.Digraph):
        graph = root
    else:
        root = as_root(root, "render")
        names = Names(root, params=params)
        if format != "dot":
            check_size([n for n in names.nodes if names.shown(n)], "render")
        graph = digraph(root, rankdir="LR", grads=None, show_grad=True, highlight=(), names=names)
    if format != "dot" and format not in graphviz.FORMATS:
        raise ValueError(f"render: unknown format {format!r} (try svg, png, pdf or dot)")
    if numbers.count(dpi, "render: dpi", low=0) > 1200:
        raise ValueError(f"render: dpi must be a whole number from 1 to 1200, got {dpi!r}")
    path = Path(path)
    if not path.name:
        raise ValueError("render: the path names no file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if format != "dot":
        if format == "png":
            graph = graph.copy()
            graph.attr(dpi=str(dpi or PNG_DPI))
        try:
            data = graph.pipe(format=format)
        except graphviz.ExecutableNotFound:
            warnings.warn(
                f"graphviz's `dot` was not found, so the .dot source was written: {INSTALL_HINT}",
                MissingDotWarning,
                stacklevel=2,
            )
        except (subprocess.CalledProcessError, OSError) as err:
            detail = getattr(err, "stderr", b"") or b""
            text = one_line(detail.decode("utf-8", "replace") if detail else str(err), 200)
            raise ValueError(f"render: graphviz's dot could not draw the graph: {text}") from None
        else:
            out = path.with_suffix("." + format)
            out.write_bytes(data)
            return out
    out = path.with_suffix(".dot")
    out.write_text(graph.source, encoding="utf-8", errors="backslashreplace")
    return out
