"""The built-in rows of the op table, one :class:`~autograd.ops.Op` per primitive.

Rules are written once and run on floats (when a node is built), on Values (``create_graph``)
and on numpy arrays (the compiled replay): the helpers below pick ``math``, the Value method or
numpy by the type they are given. Partials reuse the output where the math allows (d exp =
out, d tanh = 1 - out**2). Every judgement call about a derivative is commented at its row.
"""

from __future__ import annotations

import functools
import math
import operator
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from autograd.ops import Limit, Op, add_row

__all__: list[str] = []

Number = Any

# -- rules that work on floats, on Values and on numpy arrays ---------------------------------


def _is_number(x: Number) -> bool:
    return isinstance(x, float | int)


def _is_array(x: Number) -> bool:
    return isinstance(x, np.ndarray | np.generic) and not isinstance(x, float)


def _unary(name: str, on_float: Callable[[float], float], on_array: Any) -> Callable:
    """``name`` on a float (``on_float``), an array (``on_array``) or a Value (its method)."""

    def f(x: Number) -> Number:
        if _is_number(x):
            return on_float(x)
        if _is_array(x):
            return on_array(x)
        return getattr(x, name)()

    f.__name__ = name
    return f


def _binary(name: str, on_float: Callable[[float, float], float], on_array: Any) -> Callable:
    """A two-input rule helper: floats, arrays, else the row applied to Values."""

    def f(a: Number, b: Number) -> Number:
        if _is_number(a) and _is_number(b):
            return on_float(a, b)
        if _is_array(a) or _is_array(b):
            return on_array(a, b)
        from autograd.value import apply  # Values: the row itself

        return apply(name, a, b)

    f.__name__ = name
    return f


_exp = _unary("exp", math.exp, np.exp)
_log = _unary("log", math.log, np.log)
_sin = _unary("sin", math.sin, np.sin)
_cos = _unary("cos", math.cos, np.cos)
_sinh = _unary("sinh", math.sinh, np.sinh)
_cosh = _unary("cosh", math.cosh, np.cosh)
_sqrt = _unary("sqrt", math.sqrt, np.sqrt)
_hypot = _binary("hypot", math.hypot, np.hypot)


def _sigmoid_f(x: float) -> float:
    # Stable both ways: exp is only ever taken of a non-positive number, so it cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_a(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


_sigmoid = _unary("sigmoid", _sigmoid_f, _sigmoid_a)


