"""Pictures of a graph: one box per value (name, data, grad), one small node per op.

The graph is read from outside through the public fields ``data``, ``grad``, ``op``,
``parents``, ``label`` and ``arg``; traversal is iterative, so graphs of any depth draw. Every
entry point checks the picture's size before any layout work (:func:`check_size`).
"""

from __future__ import annotations

import re
import subprocess
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

import graphviz

from autograd import OPS, GradcheckError, Value, numbers
from viz.boxes import (
    FILL,
    GROUP_FILL,
    GROUP_LINE,
    HIGHLIGHT,
    HIGHLIGHT_EDGE,
    INSTALL_HINT,
    MAX_DRAW_NODES,
    MAX_DRAW_SIZE,
    PNG_DPI,
    box_label,
    check_size,
    draw_order,
    groups,
    input_order,
    kind,
    layout_size,
    natural_key,
    new_digraph,
    op_node,
    param_table,
    stacked_inputs,
    text_width,
    too_big,
)
from viz.expr import one_line
from viz.names import Names, fmt

__all__ = [
    "FILL",
    "GROUP_FILL",
    "GROUP_LINE",
    "HIGHLIGHT",
    "HIGHLIGHT_EDGE",
    "INSTALL_HINT",
    "MAX_DRAW_NODES",
    "MAX_DRAW_SIZE",
    "MissingDotWarning",
    "PNG_DPI",
    "as_root",
    "check_size",
    "digraph",
    "draw",
    "groups",
    "kind",
    "layout_size",
    "render",
    "stacked_inputs",
    "text_width",
]

Extra = Mapping[str, Mapping[str, str]]


class MissingDotWarning(UserWarning):
    """graphviz's ``dot`` binary is missing: the ``.dot`` source was written instead."""


def _clusters(names: Names, extra: Extra) -> dict[str, graphviz.Digraph]:
    """One dashed frame per parameter group and its parents (``L0``, ``L0.N1``)."""
    subgraphs: dict[str, graphviz.Digraph] = {}
    for name in sorted(set(names.group.values()), key=lambda s: (s.count("."), natural_key(s))):
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            key = ".".join(parts[:k])
            if key not in subgraphs:
                sub = graphviz.Digraph(name=f"cluster_{key}")
                sub.attr(label=key, id=f"c:{key}", style="rounded,dashed", color="#999999",
                         fontname="Helvetica", fontsize="11", labeljust="l",
                         **extra.get(f"c:{key}", {}))  # fmt: skip
                subgraphs[key] = sub
    return subgraphs


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
    labels: Mapping[str, str] | None = None,
    extra: Extra | None = None,
    got: Iterable[Value] = (),
) -> graphviz.Digraph:
    """Build the picture. ``grads`` (when given) replaces ``.grad``, a missing entry is blank;
    ``texts`` (when given) gives every box's data and grad text. ``widths`` fixes each box's
    width and names every node, op and edge with an id for the stepper (box ``v3``, its op
    ``v3_op``, the edge of its input i ``v3_e{i}``, op to box ``v3_o``) and draws every edge
    with room for an arrowhead at both ends; ``labels`` (by edge id) reserves room for a text
    on an edge; ``extra`` (by id) adds attributes (a fixed position, a colour);
    ``clusters`` draws each parameter group (``L0.N1``) as a dashed frame; the gradients of
    ``got`` are marked as just received."""
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    names = Names(root, params=params) if names is None else names
    extra = extra or {}
    labels = labels or {}
    shown = [n for n in names.nodes if names.shown(n)]
    marked = set(highlight)
    received = set(got)
    ids = {n: f"v{i}" for i, n in enumerate(shown)}
    g = new_digraph(rankdir, len(shown))
    where = names.group if clusters else {}
    subgraphs = _clusters(names, extra) if clusters else {}
    stepper = widths is not None
    edges: list[tuple[str, str, dict[str, str]]] = []
    stacks = stacked_inputs(names)
    stacked = {p: node for node, ps in stacks.items() for p in ps}
    tails = dict(ids)  # where an edge from each node starts: its box, or its row of a table
    for node, ps in stacks.items():
        for p in ps:
            tails[p] = f"{ids[node]}_in:r{ids[p][1:]}:e"

    def text_of(n: Value) -> tuple[str, str]:
        if texts is not None:
            return texts[n]
        if grads is None:
            return fmt(n.data), fmt(n.grad)
        return fmt(n.data), (fmt(grads[n]) if n in grads else "")

    for node in draw_order(names):
        if node in stacked:
            continue  # drawn as a row of its user's table of parameters
        data, grad = text_of(node)
        k = kind(node, names)
        lit = node in marked
        fill = HIGHLIGHT if lit else FILL[k]
        width = widths[node] if widths is not None else 0
        label = box_label(names[node], data, grad if show_grad else None, fill, k == "output",
                          width, node in received)  # fmt: skip
        target = subgraphs.get(where.get(node, ""), g)
        own = {"id": ids[node], **extra.get(ids[node], {})} if stepper else {}
        target.node(ids[node], label, tooltip=k, **own)
        if not node.parents:
            continue
        op_id = ids[node] + "_op"
        edge = {"color": HIGHLIGHT_EDGE, "penwidth": "2.5"} if lit else {}
        op_node(target, node, names, op_id, lit, stepper, extra.get(op_id, {}))
        if node in stacks:
            rows = [(names[p], *text_of(p)) for p in stacks[node]]
            table = ids[node] + "_in"
            ws = [widths[p] for p in stacks[node]] if widths is not None else []
            keys = [ids[p][1:] for p in stacks[node]]
            mine = frozenset(ids[p][1:] for p in stacks[node] if p in received)
            label = param_table(rows, keys, show_grad, ws, mine)
            more = {"id": table, **extra.get(table, {})} if ws else {}
            target.node(table, label, tooltip="param", **more)
        edges += _input_edges(node, names, tails, ids[node], edge, stepper)
        edges.append((op_id, ids[node], {**edge, "id": ids[node] + "_o"} if stepper else edge))
    # Clusters first, then edges: dot orders the boxes of a rank by first appearance.
    for key in sorted(subgraphs, key=lambda s: -s.count(".")):
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        (subgraphs[parent] if parent else g).subgraph(subgraphs[key])
    for tail, head, e in edges:
        if stepper:
            e.setdefault("dir", "both")
            if e["id"] in labels:
                e["label"] = labels[e["id"]]
            e.update(extra.get(e["id"], {}))
        g.edge(tail, head, **e)
    return g


