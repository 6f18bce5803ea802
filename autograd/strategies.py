"""Hypothesis strategies for property tests of your own gradients (imports hypothesis on use).

>>> from hypothesis import given
>>> from autograd import gradcheck
>>> from autograd.strategies import expressions, inputs
>>> @given(expressions(2), inputs(2))
... def test_gradients(f, xs):
...     assert gradcheck(f, xs)
>>> test_gradients()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd.ops import OPS
from autograd.value import Value

__all__ = ["Expression", "expressions", "finite_floats", "inputs", "SAFE_FORMS"]


def finite_floats(min_value: float = -3.0, max_value: float = 3.0) -> st.SearchStrategy[float]:
    """Bounded finite floats (no NaN, no infinity), the usual inputs of a gradient test."""
    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)


def inputs(
    n: int, min_value: float = -3.0, max_value: float = 3.0
) -> st.SearchStrategy[list[float]]:
    """Lists of ``n`` bounded finite floats."""
    return st.lists(finite_floats(min_value, max_value), min_size=n, max_size=n)


# How each op enters a random expression so its inputs stay inside its domain, whatever the
# values of the sub-expressions: arguments that must be positive go through a*a + 1, exponents
# through tanh, the argument of exp through tanh (so nothing overflows).
Form = Callable[[list[Value]], Value]
SAFE_FORMS: dict[str, tuple[int, Form]] = {
    "add": (2, lambda a: a[0] + a[1]),
    "mul": (2, lambda a: a[0] * a[1]),
    "neg": (1, lambda a: -a[0]),
    "pow": (2, lambda a: (a[0] * a[0] + 1) ** a[1].tanh()),
    "exp": (1, lambda a: a[0].tanh().exp()),
    "log": (1, lambda a: (a[0] * a[0] + 1).log()),
    "sqrt": (1, lambda a: (a[0] * a[0] + 1).sqrt()),
    "tanh": (1, lambda a: a[0].tanh()),
    "sigmoid": (1, lambda a: a[0].sigmoid()),
    "softplus": (1, lambda a: a[0].softplus()),
    "relu": (1, lambda a: a[0].relu()),
    "leaky_relu": (1, lambda a: a[0].leaky_relu(0.1)),
    "elu": (1, lambda a: a[0].elu()),
    "abs": (1, lambda a: a[0].abs()),
    "sum": (3, lambda a: _sum(a)),
    "affine": (3, lambda a: _affine(a)),
    "div": (2, lambda a: a[0] / (a[1] * a[1] + 1)),
    "square": (1, lambda a: a[0] ** 2),
}


def _sum(a: list[Value]) -> Value:
    from autograd.value import sum as vsum

    return vsum(a)


def _affine(a: list[Value]) -> Value:
    from autograd.value import affine

    return affine(a[0], a[1:2], a[2:3])


@dataclass(frozen=True)
class Expression:
    """A drawn expression DAG: call it with ``n_inputs`` Values to build it, get a Value back."""

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]

    def __call__(self, *xs: Value) -> Value:
        if len(xs) != self.n_inputs:
            raise TypeError(f"expression takes {self.n_inputs} inputs, got {len(xs)}")
        nodes = list(xs)
        for form, args in self.steps:
            nodes.append(SAFE_FORMS[form][1]([nodes[i] for i in args]))
        return nodes[-1]

    def __repr__(self) -> str:
        body = "; ".join(
            f"t{k} = {form}({', '.join(self._name(i) for i in args)})"
            for k, (form, args) in enumerate(self.steps)
        )
        return f"Expression({body})"

    def _name(self, i: int) -> str:
        return f"x{i}" if i < self.n_inputs else f"t{i - self.n_inputs}"


# Forms whose op is smooth everywhere (piecewise ops have kinks where numerical and analytic
# derivatives disagree).
SMOOTH_FORMS = tuple(n for n in SAFE_FORMS if n not in OPS or OPS[n].smooth)


def expressions(
    n_inputs: int, max_steps: int = 6, ops: Sequence[str] | None = None
) -> st.SearchStrategy[Expression]:
    """Random expression DAGs over the registered ops, as callables of ``n_inputs`` Values.

    Each step applies an op to earlier nodes (inputs or results), drawn with repetition, so
    sub-expressions are shared. Inputs are kept inside every op's domain (see ``SAFE_FORMS``).
    ``ops`` defaults to the smooth ops, so numerical and analytic gradients agree everywhere;
    pass names such as "relu" or "abs" to include piecewise ops (keep inputs off their kinks).
    """
    if n_inputs < 1:
        raise ValueError(f"expressions: n_inputs must be >= 1, got {n_inputs}")
    names = tuple(ops) if ops is not None else SMOOTH_FORMS
    unknown = [n for n in names if n not in SAFE_FORMS]
    if unknown:
        raise ValueError(f"expressions: unknown ops {unknown}; choose from {sorted(SAFE_FORMS)}")

    @st.composite
    def draw(draw_: Any) -> Expression:
        n_steps = draw_(st.integers(1, max_steps))
        steps = []
        for k in range(n_steps):
            form = draw_(st.sampled_from(names))
            arity = SAFE_FORMS[form][0]
            available = n_inputs + k
            # The last step tends to use the previous result, so most nodes end up connected.
            args = tuple(draw_(st.integers(0, available - 1)) for _ in range(arity))
            if k and available - 1 not in args:
                args = (available - 1, *args[1:])
            steps.append((form, args))
        return Expression(n_inputs, tuple(steps))

    return draw()
