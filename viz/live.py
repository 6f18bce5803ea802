"""The graph as data a page can recompute: every node's op, inputs, constant, value and local
derivatives, the engine's reverse-pass order, and the words of each box as templates, so that
when a number changes in the browser every value, gradient and chain-rule line is written again
from the op rows' browser rules (:mod:`viz.rules`, run by :mod:`viz.replay`).

Templates are those of :mod:`viz.notation`, kept unfilled: a list alternating literal text and
a field (an input's index, ``"out"`` or ``"arg"``), led by 0 when a negative operand gets
parentheses as ``viz.notation`` writes it (its ``_fill``) and by 1 when the text is written as
it is (an n-ary row's words, an op without words).
"""

from __future__ import annotations

import string
from typing import Any

from autograd import OPS, Value
from viz.boxes import op_text
from viz.notation import _template, fmt_arg
from viz.trace import Trace

__all__ = ["changeable", "graph_data", "pieces"]

Pieces = list[Any]


def pieces(template: str, plain: bool = False) -> Pieces:
    """``"{0} * {1}"`` as ``[0, "", 0, " * ", 1, ""]``: the paren rule (0, or 1 for plain),
    then literal, field, literal, ..., literal (fields are input indices, "out" or "arg").

    >>> pieces("{0} ** {arg}")
    [0, '', 0, ' ** ', 'arg', '']
    """
    out: Pieces = [int(plain), ""]
    for literal, field, _, _ in string.Formatter().parse(template):
        out[-1] += literal
        if field is not None:
            out += [int(field) if field.isdigit() else field, ""]
    return out


def _formula(node: Value) -> Pieces:
    """How ``node`` is computed, as :func:`viz.notation.formula_with` fills it."""
    row = OPS.get(node.op)
    count = len(node.parents)
    if row is None or not row.formula:
        fields = [f"{{{i}}}" for i in range(count)] + (["{arg}"] if fmt_arg(node.arg) else [])
        return pieces(f"{node.op}({', '.join(fields)})", plain=True)
    if callable(row.formula):
        return pieces(_template(row.formula, count, node.arg))
    return pieces(row.formula)


def _local(node: Value, index: int) -> Pieces:
    """The local derivative's words, as :func:`viz.notation.local_text` fills them."""
    row = OPS.get(node.op)
    count = len(node.parents)
    if row is None or not row.local or index >= count:
        return pieces(f"d({{out}})/d({{{index}}})", plain=True)
    if callable(row.local[0]):  # n-ary: written as the row's function writes it
        marks = [f"\x00{i}\x00" for i in range(count)]
        text = row.local[0](index, marks).replace("{", "{{").replace("}", "}}")
        for i, mark in enumerate(marks):
            text = text.replace(mark, f"{{{i}}}")
        return pieces(text, plain=True)
    return pieces(row.local[index])


class _Table:
    """Templates stored once, referred to by index."""

    def __init__(self) -> None:
        self.items: list[Pieces] = []
        self.index: dict[str, int] = {}

    def add(self, item: Pieces) -> int:
        key = repr(item)
        if key not in self.index:
            self.index[key] = len(self.items)
            self.items.append(item)
        return self.index[key]


def _numbered(t: Trace, n: Value) -> bool:
    """True when the node is named by its number (a constant), so its name follows its value."""
    names = t.names
    if n.label or n in names.params or n is names.top:
        return False
    return not n.parents or n in names.folded


def changeable(t: Trace) -> list[Value]:
    """The leaves a page lets one change: every leaf that shows, as a box or written on an op
    (a constant inside a step nobody wrote is left alone)."""
    names = t.names
    users: dict[Value, list[Value]] = {}
    for n in names.nodes:
        for p in n.parents:
            users.setdefault(p, []).append(n)
    seen: dict[Value, bool] = {}
    for n in reversed(names.nodes):
        seen[n] = names.shown(n) or (
            n in names.folded and any(seen.get(u, False) for u in users.get(n, ()))
        )
    return [n for n in names.nodes if not n.parents and seen[n]]


def _op_texts(t: Trace, ids: dict[Value, int]) -> dict[str, list[Any]]:
    """For each op that shows a constant on it (``* 3``), its symbol, the constant's node and
    its side, so the page can write it again when the constant changes."""
    names = t.names
    index = {n: k for k, n in enumerate(names.nodes)}
    out = {}
    for n in t.forward:
        if len(n.parents) != 2:
            continue
        first, second = (p in names.folded for p in n.parents)
        if first == second:
            continue
        side = 0 if first else 1
        c = n.parents[side]
        if _numbered(t, c):
            bare = op_text(n)
            out[str(ids[n])] = [bare, index[c], side]
    return out


def graph_data(t: Trace, ids: dict[Value, int]) -> dict[str, Any]:
    """Every node of the graph (left-out ones too) as columns, in reading order: ``op``,
    ``in`` (input indices), ``arg``, ``data``, ``grad`` and ``partials`` (the engine's),
    ``box`` (the box
    that shows it, -1 for a folded constant), ``folded``, ``name`` and ``numbered`` (named
    by its number); ``order`` (the engine's reverse pass, node indices), ``root``; per box its
    ``node``, ``gparen`` (its gradient written ``d(...)``), ``argtext``, ``formula`` and
    ``words`` (indices into ``tpl``); ``optext``, ``leaves`` (those one may change), the boxes
    of the start and done texts and the parameters; and the op rows' browser rules."""
    names = t.names
    nodes = names.nodes
    index = {n: k for k, n in enumerate(nodes)}
    table = _Table()
    boxes = t.shown
    formula = [table.add(_formula(n)) if n.parents else -1 for n in boxes]
    words = [[table.add(_local(n, i)) for i in range(len(n.parents))] for n in boxes]
    ops = {n.op for n in nodes if n.parents}
    return {
        "op": [n.op for n in nodes],
        "in": [[index[p] for p in n.parents] for n in nodes],
        "arg": [list(n.arg) if isinstance(n.arg, tuple) else n.arg for n in nodes],
        "data": [n.data for n in nodes],
        "grad": [t.grads[n] for n in nodes],
        "partials": [[float(d) for d in n.partials] for n in nodes],
        "box": [ids.get(names.shown_as(n), -1) for n in nodes],
        "folded": [int(n in names.folded) for n in nodes],
        "name": [names[n] for n in nodes],
        "numbered": [int(_numbered(t, n)) for n in nodes],
        "label": [n.label for n in nodes],
        "order": [index[n] for n in t.passed],
        "root": index[t.root],
        "node": [index[n] for n in boxes],
        "gparen": [int(names.grad_name(n).startswith("d(")) for n in boxes],
        "argtext": [fmt_arg(n.arg) for n in boxes],
        "formula": formula,
        "words": words,
        "tpl": table.items,
        "optext": _op_texts(t, ids),
        "leaves": [index[n] for n in changeable(t)],
        "params": [ids[n] for n in t.parameters()],
        "start": [ids[n] for n in (t.inputs() + t.parameters())[:40]],
        "more": int(len(t.inputs() + t.parameters()) > 40),
        "done": [[ids[n] for n in _done_inputs(t)], [ids[n] for n in t.parameters()]],
        "rows": {op: list(OPS[op].js) for op in sorted(ops) if op in OPS and OPS[op].js},
    }


def _done_inputs(t: Trace) -> list[Value]:
    """The inputs whose gradients the last step lists (as :func:`viz.steps._done`)."""
    return t.inputs() or ([] if t.parameters() else [n for n in t.shown if not n.parents])
