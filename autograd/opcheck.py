"""What ``check_op`` checks, at one point and on columns of points, without hypothesis.

A row is checked at an input tuple (:func:`check_point`): its domain (inputs outside its
limits raise the op's own one-line error; inside, a value or an error naming the op), its
forward (a Python float; the reference's value where one is given), its partials (against
differences of the forward rule, where differences can tell; on Values as on floats) and its
second derivatives; and on columns of inputs (:func:`check_columns`): the numpy kernel and the
partials on arrays against the float rules. ``autograd.testing.check_op`` drives these with
hypothesis, at the points :mod:`autograd.edges` finds and at drawn ones.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.check import GradcheckError, difference
from autograd.edges import first_broken, replaced
from autograd.graph import grad
from autograd.ops import OPS, Op, check_limits, describe_call
from autograd.value import Value, apply

__all__ = ["OpCheckError", "check_columns", "check_point"]

_OUTSIDE = (ValueError, ArithmeticError)


class OpCheckError(GradcheckError):
    """``check_op`` found a disagreement: ``check`` says which, at ``inputs`` (and ``arg``).

    ``analytic`` is what the row gives (its partial, kernel or forward), ``numeric`` what it
    was compared with (a difference, the float rule, the reference). ``draw()`` pictures the
    op's node at the counterexample.
    """

    def __init__(
        self,
        op: str,
        check: str,
        inputs: Sequence[float],
        arg: Any,
        analytic: Any,
        numeric: Any,
        detail: str = "",
    ) -> None:
        self.op = op
        self.check = check
        self.arg = arg
        self.analytic = analytic
        self.numeric = numeric
        shown = describe_call(OPS[op], inputs, arg) if op in OPS else f"{op}{tuple(inputs)}"
        message = (
            f"check_op({op!r}) failed the {check} check at {shown}: "
            f"analytic {analytic!r}, numeric {numeric!r}" + (f"; {detail}" if detail else "")
        )
        rows = []
        if isinstance(analytic, float) and isinstance(numeric, float):
            rows = [(f"x{_index(detail)}", analytic, numeric)] if check == "partial" else []

        def function(*vs: Value) -> Value:
            return apply(op, *vs, arg=arg)

        super().__init__(message, function, inputs, rows, [r[0] for r in rows])


def _index(detail: str) -> int:
    digits = "".join(c for c in detail.split("dx")[-1] if c.isdigit())
    return int(digits) if digits else 0


# -- the checks on one point ------------------------------------------------------------------


def _named(op: Op, err: BaseException) -> bool:
    return str(err).startswith(f"{op.title or op.name}(") and "\n" not in str(err)


def _float_rule(op: Op, xs: Sequence[float], arg: Any) -> float:
    """The row's forward on floats, refusing what the row refuses (and complex results)."""
    check_limits(op, xs, arg)
    y = op.forward(tuple(xs), arg)
    if not isinstance(y, float | int) or not math.isfinite(y):
        raise ArithmeticError(f"{op.name}: no finite float result")
    return float(y)


def _partial_rule(op: Op, xs: Sequence[float], arg: Any, i: int) -> float:
    y = _float_rule(op, xs, arg)
    d = op.partials(y, tuple(xs), arg)[i]
    if not isinstance(d, float | int) or not math.isfinite(d):
        raise ArithmeticError(f"{op.name}: no finite partial")
    return float(d)


def _step(x: float) -> float:
    """The difference step at ``x``: relative below 1 (never step across a pole at 0),
    absolute above (a step that grows with x would step over whole periods of sin)."""
    h = 1e-6 * min(max(abs(x), 1e-300), 1.0) if x else 1e-6
    h = (x + h) - x  # a step the floats represent exactly
    if h == 0.0:  # x + h rounds to x: nothing resolves
        raise ArithmeticError("the step vanishes next to x")
    return h


