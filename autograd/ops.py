"""The op table: one row per primitive op, and everything about that op lives in its row.

A row (:class:`Op`) holds the op's

- ``forward(xs, arg)``: the output float from the input floats (``arg`` is the op's constant:
  the exponent of ``x ** 2``, the slope of leaky_relu, else None);
- ``partials(out, xs, arg)``: the local derivatives d out / d input_i, one per input, written
  in arithmetic that works on floats, on Values and on numpy arrays. Evaluated on floats when a
  node is built, they are stored on the node and backward is a loop of multiply-adds; on
  Values (``create_graph=True``) the same rule builds the graph of the gradient; on arrays it
  is what the compiled replay runs;
- ``kernel(xs, arg)``: the forward rule on numpy arrays (row i of ``xs`` = input i of n nodes);
- ``limits``: the domain, as :class:`Limit` predicates that work on floats and on arrays; every
  "input must be > 0" message is made from them;
- the words viz writes: ``symbol`` (the op in a picture), ``formula`` (the forward in names),
  ``local`` (each partial in names) and ``roles`` (what each input is), as plain
  ``str.format`` templates over the operands ``{0}``, ``{1}``, ..., the output ``{out}`` and
  the constant ``{arg}``; n-ary ops give functions instead (``formula(operands, arg)`` and
  one ``local[0](index, operands)``);
- what tests draw from: ``bounds`` (where inputs are drawn) and ``kinks`` (where a piecewise
  derivative jumps).

Adding an op is adding a row (see CONTRIBUTING.md): ``autograd.register(Op(...))`` puts it in
:data:`OPS` and, with ``method=True``, gives Value a method of the same name.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["OPS", "Limit", "Op", "check_limits", "describe_call", "add_row"]

Number = Any  # a float, a Value (rules under create_graph) or a numpy array (compiled replay)
Rule = Callable[[Number, tuple[Number, ...], Any], tuple[Number, ...]]
Template = str | Callable[..., str]


@dataclass(frozen=True)
class Limit:
    """One condition of an op's domain: ``test(xs, arg)`` is true where the inputs are allowed.

    ``test`` works on floats and elementwise on numpy arrays; outside it the op raises
    ``error`` with ``"<op>(<inputs>): <text>"``. NaN inputs are never refused (NaN propagates).
    """

    test: Callable[[tuple[Any, ...], Any], Any]
    text: str
    error: type[Exception] = ValueError


@dataclass(frozen=True)
class Op:
    """One primitive op: its rules, kernel, domain and words side by side (see module doc)."""

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
    method: bool = False  # give Value a method of this name
    param: tuple[str, float] | None = None  # the method's keyword for ``arg`` and its default
    smooth: bool = True  # False for piecewise ops whose derivative jumps
    kinks: tuple[float, ...] = ()  # inputs where the derivative jumps
    bounds: tuple[float, float] = (-5.0, 5.0)  # where tests draw inputs (inside the domain)
    args: tuple[float, ...] = ()  # constants tests use for ``arg``, for ops that take one


OPS: dict[str, Op] = {}


def add_row(op: Op) -> Op:
    """Put ``op`` in :data:`OPS` (names are unique). ``autograd.register`` also installs the
    Value method; this is the table half of it."""
    if not isinstance(op, Op):
        raise TypeError(f"register expects an Op row, got {type(op).__name__}")
    if op.name in OPS:
        raise ValueError(f"op {op.name!r} is already registered")
    if not op.name.isidentifier() or op.name != op.name.lower():
        raise ValueError(f"op name {op.name!r} must be a lowercase identifier")
    if op.arity != -1 and op.local and len(op.local) != op.arity:
        raise ValueError(f"op {op.name!r}: {len(op.local)} local templates for arity {op.arity}")
    OPS[op.name] = op
    return op


def describe_call(op: Op, xs: Sequence[float], arg: Any) -> str:
    """``log(-1.0)``, ``pow(0.0, -1.0)``: the op and its inputs, for error messages."""
    shown = [repr(float(x)) for x in xs]
    if arg is not None and op.arity != 2:
        shown.append(repr(float(arg)))
    return f"{op.title or op.name}({', '.join(shown)})"


def check_limits(op: Op, xs: Sequence[Any], arg: Any) -> None:
    """Raise the op's own error for the first input outside its domain (floats or arrays)."""
    for limit in op.limits:
        ok = limit.test(tuple(xs), arg)
        if isinstance(ok, bool | np.bool_):
            if ok or any(x != x for x in xs) or arg != arg:
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


# -- helpers that work on floats, on Values and on numpy arrays -----------------------------


