"""Notation: short numbers, names for unlabelled nodes, and the chain rule written out in words.

Everything viz prints (the command's table, the pictures, the HTML stepper) goes through
:func:`fmt` for numbers and :class:`Names` for node names, so the three always agree.
The symbolic local derivatives below are *descriptions* for the learner; the numbers beside
them always come from the engine (``autograd.backward_steps``), never from this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from autograd import Step, Value, toposort

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


def _join(op: str, names: Iterable[str]) -> str:
    return f" {op} ".join(names)


def formula(node: Value, names: Names) -> str:
    """How ``node`` is computed from its parents, in names: ``x + y``, ``tanh(q)``, ``q ** 2``."""
    return _formula(node, names.operand)


def formula_numbers(node: Value) -> str:
    """The same formula with every parent replaced by its value: ``-2 + 5``."""
    return _formula(node, lambda p: fmt(p.data))


def _formula(node: Value, operand: Callable[[Value], str]) -> str:
    ps = [operand(p) for p in node.parents]
    op, arg = node.op, node.arg
    if op in ("add", "sum"):
        return _join("+", ps)
    if op == "mul":
        return _join("*", ps)
    if op == "neg":
        return f"-{_paren(ps[0])}"
    if op == "pow":
        exponent = ps[1] if len(ps) == 2 else fmt(arg)
        return f"{_paren(ps[0])} ** {_paren(exponent)}"
    if op == "affine":
        terms = [ps[0]] + [f"{ps[i]}*{ps[i + 1]}" for i in range(1, len(ps), 2)]
        return _join("+", terms)
    if arg is not None:
        return f"{op}({', '.join(ps)}, {fmt(arg)})"
    return f"{op}({', '.join(ps)})"


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
    op, arg = node.op, node.arg
    a = ps[index] if index < len(ps) else "?"
    if op in ("add", "sum"):
        return "1"
    if op == "mul" and len(ps) == 2:
        return ps[1 - index]
    if op == "neg":
        return "-1"
    if op == "pow" and len(ps) == 1:
        k = float(arg)
        power = "" if k == 2.0 else f" ** {_paren(fmt(k - 1.0))}"
        return f"{fmt(k)} * {_paren(a)}{power}"
    if op == "pow" and len(ps) == 2:
        return f"{ps[1]} * {ps[0]} ** ({ps[1]} - 1)" if index == 0 else f"{me} * log({ps[0]})"
    if op == "affine":
        if index == 0:
            return "1"
        return ps[index + 1] if index % 2 == 1 else ps[index - 1]
    words: dict[str, Callable[[], str]] = {
        "exp": lambda: me,
        "log": lambda: f"1 / {a}",
        "sqrt": lambda: f"0.5 / {me}",
        "tanh": lambda: f"(1 - {me}**2)",
        "sigmoid": lambda: f"{me} * (1 - {me})",
        "softplus": lambda: f"sigmoid({a})",
        "relu": lambda: f"(1 if {a} > 0 else 0)",
        "leaky_relu": lambda: f"(1 if {a} >= 0 else {fmt(arg)})",
        "elu": lambda: f"(1 if {a} > 0 else {me} + {fmt(arg)})",
        "abs": lambda: f"sign({a})",
    }
    if op in words and len(ps) == 1:
        return words[op]()
    return f"d({me})/d({a})"


def _paren(s: str) -> str:
    return f"({s})" if s.startswith("-") else s


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