def _holds_across_step(
    derivative: Callable[[list[float]], float], xs: Sequence[float], i: int, a: float
) -> bool:
    """True when the analytic derivative ``a`` (``derivative(xs)``) holds across the
    difference step around input ``i`` (within 10%): only then can a difference quotient
    check it. Near x = 1 with an exponent of 1e308, x ** y jumps from 0 to inf within any step
    the floats allow; next to a pole (asin at 1 - 1e-16) the second derivative does."""
    h = _step(xs[i])
    for t in (xs[i] - h, xs[i] + h):
        try:
            b = derivative(replaced(xs, i, t))
        except _OUTSIDE:
            return False
        if not (math.isfinite(b) and abs(b - a) <= 0.1 * abs(a) + 1e-12):
            return False
    return True


def _first_derivative(op: Op, arg: Any, i: int) -> Callable[[list[float]], float]:
    def d(ys: list[float]) -> float:
        vs = [Value(v) for v in ys]
        return grad(apply(op.name, *vs, arg=arg), vs)[i]

    return d


def _second_derivative(op: Op, arg: Any, i: int, j: int) -> Callable[[list[float]], float]:
    def d(ys: list[float]) -> float:
        vs = [Value(v) for v in ys]
        (gi,) = grad(apply(op.name, *vs, arg=arg), [vs[i]], create_graph=True)
        return grad(gi, vs)[j]

    return d


def _estimate(g: Callable[[float], float], x: float, scale: float) -> tuple[float, float]:
    """A difference quotient of ``g`` at ``x`` and a bound on its own error (two steps).

    ``scale`` is the largest magnitude the op's arithmetic goes through (its inputs): the
    rounding there, divided by the step, bounds what the quotient can resolve.
    """
    h = _step(x)
    n1 = difference(g, x, h)
    n2 = difference(g, x, h / 2)
    if not (math.isfinite(n1) and math.isfinite(n2)):
        raise ArithmeticError("no finite difference here")
    noise = 8 * 2.2e-16 * max(abs(g(x)), scale) / h  # rounding, amplified by the step
    return n2, abs(n1 - n2) * 4 + noise


def _agree(a: float, n: float, err: float, atol: float, rtol: float) -> bool:
    return abs(a - n) <= atol + rtol * max(abs(a), abs(n)) + err


def _reference(reference: Callable[..., Any], xs: Sequence[float], arg: Any) -> float:
    args = [*xs] + ([] if arg is None else [arg])
    try:
        r = reference(*args)
    except TypeError:
        torch = sys.modules.get("torch")
        if torch is None:
            raise
        r = reference(*[torch.tensor(a, dtype=torch.float64) for a in args])
    return float(r)


def _domain_error(
    op: Op, xs: list[float], arg: Any, err: Exception, expected: str, why: str
) -> OpCheckError:
    """The domain check failed: ``err`` was raised where ``expected`` was."""
    return OpCheckError(op.name, "domain", xs, arg, f"{type(err).__name__}: {err}", expected, why)


def check_point(
    op: Op,
    xs: Sequence[float],
    arg: Any,
    reference: Callable[..., Any] | None,
    order: int,
    atol: float,
    rtol: float,
) -> None:
    """The domain, forward, partial and second-order checks at one input tuple."""
    xs = [float(x) for x in xs]
    vs = [Value(x) for x in xs]
    out = _built_or_refused(op, xs, arg, vs)
    if out is None:
        return  # refused as the row says it must be
    _check_forward(op, xs, arg, out.data, reference)
    if not all(math.isfinite(x) for x in xs) or not math.isfinite(out.data):
        return  # non-finite inputs: NaN and infinity propagate; no derivative to check
    analytic = grad(out, vs)
    _check_on_values(op, xs, arg, analytic)
    if op.near_kink(xs, arg):
        return  # a piecewise derivative jumps here: differences say nothing
    _check_partials(op, xs, arg, analytic, atol, rtol)
    if order >= 2:
        _check_second(op, xs, arg, atol, rtol)