def _softplus_f(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow at x = 1000, exact limit 0 at -1000.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


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
    if on is _ONE and off is _ZERO:  # on arrays a cast of the mask: a third of where's time
        return (cond.astype(np.float64),)
    return (np.where(cond, on[0], off[0]),)


def _over(a: Number, b: Number) -> Number:
    """a / b in a partial, refused (OverflowError) on finite floats where it is infinite:
    1 / x for a subnormal x overflows, and we never hand out an infinite gradient silently."""
    q = a / b
    if _is_number(q) and abs(q) == math.inf and abs(a) < math.inf and abs(b) < math.inf:
        raise OverflowError("division overflows")
    return q


def _data(x: Number) -> Number:
    """A piecewise-constant partial reads numbers: a Value's data, else the number or array."""
    return getattr(x, "data", x)


def _floordiv(a: Number, b: Number) -> Number:
    """Python's a // b (floor of a / b, consistent with %), on floats or arrays."""
    a, b = _data(a), _data(b)
    if _is_number(a) and _is_number(b):
        return a // b
    return np.floor_divide(a, b)


_ONE = (1.0,)
_ZERO = (0.0,)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_ERF_SCALE = 2.0 / math.sqrt(math.pi)

# -- browser rules' helpers: Python's float semantics in JavaScript -----------------------------
# A rule that would raise in Python throws {py: "<Python's exception>"}: the page's builder then
# refuses the node with the engine's own one-line message (see autograd.value.builder).

# Python's float a ** b (CPython's float_pow): 1 ** nan, nan ** 0 and (-1) ** inf are 1; 0 to
# a negative power divides by zero; a finite result too big for a float is an OverflowError.
_JS_PYPOW = """function pypow(a, b) {
  if (b === 0) return 1;
  if (a !== a) return a;
  if (b !== b) return a === 1 ? 1 : b;
  var odd = Math.abs(b) % 2 === 1;
  if (Math.abs(b) === Infinity) {
    var m = Math.abs(a);
    return m === 1 ? 1 : (b > 0) === (m > 1) ? Infinity : 0;
  }
  if (Math.abs(a) === Infinity) return b > 0 ? (odd ? a : Infinity) : (odd ? a < 0 ? -0 : 0 : 0);
  if (a === 0) {
    if (b < 0) throw { py: "ZeroDivisionError" };
    return odd ? a : 0;
  }
  var negate = false;
  if (a < 0) {
    if (b !== Math.floor(b)) return NaN;
    a = -a;
    negate = odd;
  }
  if (a === 1) return negate ? -1 : 1;
  var r = Math.pow(a, b);
  if (r === Infinity) throw { py: "OverflowError" };
  return negate ? -r : r;
}"""
# The rules' _over: a / b, refused where Python's float division raises (a zero b) and where
# two finite numbers give an infinite quotient.
_JS_PYOVER = """function pyover(a, b) {
  if (b === 0) throw { py: "ZeroDivisionError" };
  var q = a / b;
  if (Math.abs(q) === Infinity && Math.abs(a) < Infinity && Math.abs(b) < Infinity) {
    throw { py: "OverflowError" };
  }
  return q;
}"""
# Python's float a % b and a // b (CPython's float_rem and float_floor_div: the remainder takes
# b's sign, the quotient is snapped to the nearest whole number, zeros keep their signs).
_JS_PYMOD = """function pymod(a, b) {
  if (b === 0) throw { py: "ZeroDivisionError" };
  var m = a % b;
  if (m !== 0) return (b < 0) !== (m < 0) ? m + b : m;
  return b < 0 || Object.is(b, -0) ? -0 : 0;
}"""
_JS_PYFLOORDIV = """function pyfloordiv(a, b) {
  if (b === 0) throw { py: "ZeroDivisionError" };
  var m = a % b, d = (a - m) / b;
  if (m !== 0 && (b < 0) !== (m < 0)) d -= 1;
  if (d !== 0) {
    var f = Math.floor(d);
    return d - f > 0.5 ? f + 1 : f;
  }
  var q = a / b;
  return q < 0 || Object.is(q, -0) ? -0 : 0;
}"""
# math.hypot as CPython computes it (correctly rounded but for rare cases; JavaScript's
# Math.hypot is off by up to 2 ulps): the squares summed in double-double arithmetic, scaled by a
# power of two away from overflow and underflow, then sqrt with one Newton correction.
_JS_PYHYPOT = """function pyhypot(x, y) {
  x = Math.abs(x);
  y = Math.abs(y);
  if (x === Infinity || y === Infinity) return Infinity;
  if (x !== x || y !== y) return NaN;
  var m = Math.max(x, y), scale = 1;
  if (m === 0) return 0;
  if (m > 1e150) scale = Math.pow(2, -600);
  else if (m < 1e-150) scale = Math.pow(2, 600);
  var a = x * scale, b = y * scale;
  function split(v) {
    var c = 134217729 * v, hi = c - (c - v);
    return [hi, v - hi];
  }
  function square(v) {
    var p = v * v, s = split(v);
    return [p, ((s[0] * s[0] - p) + 2 * s[0] * s[1]) + s[1] * s[1]];
  }
  var sa = square(a), sb = square(b), s = sa[0] + sb[0], t = s - sa[0];
  var lo = (sa[0] - (s - t)) + (sb[0] - t) + sa[1] + sb[1];
  var h = Math.sqrt(s + lo), hh = square(h);
  h += ((s - hh[0]) + (lo - hh[1])) / (2 * h);
  return h / scale;
}"""
# JavaScript has no erf. |x| < 2.5: 2/sqrt(pi) times the Maclaurin series
# sum (-1)^n x^(2n+1) / (n! (2n+1)), summed in double-double arithmetic (each number a pair of
# floats, hi + lo) so that the series' cancellation costs no digits; beyond, 1 - erfc(x) with
# erfc(x) = exp(-x^2) / (sqrt(pi) K) and K = x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), a continued
# fraction evaluated by Lentz's method (erfc is below 5e-4 there, so its rounding hardly shows);
# from 6 on erf is 1 to the last bit. Within an ulp of math.erf.
_JS_ERF = """function erf(x) {
  if (x !== x || x === 0) return x;
  var ax = Math.abs(x), r;
  function split(a) {
    var c = 134217729 * a, hi = c - (c - a);
    return [hi, a - hi];
  }
  function mul(a, b) {
    var p = a[0] * b[0], s = split(a[0]), t = split(b[0]);
    var e = ((s[0] * t[0] - p) + s[0] * t[1] + s[1] * t[0]) + s[1] * t[1];
    e += a[0] * b[1] + a[1] * b[0];
    var hi = p + e;
    return [hi, e - (hi - p)];
  }
  function add(a, b) {
    var s = a[0] + b[0], v = s - a[0], e = (a[0] - (s - v)) + (b[0] - v) + a[1] + b[1];
    var hi = s + e;
    return [hi, e - (hi - s)];
  }
  function div(a, d) {
    var q = a[0] / d, p = mul([q, 0], [d, 0]);
    var rest = ((a[0] - p[0]) - p[1] + a[1]) / d, hi = q + rest;
    return [hi, rest - (hi - q)];
  }
  if (ax < 2.5) {
    var u = mul([ax, 0], [ax, 0]), term = [1, 0], sum = [1, 0];
    for (var n = 1; n < 300; n++) {
      term = div(mul(term, u), -n);
      var t = div(term, 2 * n + 1);
      sum = add(sum, t);
      if (Math.abs(t[0]) < 1e-34 * Math.abs(sum[0])) break;
    }
    r = mul(mul([1.1283791670955126, 1.533545961316588e-17], [ax, 0]), sum)[0];
  } else if (ax < 6) {
    var f = ax, c = ax, dd = 0;
    for (var k = 1; k < 500; k++) {
      dd = 1 / (ax + k / 2 * dd);
      c = ax + k / 2 / c;
      f *= c * dd;
      if (Math.abs(c * dd - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-ax * ax) / 1.7724538509055159 / f;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}"""

# -- arithmetic ---------------------------------------------------------------------------------
# add, sub, mul, div and neg are primitives so that the graph reads as the user wrote it (a - b
# one node, not a + (-b)); div also for stability: a / b stays finite where b ** -1 overflows.

add_row(Op("add", 2, lambda xs, a: xs[0] + xs[1], lambda o, xs, a: (1.0, 1.0),
           lambda xs, a: xs[0] + xs[1], "a + b", symbol="+", formula="{0} + {1}",
           local=("1", "1"), operators=("__add__", "__radd__"), ufuncs=("add",),
           js=("{0} + {1}", "1", "1"), neutral=(0.0, 0.0)))  # fmt: skip
add_row(Op("sub", 2, lambda xs, a: xs[0] - xs[1], lambda o, xs, a: (1.0, -1.0),
           lambda xs, a: xs[0] - xs[1], "a - b", symbol="-", formula="{0} - {1}",
           local=("1", "-1"), operators=("__sub__", "__rsub__"), ufuncs=("subtract",),
           js=("{0} - {1}", "1", "-1"), neutral=(None, 0.0)))  # fmt: skip
add_row(Op("mul", 2, lambda xs, a: xs[0] * xs[1], lambda o, xs, a: (xs[1], xs[0]),
           lambda xs, a: xs[0] * xs[1], "a * b", symbol="*", formula="{0} * {1}",
           local=("{1}", "{0}"), operators=("__mul__", "__rmul__"), ufuncs=("multiply",),
           js=("{0} * {1}", "{1}", "{0}"), neutral=(1.0, 1.0)))  # fmt: skip
# d(a / b)/db = -a / b**2 is written -out / b: b**2 would overflow (or vanish) where the
# quotient does not, so 1e-300 / 1e-300 = 1 has the gradients 1e300 and -1e300.
add_row(Op("div", 2, lambda xs, a: xs[0] / xs[1] if xs[1] else math.nan,
           lambda o, xs, a: (_over(1.0, xs[1]), _over(-o, xs[1])),
           lambda xs, a: xs[0] / xs[1], "a / b (true division)",
           limits=(Limit(lambda xs, a: xs[1] != 0, "division by zero", ZeroDivisionError,
                         js="{1} !== 0"),),
           symbol="÷", formula="{0} / {1}", local=("1 / {1}", "-{out} / {1}"), micrograd="/",
           roles=("dividend", "divisor"), operators=("__truediv__", "__rtruediv__"),
           ufuncs=("divide", "true_divide"), bounds=(0.2, 5.0),
           js=("{0} / {1}", "pyover(1, {1})", "pyover(-{out}, {1})"), jslib=(_JS_PYOVER,),
           neutral=(None, 1.0)))  # fmt: skip
add_row(Op("neg", 1, lambda xs, a: -xs[0], lambda o, xs, a: (-1.0,), lambda xs, a: -xs[0], "-a",
           symbol="-", formula="-{0}", local=("-1",), operators=("__neg__",),
           ufuncs=("negative",), js=("-{0}", "-1")))  # fmt: skip


def _mod_kinks(xs: Sequence[float], arg: Any) -> float:
    """a % b jumps where a / b is whole: how far (a, b) are from that, along a or along b
    (moving b by d moves a / b by about a * d / b**2, so for a huge a the jumps crowd)."""
    a, b = xs
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        return 0.0
    r = abs(math.fmod(a, b)) / abs(b)  # where a / b sits between two whole numbers
    return min(r, 1.0 - r) * min(abs(b), b * b / max(abs(a), 1e-300))


# a % b with Python's sign rule (the result takes b's sign), as torch.remainder. It jumps
# where a / b is whole; between jumps d/da = 1 and d/db = -(a // b). The floor is read from
# the numbers even on Values: it is piecewise constant, its own derivative 0.
add_row(Op("mod", 2, lambda xs, a: xs[0] % xs[1] if xs[1] else math.nan,
           lambda o, xs, a: (1.0, -_floordiv(xs[0], xs[1])),
           lambda xs, a: np.remainder(xs[0], xs[1]), "a % b (the sign of b, as Python's %)",
           limits=(Limit(lambda xs, a: xs[1] != 0, "division by zero", ZeroDivisionError,
                         js="{1} !== 0"),),
           symbol="%", formula="{0} % {1}", local=("1", "-({0} // {1})"),
           roles=("dividend", "divisor"), operators=("__mod__", "__rmod__"),
           ufuncs=("remainder",), smooth=False, kinks=_mod_kinks, bounds=(0.5, 5.0),
           js=("({1} !== 0 ? pymod({0}, {1}) : NaN)", "1", "-pyfloordiv({0}, {1})"),
           jslib=(_JS_PYMOD, _JS_PYFLOORDIV)))  # fmt: skip


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
            Limit(
                lambda xs, k: (xs[0] >= 0) | _whole(k),
                "result is not a real number",
                js="{0} >= 0 || Number.isInteger({arg}) || !isFinite({arg})",
            ),
            Limit(
                lambda xs, k: (xs[0] != 0) | (k >= 0),
                "division by zero",
                ZeroDivisionError,
                js="{0} !== 0 || {arg} >= 0",
            ),
            Limit(
                lambda xs, k: (xs[0] != 0) | (k >= 1) | (k == 0),
                "derivative is infinite at 0",
                js="{0} !== 0 || {arg} >= 1 || {arg} === 0",
            ),
        ),  # fmt: skip
        symbol="** {arg}",
        formula="{0} ** {arg}",
        local=("{arg} * {0} ** ({arg} - 1)",),
        operators=("__pow__",),
        ufuncs=("power",),
        micrograd="**{arg}",
        js=("pypow({0}, {arg})", "({arg} !== 0 ? {arg} * pypow({0}, {arg} - 1) : 0)"),
        jslib=(_JS_PYPOW,),
        bounds=(0.1, 5.0),
        args=(2.0, 3.0, -1.0, -2.0, 0.5, 1.5),
        neutral=(1.0,),
    )
)
# a ** b with a Value exponent: d/db = out * log(a), so the base must be > 0. A primitive of
# its own (not exp(b * log(a))) so that a ** b gives Python's float results. Python's ** with
# a number exponent is the row above; with a Value exponent (or a number base), this one.
add_row(
    Op(
        "powv",
        2,
        lambda xs, a: xs[0] ** xs[1],
        lambda o, xs, a: (xs[1] * xs[0] ** (xs[1] - 1), o * _log(xs[0])),
        lambda xs, a: np.power(xs[0], xs[1]),
        "a ** b for a Value b (a > 0)",
        limits=(
            Limit(
                lambda xs, a: xs[0] > 0,
                "base must be > 0 when the exponent is a Value",
                js="{0} > 0",
            ),
        ),  # fmt: skip
        title="pow",
        symbol="**",
        formula="{0} ** {1}",
        local=("{1} * {0} ** ({1} - 1)", "{out} * log({0})"),
        roles=("base", "exponent"),
        operators=("__pow__", "__rpow__"),
        ufuncs=("power",),
        js=("pypow({0}, {1})", "{1} * pypow({0}, {1} - 1)", "{out} * Math.log({0})"),
        jslib=(_JS_PYPOW,),
        bounds=(0.1, 3.0),
    )
)

