"""Expressions typed by a learner, turned into a Value graph without ever calling ``eval``.

The text is parsed with ``ast.parse(text, mode="eval")`` and every node is checked against a
whitelist: numbers, names, ``+ - * / **``, unary ``-`` and ``+``, parentheses, and calls of the
Value functions by bare name (``tanh(x)``, ``leaky_relu(x, 0.1)``). Anything else is a
:class:`Refusal` that points at the offending part. Walking and building are iterative, so a
long expression cannot exhaust the recursion limit here.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import autograd
from autograd import OPS, Op, Value

__all__ = ["FUNCTIONS", "Expression", "Refusal", "parse"]


class Refusal(ValueError):
    """The expression (or a value given for it) is refused before anything is computed."""


@dataclass(frozen=True)
class _Function:
    """A function an expression may call: an op row with a method."""

    row: Op

    @property
    def call(self) -> Callable[..., Value]:
        return autograd.FUNCTIONS[self.row.name]

    @property
    def numbers(self) -> tuple[str, ...]:
        """The names of the constants after the input (leaky_relu's slope, clamp's lo, hi)."""
        return tuple(n for n, _ in self.row.params)

    @property
    def signature(self) -> str:
        """``sin(x)``, ``leaky_relu(x, slope)``, ``atan2(y, x)``, ``max(x, y, ...)``."""
        row = self.row
        if row.arity == -1:
            return f"{row.name}(x, y, ...)"
        if row.arity == 2:
            return f"{row.name}({', '.join(row.roles or ('x', 'y'))})"
        return f"{row.name}({', '.join(('x', *self.numbers))})"


class _Functions(Mapping[str, _Function]):
    """The Value functions an expression may call, by bare name: every op row with a method
    (read from the table at each use, so an op registered later is callable too)."""

    def _rows(self) -> dict[str, _Function]:
        return {name: _Function(op) for name, op in OPS.items() if op.method}

    def __getitem__(self, name: str) -> _Function:
        return self._rows()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())


FUNCTIONS: Mapping[str, _Function] = _Functions()

# Python's binary operators; an expression may use those an op row backs (+ - * / % **).
_BINARY: dict[type[ast.operator], tuple[str, str]] = {
    ast.Add: ("+", "__add__"),
    ast.Sub: ("-", "__sub__"),
    ast.Mult: ("*", "__mul__"),
    ast.Div: ("/", "__truediv__"),
    ast.Mod: ("%", "__mod__"),
    ast.Pow: ("**", "__pow__"),
    ast.FloorDiv: ("//", "__floordiv__"),
    ast.MatMult: ("@", "__matmul__"),
    ast.LShift: ("<<", "__lshift__"),
    ast.RShift: (">>", "__rshift__"),
    ast.BitOr: ("|", "__or__"),
    ast.BitXor: ("^", "__xor__"),
    ast.BitAnd: ("&", "__and__"),
}
_UNARY_OTHER: dict[type[ast.AST], str] = {ast.Not: "not", ast.Invert: "~"}


def _allowed(dunder: str) -> bool:
    return any(dunder in op.operators for op in OPS.values())


def _allowed_text() -> str:
    return " ".join(sym for sym, dunder in _BINARY.values() if _allowed(dunder))


_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambdas",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.JoinedStr: "f-strings",
    ast.Tuple: "tuples",
    ast.List: "lists",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.NamedExpr: "assignments (:=)",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def one_line(text: str, limit: int = 60) -> str:
    """``text`` squeezed onto one printable line, cut at ``limit`` characters.

    >>> one_line("x +\\n   y")
    'x + y'
    """
    flat = " ".join(text.split())
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in flat)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, syntax tree and input names (in order of appearance).

    >>> e = parse("(x + y) * z")
    >>> e.names
    ('x', 'y', 'z')
    >>> out, inputs = e.build({"x": -2.0, "y": 5.0, "z": -4.0})
    >>> out.data, inputs["x"].label
    (-12.0, 'x')
    """

    text: str
    tree: ast.Expression
    names: tuple[str, ...]
    _shift: int  # leading whitespace removed before parsing (for columns on line 1)
    _named: frozenset[int]  # id() of every subtree that contains a name

    def where(self, node: ast.AST) -> str:
        """Where ``node`` is in the text, for error messages: ``col 5: 'a.b'``."""
        return _where(self.text, node, self._shift)

    def build(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Build the graph at ``values``: returns the output and the input leaf per name.

        Raises :class:`Refusal` for a missing name, and the engine's own ValueError,
        ZeroDivisionError or OverflowError (each naming the op) when evaluation fails.
        """
        missing = [n for n in self.names if n not in values]
        if missing:
            raise Refusal(
                "no value given for "
                + ", ".join(missing)
                + " (add "
                + " ".join(f"{n}=VALUE" for n in missing)
                + ")"
            )
        inputs = {n: Value(float(values[n]), n) for n in self.names}
        return self.apply(inputs), inputs

    def apply(self, inputs: Mapping[str, Value]) -> Value:
        """Build the graph on the given input Values (one per name), e.g. for gradcheck."""
        done: dict[int, Value] = {}
        stack: list[tuple[ast.AST, bool]] = [(self.tree.body, False)]
        while stack:
            node, ready = stack.pop()
            kids = _operands(node)
            if not ready:
                stack.append((node, True))
                stack.extend((k, False) for k in reversed(kids))
                continue
            done[id(node)] = self._make(node, [done.pop(id(k)) for k in kids], inputs)
        return done[id(self.tree.body)]

    def _make(self, node: ast.AST, args: list[Value], inputs: Mapping[str, Value]) -> Value:
        if isinstance(node, ast.Constant):
            return Value(float(node.value))
        if isinstance(node, ast.Name):
            return inputs[node.id]
        if isinstance(node, ast.UnaryOp):
            return -args[0] if isinstance(node.op, ast.USub) else args[0]
        if isinstance(node, ast.BinOp):
            a, b = args
            if isinstance(node.op, ast.Pow) and id(node.right) not in self._named:
                # An exponent without names is a constant: x ** 2 is one pow node with arg 2
                # (any real base), not Value ** Value (which needs a base > 0).
                return a**b.data
            return getattr(a, _BINARY[type(node.op)][1])(b)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        fn = FUNCTIONS[node.func.id]
        if fn.row.arity == 1:
            return fn.call(args[0], *[v.data for v in args[1:]])
        return fn.call(*args)


def _operands(node: ast.AST) -> list[ast.AST]:
    """The sub-expressions of an allowed node, in evaluation order."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def _where(text: str, node: ast.AST, shift: int) -> str:
    line = getattr(node, "lineno", 1)
    byte_col = getattr(node, "col_offset", 0)
    lines = text.lstrip().splitlines() or [""]
    source_line = lines[line - 1] if line <= len(lines) else ""
    col = len(source_line.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
    if line == 1:
        col += shift
    at = f"line {line} col {col}" if len(lines) > 1 else f"col {col}"
    segment = ast.get_source_segment(text.lstrip(), node) or ""
    return f"{at}: {one_line(segment)!r}" if segment else at


_TOO_DEEP = (
    "nesting too deep to parse (Python's parser stops at a few thousand levels; "
    "a long chain of operators such as x + x + ... counts as nesting)"
)


def _syntax(text: str, err: SyntaxError, shift: int) -> Refusal:
    msg = err.msg or "invalid syntax"
    if "too many nested" in msg:
        return Refusal(_TOO_DEEP)
    multi = "\n" in text.strip()
    if err.offset:
        col = err.offset + (shift if (err.lineno or 1) == 1 else 0)
        at = f" at line {err.lineno} col {col}" if multi else f" at col {col}"
    else:  # Python gives no column when the text ends too early ("x +", "x ** ")
        lines = text.rstrip().split("\n")
        at = f" at line {len(lines)}" if multi else ""
        at += f" col {len(lines[-1]) + 1} (the end: something is missing)"
        at = at if multi else " at" + at
    return Refusal(f"syntax error{at}: {one_line(msg)}")


def parse(text: str) -> Expression:
    """Parse and check ``text``; raise :class:`Refusal` (one line, pointing at the offending
    part) for anything outside the whitelist.

    >>> parse("x.real")
    Traceback (most recent call last):
    ...
    viz.expr.Refusal: attribute access not allowed (col 1: 'x.real')
    """
    if not isinstance(text, str):
        raise Refusal(f"the expression must be text, got {type(text).__name__}")
    body = text.lstrip()
    shift = len(text) - len(body) if "\n" not in text[: len(text) - len(body)] else 0
    if not body.strip():
        raise Refusal("the expression is empty")
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as err:
        raise _syntax(text, err, shift) from None
    except (RecursionError, MemoryError):
        raise Refusal(_TOO_DEEP) from None
    except ValueError as err:  # e.g. null bytes, on some Python versions
        raise Refusal(f"cannot parse: {one_line(str(err))}") from None
    return _check(text, tree, shift)


def _check(text: str, tree: ast.Expression, shift: int) -> Expression:
    def refuse(what: str, node: ast.AST) -> Refusal:
        return Refusal(f"{what} (" + _where(text, node, shift) + ")")

    first_seen: dict[str, tuple[int, int]] = {}
    order: list[ast.AST] = []  # pre-order: each node before its operands
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        order.append(node)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise refuse(_not_a_number(v), node)
            try:
                f = float(v)
            except OverflowError:
                raise refuse("number too large for a float", node) from None
            if not math.isfinite(f):
                raise refuse("number is not finite", node)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise refuse(f"{node.id} is a function: call it, as in {node.id}(x)", node)
            key = (getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
            if node.id not in first_seen or key < first_seen[node.id]:
                first_seen[node.id] = key
        elif isinstance(node, ast.BinOp):
            sym, dunder = _BINARY.get(type(node.op), (type(node.op).__name__, ""))
            if not _allowed(dunder):
                hint = " (for a power, write **)" if sym == "^" else ""
                raise refuse(
                    f"the operator {sym} is not allowed{hint} (only {_allowed_text()})", node
                )
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                sym = _UNARY_OTHER.get(type(node.op), type(node.op).__name__)
                raise refuse(f"the operator {sym} is not allowed (only {_allowed_text()})", node)
        elif isinstance(node, ast.Call):
            _check_call(node, refuse)
        else:
            what = _REFUSED.get(type(node), type(node).__name__)
            raise refuse(f"{what} not allowed", node)
        stack.extend(reversed(_operands(node)))
    named: set[int] = set()
    for node in reversed(order):  # operands before the nodes that use them
        if isinstance(node, ast.Name) or any(id(k) in named for k in _operands(node)):
            named.add(id(node))
    for node in order:
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        fn = FUNCTIONS[node.func.id]
        for arg, what in zip(node.args[1:], fn.numbers if fn.row.arity == 1 else ()):
            if id(arg) in named:
                name = node.func.id
                raise refuse(f"the {what} of {name}() must be a number, not use names", arg)
    names = tuple(sorted(first_seen, key=first_seen.__getitem__))
    return Expression(text, tree, names, shift, frozenset(named))


def _not_a_number(v: object) -> str:
    if isinstance(v, bool):
        return f"{v} is a boolean, not a number"
    kinds = {str: "strings", bytes: "bytes", complex: "complex numbers"}
    if type(v) in kinds:
        return f"{kinds[type(v)]} are not allowed"
    return f"{v!r} is not a number"


def _check_call(node: ast.Call, refuse: Callable[[str, ast.AST], Refusal]) -> None:
    if not isinstance(node.func, ast.Name):
        raise refuse("only calls of a function by name are allowed, as in tanh(x)", node)
    name = node.func.id
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise refuse(f"unknown function {name!r} (known: {', '.join(FUNCTIONS)})", node.func)
    if node.keywords:
        raise refuse(f"keyword arguments are not allowed in {name}()", node.keywords[0])
    n = len(node.args)
    arity = fn.row.arity
    if arity == -1 and n < 1:
        raise refuse(f"{name}() takes one or more arguments, got none", node)
    if arity == 2 and n != 2:
        raise refuse(f"{fn.signature} takes two arguments, got {n}", node)
    if arity == 1 and not 1 <= n <= 1 + len(fn.numbers):
        takes = (
            f"x and up to {len(fn.numbers)} number(s) ({', '.join(fn.numbers)})"
            if fn.numbers
            else "one argument"
        )
        raise refuse(f"{name}() takes {takes}, got {n} arguments", node)