def _built_or_refused(op: Op, xs: list[float], arg: Any, vs: list[Value]) -> Value | None:
    """The node of ``op`` at ``xs``, or None when the row's own error refused it where the
    row's limits say it must (any other error, or no error there, is an OpCheckError)."""
    # NaN is never refused: it propagates (whatever the other inputs are)
    broken = None if any(x != x for x in xs) else first_broken(op, xs, arg)
    try:
        out = apply(op.name, *vs, arg=arg)
    except Exception as err:  # noqa: BLE001 - any error is judged: is it the op's own?
        if broken is not None:
            expected = f"{describe_call(op, xs, arg)}: {broken.text}"
            if isinstance(err, broken.error) and str(err) == expected:
                return None
            raise _domain_error(
                op, xs, arg, err, f"{broken.error.__name__}: {expected}",
                "outside the domain: the row's own error expected",
            ) from None  # fmt: skip
        if isinstance(err, _OUTSIDE) and _named(op, err):
            return None  # e.g. an overflow, named
        raise _domain_error(
            op, xs, arg, err, "a value, or a one-line error naming the op",
            "NaN must propagate" if any(x != x for x in xs)
            else "inside the domain (every limit passes)",
        ) from None  # fmt: skip
    if broken is not None:
        raise OpCheckError(
            op.name, "domain", xs, arg, out.data, f"{broken.error.__name__}",
            f"outside the domain ({broken.text}) but no error",
        )  # fmt: skip
    return out


def _check_forward(
    op: Op, xs: list[float], arg: Any, y: Any, reference: Callable[..., Any] | None
) -> None:
    """The forward gives a Python float, and the reference's value where there is one."""
    if type(y) is not float:
        raise OpCheckError(
            op.name, "forward", xs, arg, f"{type(y).__name__} {y!r}", "a float",
            "the forward rule must return a Python float",
        )  # fmt: skip
    if reference is None or not all(math.isfinite(x) for x in xs) or not math.isfinite(y):
        return
    try:
        r = _reference(reference, xs, arg)
    except OverflowError:
        return  # the reference cannot say (math.exp(1000) inside it): nothing to compare
    except _OUTSIDE as err:
        raise OpCheckError(op.name, "forward", xs, arg, y, f"reference raised {err!r}") from None
    if not (math.isclose(y, r, rel_tol=1e-9, abs_tol=1e-300) or r != r == y):
        raise OpCheckError(op.name, "forward", xs, arg, y, r, "forward vs reference")


def _check_partials(
    op: Op, xs: list[float], arg: Any, analytic: Sequence[float], atol: float, rtol: float
) -> None:
    """Every partial against differences of the forward rule (where differences can tell)."""
    scale = max(abs(x) for x in xs)
    for i, x in enumerate(xs):
        try:
            n, err = _estimate(lambda t, i=i: _float_rule(op, replaced(xs, i, t), arg), x, scale)
        except _OUTSIDE:
            continue  # no difference fits (an overflow next door)
        if not math.isfinite(analytic[i]):  # NaN or inf where the difference is finite
            raise OpCheckError(op.name, "partial", xs, arg, analytic[i], n, f"d out/dx{i}")
        if not _agree(analytic[i], n, err, atol, rtol):
            if not _holds_across_step(_first_derivative(op, arg, i), xs, i, analytic[i]):
                continue  # no difference can check a derivative that changes within the step
            raise OpCheckError(op.name, "partial", xs, arg, analytic[i], n, f"d out/dx{i}")


def _check_second(op: Op, xs: list[float], arg: Any, atol: float, rtol: float) -> None:
    """Second derivatives through create_graph against differences of the first."""
    scale = max(abs(x) for x in xs)
    for i in range(len(xs)):
        vs = [Value(x) for x in xs]
        try:
            (gi,) = grad(apply(op.name, *vs, arg=arg), [vs[i]], create_graph=True)
            second = grad(gi, vs)
        except _OUTSIDE as err:
            if _named(op, err):
                continue  # the second derivative does not exist here (x ** 1.5 at 0)
            raise
        for j, x in enumerate(xs):
            try:
                n, err = _estimate(
                    lambda t, i=i, j=j: _partial_rule(op, replaced(xs, j, t), arg, i), x, scale
                )
            except _OUTSIDE:
                continue
            if not _agree(second[j], n, err, atol, rtol):
                if not _holds_across_step(_second_derivative(op, arg, i, j), xs, j, second[j]):
                    continue  # it changes within the step (next to a pole): nothing to check
                raise OpCheckError(op.name, "second", xs, arg, second[j], n, f"d2 out/dx{i}dx{j}")


