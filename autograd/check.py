"""Gradient checking: central differences beside the engine's analytic gradients."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from autograd.graph import grad_of, toposort
from autograd.mode import no_grad
from autograd.ops import OPS
from autograd.value import Value

__all__ = [
    "GradcheckError",
    "difference",
    "first_input",
    "gradcheck",
    "local_mismatches",
    "numerical_diff",
    "numerical_grad",
]

# What a function raises when a step leaves its domain (log(-1e-9), 1 / 0, exp(1000)).
_OUTSIDE = (ValueError, ArithmeticError)


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree; the message is a table of every entry.

    It keeps what it needs to show the failure again: ``function``, ``inputs`` (floats),
    ``rows`` (name, analytic, numerical) and ``bad`` (the names of the mismatching rows);
    ``viz.draw(err)`` pictures the failing graph.
    """

    def __init__(
        self,
        message: str,
        function: Callable[..., Any] | None = None,
        inputs: Sequence[float] = (),
        rows: Sequence[tuple[str, float, float]] = (),
        bad: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.function = function
        self.inputs = list(inputs)
        self.rows = list(rows)
        self.bad = list(bad)


def first_input(name: str) -> int:
    """The input index a gradcheck row is about: "x2" -> 2, "d2/dx1dx0" -> 1."""
    if name.startswith("x"):
        return int(name[1:])
    return int(name.split("/dx")[1].split("dx")[0])


def local_mismatches(out: Value) -> list[tuple[Value, list[str]]]:
    """Nodes whose stored local derivatives disagree with differences of their row's forward,
    each with one line per mismatching input (what a picture of a failure points at)."""
    found = []
    for node in toposort(out):
        op = OPS.get(node.op)
        if op is None:
            continue
        xs = [p.data for p in node.parents]
        lines = []
        for i, d in enumerate(node.partials):
            along = _along(op.forward, xs, i, node.arg)
            try:
                n = difference(along, xs[i], 1e-6 * max(1.0, abs(xs[i])))
            except _OUTSIDE:
                continue
            if not abs(d - n) <= 1e-5 + 1e-3 * abs(n):
                lines.append(f"d{node.op}/d input {i}: analytic {d:.6g}, numerical {n:.6g}")
        if lines:
            found.append((node, lines))
    return found


def _along(forward: Callable[..., float], xs: list[float], i: int, arg: Any) -> Callable:
    """``forward`` as a function of input ``i`` alone, the other inputs held at ``xs``."""

    def along(t: float) -> float:
        ys = list(xs)
        ys[i] = t
        return forward(tuple(ys), arg)

    return along


def _scalar(result: Any, where: str) -> float:
    if isinstance(result, Value):
        return result.data
    if isinstance(result, int | float):
        return float(result)
    raise TypeError(f"{where}: f must return a Value or a number, got {type(result).__name__}")


def _call(f: Callable[..., Any], xs: Sequence[float]) -> float:
    with no_grad():
        return _scalar(f(*[Value(x) for x in xs]), "numerical gradient")


def difference(g: Callable[[float], float], x: float, h: float) -> float:
    """d g / d x by differences: central, (g(x + h) - g(x - h)) / 2h, inside the domain.

    Near a domain edge (``g`` raises ValueError or an ArithmeticError on one side) the step
    shrinks until both sides are inside, then by 100 more so the edge is far compared with
    it (sqrt at 1e-7 with h = 1e-6 works); at the edge itself (no step small enough) it takes a
    one-sided second-order difference, (-3 g(x) + 4 g(x + h) - g(x + 2h)) / 2h, on the side
    that is inside. Raises the function's own error when neither side is.
    """
    try:
        return (g(x + h) - g(x - h)) / (2 * h)
    except _OUTSIDE:
        pass
    s = h
    floor = 1e-13 * abs(x) if x else 1e-300
    while s > floor:
        s /= 10
        try:
            g(x + s)
            g(x - s)
        except _OUTSIDE:
            continue
        s = max(s / 100, floor)
        return (g(x + s) - g(x - s)) / ((x + s) - (x - s))
    g0 = g(x)
    for side in (h, -h):
        try:
            return (-3 * g0 + 4 * g(x + side) - g(x + 2 * side)) / (2 * side)
        except _OUTSIDE:
            continue
    return (g(x + h) - g(x - h)) / (2 * h)  # raises the function's own error


def numerical_diff(f: Callable[[Value], Any], x: float, h: float = 1e-4) -> float:
    """(f(x + h) - f(x - h)) / 2h, calling ``f`` on a Value without recording a graph.

    >>> numerical_diff(lambda x0: x0 * x0 + 4.0**2.0, 3.0)
    6.00000000000378
    """
    return numerical_grad(f, [x], h)[0]


def numerical_grad(f: Callable[..., Any], inputs: Sequence[float], h: float = 1e-4) -> list[float]:
    """Central-difference partial derivatives of ``f(*inputs)``, one float per input.

    Near an edge of ``f``'s domain the difference stays inside it (see :func:`difference`):
    ``numerical_grad(lambda x: x.sqrt(), [1e-7], h=1e-6)`` is about 1581, not an error.
    """
    xs = [float(v.data if isinstance(v, Value) else v) for v in inputs]
    if not h > 0.0:
        raise ValueError(f"numerical_grad: step h must be > 0, got {h!r}")
    out = []
    for i, x in enumerate(xs):

        def along(t: float, i: int = i) -> float:
            ys = list(xs)
            ys[i] = t
            return _call(f, ys)

        out.append(difference(along, x, h))
    return out


def _derivative(f: Callable[..., Any], xs: Sequence[float], path: Sequence[int]) -> float:
    """d^k f / dx_path[0] ... dx_path[k-1] at ``xs``, by k nested passes (create_graph
    for all but the last)."""
    vs = [Value(x) for x in xs]
    out = f(*vs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    for k, i in enumerate(path):
        last = k == len(path) - 1
        (out,) = grad_of(out, [vs[i]], create_graph=not last)
        if not last and not isinstance(out, Value):
            return 0.0
    return float(out.data) if isinstance(out, Value) else float(out)


def _analytic(f: Callable[..., Any], xs: Sequence[float]) -> list[float]:
    vs = [Value(x) for x in xs]
    out = f(*vs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    return list(grad_of(out, vs))


def _off(a: float, n: float, atol: float, rtol: float) -> bool:
    return not abs(a - n) <= atol + rtol * abs(n)


def _table(rows: list[tuple[str, float, float]], atol: float, rtol: float) -> str:
    lines = [f"{'input':<12} {'analytic':>22} {'numerical':>22} {'error':>12}"]
    bad = 0
    for name, a, n in rows:
        flag = "  <-- mismatch" if _off(a, n, atol, rtol) else ""
        bad += bool(flag)
        lines.append(f"{name:<12} {a:>22.12g} {n:>22.12g} {abs(a - n):>12.3g}{flag}")
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
    and error (``viz.draw(err)`` pictures the graph). ``order=N`` also checks every derivative
    up to order N (through ``create_graph``), each against differences of the analytic
    derivative one order below: ``d3/dx0dx0dx1`` is d/dx1 of d2 f / dx0 dx0. Near a domain
    edge the differences stay inside it (one-sided at the edge).

    >>> gradcheck(lambda x, y: x * y + x.tanh(), [0.5, -2.0])
    True
    >>> gradcheck(lambda x: x.sin(), [0.3], order=3)
    True
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"gradcheck: order must be an int >= 1, got {order!r}")
    xs = [float(v.data if isinstance(v, Value) else v) for v in inputs]
    rows = [
        (f"x{i}", a, n)
        for i, (a, n) in enumerate(zip(_analytic(f, xs), numerical_grad(f, xs, eps), strict=True))
    ]
    for k in range(2, order + 1):
        for path in itertools.product(range(len(xs)), repeat=k):
            *below, j = path

            def along(t: float, below: Sequence[int] = below, j: int = j) -> float:
                return _derivative(f, _with(xs, j, t), below)

            analytic = _derivative(f, xs, path)
            name = f"d{k}/" + "".join(f"dx{i}" for i in path)
            rows.append((name, analytic, difference(along, xs[j], eps)))
    bad = [name for name, a, n in rows if _off(a, n, atol, rtol)]
    if bad:
        raise GradcheckError(_table(rows, atol, rtol), f, xs, rows, bad)
    return True


def _with(xs: Sequence[float], i: int, t: float) -> list[float]:
    ys = list(xs)
    ys[i] = t
    return ys
