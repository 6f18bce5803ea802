"""Notation: short numbers, names for unlabelled nodes, and the chain rule written out in words.

Everything viz prints (the command's table, the pictures, the HTML stepper) goes through
:func:`fmt` for numbers and :class:`Names` for node names, so the three always agree.
The symbolic local derivatives below are *descriptions* for the learner; the numbers beside
them always come from the engine (``autograd.backward_steps``), never from this module.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence

from autograd import OPS, Step, Value, toposort

__all__ = [
    "Names",
    "chain_lines",
    "fmt",
    "formula",
    "formula_numbers",
    "forward_line",
    "graph_nodes",
    "local_text",
]

# Names given to unlabelled intermediate nodes, in forward order: q first, as in the textbook's
# f = q * z with q = x + y. After these come n1, n2, ...
_LETTERS = ("q", "r", "s", "t", "u", "v", "w", "p", "h", "k", "m")


def fmt(x: float) -> str:
    """A number in short readable form: about 6 significant digits, no trailing ``.0``.

    >>> fmt(-12.0), fmt(3.0), fmt(0.5), fmt(1234567.0), fmt(1 / 3)
    ('-12', '3', '0.5', '1.23457e+06', '0.333333')
    """
    s = f"{float(x):.6g}"
    return "0" if s == "-0" else s


def graph_nodes(root: Value) -> list[Value]:
    """Every node reachable from ``root`` (leaves included), each after its inputs; iterative."""
    order: list[Value] = []
    seen: set[Value] = set()
    for node in toposort(root):
        for p in node.parents:
            if not p.parents and p not in seen:
                seen.add(p)
                order.append(p)
        order.append(node)
    if not order:  # root is a leaf
        order.append(root)
    return order


class Names:
    """Display names for the nodes of one graph.

    A node's ``label`` when it has one; an unlabelled output is ``out``; unlabelled
    intermediate nodes get q, r, s, ... then n1, n2, ... in forward order (skipping names
    already used as labels); an unlabelled leaf is a constant and is shown as its number.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> out = (x + y) * z
    >>> names = Names(out)
    >>> names[out.parents[0]], names[out], names.grad_name(x)
    ('q', 'out', 'dx')
    """

    def __init__(self, root: Value, nodes: Sequence[Value] | None = None) -> None:
        self.root = root
        self.nodes = list(nodes) if nodes is not None else graph_nodes(root)
        used = {n.label for n in self.nodes if n.label}
        self._names: dict[Value, str] = {}
        letters = (c for c in _LETTERS if c not in used and c != "out")
        counter = 0
        for node in self.nodes:
            if node.label:
                name = node.label
            elif node is root:
                name = "out" if "out" not in used else "output"
            elif not node.parents:
                name = fmt(node.data)
            else:
                name = next(letters, "")
                while not name:
                    counter += 1
                    candidate = f"n{counter}"
                    if candidate not in used:
                        name = candidate
            self._names[node] = name

    def __getitem__(self, node: Value) -> str:
        return self._names[node]

    def is_constant(self, node: Value) -> bool:
        """True for an unlabelled leaf: a number written into the expression."""
        return not node.parents and not node.label and node is not self.root

    def grad_name(self, node: Value) -> str:
        """``dx`` for x; ``d(2)`` for the constant 2."""
        name = self[node]
        return f"d({name})" if self.is_constant(node) else f"d{name}"

    def operand(self, node: Value) -> str:
        """The name as an operand in a formula (a constant shows as its number)."""
        return self[node]


def formula(node: Value, names: Names) -> str:
    """How ``node`` is computed from its parents, in names: ``x + y``, ``tanh(q)``, ``q ** 2``."""
    return _formula(node, names.operand)


def formula_numbers(node: Value) -> str:
    """The same formula with every parent replaced by its value: ``-2 + 5``."""
    return _formula(node, lambda p: fmt(p.data))


def _fill(template: str, ps: Sequence[str], me: str, arg: str) -> str:
    """Fill a row's template; an operand that starts with "-" gets parentheses wherever it
    does not begin the text or an argument list (``-(-2)``, ``(-2) ** 3``, ``x * (-4)``)."""
    out = []
    before = ""
    pieces = list(string.Formatter().parse(template))
    for k, (literal, field, _, _) in enumerate(pieces):
        out.append(literal)
        before += literal
        if field is None:
            continue
        value = me if field == "out" else arg if field == "arg" else ps[int(field)]
        after = pieces[k + 1][0] if k + 1 < len(pieces) else ""
        opening = before.rstrip() == "" or before.endswith(("(", ", "))
        if value.startswith("-") and (not opening or after.startswith(" **")):
            value = f"({value})"
        out.append(value)
        before += value
    return "".join(out)


def _formula(node: Value, operand: Callable[[Value], str]) -> str:
    ps = [operand(p) for p in node.parents]
    arg = "" if node.arg is None else fmt(node.arg)
    row = OPS.get(node.op)
    if row is None or not row.formula:
        return f"{node.op}({', '.join(ps + ([arg] if arg else []))})"
    if callable(row.formula):
        return row.formula(ps, node.arg)
    return _fill(row.formula, ps, "", arg)


def forward_line(node: Value, names: Names) -> str:
    """One forward-pass line: ``q = x + y = -2 + 5 = 3``.

    >>> x, y = Value(-2.0, "x"), Value(5.0, "y")
    >>> q = x + y
    >>> forward_line(q, Names(q))
    'out = x + y = -2 + 5 = 3'
    """
    symbolic = formula(node, names)
    numbers = formula_numbers(node)
    head = f"{names[node]} = {symbolic}"
    if numbers not in (symbolic, fmt(node.data)):
        head += f" = {numbers}"
    return f"{head} = {fmt(node.data)}"


def local_text(node: Value, index: int, names: Names) -> str:
    """The local derivative d node / d parent[index] written symbolically, for reading only.

    The number used in the arithmetic always comes from the engine's step; this text just says
    what that number is: the other factor for ``mul``, ``1`` for ``add``, ``(1 - t**2)`` for
    tanh, and ``d(t)/d(x)`` for an op it has no words for.

    >>> x, z = Value(3.0, "x"), Value(-4.0, "z")
    >>> out = x * z
    >>> local_text(out, 0, Names(out)), local_text(out, 1, Names(out))
    ('z', 'x')
    """
    ps = [names.operand(p) for p in node.parents]
    me = names[node]
    row = OPS.get(node.op)
    if row is None or not row.local or index >= len(ps):
        a = ps[index] if index < len(ps) else "?"
        return f"d({me})/d({a})"
    if callable(row.local[0]):  # n-ary: one function for every input
        return row.local[0](index, ps)
    arg = "" if node.arg is None else fmt(node.arg)
    return _fill(row.local[index], ps, me, arg)


def chain_lines(step: Step, names: Names, seen: dict[Value, float]) -> list[str]:
    """The chain rule of one backward step, one line per input: ``dq = dout * z = 1 * -4 = -4``.

    ``seen`` maps each node to the gradient it has received so far in this backward pass and
    is updated here; a second contribution is written ``+=`` with the new total.

    >>> from autograd import backward_steps
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> out = (x + y) * z
    >>> names, seen = Names(out), {}
    >>> for step in backward_steps(out):
    ...     print("; ".join(chain_lines(step, names, seen)))
    dq = dout * z = 1 * -4 = -4; dz = dout * q = 1 * 3 = 3
    dx = dq * 1 = -4 * 1 = -4; dy = dq * 1 = -4 * 1 = -4
    """
    node = step.node
    lines = []
    for i, (p, d, c) in enumerate(step.parents):
        before = seen.get(p)
        total = c if before is None else before + c
        seen[p] = total
        sign = "=" if before is None else "+="
        line = (
            f"{names.grad_name(p)} {sign} {names.grad_name(node)} * {local_text(node, i, names)}"
            f" = {fmt(step.grad)} * {fmt(d)} = {fmt(c)}"
        )
        if before is not None:
            line += f"  (now {fmt(total)})"
        lines.append(line)
    return lines
