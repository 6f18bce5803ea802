"""An op of your own in one row: swish and gelu, checked across their domains, then trained.

1. ``swish`` (x * sigmoid(x)) and ``gelu`` (the tanh approximation) are registered as rows
   of the op table: forward on floats, local partials in arithmetic that also works on
   Values (so second derivatives come for free) and on numpy arrays, and a numpy kernel for
   ``autograd.compile``.
2. ``autograd.testing.check_op`` checks each one: forward against a reference, every partial
   and second derivative against differences, the kernel against the float rule.
3. A rule with a mistake in it is caught, with its smallest counterexample.
4. A tiny model with a gelu hidden layer learns sin(x) on [-2, 2].

Run:  python examples/custom_op.py [--steps 300]
"""

from __future__ import annotations

import argparse
import math
import random
from typing import Any

import numpy as np

import autograd
from autograd import OPS, Op, Value
from autograd.testing import OpCheckError, check_op

C = math.sqrt(2 / math.pi)  # gelu's tanh approximation: 0.5 x (1 + tanh(C (x + 0.044715 x^3)))
K = 0.044715


def _sigmoid(z: Any) -> Any:
    """1 / (1 + e^-z) on a float, a Value or an array, never taking e of a positive number."""
    if isinstance(z, Value):
        return z.sigmoid()
    if isinstance(z, float | int):
        e = math.exp(-abs(z))
        return 1 / (1 + e) if z >= 0 else e / (1 + e)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# 0.5 (1 + tanh u) is written sigmoid(2u): the same number without the cancellation of
# 1 + tanh(u) for u << 0 (check_op's kernel check caught that form differing from numpy's).
def _gelu(x: Any) -> Any:
    return x * _sigmoid(2 * C * (x + K * x * x * x))


def _gelu_partial(x: Any, wrong: bool = False) -> Any:
    s = _sigmoid(2 * C * (x + K * x * x * x))
    if wrong:  # the classic slip: the product rule's second term forgotten
        return s
    return s + x * s * (1 - s) * 2 * C * (1 + 3 * K * x * x)


# d swish = s + x * s * (1 - s) with s = sigmoid(x), written with _sigmoid so that the same
# rule works on floats, on Values (second derivatives) and on arrays (compile).
def _swish_partial(x: Any) -> Any:
    s = _sigmoid(x)
    return s + x * s * (1 - s)


SWISH = Op("swish", 1, lambda xs, a: xs[0] * _sigmoid(xs[0]),
           lambda o, xs, a: (_swish_partial(xs[0]),), lambda xs, a: xs[0] * _sigmoid(xs[0]),
           "swish, x * sigmoid(x)", local=("sigmoid({0}) * (1 + {0} * (1 - sigmoid({0})))",),
           method=True)  # fmt: skip
GELU = Op("gelu", 1, lambda xs, a: _gelu(xs[0]), lambda o, xs, a: (_gelu_partial(xs[0]),),
          lambda xs, a: _gelu(xs[0]), "gelu (tanh approximation)", local=("gelu'({0})",),
          method=True)  # fmt: skip
BAD_GELU = Op("badgelu", 1, GELU.forward, lambda o, xs, a: (_gelu_partial(xs[0], wrong=True),),
              GELU.kernel, "gelu with a wrong derivative")  # fmt: skip


def train(steps: int = 300, seed: int = 0) -> tuple[float, float]:
    """Fit sin(x) on [-2, 2] with 8 gelu units; returns the loss before and after."""
    rng = random.Random(seed)
    hidden = 8
    w1 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    b1 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    w2 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    b2 = Value(0.0)
    params = [*w1, *b1, *w2, b2]
    xs = [-2 + 4 * i / 15 for i in range(16)]

    def loss() -> Value:
        total = Value(0.0)
        for x in xs:
            h = [(w * x + b).gelu() for w, b in zip(w1, b1)]
            y = autograd.affine(b2, w2, h)
            total = total + (y - math.sin(x)) ** 2
        return total * (1 / len(xs))

    first = loss().data
    for _ in range(steps):
        out = loss()
        for p in params:
            p.grad = 0.0
        out.backward()
        for p in params:
            p.data -= 0.1 * p.grad
    return first, loss().data


def main(steps: int = 300) -> None:
    """Register, check, catch the wrong rule, train; the rows are taken out again at the end."""
    autograd.register(SWISH)
    autograd.register(GELU)
    autograd.register(BAD_GELU)
    try:
        # the reference overflows for x < -709 (math.exp); check_op skips what it cannot say
        check_op("swish", reference=lambda x: x / (1 + math.exp(-x)))
        print("swish: ok (forward vs x / (1 + e^-x), partials, second order, kernel)")
        # the textbook formula, with 0.5 (1 + tanh u) = 1 / (1 + e^-2u) so that it stays
        # accurate for x << 0 (it overflows first, and check_op skips what the reference
        # cannot compute)
        check_op("gelu", reference=lambda x: x / (1 + math.exp(-2 * C * (x + K * x**3))))
        print("gelu: ok")
        try:
            check_op("badgelu")
        except OpCheckError as err:
            print("caught:", str(err).splitlines()[0])
        before, after = train(steps)
        print(f"trained a 1-8-1 gelu model on sin(x): loss {before:.4f} -> {after:.4f}")
    finally:
        for name in ("swish", "gelu", "badgelu"):
            if name in OPS:
                autograd.unregister(name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    main(parser.parse_args().steps)
