"""Rules that work on floats, on Values and on numpy arrays: the helpers the rows' forward
and partial rules are written with. Each picks ``math``, the Value method (the row itself) or
numpy by the type it is given, so one rule gives floats when a node is built, a graph under
``create_graph`` and columns in the compiled replay.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Number = Any  # a float, a Value (rules under create_graph) or a numpy array (compiled replay)


def is_number(x: Number) -> bool:
    return isinstance(x, float | int)


def is_array(x: Number) -> bool:
    return isinstance(x, np.ndarray | np.generic) and not isinstance(x, float)


def unary(name: str, on_float: Callable[[float], float], on_array: Any) -> Callable:
    """``name`` on a float (``on_float``), an array (``on_array``) or a Value (its method)."""

    def f(x: Number) -> Number:
        if is_number(x):
            return on_float(x)
        if is_array(x):
            return on_array(x)
        return getattr(x, name)()

    f.__name__ = name
    return f


def binary(name: str, on_float: Callable[[float, float], float], on_array: Any) -> Callable:
    """A two-input rule helper: floats, arrays, else the row applied to Values."""

    def f(a: Number, b: Number) -> Number:
        if is_number(a) and is_number(b):
            return on_float(a, b)
        if is_array(a) or is_array(b):
            return on_array(a, b)
        from autograd.value import apply  # Values: the row itself

        return apply(name, a, b)

    f.__name__ = name
    return f


exp = unary("exp", math.exp, np.exp)
log = unary("log", math.log, np.log)
sin = unary("sin", math.sin, np.sin)
cos = unary("cos", math.cos, np.cos)
sinh = unary("sinh", math.sinh, np.sinh)
cosh = unary("cosh", math.cosh, np.cosh)
sqrt = unary("sqrt", math.sqrt, np.sqrt)
hypot = binary("hypot", math.hypot, np.hypot)


def sigmoid_float(x: float) -> float:
    # Stable both ways: exp is only ever taken of a non-positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


sigmoid = unary("sigmoid", sigmoid_float, sigmoid_array)


def softplus_float(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow at x = 1000, exact limit 0 at -1000.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def where(cond: Any, a: Number, b: Number) -> Number:
    """``a if cond else b``; elementwise when ``cond`` is an array."""
    if cond.__class__ is bool or isinstance(cond, np.bool_):
        return a if cond else b
    return np.where(cond, a, b)


def step(cond: Any, on: tuple[float], off: tuple[float]) -> tuple[Any]:
    """``on if cond else off`` for a one-input piecewise rule: on floats (and on Values, whose
    comparisons give bools) one of two shared tuples, so building a node allocates none."""
    if cond.__class__ is bool:
        return on if cond else off
    if on is ONE and off is ZERO:  # on arrays a cast of the mask: a third of where's time
        return (cond.astype(np.float64),)
    return (np.where(cond, on[0], off[0]),)


def over(a: Number, b: Number) -> Number:
    """a / b in a partial, refused (OverflowError) on finite floats where it is infinite:
    1 / x for a subnormal x overflows, and we never hand out an infinite gradient silently."""
    q = a / b
    if is_number(q) and abs(q) == math.inf and abs(a) < math.inf and abs(b) < math.inf:
        raise OverflowError("division overflows")
    return q


def number_of(x: Number) -> Number:
    """A piecewise-constant partial reads numbers: a Value's data, else the number or array."""
    return getattr(x, "data", x)


def floordiv(a: Number, b: Number) -> Number:
    """Python's a // b (floor of a / b, consistent with %), on floats or arrays."""
    a, b = number_of(a), number_of(b)
    if is_number(a) and is_number(b):
        return a // b
    return np.floor_divide(a, b)


ONE = (1.0,)
ZERO = (0.0,)
LN2 = math.log(2.0)
LN10 = math.log(10.0)
ERF_SCALE = 2.0 / math.sqrt(math.pi)