# -- exponentials and logarithms ------------------------------------------------------------------

_POSITIVE = Limit(lambda xs, a: xs[0] > 0, "input must be > 0", js="{0} > 0")

add_row(Op("exp", 1, lambda xs, a: math.exp(xs[0]), lambda o, xs, a: (o,),
           lambda xs, a: np.exp(xs[0]), "e to the power a", local=("{out}",),
           method=True, ufuncs=("exp",), js=("Math.exp({0})", "{out}"),
           bounds=(-4.0, 4.0)))  # fmt: skip
# exp2 is 2.0 ** a (Python's power, exact at whole a); d/da = out * ln 2.
add_row(Op("exp2", 1, lambda xs, a: 2.0 ** xs[0], lambda o, xs, a: (o * _LN2,),
           lambda xs, a: np.exp2(xs[0]), "2 to the power a", local=("{out} * log(2)",),
           method=True, ufuncs=("exp2",), js=("pypow(2, {0})", "{out} * Math.LN2"),
           jslib=(_JS_PYPOW,), bounds=(-4.0, 4.0)))  # fmt: skip
# expm1 = e^a - 1, accurate near 0 where exp(a) - 1 cancels; d/da = e^a = out + 1.
add_row(Op("expm1", 1, lambda xs, a: math.expm1(xs[0]), lambda o, xs, a: (o + 1.0,),
           lambda xs, a: np.expm1(xs[0]), "e^a - 1, accurate near 0", local=("{out} + 1",),
           method=True, ufuncs=("expm1",), js=("Math.expm1({0})", "{out} + 1"),
           bounds=(-4.0, 4.0)))  # fmt: skip