def _input_edges(
    node: Value,
    names: Names,
    tails: Mapping[Value, str],
    box: str,
    edge: Mapping[str, str],
    with_id: bool,
) -> list[tuple[str, str, dict[str, str]]]:
    """One edge from each drawn input of ``node`` into its op node, labelled with the input's
    role where the op's row names one (``base``, ``exponent``)."""
    row = OPS.get(node.op)
    roles = row.roles if row is not None else ()
    out = []
    for i in input_order(node, names):
        p = names.shown_as(node.parents[i])
        if p not in tails or not names.shown(p):
            continue
        e = dict(edge)
        if with_id:
            e["id"] = f"{box}_e{i}"
        if i < len(roles):
            e["label"] = roles[i]
        out.append((tails[p], box + "_op", e))
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
    A graph too big to lay out quickly is refused at once (one-line ValueError; see
    :func:`check_size`): ``render(root, path, format="dot")`` still writes its source.

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
        root = as_root(root, "draw")
        too_big(root, "draw")
        names = Names(root, params=params, constants=constants)
        check_size([n for n in names.nodes if names.shown(n)], "draw", names)
        if highlight is None:
            marked: Iterable[Value] = ()
        elif isinstance(highlight, Value):
            marked = (highlight,)
        else:
            marked = highlight
        picture = digraph(root, rankdir=rankdir, grads=None, show_grad=show_grad,
                          highlight=marked, names=names)  # fmt: skip
    if format is not None:
        picture.format = format
    return picture


_NODE_LINE = re.compile(r"^\s*\S+ \[")  # a node statement of a picture's source


def _check_picture(graph: graphviz.Digraph) -> None:
    """Refuse a ready-made picture with more boxes and op nodes than :func:`check_size`
    allows a graph (a picture from draw() always passes)."""
    count = sum(1 for line in graph.body if _NODE_LINE.match(line) and "->" not in line)
    if count > 2 * MAX_DRAW_NODES:
        raise ValueError(
            f"render: the picture has {count} nodes, more than {2 * MAX_DRAW_NODES} can be laid"
            " out in reasonable time (format='dot' still writes the source)"
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
    :class:`MissingDotWarning` says how to install graphviz. A graph too big to lay out
    quickly (see :func:`check_size`) is refused with a one-line ValueError before any work,
    unless ``format="dot"``. Returns the path written.
    """
    if format != "dot" and format not in graphviz.FORMATS:
        raise ValueError(f"render: unknown format {format!r} (try svg, png, pdf or dot)")
    if numbers.count(dpi, "render: dpi", low=0) > 1200:
        raise ValueError(f"render: dpi must be a whole number from 1 to 1200, got {dpi!r}")
    path = Path(path)
    if not path.name:
        raise ValueError("render: the path names no file")
    if isinstance(root, graphviz.Digraph):
        graph = root
        if format != "dot":
            _check_picture(graph)
    else:
        root = as_root(root, "render")
        if format != "dot":
            too_big(root, "render")
        names = Names(root, params=params)
        if format != "dot":
            check_size([n for n in names.nodes if names.shown(n)], "render", names)
        graph = digraph(root, rankdir="LR", grads=None, show_grad=True, highlight=(), names=names)
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
