"""Exponentials and logarithms: exp, exp2, expm1, log, log2, log10, log1p, sqrt, hypot."""

from __future__ import annotations

import math

import numpy as np

from autograd.ops import Limit, Op, add_row
from autograd.rows.browser import JS_PYHYPOT, JS_PYOVER, JS_PYPOW
from autograd.rows.rules import LN2, LN10, over

_POSITIVE = Limit(lambda xs, a: xs[0] > 0, "input must be > 0", js="{0} > 0")

add_row(Op("exp", 1, lambda xs, a: math.exp(xs[0]), lambda o, xs, a: (o,),
           lambda xs, a: np.exp(xs[0]), "e to the power a", local=("{out}",),
           method=True, ufuncs=("exp",), js=("Math.exp({0})", "{out}"),
           bounds=(-4.0, 4.0)))  # fmt: skip
# exp2 is 2.0 ** a (Python's power, exact at whole a); d/da = out * ln 2.
add_row(Op("exp2", 1, lambda xs, a: 2.0 ** xs[0], lambda o, xs, a: (o * LN2,),
           lambda xs, a: np.exp2(xs[0]), "2 to the power a", local=("{out} * log(2)",),
           method=True, ufuncs=("exp2",), js=("pypow(2, {0})", "{out} * Math.LN2"),
           jslib=(JS_PYPOW,), bounds=(-4.0, 4.0)))  # fmt: skip
# expm1 = e^a - 1, accurate near 0 where exp(a) - 1 cancels; d/da = e^a = out + 1.
add_row(Op("expm1", 1, lambda xs, a: math.expm1(xs[0]), lambda o, xs, a: (o + 1.0,),
           lambda xs, a: np.expm1(xs[0]), "e^a - 1, accurate near 0", local=("{out} + 1",),
           method=True, ufuncs=("expm1",), js=("Math.expm1({0})", "{out} + 1"),
           bounds=(-4.0, 4.0)))  # fmt: skip
add_row(Op("log", 1, lambda xs, a: math.log(xs[0]), lambda o, xs, a: (over(1.0, xs[0]),),
           lambda xs, a: np.log(xs[0]), "natural logarithm of a, for a > 0", limits=(_POSITIVE,),
           local=("1 / {0}",), method=True, ufuncs=("log",), js=("Math.log({0})", "pyover(1, {0})"),
           jslib=(JS_PYOVER,), bounds=(0.01, 20.0)))  # fmt: skip
add_row(Op("log2", 1, lambda xs, a: math.log2(xs[0]), lambda o, xs, a: (over(1.0, xs[0] * LN2),),
           lambda xs, a: np.log2(xs[0]), "base-2 logarithm of a, for a > 0", limits=(_POSITIVE,),
           local=("1 / ({0} * log(2))",), method=True, ufuncs=("log2",),
           js=("Math.log2({0})", "pyover(1, {0} * Math.LN2)"), jslib=(JS_PYOVER,),
           bounds=(0.01, 20.0)))  # fmt: skip
add_row(Op("log10", 1, lambda xs, a: math.log10(xs[0]),
           lambda o, xs, a: (over(1.0, xs[0] * LN10),), lambda xs, a: np.log10(xs[0]),
           "base-10 logarithm of a, for a > 0", limits=(_POSITIVE,),
           local=("1 / ({0} * log(10))",), method=True, ufuncs=("log10",),
           js=("Math.log10({0})", "pyover(1, {0} * Math.LN10)"), jslib=(JS_PYOVER,),
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
           js=("pyhypot({0}, {1})", "{0} / {out}", "{1} / {out}"), jslib=(JS_PYHYPOT,),
           bounds=(0.1, 5.0)))  # fmt: skip