add_row(Op("log", 1, lambda xs, a: math.log(xs[0]), lambda o, xs, a: (_over(1.0, xs[0]),),
           lambda xs, a: np.log(xs[0]), "natural logarithm of a, for a > 0", limits=(_POSITIVE,),
           local=("1 / {0}",), method=True, ufuncs=("log",), js=("Math.log({0})", "pyover(1, {0})"),
           jslib=(_JS_PYOVER,), bounds=(0.01, 20.0)))  # fmt: skip
add_row(Op("log2", 1, lambda xs, a: math.log2(xs[0]), lambda o, xs, a: (_over(1.0, xs[0] * _LN2),),
           lambda xs, a: np.log2(xs[0]), "base-2 logarithm of a, for a > 0", limits=(_POSITIVE,),
           local=("1 / ({0} * log(2))",), method=True, ufuncs=("log2",),
           js=("Math.log2({0})", "pyover(1, {0} * Math.LN2)"), jslib=(_JS_PYOVER,),
           bounds=(0.01, 20.0)))  # fmt: skip
add_row(Op("log10", 1, lambda xs, a: math.log10(xs[0]),
           lambda o, xs, a: (_over(1.0, xs[0] * _LN10),), lambda xs, a: np.log10(xs[0]),
           "base-10 logarithm of a, for a > 0", limits=(_POSITIVE,),
           local=("1 / ({0} * log(10))",), method=True, ufuncs=("log10",),
           js=("Math.log10({0})", "pyover(1, {0} * Math.LN10)"), jslib=(_JS_PYOVER,),
           bounds=(0.01, 20.0)))  # fmt: skip
# log1p = log(1 + a), accurate near 0 where 1 + a rounds; d/da = 1 / (1 + a).
add_row(Op("log1p", 1, lambda xs, a: math.log1p(xs[0]), lambda o, xs, a: (1.0 / (1.0 + xs[0]),),
           lambda xs, a: np.log1p(xs[0]), "log(1 + a), accurate near 0, for a > -1",
           limits=(Limit(lambda xs, a: xs[0] > -1, "input must be > -1", js="{0} > -1"),),
           local=("1 / (1 + {0})",), method=True, ufuncs=("log1p",),
           js=("Math.log1p({0})", "1 / (1 + {0})"), bounds=(-0.9, 20.0)))  # fmt: skip
# Judgement call: sqrt's derivative is infinite at 0, so 0 is outside the domain.
add_row(Op("sqrt", 1, lambda xs, a: math.sqrt(xs[0]), lambda o, xs, a: (0.5 / o,),
           lambda xs, a: np.sqrt(xs[0]), "square root of a, for a > 0",
           limits=(Limit(lambda xs, a: xs[0] > 0, "input must be > 0 (the derivative is "
                         "infinite at 0)", js="{0} > 0"),),
           local=("0.5 / {out}",), method=True, ufuncs=("sqrt",),
           js=("Math.sqrt({0})", "0.5 / {out}"), bounds=(0.01, 20.0)))  # fmt: skip
# hypot = sqrt(a**2 + b**2) without overflow; d/da = a / out. Judgement call: at (0, 0) the
# derivative does not exist (torch gives nan), so the origin is outside the domain, as 0 is
# for sqrt.
add_row(Op("hypot", 2, lambda xs, a: math.hypot(xs[0], xs[1]),
           lambda o, xs, a: (xs[0] / o, xs[1] / o), lambda xs, a: np.hypot(xs[0], xs[1]),
           "sqrt(a**2 + b**2), without overflow",
           limits=(Limit(lambda xs, a: (xs[0] != 0) | (xs[1] != 0),
                         "derivative is undefined at (0, 0)", js="{0} !== 0 || {1} !== 0"),),
           local=("{0} / {out}", "{1} / {out}"), method=True, ufuncs=("hypot",),
           js=("pyhypot({0}, {1})", "{0} / {out}", "{1} / {out}"), jslib=(_JS_PYHYPOT,),
           bounds=(0.1, 5.0)))  # fmt: skip

# -- trigonometric and hyperbolic -----------------------------------------------------------------
# math.sin(inf) has no value (it raises): infinite inputs are outside the domain.

