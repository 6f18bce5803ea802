"""An op of your own in one row: swish and gelu, checked across their domains, then trained.

1. ``swish`` (x * sigmoid(x)) and ``gelu`` (the tanh approximation) are registered as rows
   of the op table: forward on floats, local partials in arithmetic that also works on
   Values (so second derivatives come for free) and on numpy arrays, and a numpy kernel for
   ``autograd.compile``.
2. ``autograd.testing.check_op`` checks each one: forward against a reference, every partial
   and second derivative against differences, the kernel against the float rule.
3. A rule with a mistake in it is caught, with its smallest counterexample.
4. A tiny model with a gelu hidden layer learns sin(x) on [-2, 2]; the plot shows both ops
   with their derivatives and the trained model.

Run:  python examples/custom_op.py [--steps 300] [--no-plot] [--out DIR]
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from plotting import pyplot, save, subplots  # examples/plotting.py

import autograd
from autograd import OPS, Op, Value
from autograd.testing import OpCheckError, check_op

OUT = Path(__file__).resolve().parent / "out"
XS = [-2 + 4 * i / 15 for i in range(16)]  # the training inputs of the 1-8-1 model
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


def train(steps: int = 300, seed: int = 0) -> tuple[list[float], Callable[[float], float]]:
    """Fit sin(x) on [-2, 2] with 8 gelu units; returns the loss per step (and after the last
    one) and the trained model as a function of x."""
    rng = random.Random(seed)
    hidden = 8
    w1 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    b1 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    w2 = [Value(rng.uniform(-1, 1)) for _ in range(hidden)]
    b2 = Value(0.0)
    params = [*w1, *b1, *w2, b2]

    def model(x: float) -> Value:
        h = [(w * x + b).gelu() for w, b in zip(w1, b1)]
        return autograd.affine(b2, w2, h)

    def loss() -> Value:
        total = Value(0.0)
        for x in XS:
            total = total + (model(x) - math.sin(x)) ** 2
        return total * (1 / len(XS))

    losses = []
    for _ in range(steps):
        out = loss()
        losses.append(out.data)
        for p in params:
            p.grad = 0.0
        out.backward()
        for p in params:
            p.data -= 0.1 * p.grad
    losses.append(loss().data)
    return losses, lambda x: model(x).data


def main(steps: int = 300, plot: bool = True, out: str | Path = OUT) -> dict[str, Any]:
    """Register, check, catch the wrong rule, train; the rows are taken out again at the end."""
    autograd.register(SWISH)
    autograd.register(GELU)
    autograd.register(BAD_GELU)
    figures: dict[str, Any] = {}
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
        losses, fitted = train(steps)
        figures["loss"] = losses
        print(f"trained a 1-8-1 gelu model on sin(x): loss {losses[0]:.4f} -> {losses[-1]:.4f}")
        figures["plot"] = _plot(losses, fitted, Path(out)) if plot else None
    finally:
        for name in ("swish", "gelu", "badgelu"):
            if name in OPS:
                autograd.unregister(name)
    return figures


def _plot(losses: list[float], fitted: Callable[[float], float], out: Path) -> str | None:
    """Left: the two new ops and their derivatives, as the engine computes them from the rows.
    Right: the trained model against sin(x), with its loss per step inset."""
    plt = pyplot()
    if plt is None:
        return None
    fig, (left, right) = subplots(plt, 1, 2, figsize=(10.5, 4))
    xs = [i / 20 for i in range(-80, 81)]
    for name, color in (("gelu", "tab:blue"), ("swish", "tab:orange")):
        values, slopes = [], []
        for x in xs:
            v = Value(x)
            y = getattr(v, name)()  # the method the row installed
            y.backward()
            values.append(y.data)
            slopes.append(v.grad)
        left.plot(xs, values, color=color, label=name)
        left.plot(xs, slopes, "--", color=color, label=f"{name}' (the row's partial)")
    left.axhline(0, color="0.8", lw=0.8)
    left.set_xlabel("x")
    left.set_ylabel("value at x")
    left.set_ylim(-0.8, 4.6)  # room above the curves for the legend
    left.legend(loc="upper left", fontsize=8.5)
    left.set_title("Two ops of your own, one row each", fontsize=11)
    grid = [-2.2 + 4.4 * i / 100 for i in range(101)]
    right.plot(grid, [math.sin(x) for x in grid], color="0.6", lw=3, label="sin(x)")
    right.plot(grid, [fitted(x) for x in grid], color="tab:blue", label="1-8-1 gelu model")
    right.plot(XS, [math.sin(x) for x in XS], "k.", label="training points")
    right.set_xlabel("x")
    right.set_ylabel("y")
    right.set_ylim(-1.6, 1.9)  # room above the curves for the legend
    right.legend(loc="upper left", fontsize=8.5, ncol=2)
    right.set_title(f"Trained with gelu: loss {losses[0]:.4f} -> {losses[-1]:.4f}", fontsize=11)
    fig.suptitle("custom_op: register a row, check it, train with it")
    return save(fig, plt, out / "custom_op.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    parser.add_argument("--no-plot", dest="plot", action="store_false", help="skip the plot")
    parser.add_argument("--out", default=OUT, help="folder for the plot (default examples/out)")
    main(**vars(parser.parse_args()))
