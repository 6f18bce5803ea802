"""Notation: short numbers, names for unlabelled nodes, and the chain rule written out in words.

Everything viz prints (the command's table, the pictures, the HTML stepper) goes through
:func:`fmt` for numbers and :class:`Names` for node names, so the three always agree.
The symbolic local derivatives below are *descriptions* for the learner; the numbers beside
them always come from the engine (``autograd.backward_steps``), never from this module.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence

from autograd import OPS, Step, Value
from viz.names import Names, clean, fmt, graph_nodes, param_names, short_name

__all__ = [
    "Names",
    "clean",
    "chain_line",
    "chain_lines",
    "chain_terms",
    "fmt",
    "formula",
    "formula_numbers",
    "forward_line",
    "graph_nodes",
    "local_text",
    "param_names",
    "short_name",
]


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


def formula(node: Value, names: Names) -> str:
    """How ``node`` is computed from its parents, in names: ``x + y``, ``tanh(q)``, ``q ** 2``."""
    return formula_with(node, names.__getitem__)


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


def local_text(node: Value, index: int, names: Names, operands: Sequence[str] = ()) -> str:
    """The local derivative d node / d parent[index] written symbolically, for reading only.

    The number used in the arithmetic always comes from the engine's step; this text just says
    what that number is: the other factor for ``mul``, ``1`` for ``add``, ``(1 - t**2)`` for
    tanh, and ``d(t)/d(x)`` for an op it has no words for. ``operands`` (the parents' names,
    when the caller has them) saves making them again for each input of a wide node.

    >>> x, z = Value(3.0, "x"), Value(-4.0, "z")
    >>> out = x * z
    >>> local_text(out, 0, Names(out)), local_text(out, 1, Names(out))
    ('z', 'x')
    """
    ps = list(operands) or [names[p] for p in node.parents]
    me = names[node]
    row = OPS.get(node.op)
    if row is None or not row.local or index >= len(ps):
        a = ps[index] if index < len(ps) else "?"
        return f"d({me})/d({a})"
    if callable(row.local[0]):  # n-ary: one function for every input
        return row.local[0](index, ps)
    arg = fmt_arg(node.arg)
    return _fill(row.local[index], ps, me, arg)


def chain_terms(
    step: Step, names: Names, seen: dict[Value, float], hide_folded: bool = False
) -> list[tuple[Value, str, float, float, float | None]]:
    """The chain rule of one backward step as data, one entry per input: ``(input as drawn,
    local derivative in words, local derivative, contribution, total before or None)``.

    ``seen`` maps each drawn node to the gradient it has received so far in this backward pass
    and is updated here (a left-out step's input collects what the step received). With
    ``hide_folded`` a folded constant input gets no entry. Linear in the node's inputs."""
    node = step.node
    operands = [names[p] for p in node.parents]
    out = []
    for i, (p, d, c) in enumerate(step.parents):
        if hide_folded and p in names.folded:
            continue
        p = names.shown_as(p)
        before = seen.get(p)
        seen[p] = c if before is None else before + c
        out.append((p, local_text(node, i, names, operands), d, c, before))
    return out


def chain_line(
    names: Names, node: Value, grad: float, term: tuple[Value, str, float, float, float | None]
) -> str:
    """One line of :func:`chain_lines` from one of :func:`chain_terms`."""
    p, words, d, c, before = term
    sign = "=" if before is None else "+="
    line = (
        f"{names.grad_name(p)} {sign} {names.grad_name(node)} * {_operand(words)}"
        f" = {fmt(grad)} * {_operand(fmt(d))} = {fmt(c)}"
    )
    return line if before is None else line + f"  (now {fmt(before + c)})"


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
    terms = chain_terms(step, names, seen, hide_folded)
    return [chain_line(names, step.node, step.grad, term) for term in terms]