_FINITE = Limit(lambda xs, a: abs(xs[0]) < math.inf, "input must be finite", js="isFinite({0})")
# Judgement call: asin, acos, atanh and acosh have infinite derivatives at the ends of their
# domains (+-1, and 1), which are refused, as 0 is for sqrt; we never hand out inf silently.
_OPEN_UNIT = (
    Limit(lambda xs, a: abs(xs[0]) <= 1, "input must be in [-1, 1]", js="Math.abs({0}) <= 1"),
    Limit(lambda xs, a: abs(xs[0]) != 1, "derivative is infinite at -1 and 1",
          js="Math.abs({0}) !== 1"),
)  # fmt: skip

add_row(Op("sin", 1, lambda xs, a: math.sin(xs[0]), lambda o, xs, a: (_cos(xs[0]),),
           lambda xs, a: np.sin(xs[0]), "sine of a", limits=(_FINITE,), local=("cos({0})",),
           method=True, ufuncs=("sin",), js=("Math.sin({0})", "Math.cos({0})")))  # fmt: skip
add_row(Op("cos", 1, lambda xs, a: math.cos(xs[0]), lambda o, xs, a: (-_sin(xs[0]),),
           lambda xs, a: np.cos(xs[0]), "cosine of a", limits=(_FINITE,), local=("-sin({0})",),
           method=True, ufuncs=("cos",), js=("Math.cos({0})", "-Math.sin({0})")))  # fmt: skip
# d tan = 1 + tan**2 = 1 + out**2 (reuses the output).
add_row(Op("tan", 1, lambda xs, a: math.tan(xs[0]), lambda o, xs, a: (1.0 + o * o,),
           lambda xs, a: np.tan(xs[0]), "tangent of a", limits=(_FINITE,),
           local=("1 + {out}**2",), method=True, ufuncs=("tan",),
           js=("Math.tan({0})", "1 + {out} * {out}"), bounds=(-1.4, 1.4)))  # fmt: skip
# (1 - a)(1 + a) rather than 1 - a**2: no cancellation near +-1.
add_row(Op("asin", 1, lambda xs, a: math.asin(xs[0]),
           lambda o, xs, a: (((1.0 - xs[0]) * (1.0 + xs[0])) ** -0.5,),
           lambda xs, a: np.arcsin(xs[0]), "arcsine of a, for -1 < a < 1", limits=_OPEN_UNIT,
           local=("1 / sqrt(1 - {0}**2)",), method=True, ufuncs=("arcsin",),
           js=("Math.asin({0})", "pypow((1 - {0}) * (1 + {0}), -0.5)"), jslib=(_JS_PYPOW,),
           bounds=(-0.95, 0.95)))  # fmt: skip
add_row(Op("acos", 1, lambda xs, a: math.acos(xs[0]),
           lambda o, xs, a: (-(((1.0 - xs[0]) * (1.0 + xs[0])) ** -0.5),),
           lambda xs, a: np.arccos(xs[0]), "arccosine of a, for -1 < a < 1", limits=_OPEN_UNIT,
           local=("-1 / sqrt(1 - {0}**2)",), method=True, ufuncs=("arccos",),
           js=("Math.acos({0})", "-pypow((1 - {0}) * (1 + {0}), -0.5)"), jslib=(_JS_PYPOW,),
           bounds=(-0.95, 0.95)))  # fmt: skip
add_row(Op("atan", 1, lambda xs, a: math.atan(xs[0]),
           lambda o, xs, a: (1.0 / (1.0 + xs[0] * xs[0]),), lambda xs, a: np.arctan(xs[0]),
           "arctangent of a", local=("1 / (1 + {0}**2)",), method=True, ufuncs=("arctan",),
           js=("Math.atan({0})", "1 / (1 + {0} * {0})")))  # fmt: skip


def _atan2_cut(xs: Sequence[float], arg: Any) -> float:
    """How far (y, x) is from the negative x axis, where the angle jumps from pi to -pi (its
    derivative does not: the jump is a cut, but differences across it say nothing)."""
    y, x = xs
    return abs(y) if x < 0 or x != x else math.inf


# atan2(y, x), the angle of the point (x, y); its partials are x / r**2 and -y / r**2 with
# r = hypot(y, x), written (x / r) / r so that r**2 never overflows. Judgement call: at the
# origin the angle has no derivative (torch gives nan): (0, 0) is outside the domain.
add_row(Op("atan2", 2, lambda xs, a: math.atan2(xs[0], xs[1]),
           lambda o, xs, a: _atan2_partials(xs),
           lambda xs, a: np.arctan2(xs[0], xs[1]), "the angle of the point (x, y): atan2(y, x)",
           limits=(Limit(lambda xs, a: (xs[0] != 0) | (xs[1] != 0),
                         "derivative is undefined at (0, 0)", js="{0} !== 0 || {1} !== 0"),),
           local=("{1} / ({0}**2 + {1}**2)", "-{0} / ({0}**2 + {1}**2)"), roles=("y", "x"),
           method=True, ufuncs=("arctan2",), kinks=_atan2_cut, bounds=(0.1, 5.0),
           js=("Math.atan2({0}, {1})",
               "pyover(pyover({1}, pyhypot({0}, {1})), pyhypot({0}, {1}))",
               "pyover(pyover(-{0}, pyhypot({0}, {1})), pyhypot({0}, {1}))"),
           jslib=(_JS_PYOVER, _JS_PYHYPOT)))  # fmt: skip


def _atan2_partials(xs: tuple[Number, ...]) -> tuple[Number, Number]:
    y, x = xs
    r = _hypot(y, x)
    return (_over(_over(x, r), r), _over(_over(-y, r), r))


add_row(Op("sinh", 1, lambda xs, a: math.sinh(xs[0]), lambda o, xs, a: (_cosh(xs[0]),),
           lambda xs, a: np.sinh(xs[0]), "hyperbolic sine of a", local=("cosh({0})",),
           method=True, ufuncs=("sinh",), js=("Math.sinh({0})", "Math.cosh({0})")))  # fmt: skip