def _is_float(x: Number) -> bool:
    return isinstance(x, float | int)


def _log(x: Number) -> Number:
    if _is_float(x):
        return math.log(x)
    return x.log() if hasattr(x, "log") else np.log(x)


def _sigmoid(x: Number) -> Number:
    if _is_float(x):
        return _sigmoid_f(x)
    if hasattr(x, "sigmoid"):
        return x.sigmoid()
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _where(cond: Any, a: Number, b: Number) -> Number:
    """``a if cond else b``; elementwise when ``cond`` is an array."""
    if cond.__class__ is bool or isinstance(cond, np.bool_):
        return a if cond else b
    return np.where(cond, a, b)


def _step(cond: Any, on: tuple[float], off: tuple[float]) -> tuple[Any]:
    """``on if cond else off`` for a one-input piecewise rule: on floats (and on Values, whose
    comparisons give bools) one of two shared tuples, so building a node allocates none."""
    if cond.__class__ is bool:
        return on if cond else off
    return (np.where(cond, on[0], off[0]),)


def _sigmoid_f(x: float) -> float:
    # Stable both ways: exp is only ever taken of a non-positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus_f(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow at x = 1000, exact limit 0 at -1000.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _sum(xs: Sequence[Number], arg: Any = None) -> Number:
    # Left to right, like builtins.sum on floats in Python <= 3.11 (not pairwise, not fsum).
    s = xs[0]
    for i in range(1, len(xs)):
        s = s + xs[i]
    return s


def _affine(xs: Sequence[Number], arg: Any = None) -> Number:
    # b + w0*x0 + w1*x1 + ..., left to right: the same floats as micrograd's neuron.
    s = xs[0]
    for i in range(1, len(xs), 2):
        s = s + xs[i] * xs[i + 1]
    return s


def _affine_partials(out: Number, xs: tuple[Number, ...], arg: Any) -> tuple[Number, ...]:
    ds: list[Number] = [1.0]
    for i in range(1, len(xs), 2):
        ds.append(xs[i + 1])
        ds.append(xs[i])
    return tuple(ds)


def _sum_formula(ps: Sequence[str], arg: Any = None) -> str:
    return " + ".join(ps)


def _affine_formula(ps: Sequence[str], arg: Any = None) -> str:
    return " + ".join([ps[0]] + [f"{ps[i]}*{ps[i + 1]}" for i in range(1, len(ps), 2)])


def _affine_local(i: int, ps: Sequence[str]) -> str:
    if i == 0:
        return "1"
    return ps[i + 1] if i % 2 == 1 else ps[i - 1]


# -- the table --------------------------------------------------------------------------------
# partials reuse the output where the math allows (exp, tanh, sigmoid, sqrt).

_ONE = (1.0,)
_ZERO = (0.0,)


def _add(xs: Any, a: Any) -> Any:
    return xs[0] + xs[1]


def _mul(xs: Any, a: Any) -> Any:
    return xs[0] * xs[1]


def _neg(xs: Any, a: Any) -> Any:
    return -xs[0]


add_row(Op("add", 2, _add, lambda o, xs, a: (1.0, 1.0), _add, "a + b", symbol="+",
           formula="{0} + {1}", local=("1", "1")))  # fmt: skip
add_row(Op("mul", 2, _mul, lambda o, xs, a: (xs[1], xs[0]), _mul, "a * b", symbol="*",
           formula="{0} * {1}", local=("{1}", "{0}")))  # fmt: skip
add_row(Op("neg", 1, _neg, lambda o, xs, a: (-1.0,), _neg, "-a", symbol="-",
           formula="-{0}", local=("-1",)))  # fmt: skip


def _whole(k: float) -> bool:
    """True for an integer exponent (or an infinite one): a negative base stays real."""
    return k != k or math.isinf(k) or float(k).is_integer()


