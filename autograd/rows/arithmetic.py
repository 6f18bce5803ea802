"""Arithmetic rows: add, sub, mul, div, neg, mod, pow (a number exponent), powv (a Value
exponent)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.ops import Limit, Op, add_row
from autograd.rows.browser import JS_PYFLOORDIV, JS_PYMOD, JS_PYOVER, JS_PYPOW
from autograd.rows.rules import floordiv, log, over

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
           lambda o, xs, a: (over(1.0, xs[1]), over(-o, xs[1])),
           lambda xs, a: xs[0] / xs[1], "a / b (true division)",
           limits=(Limit(lambda xs, a: xs[1] != 0, "division by zero", ZeroDivisionError,
                         js="{1} !== 0"),),
           symbol="÷", formula="{0} / {1}", local=("1 / {1}", "-{out} / {1}"), micrograd="/",
           roles=("dividend", "divisor"), operators=("__truediv__", "__rtruediv__"),
           ufuncs=("divide", "true_divide"), bounds=(0.2, 5.0),
           js=("{0} / {1}", "pyover(1, {1})", "pyover(-{out}, {1})"), jslib=(JS_PYOVER,),
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
           lambda o, xs, a: (1.0, -floordiv(xs[0], xs[1])),
           lambda xs, a: np.remainder(xs[0], xs[1]), "a % b (the sign of b, as Python's %)",
           limits=(Limit(lambda xs, a: xs[1] != 0, "division by zero", ZeroDivisionError,
                         js="{1} !== 0"),),
           symbol="%", formula="{0} % {1}", local=("1", "-({0} // {1})"),
           roles=("dividend", "divisor"), operators=("__mod__", "__rmod__"),
           ufuncs=("remainder",), smooth=False, kinks=_mod_kinks, bounds=(0.5, 5.0),
           js=("({1} !== 0 ? pymod({0}, {1}) : NaN)", "1", "-pyfloordiv({0}, {1})"),
           jslib=(JS_PYMOD, JS_PYFLOORDIV)))  # fmt: skip


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
        jslib=(JS_PYPOW,),
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
        lambda o, xs, a: (xs[1] * xs[0] ** (xs[1] - 1), o * log(xs[0])),
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
        jslib=(JS_PYPOW,),
        bounds=(0.1, 3.0),
    )
)