add_row(Op("cosh", 1, lambda xs, a: math.cosh(xs[0]), lambda o, xs, a: (_sinh(xs[0]),),
           lambda xs, a: np.cosh(xs[0]), "hyperbolic cosine of a", local=("sinh({0})",),
           method=True, ufuncs=("cosh",), js=("Math.cosh({0})", "Math.sinh({0})")))  # fmt: skip
add_row(Op("tanh", 1, lambda xs, a: math.tanh(xs[0]), lambda o, xs, a: (1.0 - o * o,),
           lambda xs, a: np.tanh(xs[0]), "hyperbolic tangent of a", local=("(1 - {out}**2)",),
           method=True, ufuncs=("tanh",),
           js=("Math.tanh({0})", "1 - {out} * {out}")))  # fmt: skip
# d asinh = 1 / sqrt(1 + a**2), written 1 / hypot(1, a): no overflow for huge a.
add_row(Op("asinh", 1, lambda xs, a: math.asinh(xs[0]),
           lambda o, xs, a: (1.0 / _hypot(1.0, xs[0]),), lambda xs, a: np.arcsinh(xs[0]),
           "inverse hyperbolic sine of a", local=("1 / sqrt(1 + {0}**2)",), method=True,
           ufuncs=("arcsinh",), js=("Math.asinh({0})", "1 / pyhypot(1, {0})"),
           jslib=(_JS_PYHYPOT,)))  # fmt: skip
add_row(Op("acosh", 1, lambda xs, a: math.acosh(xs[0]),
           lambda o, xs, a: (1.0 / ((xs[0] - 1.0) ** 0.5 * (xs[0] + 1.0) ** 0.5),),
           lambda xs, a: np.arccosh(xs[0]), "inverse hyperbolic cosine of a, for a > 1",
           limits=(Limit(lambda xs, a: xs[0] >= 1, "input must be >= 1", js="{0} >= 1"),
                   Limit(lambda xs, a: xs[0] != 1, "derivative is infinite at 1",
                         js="{0} !== 1")),
           local=("1 / sqrt({0}**2 - 1)",), method=True, ufuncs=("arccosh",),
           js=("Math.acosh({0})", "1 / (pypow({0} - 1, 0.5) * pypow({0} + 1, 0.5))"),
           jslib=(_JS_PYPOW,),
           bounds=(1.05, 6.0)))  # fmt: skip
add_row(Op("atanh", 1, lambda xs, a: math.atanh(xs[0]),
           lambda o, xs, a: (1.0 / ((1.0 - xs[0]) * (1.0 + xs[0])),),
           lambda xs, a: np.arctanh(xs[0]), "inverse hyperbolic tangent of a, for -1 < a < 1",
           limits=(Limit(lambda xs, a: abs(xs[0]) < 1, "input must be in (-1, 1)",
                         js="Math.abs({0}) < 1"),),
           local=("1 / (1 - {0}**2)",), method=True, ufuncs=("arctanh",),
           js=("Math.atanh({0})", "1 / ((1 - {0}) * (1 + {0}))"),
           bounds=(-0.95, 0.95)))  # fmt: skip
# erf's derivative is 2/sqrt(pi) * e^(-a**2). numpy has no erf: the kernel maps math.erf.
_erf_array = np.frompyfunc(math.erf, 1, 1)
add_row(Op("erf", 1, lambda xs, a: math.erf(xs[0]),
           lambda o, xs, a: (_ERF_SCALE * _exp(-(xs[0] * xs[0])),),
           lambda xs, a: np.asarray(_erf_array(xs[0]), dtype=float),
           "the error function of a", local=("2 / sqrt(pi) * exp(-{0}**2)",), method=True,
           js=("erf({0})", "1.1283791670955126 * Math.exp(-({0} * {0}))"), jslib=(_JS_ERF,),
           bounds=(-3.0, 3.0)))  # fmt: skip

# -- activations --------------------------------------------------------------------------------

_JS_SIGMOID = "({0} >= 0 ? 1 / (1 + Math.exp(-{0})) : Math.exp({0}) / (1 + Math.exp({0})))"
add_row(Op("sigmoid", 1, lambda xs, a: _sigmoid_f(xs[0]), lambda o, xs, a: (o * (1 - o),),
           lambda xs, a: _sigmoid_a(xs[0]), "logistic sigmoid 1 / (1 + e^-a), stable both ways",
           local=("{out} * (1 - {out})",), method=True,
           js=(_JS_SIGMOID, "{out} * (1 - {out})")))  # fmt: skip
add_row(Op("softplus", 1, lambda xs, a: _softplus_f(xs[0]), lambda o, xs, a: (_sigmoid(xs[0]),),
           lambda xs, a: np.maximum(xs[0], 0.0) + np.log1p(np.exp(-np.abs(xs[0]))),
           "log(1 + e^a), without overflow", local=("sigmoid({0})",), method=True,
           js=("(0 > {0} ? 0 : {0}) + Math.log1p(Math.exp(-Math.abs({0})))",
               _JS_SIGMOID)))  # fmt: skip
# Judgement call: relu'(0) = 0 (micrograd and PyTorch agree). relu(nan) is nan, as in torch.
add_row(Op("relu", 1, lambda xs, a: 0.0 if xs[0] <= 0.0 else xs[0],
           lambda o, xs, a: (_ONE if xs[0] > 0 else _ZERO) if xs[0].__class__ is float
           else _step(xs[0] > 0, _ONE, _ZERO),
           lambda xs, a: np.maximum(xs[0], 0.0), "max(a, 0); derivative 0 at 0",
           local=("(1 if {0} > 0 else 0)",), method=True, micrograd="ReLU", smooth=False,
           js=("({0} <= 0 ? 0 : {0})", "({0} > 0 ? 1 : 0)"), kinks=(0.0,)))  # fmt: skip
