"""The op table: every primitive op's name, forward rule and derivative rule, side by side.

A forward rule maps input floats (and the op's constant ``arg``, or None) to the output float,
raising an error that names the op when an input is outside its domain.

A derivative rule maps the output, the inputs and ``arg`` to the op's local partial
derivatives d out / d input_i, one per input. It is written in arithmetic that works on
floats *and* on Values: evaluated on floats when a node is built, the partials are stored on
the node and backward is a loop of multiply-adds; evaluated on Values (``create_graph=True``),
the same rule builds the graph of the gradient, which gives higher-order derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["OPS", "Op", "register"]

Number = Any  # a float, or a Value when a rule runs under create_graph


@dataclass(frozen=True)
class Op:
    """One primitive: ``forward(xs, arg) -> float`` and ``partials(out, xs, arg) -> tuple``."""

    name: str
    arity: int  # number of inputs; -1 for n-ary ops
    forward: Callable[[tuple[float, ...], Any], float]
    partials: Callable[[Number, tuple[Number, ...], Any], tuple[Number, ...]]
    doc: str = ""
    smooth: bool = True  # False for piecewise ops whose derivative jumps (kinks)


OPS: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add ``op`` to the table (names are unique)."""
    if op.name in OPS:
        raise ValueError(f"op {op.name!r} is already registered")
    OPS[op.name] = op
    return op


# -- helpers that work on floats, on Values and on numpy arrays ---------------------------------
# (arrays: the compiled replay evaluates these same rules on whole columns of nodes at once)


def _is_float(x: Number) -> bool:
    return isinstance(x, float | int)


def _np() -> Any:
    import numpy

    return numpy


def _exp(x: Number) -> Number:
    if _is_float(x):
        return math.exp(x)
    return x.exp() if hasattr(x, "exp") else _np().exp(x)


def _log(x: Number) -> Number:
    if _is_float(x):
        return math.log(x)
    return x.log() if hasattr(x, "log") else _np().log(x)


def _sigmoid(x: Number) -> Number:
    if _is_float(x):
        return _sigmoid_f(x)
    if hasattr(x, "sigmoid"):
        return x.sigmoid()
    np = _np()
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _where(cond: Any, a: Number, b: Number) -> Number:
    """``a if cond else b``; elementwise when ``cond`` is an array."""
    if isinstance(cond, bool) or not hasattr(cond, "shape") or cond.shape == ():
        return a if cond else b
    return _np().where(cond, a, b)


def _step(cond: Any, on: tuple[float], off: tuple[float]) -> tuple[Any]:
    """``on if cond else off`` for a one-input piecewise rule; the tuples are shared on floats."""
    if isinstance(cond, bool):
        return on if cond else off
    return (_where(cond, on[0], off[0]),)


def _fmt(x: float) -> str:
    return repr(float(x))


# -- float kernels --------------------------------------------------------------------------


def _sigmoid_f(x: float) -> float:
    # Stable both ways: exp is only ever taken of a non-positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus_f(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow at x = 1000, exact limit 0 at -1000.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _exp_f(xs: tuple[float, ...], arg: Any) -> float:
    try:
        return math.exp(xs[0])
    except OverflowError:
        raise OverflowError(f"exp({_fmt(xs[0])}): result overflows a float") from None


def _log_f(xs: tuple[float, ...], arg: Any) -> float:
    x = xs[0]
    if not x > 0.0:
        raise ValueError(f"log({_fmt(x)}): input must be > 0")
    return math.log(x)


def _sqrt_f(xs: tuple[float, ...], arg: Any) -> float:
    x = xs[0]
    # Judgement call: at 0 the derivative is infinite, so 0 is outside the domain
    # (we never hand out an infinite gradient silently).
    if not x > 0.0:
        raise ValueError(f"sqrt({_fmt(x)}): input must be > 0")
    return math.sqrt(x)


def _pow_f(xs: tuple[float, ...], k: float) -> float:
    """Power with a constant exponent ``k``: works wherever Python's float power is real."""
    x = xs[0]
    try:
        out = x**k
    except ZeroDivisionError:
        raise ZeroDivisionError(f"pow({_fmt(x)}, {_fmt(k)}): division by zero") from None
    except OverflowError:
        raise OverflowError(f"pow({_fmt(x)}, {_fmt(k)}): result overflows a float") from None
    if isinstance(out, complex):
        raise ValueError(f"pow({_fmt(x)}, {_fmt(k)}): result is not a real number")
    if x == 0.0 and k < 1.0 and k != 0.0:
        raise ValueError(f"pow({_fmt(x)}, {_fmt(k)}): derivative is infinite at 0")
    return out


def _powv_f(xs: tuple[float, ...], arg: Any) -> float:
    """Value ** Value: d/d exponent is out * log(base), so the base must be > 0."""
    x, y = xs
    if not x > 0.0:
        raise ValueError(
            f"pow({_fmt(x)}, {_fmt(y)}): base must be > 0 when the exponent is a Value"
        )
    try:
        return x**y
    except OverflowError:
        raise OverflowError(f"pow({_fmt(x)}, {_fmt(y)}): result overflows a float") from None


def _div_check(xs: tuple[float, ...]) -> None:
    if xs[1] == 0.0:
        raise ZeroDivisionError(f"div({_fmt(xs[0])}, {_fmt(xs[1])}): division by zero")


