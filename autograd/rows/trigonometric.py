"""Trigonometric and hyperbolic rows, and erf."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.ops import Limit, Op, add_row
from autograd.rows.browser import JS_ERF, JS_PYHYPOT, JS_PYOVER, JS_PYPOW
from autograd.rows.rules import (
    ERF_SCALE,
    Number,
    cos,
    cosh,
    exp,
    hypot,
    over,
    sin,
    sinh,
)

# math.sin(inf) has no value (it raises): infinite inputs are outside the domain.

_FINITE = Limit(lambda xs, a: abs(xs[0]) < math.inf, "input must be finite", js="isFinite({0})")
# Judgement call: asin, acos, atanh and acosh have infinite derivatives at the ends of their
# domains (+-1, and 1), which are refused, as 0 is for sqrt; we never hand out inf silently.
_OPEN_UNIT = (
    Limit(lambda xs, a: abs(xs[0]) <= 1, "input must be in [-1, 1]", js="Math.abs({0}) <= 1"),
    Limit(lambda xs, a: abs(xs[0]) != 1, "derivative is infinite at -1 and 1",
          js="Math.abs({0}) !== 1"),
)  # fmt: skip

add_row(Op("sin", 1, lambda xs, a: math.sin(xs[0]), lambda o, xs, a: (cos(xs[0]),),
           lambda xs, a: np.sin(xs[0]), "sine of a", limits=(_FINITE,), local=("cos({0})",),
           method=True, ufuncs=("sin",), js=("Math.sin({0})", "Math.cos({0})")))  # fmt: skip
add_row(Op("cos", 1, lambda xs, a: math.cos(xs[0]), lambda o, xs, a: (-sin(xs[0]),),
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
           js=("Math.asin({0})", "pypow((1 - {0}) * (1 + {0}), -0.5)"), jslib=(JS_PYPOW,),
           bounds=(-0.95, 0.95)))  # fmt: skip
add_row(Op("acos", 1, lambda xs, a: math.acos(xs[0]),
           lambda o, xs, a: (-(((1.0 - xs[0]) * (1.0 + xs[0])) ** -0.5),),
           lambda xs, a: np.arccos(xs[0]), "arccosine of a, for -1 < a < 1", limits=_OPEN_UNIT,
           local=("-1 / sqrt(1 - {0}**2)",), method=True, ufuncs=("arccos",),
           js=("Math.acos({0})", "-pypow((1 - {0}) * (1 + {0}), -0.5)"), jslib=(JS_PYPOW,),
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
           jslib=(JS_PYOVER, JS_PYHYPOT)))  # fmt: skip


def _atan2_partials(xs: tuple[Number, ...]) -> tuple[Number, Number]:
    y, x = xs
    r = hypot(y, x)
    return (over(over(x, r), r), over(over(-y, r), r))


add_row(Op("sinh", 1, lambda xs, a: math.sinh(xs[0]), lambda o, xs, a: (cosh(xs[0]),),
           lambda xs, a: np.sinh(xs[0]), "hyperbolic sine of a", local=("cosh({0})",),
           method=True, ufuncs=("sinh",), js=("Math.sinh({0})", "Math.cosh({0})")))  # fmt: skip
add_row(Op("cosh", 1, lambda xs, a: math.cosh(xs[0]), lambda o, xs, a: (sinh(xs[0]),),
           lambda xs, a: np.cosh(xs[0]), "hyperbolic cosine of a", local=("sinh({0})",),
           method=True, ufuncs=("cosh",), js=("Math.cosh({0})", "Math.sinh({0})")))  # fmt: skip
add_row(Op("tanh", 1, lambda xs, a: math.tanh(xs[0]), lambda o, xs, a: (1.0 - o * o,),
           lambda xs, a: np.tanh(xs[0]), "hyperbolic tangent of a", local=("(1 - {out}**2)",),
           method=True, ufuncs=("tanh",),
           js=("Math.tanh({0})", "1 - {out} * {out}")))  # fmt: skip
# d asinh = 1 / sqrt(1 + a**2), written 1 / hypot(1, a): no overflow for huge a.
add_row(Op("asinh", 1, lambda xs, a: math.asinh(xs[0]),
           lambda o, xs, a: (1.0 / hypot(1.0, xs[0]),), lambda xs, a: np.arcsinh(xs[0]),
           "inverse hyperbolic sine of a", local=("1 / sqrt(1 + {0}**2)",), method=True,
           ufuncs=("arcsinh",), js=("Math.asinh({0})", "1 / pyhypot(1, {0})"),
           jslib=(JS_PYHYPOT,)))  # fmt: skip
add_row(Op("acosh", 1, lambda xs, a: math.acosh(xs[0]),
           lambda o, xs, a: (1.0 / ((xs[0] - 1.0) ** 0.5 * (xs[0] + 1.0) ** 0.5),),
           lambda xs, a: np.arccosh(xs[0]), "inverse hyperbolic cosine of a, for a > 1",
           limits=(Limit(lambda xs, a: xs[0] >= 1, "input must be >= 1", js="{0} >= 1"),
                   Limit(lambda xs, a: xs[0] != 1, "derivative is infinite at 1",
                         js="{0} !== 1")),
           local=("1 / sqrt({0}**2 - 1)",), method=True, ufuncs=("arccosh",),
           js=("Math.acosh({0})", "1 / (pypow({0} - 1, 0.5) * pypow({0} + 1, 0.5))"),
           jslib=(JS_PYPOW,),
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
           lambda o, xs, a: (ERF_SCALE * exp(-(xs[0] * xs[0])),),
           lambda xs, a: np.asarray(_erf_array(xs[0]), dtype=float),
           "the error function of a", local=("2 / sqrt(pi) * exp(-{0}**2)",), method=True,
           js=("erf({0})", "1.1283791670955126 * Math.exp(-({0} * {0}))"), jslib=(JS_ERF,),
           bounds=(-3.0, 3.0)))  # fmt: skip