# Judgement call: leaky_relu'(0) = slope, the negative side's, as PyTorch (its backward is
# x > 0 ? 1 : slope), so nn.to_torch gives the same gradients at an input of exactly 0.
add_row(Op("leaky_relu", 1, lambda xs, s: xs[0] if xs[0] > 0.0 else s * xs[0],
           lambda o, xs, s: (_where(xs[0] > 0, 1.0, s),),
           lambda xs, s: np.where(xs[0] > 0.0, xs[0], s * xs[0]),
           "a if a > 0 else slope * a; derivative slope at 0", symbol="leaky_relu({arg})",
           formula="leaky_relu({0}, {arg})", local=("(1 if {0} > 0 else {arg})",), method=True,
           params=(("slope", 0.01),), smooth=False, kinks=(0.0,), args=(0.01, 0.1, 0.3),
           js=("({0} > 0 ? {0} : {arg} * {0})", "({0} > 0 ? 1 : {arg})")))  # fmt: skip
# elu: a if a > 0 else alpha * (e^a - 1). Derivative for a <= 0 is alpha * e^a = out + alpha;
# at 0 we take that left side (alpha), PyTorch's choice; with alpha = 1 both sides agree.
add_row(Op("elu", 1, lambda xs, al: xs[0] if xs[0] > 0.0 else al * math.expm1(xs[0]),
           lambda o, xs, al: (_where(xs[0] > 0, 1.0, o + al),),
           lambda xs, al: np.where(xs[0] > 0.0, xs[0],
                                   al * np.expm1(np.where(xs[0] > 0.0, 0.0, xs[0]))),
           "a if a > 0 else alpha * (e^a - 1)", symbol="elu({arg})",
           formula="elu({0}, {arg})", local=("(1 if {0} > 0 else {out} + {arg})",),
           method=True, params=(("alpha", 1.0),), smooth=False, kinks=(0.0,),
           args=(1.0, 0.7), js=("({0} > 0 ? {0} : {arg} * Math.expm1({0}))",
                                "({0} > 0 ? 1 : {out} + {arg})")))  # fmt: skip
# Judgement call: abs'(0) = 0, the subgradient in the middle (PyTorch's sign(0) = 0).
add_row(Op("abs", 1, lambda xs, a: abs(xs[0]),
           lambda o, xs, a: (_where(xs[0] > 0, 1.0, _where(xs[0] < 0, -1.0, 0.0)),),
           lambda xs, a: np.abs(xs[0]), "|a|; derivative 0 at 0", formula="|{0}|",
           local=("sign({0})",), method=True, operators=("__abs__",), ufuncs=("absolute",),
           smooth=False, kinks=(0.0,),
           js=("Math.abs({0})", "({0} > 0 ? 1 : {0} < 0 ? -1 : 0)")))  # fmt: skip


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x  # sign(-0.0) = 0.0, nan


# sign is piecewise constant: derivative 0 everywhere (at 0 too, as torch), and it jumps at 0.
add_row(Op("sign", 1, lambda xs, a: _sign(xs[0]), lambda o, xs, a: _ZERO,
           lambda xs, a: np.sign(xs[0]), "-1, 0 or 1 by the sign of a; derivative 0",
           local=("0",), method=True, ufuncs=("sign",), smooth=False, kinks=(0.0,),
           js=("({0} > 0 ? 1 : {0} < 0 ? -1 : {0} === 0 ? 0 : {0})", "0")))  # fmt: skip


def _clamp(x: float, bounds: tuple[float, float]) -> float:
    lo, hi = bounds
    return lo if x < lo else hi if x > hi else x  # nan stays nan


def _clamp_kinks(xs: Sequence[float], bounds: tuple[float, float]) -> float:
    return min(abs(xs[0] - bounds[0]), abs(xs[0] - bounds[1]))


# clamp(a, lo, hi). Judgement call: the derivative is 1 on the closed interval lo <= a <= hi
# (its bounds included) and 0 outside, as torch.clamp.
add_row(Op("clamp", 1, lambda xs, b: _clamp(xs[0], b),
           lambda o, xs, b: (_where((xs[0] >= b[0]) & (xs[0] <= b[1]), 1.0, 0.0),),
           lambda xs, b: np.clip(xs[0], b[0], b[1]), "a limited to [lo, hi]; derivative 1 "
           "from lo to hi, bounds included",
           limits=(Limit(lambda xs, b: b[0] <= b[1], "lo must be <= hi",
                         js="{arg}[0] <= {arg}[1]"),),
           symbol="clamp({arg})", formula="clamp({0}, {arg})",
           local=("(1 if lo <= {0} <= hi else 0)",), method=True,
           params=(("lo", -math.inf), ("hi", math.inf)), smooth=False, kinks=_clamp_kinks,
           args=((-1.0, 1.0), (0.0, 2.0)),
           js=("({0} < {arg}[0] ? {arg}[0] : {0} > {arg}[1] ? {arg}[1] : {0})",
               "({0} >= {arg}[0] && {0} <= {arg}[1] ? 1 : 0)")))  # fmt: skip

# -- n-ary --------------------------------------------------------------------------------------
# sum and affine are primitives for speed: one node instead of n - 1 chained adds / mul-adds.


def _sum(xs: Sequence[Number], arg: Any = None) -> Number:
    # Left to right, like builtins.sum on floats in Python <= 3.11 (not pairwise, not fsum).
    s = xs[0]
    for i in range(1, len(xs)):
        s = s + xs[i]
    return s


def _left_to_right(terms: Iterable[Number], start: Number) -> Number:
    return functools.reduce(operator.add, terms, start)


# builtins.sum adds floats one after another up to Python 3.11 (and twice as fast as reduce);
# from 3.12 it compensates rounding, which would change the floats, so reduce is used there.
_sum_in_order = sum if sys.version_info < (3, 12) else _left_to_right


