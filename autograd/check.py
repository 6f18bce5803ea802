"""Gradient checking: central differences beside the engine's analytic gradients."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.graph import grad
from autograd.mode import no_grad
from autograd.value import Value

__all__ = ["GradcheckError", "gradcheck", "numerical_diff", "numerical_grad"]


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message is a table of every entry."""


def _scalar(result: Any, where: str) -> float:
    if isinstance(result, Value):
        return result.data
    if isinstance(result, int | float):
        return float(result)
    raise TypeError(f"{where}: f must return a Value or a number, got {type(result).__name__}")


def _call(f: Callable[..., Any], xs: Sequence[float]) -> float:
    with no_grad():
        return _scalar(f(*[Value(x) for x in xs]), "numerical gradient")


def numerical_diff(f: Callable[[Value], Any], x: float, h: float = 1e-4) -> float:
    """(f(x + h) - f(x - h)) / 2h, calling ``f`` on a Value without recording a graph.

    >>> numerical_diff(lambda x0: x0 * x0 + 4.0**2.0, 3.0)
    6.00000000000378
    """
    return numerical_grad(f, [x], h)[0]


def numerical_grad(f: Callable[..., Any], inputs: Sequence[float], h: float = 1e-4) -> list[float]:
    """Central-difference partial derivatives of ``f(*inputs)``, one float per input."""
    xs = [float(v.data if isinstance(v, Value) else v) for v in inputs]
    if not h > 0.0:
        raise ValueError(f"numerical_grad: step h must be > 0, got {h!r}")
    out = []
    for i, x in enumerate(xs):
        up = list(xs)
        up[i] = x + h
        down = list(xs)
        down[i] = x - h
        out.append((_call(f, up) - _call(f, down)) / (2 * h))
    return out


def _analytic(f: Callable[..., Any], xs: Sequence[float]) -> list[float]:
    vs = [Value(x) for x in xs]
    out = f(*vs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return list(grad(out, vs))


def _second(f: Callable[..., Any], xs: Sequence[float], i: int) -> list[float]:
    """Row i of the Hessian through create_graph: d/dx_j of (d f / d x_i)."""
    vs = [Value(x) for x in xs]
    (gi,) = grad(f(*vs), [vs[i]], create_graph=True)
    return list(grad(gi, vs))


def _table(rows: list[tuple[str, float, float]], atol: float, rtol: float) -> str:
    lines = [f"{'input':<12} {'analytic':>22} {'numerical':>22} {'error':>12}"]
    bad = 0
    for name, a, n in rows:
        err = abs(a - n)
        flag = "" if err <= atol + rtol * abs(n) else "  <-- mismatch"
        bad += bool(flag)
        lines.append(f"{name:<12} {a:>22.12g} {n:>22.12g} {err:>12.3g}{flag}")
    head = f"gradcheck failed: {bad} of {len(rows)} entries off (atol={atol}, rtol={rtol})"
    return "\n".join([head, *lines])


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """Compare analytic and numerical gradients of ``f(*inputs)``: |a - n| <= atol + rtol * |n|.

    Returns True, or raises :class:`GradcheckError` with a table of input, analytic, numerical
    and error. ``order=2`` also checks every second derivative (through ``create_graph``)
    against central differences of the analytic first derivatives.

    >>> gradcheck(lambda x, y: x * y + x.tanh(), [0.5, -2.0])
    True
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    xs = [float(v.data if isinstance(v, Value) else v) for v in inputs]
    rows = [
        (f"x{i}", a, n)
        for i, (a, n) in enumerate(zip(_analytic(f, xs), numerical_grad(f, xs, eps), strict=True))
    ]
    if order == 2:
        for i in range(len(xs)):
            analytic = _second(f, xs, i)
            numeric = []
            for j in range(len(xs)):
                up = list(xs)
                up[j] += eps
                down = list(xs)
                down[j] -= eps
                numeric.append((_analytic(f, up)[i] - _analytic(f, down)[i]) / (2 * eps))
            rows += [(f"d2/dx{i}dx{j}", a, n) for j, (a, n) in enumerate(zip(analytic, numeric))]
    if not all(abs(a - n) <= atol + rtol * abs(n) for _, a, n in rows):
        raise GradcheckError(_table(rows, atol, rtol))
    return True
