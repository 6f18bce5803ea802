"""n-ary rows: sum and affine (for speed: one node for a sum or a neuron's weighted sum),
max and min."""

from __future__ import annotations

import functools
import math
import operator
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from autograd.ops import Op, add_row
from autograd.rows.rules import ONE, Number, is_number, number_of

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


add_row(Op("sum", -1, _sum, lambda o, xs, a: ONE * len(xs), _sum, "x0 + x1 + ... (n-ary)",
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
        if is_number(xs[0]):
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
        vals = [number_of(x) for x in xs]
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
