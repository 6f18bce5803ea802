"""Notation: short numbers, names for unlabelled nodes, and the chain rule written out in words.

Everything viz prints (the command's table, the pictures, the HTML stepper) goes through
:func:`fmt` for numbers and :class:`Names` for node names, so the three always agree.
The symbolic local derivatives below are *descriptions* for the learner; the numbers beside
them always come from the engine (``autograd.backward_steps``), never from this module.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

from autograd import OPS, Step, Value

__all__ = [
    "Names",
    "chain_lines",
    "fmt",
    "formula",
    "formula_numbers",
    "forward_line",
    "graph_nodes",
    "local_text",
    "param_names",
    "short_name",
]

# Names given to unlabelled intermediate nodes, in forward order: q first, as in the textbook's
# f = q * z with q = x + y. After these come n1, n2, ... No w or b: they read like parameters.
_LETTERS = ("q", "r", "s", "t", "u", "v", "p", "h", "k", "m")
# A label longer than this is shown cut, so that a 20,000-character name still draws.
MAX_NAME = 24


def fmt(x: float) -> str:
    """A number in short readable form: about 6 significant digits, no trailing ``.0``.

    >>> fmt(-12.0), fmt(3.0), fmt(0.5), fmt(1234567.0), fmt(1 / 3)
    ('-12', '3', '0.5', '1.23457e+06', '0.333333')
    """
    s = f"{float(x):.6g}"
    return "0" if s == "-0" else s


def graph_nodes(root: Value) -> list[Value]:
    """Every node reachable from ``root`` (leaves included), each after its inputs, in reading
    order: the inputs of ``a*b + c*d`` come as a, b, a*b, c, d, c*d. Iterative."""
    order: list[Value] = []
    seen: set[Value] = {root}
    stack: list[tuple[Value, int]] = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            p = node.parents[i]
            if p not in seen:
                seen.add(p)
                stack.append((p, 0))
        else:
            order.append(node)
    return order


def short_name(name: str) -> str:
    """A parameter's name from ``named_parameters()`` made short for a picture: a word followed
    by an index becomes one piece, capitalised when the word is longer than one letter.

    >>> short_name("layers.0.neurons.1.w.0"), short_name("layers.1.neurons.0.b")
    ('L0.N1.w0', 'L1.N0.b')
    """
    parts = name.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        word = parts[i]
        if i + 1 < len(parts) and parts[i + 1].isdigit() and not word.isdigit():
            out.append((word[0].upper() if len(word) > 1 else word) + parts[i + 1])
            i += 2
        else:
            out.append(word)
            i += 1
    return ".".join(out)


def param_names(params: object) -> dict[Value, str]:
    """``{Value: short name}`` from an ``nn.Module`` (its ``named_parameters()``, names made
    short by :func:`short_name`), a ``{name: Value}`` mapping, or an iterable of Values
    (named by their labels, else p0, p1, ...). A Value listed twice keeps its first name."""
    if params is None:
        return {}
    named: Iterable[tuple[str, object]]
    if hasattr(params, "named_parameters"):
        named = [(short_name(str(n)), v) for n, v in params.named_parameters()]
    elif isinstance(params, Mapping):
        named = [(str(n), v) for n, v in params.items()]
    elif isinstance(params, Value):
        named = [(params.label or "p0", params)]
    elif isinstance(params, Iterable) and not isinstance(params, str | bytes):
        named = [
            (v.label if isinstance(v, Value) and v.label else f"p{i}", v)
            for i, v in enumerate(params)
        ]
    else:
        raise TypeError(
            "params must be an nn.Module, a {name: Value} mapping or Values, "
            f"got {type(params).__name__}"
        )
    out: dict[Value, str] = {}
    for name, v in named:
        if not isinstance(v, Value):
            raise TypeError(f"params: {clean(name)!r} is a {type(v).__name__}, not a Value")
        out.setdefault(v, name)
    return out


def clean(label: str, limit: int = MAX_NAME) -> str:
    """A label made safe to print and draw: NFKC-normalised, control characters and lone
    surrogates written as escapes, cut to ``limit`` characters with an ellipsis.

    >>> clean("a\\x00b") == "a\\\\x00b", clean("x" * 30)
    (True, 'xxxxxxxxxxxxxxxxxxxxxxx…')
    """
    text = unicodedata.normalize(
        "NFKC", label.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
    )
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Names:
    """Display names for the nodes of one graph.

    A parameter's name from ``params`` (see :func:`param_names`); else a node's ``label``
    (made printable and cut to :data:`MAX_NAME` characters by :func:`clean`); an unlabelled
    output is ``out``; unlabelled intermediate nodes get q, r, s, ... then n1, n2, ... in
    reading order (skipping names already used); an unlabelled leaf is a constant and is shown
    as its number. With ``constants="op"`` (the default) a constant sub-expression such as the
    ``3 ** -1`` that ``x / 3`` makes is *folded*: shown as a number on the op that uses it, with
    no box or gradient line; ``constants="nodes"`` draws every node, as micrograd does.

    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> out = (x + y) * z
    >>> names = Names(out)
    >>> names[out.parents[0]], names[out], names.grad_name(x)
    ('q', 'out', 'dx')
    """

    def __init__(
        self,
        root: Value,
        nodes: Sequence[Value] | None = None,
        params: object = None,
        constants: str = "op",
    ) -> None:
        if constants not in ("op", "nodes"):
            raise ValueError(f"constants must be 'op' or 'nodes', got {constants!r}")
        self.root = root
        self.nodes = list(nodes) if nodes is not None else graph_nodes(root)
        self.params: dict[Value, str] = {v: clean(n) for v, n in param_names(params).items()}
        # each parameter's place in the order ``params`` gives them (w0, w1, ..., b)
        self.param_rank: dict[Value, int] = {v: i for i, v in enumerate(self.params)}
        self.folded: set[Value] = set()
        if constants == "op":
            for node in self.nodes:
                if node is root or node in self.params:
                    continue
                if node.parents and all(p in self.folded for p in node.parents):
                    self.folded.add(node)
                elif not node.parents and not node.label:
                    self.folded.add(node)
            if root.parents and all(p in self.folded for p in root.parents):
                self.folded.clear()  # nothing but constants: draw them all
        self._names: dict[Value, str] = {}
        used: set[str] = set()
        for node in self.nodes:
            if node in self.params or node.label:
                name = self.params.get(node) or clean(node.label)
                if name in used and name != node.label:  # a cut name clashes: number it
                    k = 2
                    while f"{name}{k}" in used:
                        k += 1
                    name = f"{name}{k}"
                self._names[node] = name
                used.add(name)
        letters = (c for c in _LETTERS if c not in used and c != "out")
        counter = 0
        for node in self.nodes:
            if node in self._names:
                continue
            if node is root:
                name = "out" if "out" not in used else "output"
            elif not node.parents:
                name = fmt(node.data)
            elif node in self.folded:
                name = _folded_text(node)
            else:
                name = next(letters, "")
                while not name:
                    counter += 1
                    candidate = f"n{counter}"
                    if candidate not in used:
                        name = candidate
                used.add(name)
            self._names[node] = name

    def __getitem__(self, node: Value) -> str:
        return self._names[node]

    def is_constant(self, node: Value) -> bool:
        """True for an unlabelled leaf (a number written into the expression) and for a folded
        constant sub-expression."""
        if node in self.folded:
            return True
        return (
            not node.parents
            and not node.label
            and node is not self.root
            and (node not in self.params)
        )

    def shown(self, node: Value) -> bool:
        """True for a node drawn as a box with its own gradient (not a folded constant)."""
        return node not in self.folded

    def grad_name(self, node: Value) -> str:
        """``dx`` for x; ``d(2)`` for the constant 2."""
        name = self[node]
        return f"d({name})" if self.is_constant(node) else f"d{name}"

    def operand(self, node: Value) -> str:
        """The name as an operand in a formula (a constant shows as its number)."""
        return self[node]


def fmt_arg(arg: object) -> str:
    """An op's constant in short form: ``2``, or ``-1, 1`` for several (clamp's bounds).

    >>> fmt_arg(2.0), fmt_arg((-1.0, 1.0)), fmt_arg(None)
    ('2', '-1, 1', '')
    """
    if arg is None:
        return ""
    if isinstance(arg, tuple):
        return ", ".join(fmt(a) for a in arg)
    return fmt(arg)  # type: ignore[arg-type]


def _folded_text(node: Value) -> str:
    return fmt(node.data)


def formula(node: Value, names: Names) -> str:
    """How ``node`` is computed from its parents, in names: ``x + y``, ``tanh(q)``, ``q ** 2``."""
    return formula_with(node, names.operand)


def formula_numbers(node: Value) -> str:
    """The same formula with every parent replaced by its value: ``-2 + 5``."""
    return formula_with(node, lambda p: fmt(p.data))


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


def _operand(number: str) -> str:
    """A number written after an operator: in parentheses when negative, ``(-4)``."""
    return f"({number})" if number.startswith("-") else number


def formula_with(node: Value, operand: Callable[[Value], str]) -> str:
    """How ``node`` is computed, each parent written by ``operand(parent)``: the one place the
    row's formula template is filled."""
    ps = [operand(p) for p in node.parents]
    arg = fmt_arg(node.arg)
    row = OPS.get(node.op)
    if row is None or not row.formula:
        return f"{node.op}({', '.join(ps + ([arg] if arg else []))})"
    if callable(row.formula):
        return _fill(_template(row.formula, len(ps), node.arg), ps, "", arg)
    return _fill(row.formula, ps, "", arg)