# x ** k with a constant k works wherever Python's float power is real (e.g. (-2) ** 3).
# Judgement call: for 0 < k < 1 the derivative is infinite at 0, so 0 is outside the domain
# (we never hand out an infinite gradient silently). x ** 0 has derivative 0 everywhere.
# Under create_graph the derivative k * x ** (k - 1) is itself a graph: at x = 0 with
# 1 < k < 2 its own derivative is infinite, so grad(x ** 1.5, create_graph=True) at 0 is
# refused, naming pow(0.0, 1.5), rather than handing out a derivative that is silently wrong.
add_row(
    Op(
        "pow",
        1,
        lambda xs, k: xs[0] ** k,
        lambda o, xs, k: ((k * xs[0] ** (k - 1) if k else 0.0),),
        lambda xs, k: np.power(xs[0], k),
        "a ** k for a number k",
        limits=(
            Limit(lambda xs, k: (xs[0] >= 0) | _whole(k), "result is not a real number"),
            Limit(lambda xs, k: (xs[0] != 0) | (k >= 0), "division by zero", ZeroDivisionError),
            Limit(lambda xs, k: (xs[0] != 0) | (k >= 1) | (k == 0), "derivative is infinite at 0"),
        ),
        symbol="** {arg}",
        formula="{0} ** {arg}",
        local=("{arg} * {0} ** ({arg} - 1)",),
        bounds=(0.1, 5.0),
        args=(2.0, 3.0, -1.0, -2.0, 0.5, 1.5),
    )
)
# a ** b with a Value exponent: d/db = out * log(a), so the base must be > 0. A primitive of
# its own (not exp(b * log(a))) so that a ** b gives Python's float results.
add_row(
    Op(
        "powv",
        2,
        lambda xs, a: xs[0] ** xs[1],
        lambda o, xs, a: (xs[1] * xs[0] ** (xs[1] - 1), o * _log(xs[0])),
        lambda xs, a: np.power(xs[0], xs[1]),
        "a ** b for a Value b (a > 0)",
        limits=(Limit(lambda xs, a: xs[0] > 0, "base must be > 0 when the exponent is a Value"),),
        title="pow",
        symbol="**",
        formula="{0} ** {1}",
        local=("{1} * {0} ** ({1} - 1)", "{out} * log({0})"),
        roles=("base", "exponent"),
        bounds=(0.1, 3.0),
    )
)
add_row(Op("exp", 1, lambda xs, a: math.exp(xs[0]), lambda o, xs, a: (o,),
           lambda xs, a: np.exp(xs[0]), "e to the power a", local=("{out}",),
           method=True, bounds=(-4.0, 4.0)))  # fmt: skip
add_row(Op("log", 1, lambda xs, a: math.log(xs[0]), lambda o, xs, a: (xs[0] ** -1,),
           lambda xs, a: np.log(xs[0]), "natural logarithm of a, for a > 0",
           limits=(Limit(lambda xs, a: xs[0] > 0, "input must be > 0"),),
           local=("1 / {0}",), method=True, bounds=(0.01, 20.0)))  # fmt: skip
# Judgement call: sqrt's derivative is infinite at 0, so 0 is outside the domain.
add_row(Op("sqrt", 1, lambda xs, a: math.sqrt(xs[0]), lambda o, xs, a: (0.5 * o**-1,),
           lambda xs, a: np.sqrt(xs[0]), "square root of a, for a > 0",
           limits=(Limit(lambda xs, a: xs[0] > 0, "input must be > 0"),),
           local=("0.5 / {out}",), method=True, bounds=(0.01, 20.0)))  # fmt: skip
add_row(Op("tanh", 1, lambda xs, a: math.tanh(xs[0]), lambda o, xs, a: (1 - o * o,),
           lambda xs, a: np.tanh(xs[0]), "hyperbolic tangent of a",
           local=("(1 - {out}**2)",), method=True))  # fmt: skip
add_row(Op("sigmoid", 1, lambda xs, a: _sigmoid_f(xs[0]), lambda o, xs, a: (o * (1 - o),),
           lambda xs, a: _sigmoid(xs[0]), "logistic sigmoid 1 / (1 + e^-a), stable both ways",
           local=("{out} * (1 - {out})",), method=True))  # fmt: skip
add_row(Op("softplus", 1, lambda xs, a: _softplus_f(xs[0]), lambda o, xs, a: (_sigmoid(xs[0]),),
           lambda xs, a: np.maximum(xs[0], 0.0) + np.log1p(np.exp(-np.abs(xs[0]))),
           "log(1 + e^a), without overflow", local=("sigmoid({0})",), method=True))  # fmt: skip
# Judgement call: relu'(0) = 0 (micrograd and PyTorch agree). relu(nan) is nan, as in torch.
add_row(Op("relu", 1, lambda xs, a: 0.0 if xs[0] <= 0.0 else xs[0],
           lambda o, xs, a: _step(xs[0] > 0, _ONE, _ZERO),
           lambda xs, a: np.where(xs[0] <= 0.0, 0.0, xs[0]), "max(a, 0); derivative 0 at 0",
           local=("(1 if {0} > 0 else 0)",), method=True, smooth=False,
           kinks=(0.0,)))  # fmt: skip