def _affine(xs: Sequence[Number], arg: Any = None) -> Number:
    # b + w0*x0 + w1*x1 + ..., left to right (the same floats as micrograd's neuron), with the
    # inputs laid out (b, w0, ..., w[n-1], x0, ..., x[n-1]); on floats or on rows of arrays.
    k = len(xs)
    if not k & 1:
        raise TypeError(f"affine takes a bias, n weights and n inputs, got {k} inputs")
    n = k >> 1
    return _sum_in_order(map(operator.mul, xs[1 : n + 1], xs[n + 1 :]), xs[0])


def _affine_partials(out: Number, xs: tuple[Number, ...], arg: Any) -> tuple[Number, ...]:
    n = len(xs) >> 1  # d/db = 1, d/dw_i = x_i, d/dx_i = w_i
    xs = tuple(xs)
    return (1.0,) + xs[n + 1 :] + xs[1 : n + 1]


def _affine_formula(ps: Sequence[str], arg: Any = None) -> str:
    n = (len(ps) - 1) // 2
    return " + ".join([ps[0]] + [f"{ps[1 + i]}*{ps[1 + n + i]}" for i in range(n)])


def _affine_local(i: int, ps: Sequence[str]) -> str:
    n = (len(ps) - 1) // 2
    return "1" if i == 0 else ps[i + n] if i <= n else ps[i - n]


_JS_HALF = "(X.length - 1) / 2"
_JS_AFFINE = f"X.slice(1, 1 + {_JS_HALF}).reduce((s, w, j) => s + w * X[1 + {_JS_HALF} + j], X[0])"


add_row(Op("sum", -1, _sum, lambda o, xs, a: _ONE * len(xs), _sum, "x0 + x1 + ... (n-ary)",
           symbol="+", formula=lambda ps, a=None: " + ".join(ps), local=(lambda i, ps: "1",),
           micrograd="+", js=("X.reduce((s, v) => s + v)", "1"), neutral=(0.0,)))  # fmt: skip
# affine's inputs are (b, w0, ..., w[n-1], x0, ..., x[n-1]): an odd number, 1 + 2n.
add_row(Op("affine", -1, _affine, _affine_partials, _affine,
           "b + w0*x0 + w1*x1 + ... (n-ary, inputs b, weights, then x): a neuron's weighted sum",
           symbol="affine", formula=_affine_formula, local=(_affine_local,), micrograd="+",
           js=(_JS_AFFINE, f"(i === 0 ? 1 : i <= {_JS_HALF} ? X[i + {_JS_HALF}] : "
                           f"X[i - {_JS_HALF}])")))  # fmt: skip


def _stacked(xs: Any) -> np.ndarray:
    """n-ary inputs on arrays as one (k, ...) block (compile gathers wide groups so)."""
    return xs if isinstance(xs, np.ndarray) else np.stack(np.broadcast_arrays(*xs))


def _extreme(
    pick: Callable[[Sequence[float]], float], better: Callable, first: Callable
) -> tuple[Callable, ...]:
    """The forward, kernel and partials of max (min): n-ary, NaN propagating, the whole
    gradient to the first extreme. On arrays ``first`` (np.argmax, np.argmin: the first
    extreme, the first NaN before any) finds it in one pass over the stacked inputs."""

    def forward(xs: Sequence[Number], arg: Any = None) -> Number:
        # NaN propagates (as in torch.max): builtins.max would depend on where the NaN sits.
        if _is_number(xs[0]):
            return math.nan if any(x != x for x in xs) else pick(xs)
        cols = _stacked(xs)
        return np.take_along_axis(cols, first(cols, axis=0)[None], 0)[0]

    def partials(out: Number, xs: tuple[Number, ...], arg: Any) -> tuple[Number, ...]:
        # Judgement call: at a tie the whole gradient goes to the first extreme (the first NaN
        # for a NaN), so the partials always sum to 1, as a subgradient must. They are
        # constants 0 and 1, for floats, Values and arrays alike.
        if isinstance(xs[0], np.ndarray):
            at = first(_stacked(xs), axis=0)
            index = np.arange(len(xs)).reshape(-1, *[1] * at.ndim)
            return tuple((at == index).astype(np.float64))
        vals = [_data(x) for x in xs]
        best = 0
        for i in range(1, len(vals)):
            if vals[best] == vals[best] and (vals[i] != vals[i] or better(vals[i], vals[best])):
                best = i
        return tuple(1.0 if i == best else 0.0 for i in range(len(xs)))

    return forward, partials


def _js_first(better: str) -> str:
    """The browser rule of max's (min's) partial: 1 for the first extreme (first NaN), else 0."""
    first = f"X.reduce((b, v, j) => (X[b] === X[b] && (v !== v || v {better} X[b]) ? j : b), 0)"
    return f"(i === {first} ? 1 : 0)"


def _extreme_row(
    name: str, pick: Callable, better: Callable, first: Callable, sign: str, words: tuple
) -> Op:
    forward, partials = _extreme(pick, better, first)
    most, extreme = words
    return Op(name, -1, forward, partials, forward,
              f"the {most} of the inputs (n-ary); gradient to the first {extreme}",
              symbol=name, formula=lambda ps, a=None: f"{name}({', '.join(ps)})",
              local=(lambda i, ps: f"(1 if {ps[i]} is the first {extreme} else 0)",),
              method=True, ufuncs=(extreme,), smooth=False,
              js=(f"X.reduce((m, v) => (m !== m || m {sign} v || m === v ? m : v))",
                  _js_first(sign)))  # fmt: skip


# n-ary maximum and minimum: a.max(b), autograd.max(*xs), np.maximum. Also for numerical
# stability: the shift of softmax and logsumexp is part of the graph, so a compiled program
# recomputes it for every replayed input.
add_row(_extreme_row("max", max, lambda a, b: a > b, np.argmax, ">", ("largest", "maximum")))
add_row(_extreme_row("min", min, lambda a, b: a < b, np.argmin, "<", ("smallest", "minimum")))
