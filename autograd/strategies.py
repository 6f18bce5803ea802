"""Hypothesis strategies for property tests of your own gradients (imports hypothesis on use).

Everything is read from the op rows: which ops exist, how many inputs each takes, which
constants it takes (``Op.args``) and where its inputs are allowed (``Op.bounds``).

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.strategies import expressions, inputs
>>> @given(expressions(2), inputs(2))
... def test_gradients(f, xs):
...     assert gradcheck(f, xs)
>>> test_gradients()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd.ops import OPS, Op
from autograd.value import Value, apply

__all__ = ["Expression", "expressions", "finite_floats", "inputs", "off_kinks", "op_inputs"]

# n-ary ops enter tests with this many inputs: 3 suits every n-ary row (affine takes a bias
# and (weight, input) pairs, an odd count)
NARY_INPUTS = 3
# leaf inputs go into an op directly when its bounds cover this range (inputs()'s default)
_DEFAULT_RANGE = (-3.0, 3.0)


def finite_floats(min_value: float = -3.0, max_value: float = 3.0) -> st.SearchStrategy[float]:
    """Bounded finite floats (no NaN, no infinity), the usual inputs of a gradient test."""
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)


def inputs(
    n: int, min_value: float = -3.0, max_value: float = 3.0
) -> st.SearchStrategy[list[float]]:
    """Lists of ``n`` bounded finite floats."""
    return st.lists(finite_floats(min_value, max_value), min_size=n, max_size=n)


def arity(op: Op) -> int:
    """How many inputs ``op`` takes in a drawn expression (n-ary ops take NARY_INPUTS)."""
    return NARY_INPUTS if op.arity == -1 else op.arity


def off_kinks(op: Op, xs: Sequence[float], arg: Any = None) -> bool:
    """True when the inputs are not near one of the op's kinks (``Op.kink_distance``), nor,
    for a piecewise op of several inputs (max), near another input: ties are where such a
    derivative jumps."""
    return not op.near_kink(xs, arg)


def op_inputs(op: Op) -> st.SearchStrategy[tuple[float, ...]]:
    """Input tuples for ``op`` drawn inside its bounds, off its kinks."""
    lo, hi = op.bounds
    drawn = st.tuples(*[finite_floats(lo, hi)] * arity(op))
    return drawn.filter(lambda xs: off_kinks(op, xs)) if not op.smooth else drawn


def _into(op: Op, v: Value, leaf: bool) -> Value:
    """``v`` moved smoothly inside the op's bounds (lo, hi): mid + half * v / sqrt(1 + v**2).

    A leaf goes in as it is when the bounds cover the default input range. Every other input
    is bounded this way, so no drawn expression can overflow, however deep it is; the
    algebraic squash flattens out slowly (unlike tanh), so numerical derivatives through it
    keep their precision.
    """
    lo, hi = op.bounds
    if leaf and lo <= _DEFAULT_RANGE[0] and _DEFAULT_RANGE[1] <= hi:
        return v
    return (lo + hi) / 2 + (hi - lo) / 2 * v * (1 + v * v) ** -0.5


@dataclass(frozen=True)
class Expression:
    """A drawn expression DAG: call it with ``n_inputs`` Values to build it, get a Value back.

    Each step is (op name, indices of earlier nodes, constant arg or None).
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...], Any], ...]

    def __call__(self, *xs: Value) -> Value:
        if len(xs) != self.n_inputs:
            raise TypeError(f"expression takes {self.n_inputs} inputs, got {len(xs)}")
        nodes = list(xs)
        for name, args, arg in self.steps:
            op = OPS[name]
            ins = [_into(op, nodes[i], i < self.n_inputs) for i in args]
            nodes.append(apply(name, *ins, arg=arg))
        return nodes[-1]

    def __repr__(self) -> str:
        body = "; ".join(
            f"t{k} = {name}({', '.join(self._name(i) for i in args)}"
            + ("" if arg is None else f", {arg!r}")
            + ")"
            for k, (name, args, arg) in enumerate(self.steps)
        )
        return f"Expression({body})"

    def _name(self, i: int) -> str:
        return f"x{i}" if i < self.n_inputs else f"t{i - self.n_inputs}"


def expressions(
    n_inputs: int, max_steps: int = 6, ops: Sequence[str] | None = None
) -> st.SearchStrategy[Expression]:
    """Random expression DAGs over the registered ops, as callables of ``n_inputs`` Values.

    Each step applies an op to earlier nodes (inputs or results), drawn with repetition, so
    sub-expressions are shared; every input of an op is kept inside its bounds (see ``_into``).
    ``ops`` defaults to the smooth ops, so numerical and analytic gradients agree everywhere;
    pass names such as "relu" or "abs" to include piecewise ops (keep inputs off their kinks).
    """
    if n_inputs < 1:
        raise ValueError(f"expressions: n_inputs must be >= 1, got {n_inputs}")
    if max_steps < 1:
        raise ValueError(f"expressions: max_steps must be >= 1, got {max_steps}")
    names = tuple(ops) if ops is not None else tuple(n for n, op in OPS.items() if op.smooth)
    unknown = [n for n in names if n not in OPS]
    if unknown or not names:
        raise ValueError(f"expressions: unknown ops {unknown}; choose from {sorted(OPS)}")

    @st.composite
    def draw(draw_: Any) -> Expression:
        n_steps = draw_(st.integers(1, max_steps))
        steps = []
        for k in range(n_steps):
            op = OPS[draw_(st.sampled_from(names))]
            available = n_inputs + k
            # The last step tends to use the previous result, so most nodes end up connected.
            args = tuple(draw_(st.integers(0, available - 1)) for _ in range(arity(op)))
            if k and available - 1 not in args:
                args = (available - 1, *args[1:])
            consts = op.args or ((op.default_arg(),) if op.params else ())
            arg = draw_(st.sampled_from(consts)) if consts else None
            steps.append((op.name, args, arg))
        return Expression(n_inputs, tuple(steps))

    return draw()