# Judgement call: leaky_relu'(0) = 1, the slope of the positive side (PyTorch agrees).
add_row(Op("leaky_relu", 1, lambda xs, s: xs[0] if xs[0] >= 0.0 else s * xs[0],
           lambda o, xs, s: (_where(xs[0] >= 0, 1.0, s),),
           lambda xs, s: np.where(xs[0] >= 0.0, xs[0], s * xs[0]),
           "a if a >= 0 else slope * a; derivative 1 at 0", symbol="leaky_relu({arg})",
           formula="leaky_relu({0}, {arg})", local=("(1 if {0} >= 0 else {arg})",), method=True,
           param=("slope", 0.01), smooth=False, kinks=(0.0,), args=(0.01, 0.1, 0.3)))  # fmt: skip
# elu: a if a > 0 else alpha * (e^a - 1). Derivative for a <= 0 is alpha * e^a = out + alpha;
# at 0 we take that left side (alpha), PyTorch's choice; with alpha = 1 both sides agree.
add_row(Op("elu", 1, lambda xs, al: xs[0] if xs[0] > 0.0 else al * math.expm1(xs[0]),
           lambda o, xs, al: (_where(xs[0] > 0, 1.0, o + al),),
           lambda xs, al: np.where(xs[0] > 0.0, xs[0],
                                   al * np.expm1(np.where(xs[0] > 0.0, 0.0, xs[0]))),
           "a if a > 0 else alpha * (e^a - 1)", symbol="elu({arg})",
           formula="elu({0}, {arg})", local=("(1 if {0} > 0 else {out} + {arg})",),
           method=True, param=("alpha", 1.0), smooth=False, kinks=(0.0,),
           args=(1.0, 0.7)))  # fmt: skip
# Judgement call: abs'(0) = 0, the subgradient in the middle (PyTorch's sign(0) = 0).
add_row(Op("abs", 1, lambda xs, a: abs(xs[0]),
           lambda o, xs, a: (_where(xs[0] > 0, 1.0, _where(xs[0] < 0, -1.0, 0.0)),),
           lambda xs, a: np.abs(xs[0]), "|a|; derivative 0 at 0", formula="|{0}|",
           local=("sign({0})",), method=True, smooth=False, kinks=(0.0,)))  # fmt: skip
# n-ary primitives, added for speed: one node instead of n - 1 chained adds / mul-adds.
add_row(Op("sum", -1, _sum, lambda o, xs, a: _ONE * len(xs), _sum, "x0 + x1 + ... (n-ary)",
           symbol="+", formula=_sum_formula, local=(lambda i, ps: "1",)))  # fmt: skip
add_row(Op("affine", -1, _affine, _affine_partials, _affine,
           "b + w0*x0 + w1*x1 + ... (n-ary): a neuron's weighted sum", symbol="affine",
           formula=_affine_formula, local=(_affine_local,)))  # fmt: skip


def _max(xs: Sequence[Number], arg: Any = None) -> Number:
    # NaN propagates (as in torch.max): builtins.max would depend on where the NaN sits.
    if _is_float(xs[0]):
        return math.nan if any(x != x for x in xs) else max(xs)
    m = xs[0]
    for i in range(1, len(xs)):
        m = np.maximum(m, xs[i])
    return m


def _max_partials(out: Number, xs: tuple[Number, ...], arg: Any) -> tuple[Number, ...]:
    # Judgement call: at a tie the whole gradient goes to the first maximum (the first NaN for
    # a NaN), so the partials always sum to 1, as a subgradient of max must. max is piecewise
    # linear, so its partials are constants 0 and 1, for floats, Values and arrays alike.
    if isinstance(xs[0], np.ndarray):
        first = np.argmax(np.stack(np.broadcast_arrays(*xs)), axis=0)
        return tuple(np.where(first == i, 1.0, 0.0) for i in range(len(xs)))
    vals = [getattr(x, "data", x) for x in xs]  # floats, or the data of Values (create_graph)
    best = 0
    for i in range(1, len(vals)):
        if vals[best] == vals[best]:  # once the best is a NaN it stays
            if vals[i] != vals[i] or vals[i] > vals[best]:
                best = i
    return tuple(1.0 if i == best else 0.0 for i in range(len(xs)))


def _max_formula(ps: Sequence[str], arg: Any = None) -> str:
    return f"max({', '.join(ps)})"


def _max_local(i: int, ps: Sequence[str]) -> str:
    return f"(1 if {ps[i]} is the first maximum else 0)"


# n-ary maximum, added for numerical stability: the shift of softmax and logsumexp is part of
# the graph, so a compiled program recomputes it for every replayed input.
add_row(Op("max", -1, _max, _max_partials, _max, "max(x0, x1, ...) (n-ary); gradient to the "
           "first maximum", symbol="max", formula=_max_formula, local=(_max_local,),
           smooth=False))  # fmt: skip