def _sum_f(xs: tuple[float, ...], arg: Any) -> float:
    s = 0.0
    for x in xs:
        s += x
    return s


def _affine_f(xs: tuple[float, ...], arg: Any) -> float:
    # b + w0*x0 + w1*x1 + ..., left to right: the same floats as micrograd's neuron.
    s = xs[0]
    for i in range(1, len(xs), 2):
        s += xs[i] * xs[i + 1]
    return s


def _affine_partials(out: Number, xs: tuple[Number, ...], arg: Any) -> tuple[Number, ...]:
    ds: list[Number] = [1.0]
    for i in range(1, len(xs), 2):
        ds.append(xs[i + 1])
        ds.append(xs[i])
    return tuple(ds)


# -- the table ------------------------------------------------------------------------------
# partials(out, xs, arg): reuse the output where the math allows (exp, tanh, sigmoid, sqrt).

_ONE = (1.0,)
_ZERO = (0.0,)

register(Op("add", 2, lambda xs, a: xs[0] + xs[1], lambda o, xs, a: (1.0, 1.0), "a + b"))
register(Op("mul", 2, lambda xs, a: xs[0] * xs[1], lambda o, xs, a: (xs[1], xs[0]), "a * b"))
register(Op("neg", 1, lambda xs, a: -xs[0], lambda o, xs, a: (-1.0,), "-a"))
# pow has two forms under one name: ``a ** k`` with a constant exponent (one input, arg = k,
# any base where Python's float power is real) and ``a ** b`` with a Value exponent (two inputs,
# no arg), whose d/db = out * log(a) needs a base > 0.
register(
    Op(
        "pow",
        -1,
        lambda xs, k: _pow_f(xs, k) if len(xs) == 1 else _powv_f(xs, k),
        lambda o, xs, k: (
            ((k * xs[0] ** (k - 1) if k else 0.0),)  # x ** 0 is constant, also at x = 0
            if len(xs) == 1
            else (xs[1] * xs[0] ** (xs[1] - 1), o * _log(xs[0]))
        ),
        "a ** k (k a number) or a ** b (b a Value, a > 0)",
    )
)
register(Op("exp", 1, _exp_f, lambda o, xs, a: (o,), "e ** a"))
register(Op("log", 1, _log_f, lambda o, xs, a: (xs[0] ** -1,), "natural log, a > 0"))
register(Op("sqrt", 1, _sqrt_f, lambda o, xs, a: (0.5 * o**-1,), "square root, a > 0"))
register(Op("tanh", 1, lambda xs, a: math.tanh(xs[0]), lambda o, xs, a: (1 - o * o,), "tanh a"))
register(
    Op("sigmoid", 1, lambda xs, a: _sigmoid_f(xs[0]), lambda o, xs, a: (o * (1 - o),), "1/(1+e^-a)")
)
register(
    Op(
        "softplus",
        1,
        lambda xs, a: _softplus_f(xs[0]),
        lambda o, xs, a: (_sigmoid(xs[0]),),
        "log(1 + e^a)",
    )
)
# Judgement call: relu'(0) = 0 (micrograd and PyTorch agree).
register(
    Op(
        "relu",
        1,
        lambda xs, a: xs[0] if xs[0] > 0.0 else 0.0,
        lambda o, xs, a: _step(xs[0] > 0, _ONE, _ZERO),
        "max(a, 0); derivative 0 at 0",
        smooth=False,
    )
)
# Judgement call: leaky_relu'(0) = 1, the slope of the positive side (PyTorch agrees).
register(
    Op(
        "leaky_relu",
        1,
        lambda xs, s: xs[0] if xs[0] >= 0.0 else s * xs[0],
        lambda o, xs, s: (_where(xs[0] >= 0, 1.0, s),),
        "a if a >= 0 else slope * a; derivative 1 at 0",
        smooth=False,
    )
)
# elu: a if a > 0 else alpha * (e^a - 1). Derivative for a <= 0 is alpha * e^a = out + alpha;
# at 0 we take that left side (alpha), PyTorch's choice; with alpha = 1 both sides agree.
register(
    Op(
        "elu",
        1,
        lambda xs, al: xs[0] if xs[0] > 0.0 else al * math.expm1(xs[0]),
        lambda o, xs, al: (_where(xs[0] > 0, 1.0, o + al),),
        "a if a > 0 else alpha * (e^a - 1)",
        smooth=False,
    )
)
# Judgement call: abs'(0) = 0, the subgradient in the middle (PyTorch's sign(0) = 0).
register(
    Op(
        "abs",
        1,
        lambda xs, a: abs(xs[0]),
        lambda o, xs, a: (_where(xs[0] > 0, 1.0, _where(xs[0] < 0, -1.0, 0.0)),),
        "|a|; derivative 0 at 0",
        smooth=False,
    )
)
# n-ary primitives, added for speed: one node instead of n - 1 chained adds / mul-adds.
register(Op("sum", -1, _sum_f, lambda o, xs, a: _ONE * len(xs), "x0 + x1 + ... (n-ary)"))
register(Op("affine", -1, _affine_f, _affine_partials, "b + w0*x0 + w1*x1 + ... (n-ary)"))
