"""The op row: one primitive op, and everything about it, in one place.

A row (:class:`Op`) holds the op's

- ``forward(xs, arg)``: the output float from the input floats (``arg`` is the op's constant:
  the exponent of ``x ** 2``, the slope of leaky_relu, the bounds of clamp, else None);
- ``partials(out, xs, arg)``: the local derivatives d out / d input_i, one per input, written
  in arithmetic that works on floats, on Values and on numpy arrays. Evaluated on floats when a
  node is built, they are stored on the node and backward is a loop of multiply-adds; on
  Values (``create_graph=True``) the same rule builds the graph of the gradient; on arrays it
  is what the compiled replay runs;
- ``kernel(xs, arg)``: the forward rule on numpy arrays (row i of ``xs`` = input i of n nodes);
- ``limits``: the domain, as :class:`Limit` predicates that work on floats and on arrays; every
  "input must be > 0" message is made from them;
- the names it backs: the Value method and ``autograd.<name>`` function (``method``), Python's
  operators (``operators``: ``"__add__"``, ``"__radd__"``), numpy's ufuncs (``ufuncs``:
  ``np.sin(v)``), micrograd's ``_op`` string (``micrograd``);
- the words viz writes: ``symbol`` (the op in a picture), ``formula`` (the forward in names),
  ``local`` (each partial in names) and ``roles`` (what each input is), as plain
  ``str.format`` templates over the operands ``{0}``, ``{1}``, ..., the output ``{out}`` and
  the constant ``{arg}``; n-ary ops give functions instead (``formula(operands, arg)`` and
  one ``local[0](index, operands)``);
- its browser rules, ``js``: the forward and each local derivative as JavaScript expressions
  over the same placeholders (n-ary rows: over the array ``X`` of operands and index ``i``),
  with Python's float semantics (what raises in Python throws ``{py: "OverflowError"}``, a
  plain object naming Python's exception); ``jslib``: the JavaScript functions those rules
  call (``function erf(x) {...}``), each defined once in a page that uses the row;
- ``neutral``: the constant operand that makes the op pass another input through unchanged
  (``x + 0``, ``x * 1``, ``x ** 1``, a sum of one input), so that a picture can leave out
  the steps Python's ``sum()`` or a mean over one sample add;
- what tests draw from: ``bounds`` (where inputs are drawn), ``kinks`` (where a piecewise
  derivative jumps) and ``args`` (constants to try).

The built-in rows are in :mod:`autograd.rows`. Adding an op is adding a row (CONTRIBUTING.md):
``autograd.register(Op(...))`` checks it, puts it in :data:`OPS` and installs what it backs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["OPS", "Limit", "Op", "add_row", "check_limits", "describe_call", "shown_arg"]

Number = Any  # a float, a Value (rules under create_graph) or a numpy array (compiled replay)
Rule = Callable[[Number, tuple[Number, ...], Any], tuple[Number, ...]]
Template = str | Callable[..., str]
# kinks: the inputs where a one-input derivative jumps, or a function (xs, arg) -> how far the
# inputs are from the nearest kink (mod jumps where a / b is whole, clamp at its bounds)
Kinks = tuple[float, ...] | Callable[[Sequence[float], Any], float]


@dataclass(frozen=True)
class Limit:
    """One condition of an op's domain: ``test(xs, arg)`` is true where the inputs are allowed.

    ``test`` works on floats and elementwise on numpy arrays; outside it the op raises
    ``error`` with ``"<op>(<inputs>): <text>"``. NaN inputs are never refused (NaN propagates).
    ``js`` is the same test as a JavaScript expression over ``{0}``, ``{1}``, ``{arg}``.
    """

    test: Callable[[tuple[Any, ...], Any], Any]
    text: str
    error: type[Exception] = ValueError
    js: str = ""


@dataclass(frozen=True)
class Op:
    """One primitive op: its rules, kernel, domain, names and words side by side."""

    name: str
    arity: int  # number of inputs; -1 for n-ary ops
    forward: Callable[[tuple[float, ...], Any], float]
    partials: Rule
    kernel: Callable[[np.ndarray, Any], np.ndarray]
    doc: str
    limits: tuple[Limit, ...] = ()
    symbol: str = ""  # how a picture labels the op; "" means its name
    formula: Template = ""  # forward in names; "" means "name({0})"
    local: tuple[Template, ...] = ()  # d out / d input_i in names, one per input
    roles: tuple[str, ...] = ()  # what each input is, where order matters ("base", "exponent")
    title: str = ""  # the name in error messages; "" means the op's name
    method: bool = False  # a Value method and an autograd function of this name
    params: tuple[tuple[str, float], ...] = ()  # the constant's keywords and defaults
    operators: tuple[str, ...] = ()  # Python operators it backs: "__add__", "__radd__"
    ufuncs: tuple[str, ...] = ()  # numpy ufuncs it backs, by ufunc.__name__: "arcsin"
    micrograd: str = ""  # micrograd's _op string ("ReLU", "**{arg}"); "" means the symbol
    js: tuple[Template, ...] = ()  # browser rules: forward, then one local derivative per input
    jslib: tuple[str, ...] = ()  # JavaScript functions the browser rules call, one per entry
    # The constant that, as input i, makes the op return its other input unchanged (add: 0
    # either side; div: 1 on the right, None on the left); for a row of one input, the ``arg``
    # that makes it return its input (pow: 1); for an n-ary row, one value for every input (a
    # sum of one input is that input). viz leaves such steps out: a user never wrote them.
    neutral: tuple[float | None, ...] = ()
    smooth: bool = True  # False for piecewise ops whose derivative jumps
    kinks: Kinks = ()  # where the derivative jumps (see Kinks)
    bounds: tuple[float, float] = (-5.0, 5.0)  # where tests draw inputs (inside the domain)
    args: tuple[Any, ...] = ()  # constants tests use for ``arg``, for ops that take one

    def default_arg(self) -> Any:
        """``arg`` when none is given: the params' defaults (one number, or a tuple)."""
        if not self.params:
            return None
        if len(self.params) == 1:
            return self.params[0][1]
        return tuple(default for _, default in self.params)

    def test_args(self) -> tuple[Any, ...]:
        """The constants tests try: ``args``, else the default (None for ops without one)."""
        return self.args or (self.default_arg(),)

    def near_kink(self, xs: Sequence[float], arg: Any) -> bool:
        """True within :data:`KINK_MARGIN` of a kink, where differences say nothing."""
        return self.kink_distance(xs, self.default_arg() if arg is None else arg) < KINK_MARGIN

    def kink_distance(self, xs: Sequence[float], arg: Any) -> float:
        """How far ``xs`` are from the nearest kink: one of ``kinks``, or for a piecewise op
        of several inputs without a kinks function (max), a tie; inf for a smooth op."""
        if callable(self.kinks):
            return float(self.kinks(xs, arg))
        d = min((abs(x - k) for x in xs for k in self.kinks), default=math.inf)
        if not self.smooth and len(xs) > 1:
            d = min(d, *(abs(a - b) for i, a in enumerate(xs) for b in xs[:i]))
        return d