def _check_on_values(op: Op, xs: list[float], arg: Any, analytic: Sequence[float]) -> None:
    """The partials evaluated on Values (what ``grad(..., create_graph=True)`` uses) must be
    the floats the node stored: one rule, whatever it runs on."""
    vs = [Value(x) for x in xs]
    try:
        on_values = grad(apply(op.name, *vs, arg=arg), vs, create_graph=True)
    except Exception as err:  # noqa: BLE001 - a rule that cannot take Values is the finding
        if isinstance(err, _OUTSIDE) and _named(op, err):
            return  # no differentiable derivative here (x ** 1.5 at 0): nothing to compare
        raise OpCheckError(
            op.name, "partial on Values", xs, arg, f"{type(err).__name__}: {err}",
            "Values, one per input", "the rule evaluated on Values (create_graph)",
        ) from None  # fmt: skip
    for i, (a, v) in enumerate(zip(analytic, on_values)):
        if not _same(v.data, a, False):
            raise OpCheckError(
                op.name, "partial on Values", xs, arg, v.data, a,
                f"d out/dx{i} evaluated on Values (create_graph) vs on floats",
            )  # fmt: skip


def _same(got: float, want: float, sign: bool) -> bool:
    if want != want:
        return got != got
    if sign and want == 0.0 and got == 0.0:
        return math.copysign(1.0, got) == math.copysign(1.0, want)
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-322)


def _forward_or_nan(op: Op, col: Sequence[float], arg: Any) -> float:
    try:
        y = op.forward(tuple(col), arg)
    except _OUTSIDE:
        return math.nan
    return float(y) if isinstance(y, float | int) else math.nan


def _on_arrays(op: Op, cols: list[list[float]], arg: Any) -> tuple[np.ndarray, list]:
    """The row's kernel and partials evaluated on the columns as arrays."""
    with np.errstate(all="ignore"):
        xs = np.array(cols, dtype=float).T.copy()
        got = np.asarray(op.kernel(xs, arg), dtype=float)
        rows = tuple(xs[i] for i in range(xs.shape[0]))
        # the partials on arrays get the float rule's outputs, so they are compared on
        # exactly the floats the scalar rule sees (a kernel's last-ulp differences are
        # amplified by rules like 1 - out**2 and would say nothing about the rule)
        wants = np.array([_forward_or_nan(op, col, arg) for col in cols], dtype=float)
        parts = [
            np.broadcast_to(np.asarray(d, dtype=float), np.shape(got))
            for d in op.partials(wants, rows, arg)
        ]
    return got, parts


def check_columns(op: Op, cols: Sequence[Sequence[float]], arg: Any) -> None:
    """The numpy kernel and the partials on arrays against the float rules, column by column."""
    cols = [[float(x) for x in col] for col in cols]
    name = op.name
    try:
        got, parts = _on_arrays(op, cols, arg)
    except Exception as err:  # noqa: BLE001 - a rule that cannot take arrays is the finding
        raise OpCheckError(
            name,
            "kernel partial",
            cols[0],
            arg,
            f"{type(err).__name__}: {err}",
            "arrays, one value per column",
            "kernel and partials on arrays",
        ) from None
    if got.shape != (len(cols),):
        raise OpCheckError(
            name,
            "kernel",
            cols[0],
            arg,
            f"shape {got.shape}",
            f"shape {(len(cols),)}",
            "one output per column",
        )
    for c, col in enumerate(cols):
        if first_broken(op, col, arg) is not None and not any(x != x for x in col):
            continue  # outside the domain: the replay refuses it by the same limits
        try:
            want = op.forward(tuple(col), arg)
        except _OUTSIDE:
            continue  # the scalar engine raises here (overflow); so does the replay
        if not isinstance(want, float | int):
            continue
        if not _same(float(got[c]), float(want), sign=True):
            raise OpCheckError(
                name,
                "kernel",
                col,
                arg,
                float(got[c]),
                float(want),
                "numpy kernel vs float forward",
            )
        try:
            float_parts = op.partials(want, tuple(col), arg)
        except _OUTSIDE:
            continue
        for i, d in enumerate(float_parts):
            if isinstance(d, float | int) and not _same(float(parts[i][c]), float(d), False):
                raise OpCheckError(
                    name,
                    "kernel partial",
                    col,
                    arg,
                    float(parts[i][c]),
                    float(d),
                    f"partial dx{i} on arrays vs floats",
                )