def _template(make: Callable[[Sequence[str], object], str], count: int, arg: object = None) -> str:
    """The template an n-ary row's formula function writes, ``{0} + {1}*{2}``: it is called
    on placeholders, so that :func:`_fill` can put a negative operand in parentheses
    (``w1*(-1)``) exactly as it does for a one-template row."""
    marks = [f"\x00{i}\x00" for i in range(count)]
    text = make(marks, arg).replace("{", "{{").replace("}", "}}")
    for i, mark in enumerate(marks):
        text = text.replace(mark, f"{{{i}}}")
    return text


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
    arg = fmt_arg(node.arg)
    return _fill(row.local[index], ps, me, arg)


def chain_lines(
    step: Step, names: Names, seen: dict[Value, float], hide_folded: bool = False
) -> list[str]:
    """The chain rule of one backward step, one line per input: ``dq = dout * z = 1 * (-4) = -4``.

    ``seen`` maps each node to the gradient it has received so far in this backward pass and
    is updated here; a second contribution is written ``+=`` with the new total. With
    ``hide_folded`` a folded constant input (see :class:`Names`) gets no line.

    >>> from autograd import backward_steps
    >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    >>> out = (x + y) * z
    >>> names, seen = Names(out), {}
    >>> for step in backward_steps(out):
    ...     print("; ".join(chain_lines(step, names, seen)))
    dq = dout * z = 1 * (-4) = -4; dz = dout * q = 1 * 3 = 3
    dx = dq * 1 = -4 * 1 = -4; dy = dq * 1 = -4 * 1 = -4
    """
    node = step.node
    lines = []
    for i, (p, d, c) in enumerate(step.parents):
        if hide_folded and not names.shown(p):
            continue
        before = seen.get(p)
        total = c if before is None else before + c
        seen[p] = total
        sign = "=" if before is None else "+="
        line = (
            f"{names.grad_name(p)} {sign} {names.grad_name(node)} * "
            f"{_operand(local_text(node, i, names))}"
            f" = {fmt(step.grad)} * {_operand(fmt(d))} = {fmt(c)}"
        )
        if before is not None:
            line += f"  (now {fmt(total)})"
        lines.append(line)
    return lines