OPS: dict[str, Op] = {}
KINK_MARGIN = 1e-3  # inputs of a gradient test stay this far from a kink
_JS_FUNCTION = re.compile(r"\s*function\s+[A-Za-z_$][\w$]*\s*\(")


def _fails(template: Template, count: int, nary: bool) -> str:
    """Why ``template`` cannot be filled ('' when it can)."""
    try:
        if callable(template):
            template(*(["a", "b", "c"], None) if not nary else (0, ["a", "b", "c"]))
        else:
            template.format(*["a"] * max(count, 3), out="o", arg="k")
    except Exception as err:  # noqa: BLE001 - any failure is the finding
        return f"{type(err).__name__}: {err}"
    return ""


def _check_row(op: Op) -> None:
    """One-line errors for a row that cannot work: name, arity, bounds, templates."""
    if not isinstance(op, Op):
        raise TypeError(f"register expects an Op row, got {type(op).__name__}")
    if not isinstance(op.name, str) or not op.name.isidentifier() or op.name != op.name.lower():
        raise ValueError(f"op name {op.name!r} must be a lowercase identifier")
    if op.name.startswith("_"):
        raise ValueError(f"op name {op.name!r} must not start with '_'")
    where = f"op {op.name!r}"
    if not isinstance(op.arity, int) or isinstance(op.arity, bool) or op.arity < -1:
        raise ValueError(f"{where}: arity must be an int >= 1, or -1 for n-ary, got {op.arity!r}")
    if op.arity == 0:
        raise ValueError(f"{where}: arity must be >= 1 (an op of no inputs is a constant)")
    for field in ("forward", "partials", "kernel"):
        if not callable(getattr(op, field)):
            raise TypeError(f"{where}: {field} must be callable")
    lo, hi = op.bounds
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{where}: bounds must be two finite numbers lo < hi, got {op.bounds!r}")
    nary = op.arity == -1
    if not nary and op.local and len(op.local) != op.arity:
        raise ValueError(f"{where}: {len(op.local)} local templates for arity {op.arity}")
    if not nary and op.js and len(op.js) != op.arity + 1:
        raise ValueError(f"{where}: js holds the forward and {op.arity} partials, got {len(op.js)}")
    if nary and op.js and len(op.js) != 2:
        raise ValueError(f"{where}: an n-ary row's js is (forward, partial), got {len(op.js)}")
    templates = [("formula", op.formula), ("symbol", op.symbol), ("micrograd", op.micrograd)]
    templates += [("local", t) for t in op.local]
    for kind, template in templates:
        why = _fails(template, op.arity, nary and kind == "local") if template else ""
        if why:
            raise ValueError(f"{where}: its {kind} template {template!r} cannot be filled: {why}")
    for template in op.js:
        why = _fails(template, op.arity, False) if isinstance(template, str) else ""
        if why:
            raise ValueError(f"{where}: its js template {template!r} cannot be filled: {why}")
    for definition in op.jslib:
        if not isinstance(definition, str) or not _JS_FUNCTION.match(definition):
            raise ValueError(f"{where}: each jslib entry must be one `function name(...) {{...}}`")
    if op.method and op.arity == 2 and op.params:
        raise ValueError(f"{where}: a method of two inputs takes no constant")


