"""Activations and pieces: sigmoid, softplus, relu, leaky_relu, elu, abs, sign, clamp."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from autograd.ops import Limit, Op, add_row
from autograd.rows.rules import (
    ONE,
    ZERO,
    sigmoid,
    sigmoid_array,
    sigmoid_float,
    softplus_float,
    step,
    where,
)

_JS_SIGMOID = "({0} >= 0 ? 1 / (1 + Math.exp(-{0})) : Math.exp({0}) / (1 + Math.exp({0})))"
add_row(Op("sigmoid", 1, lambda xs, a: sigmoid_float(xs[0]), lambda o, xs, a: (o * (1 - o),),
           lambda xs, a: sigmoid_array(xs[0]), "logistic sigmoid 1 / (1 + e^-a), stable both ways",
           local=("{out} * (1 - {out})",), method=True,
           js=(_JS_SIGMOID, "{out} * (1 - {out})")))  # fmt: skip
add_row(Op("softplus", 1, lambda xs, a: softplus_float(xs[0]), lambda o, xs, a: (sigmoid(xs[0]),),
           lambda xs, a: np.maximum(xs[0], 0.0) + np.log1p(np.exp(-np.abs(xs[0]))),
           "log(1 + e^a), without overflow", local=("sigmoid({0})",), method=True,
           js=("(0 > {0} ? 0 : {0}) + Math.log1p(Math.exp(-Math.abs({0})))",
               _JS_SIGMOID)))  # fmt: skip
# Judgement call: relu'(0) = 0 (micrograd and PyTorch agree). relu(nan) is nan, as in torch.
add_row(Op("relu", 1, lambda xs, a: 0.0 if xs[0] <= 0.0 else xs[0],
           lambda o, xs, a: (ONE if xs[0] > 0 else ZERO) if xs[0].__class__ is float
           else step(xs[0] > 0, ONE, ZERO),
           lambda xs, a: np.maximum(xs[0], 0.0), "max(a, 0); derivative 0 at 0",
           local=("(1 if {0} > 0 else 0)",), method=True, micrograd="ReLU", smooth=False,
           js=("({0} <= 0 ? 0 : {0})", "({0} > 0 ? 1 : 0)"), kinks=(0.0,)))  # fmt: skip
# Judgement call: leaky_relu'(0) = slope, the negative side's, as PyTorch (its backward is
# x > 0 ? 1 : slope), so nn.to_torch gives the same gradients at an input of exactly 0.
add_row(Op("leaky_relu", 1, lambda xs, s: xs[0] if xs[0] > 0.0 else s * xs[0],
           lambda o, xs, s: (where(xs[0] > 0, 1.0, s),),
           lambda xs, s: np.where(xs[0] > 0.0, xs[0], s * xs[0]),
           "a if a > 0 else slope * a; derivative slope at 0", symbol="leaky_relu({arg})",
           formula="leaky_relu({0}, {arg})", local=("(1 if {0} > 0 else {arg})",), method=True,
           params=(("slope", 0.01),), smooth=False, kinks=(0.0,), args=(0.01, 0.1, 0.3),
           js=("({0} > 0 ? {0} : {arg} * {0})", "({0} > 0 ? 1 : {arg})")))  # fmt: skip
# elu: a if a > 0 else alpha * (e^a - 1). Derivative for a <= 0 is alpha * e^a = out + alpha;
# at 0 we take that left side (alpha), PyTorch's choice; with alpha = 1 both sides agree.
add_row(Op("elu", 1, lambda xs, al: xs[0] if xs[0] > 0.0 else al * math.expm1(xs[0]),
           lambda o, xs, al: (where(xs[0] > 0, 1.0, o + al),),
           lambda xs, al: np.where(xs[0] > 0.0, xs[0],
                                   al * np.expm1(np.where(xs[0] > 0.0, 0.0, xs[0]))),
           "a if a > 0 else alpha * (e^a - 1)", symbol="elu({arg})",
           formula="elu({0}, {arg})", local=("(1 if {0} > 0 else {out} + {arg})",),
           method=True, params=(("alpha", 1.0),), smooth=False, kinks=(0.0,),
           args=(1.0, 0.7), js=("({0} > 0 ? {0} : {arg} * Math.expm1({0}))",
                                "({0} > 0 ? 1 : {out} + {arg})")))  # fmt: skip
# Judgement call: abs'(0) = 0, the subgradient in the middle (PyTorch's sign(0) = 0).
add_row(Op("abs", 1, lambda xs, a: abs(xs[0]),
           lambda o, xs, a: (where(xs[0] > 0, 1.0, where(xs[0] < 0, -1.0, 0.0)),),
           lambda xs, a: np.abs(xs[0]), "|a|; derivative 0 at 0", formula="|{0}|",
           local=("sign({0})",), method=True, operators=("__abs__",), ufuncs=("absolute",),
           smooth=False, kinks=(0.0,),
           js=("Math.abs({0})", "({0} > 0 ? 1 : {0} < 0 ? -1 : 0)")))  # fmt: skip


def _sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x  # sign(-0.0) = 0.0, nan


# sign is piecewise constant: derivative 0 everywhere (at 0 too, as torch), and it jumps at 0.
add_row(Op("sign", 1, lambda xs, a: _sign(xs[0]), lambda o, xs, a: ZERO,
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
           lambda o, xs, b: (where((xs[0] >= b[0]) & (xs[0] <= b[1]), 1.0, 0.0),),
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