def add_row(op: Op) -> Op:
    """Check ``op`` and put it in :data:`OPS` (names are unique). ``autograd.register`` also
    installs what the row backs (its method, operators, ufuncs); this is the table half."""
    _check_row(op)
    if op.name in OPS:
        raise ValueError(f"op {op.name!r} is already registered")
    OPS[op.name] = op
    return op


def shown_arg(arg: Any) -> list[str]:
    """The op's constant as it appears in a call: ``[]``, ``['2.0']``, ``['-1.0', '1.0']``."""
    if arg is None:
        return []
    items = arg if isinstance(arg, tuple) else (arg,)
    return [repr(float(a)) for a in items]


def describe_call(op: Op, xs: Sequence[float], arg: Any) -> str:
    """``log(-1.0)``, ``pow(0.0, -1.0)``: the op and its inputs, for error messages."""
    shown = [repr(float(x)) for x in xs]
    if op.arity != 2:
        shown += shown_arg(arg)
    return f"{op.title or op.name}({', '.join(shown)})"


def _nan_arg(arg: Any) -> bool:
    items = arg if isinstance(arg, tuple) else (arg,)
    return any(a != a for a in items if a is not None)


def check_limits(op: Op, xs: Sequence[Any], arg: Any) -> None:
    """Raise the op's own error for the first input outside its domain (floats or arrays)."""
    for limit in op.limits:
        ok = limit.test(tuple(xs), arg)
        if isinstance(ok, bool | np.bool_):
            if ok or any(x != x for x in xs) or _nan_arg(arg):
                continue
            raise limit.error(f"{describe_call(op, xs, arg)}: {limit.text}")
        cols = np.broadcast_arrays(*xs)
        bad = ~np.asarray(ok, dtype=bool)
        for c in cols:
            bad &= ~np.isnan(c)
        if bad.any():
            i = np.unravel_index(int(np.argmax(bad)), bad.shape)
            first = [float(c[i]) for c in cols]
            raise limit.error(f"{describe_call(op, first, arg)}: {limit.text}")
