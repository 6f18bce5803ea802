"""Property-test an op's row in one call: ``check_op("tanh")``, ``check_all_ops()``.

``check_op`` draws inputs from the op's own row (inside its ``bounds``, off its ``kinks``,
plus edges: zeros of both signs, subnormals, tiny and huge values, infinities, NaN, and the
floats right at each edge of its domain, found from its ``limits``) and checks

- ``forward``: the row's forward against ``reference`` (``math.sin``, ``numpy.sin``, a torch
  function), when one is given;
- ``partial``: every local partial against differences of the forward rule (one-sided at a
  domain edge);
- ``second``: second derivatives through ``grad(..., create_graph=True)`` against differences
  of the analytic first derivative (``order=2``);
- ``kernel`` / ``kernel partial``: the numpy kernel ``compile`` runs, and the partials on
  arrays, against the float rules element by element (same floats, same sign of zero);
- ``domain``: inputs outside the row's limits raise the op's own one-line error, and inputs
  inside give a value (or an error that names the op, such as an overflow).

Edges are tried one by one first, then hypothesis draws ``max_examples`` more and shrinks
whatever fails to a smallest counterexample, raised as :class:`OpCheckError`. Under a
derandomized hypothesis profile (the project's "ci") or with ``seed=`` a run is
deterministic. Needs hypothesis (a test dependency), so ``autograd`` loads this on first use.

>>> from autograd.testing import check_op
>>> check_op("tanh", reference=math.tanh, max_examples=20)
"""

from __future__ import annotations

import math
import struct
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from autograd.check import GradcheckError, difference
from autograd.graph import grad
from autograd.ops import OPS, Op, check_limits, describe_call
from autograd.strategies import arity, off_kinks
from autograd.value import Value, apply

__all__ = ["EDGES", "OpCheckError", "check_all_ops", "check_op"]

_TINY = 5e-324
_MIN_NORMAL = 2.2250738585072014e-308
_HUGE = 1.7976931348623157e308
# Edge inputs every op meets, both signs: where rules and kernels most often part ways.
EDGES: tuple[float, ...] = tuple(
    s * x
    for x in (
        0.0,
        _TINY,
        _MIN_NORMAL,
        1e-300,
        1e-12,
        1e-7,
        1.0,
        10.0,
        100.0,
        700.0,
        709.78,
        745.0,
        800.0,
        1000.0,
        1e8,
        1e16,
        1e150,
        1e300,
        _HUGE,
        math.inf,
    )
    for s in (1.0, -1.0)
) + (math.nan,)
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


# -- floats in order, for finding the edges of a domain ---------------------------------------


def _key(x: float) -> int:
    (i,) = struct.unpack("<q", struct.pack("<d", x))
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def _unkey(k: int) -> float:
    bits = k if k >= 0 else (-k) | -0x8000000000000000
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def _inside(op: Op, xs: Sequence[float], arg: Any) -> bool:
    return all(bool(limit.test(tuple(xs), arg)) for limit in op.limits)


def _first_broken(op: Op, xs: Sequence[float], arg: Any) -> Any:
    for limit in op.limits:
        if not bool(limit.test(tuple(xs), arg)):
            return limit
    return None


def _args(op: Op) -> tuple[Any, ...]:
    return op.test_args()


def _middle(op: Op) -> list[float]:
    lo, hi = op.bounds
    return [lo + (hi - lo) * (0.35 + 0.1 * i) for i in range(arity(op))]


def _with(xs: Sequence[float], i: int, x: float) -> list[float]:
    ys = list(xs)
    ys[i] = x
    return ys


def _domain_edges(op: Op) -> list[float]:
    """The last float inside the domain next to each edge, one input moved at a time."""
    if not op.limits:
        return []
    found = set()
    line = sorted(x for x in EDGES if math.isfinite(x))
    base = _middle(op)
    for arg in _args(op):
        for i in range(len(base)):
            inside = [_inside(op, _with(base, i, x), arg) for x in line]
            for (a, ia), (b, ib) in zip(zip(line, inside), zip(line[1:], inside[1:])):
                if ia == ib:
                    continue
                lo, hi = _key(a), _key(b)  # lo has ia, hi has ib
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if _inside(op, _with(base, i, _unkey(mid)), arg) == ia:
                        lo = mid
                    else:
                        hi = mid
                edge = _unkey(lo if ia else hi)
                found.update((edge, edge + 1e-6 * (1 if ib else -1) * max(1.0, abs(edge))))
    return sorted(found)


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
            b = derivative(_with(xs, i, t))
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


def _check_point(
    op: Op,
    xs: Sequence[float],
    arg: Any,
    reference: Callable[..., Any] | None,
    order: int,
    atol: float,
    rtol: float,
) -> None:
    """The domain, forward, partial and second-order checks at one input tuple."""
    name = op.name
    xs = [float(x) for x in xs]
    # NaN is never refused: it propagates (whatever the other inputs are)
    broken = None if any(x != x for x in xs) else _first_broken(op, xs, arg)
    vs = [Value(x) for x in xs]
    try:
        out = apply(name, *vs, arg=arg)
    except Exception as err:  # noqa: BLE001 - any error is judged: is it the op's own?
        if broken is not None:
            expected = f"{describe_call(op, xs, arg)}: {broken.text}"
            if isinstance(err, broken.error) and str(err) == expected:
                return
            raise _domain_error(
                op, xs, arg, err, f"{broken.error.__name__}: {expected}",
                "outside the domain: the row's own error expected",
            ) from None  # fmt: skip
        if isinstance(err, _OUTSIDE) and _named(op, err):
            return  # e.g. an overflow, named
        raise _domain_error(
            op, xs, arg, err, "a value, or a one-line error naming the op",
            "NaN must propagate" if any(x != x for x in xs)
            else "inside the domain (every limit passes)",
        ) from None  # fmt: skip
    if broken is not None:
        raise OpCheckError(
            name,
            "domain",
            xs,
            arg,
            out.data,
            f"{broken.error.__name__}",
            f"outside the domain ({broken.text}) but no error",
        )
    if type(out.data) is not float:
        raise OpCheckError(
            name, "forward", xs, arg, f"{type(out.data).__name__} {out.data!r}", "a float",
            "the forward rule must return a Python float",
        )  # fmt: skip
    if not all(math.isfinite(x) for x in xs) or not math.isfinite(out.data):
        return  # non-finite inputs: NaN and infinity propagate; no derivative to check
    if reference is not None:
        try:
            r = _reference(reference, xs, arg)
        except OverflowError:
            r = None  # the reference cannot say (math.exp(1000) inside it): nothing to compare
        except _OUTSIDE as err:
            raise OpCheckError(
                name, "forward", xs, arg, out.data, f"reference raised {err!r}"
            ) from None
        if r is not None and not (
            math.isclose(out.data, r, rel_tol=1e-9, abs_tol=1e-300) or r != r == out.data
        ):
            raise OpCheckError(name, "forward", xs, arg, out.data, r, "forward vs reference")
    analytic = grad(out, vs)
    _check_on_values(op, xs, arg, analytic)
    if not off_kinks(op, xs, arg):
        return  # a piecewise derivative jumps here: differences say nothing
    scale = max(abs(x) for x in xs)
    for i, x in enumerate(xs):
        try:
            n, err = _estimate(lambda t, i=i: _float_rule(op, _with(xs, i, t), arg), x, scale)
        except _OUTSIDE:
            continue  # no difference fits (an overflow next door)
        if not math.isfinite(analytic[i]):  # NaN or inf where the difference is finite
            raise OpCheckError(name, "partial", xs, arg, analytic[i], n, f"d out/dx{i}")
        if not _agree(analytic[i], n, err, atol, rtol):
            if not _holds_across_step(_first_derivative(op, arg, i), xs, i, analytic[i]):
                continue  # no difference can check a derivative that changes within the step
            raise OpCheckError(name, "partial", xs, arg, analytic[i], n, f"d out/dx{i}")
    if order < 2:
        return
    for i in range(len(xs)):
        vs = [Value(x) for x in xs]
        try:
            (gi,) = grad(apply(name, *vs, arg=arg), [vs[i]], create_graph=True)
            second = grad(gi, vs)
        except _OUTSIDE as err:
            if _named(op, err):
                continue  # the second derivative does not exist here (x ** 1.5 at 0)
            raise
        for j, x in enumerate(xs):
            try:
                n, err = _estimate(
                    lambda t, i=i, j=j: _partial_rule(op, _with(xs, j, t), arg, i), x, scale
                )
            except _OUTSIDE:
                continue
            if not _agree(second[j], n, err, atol, rtol):
                if not _holds_across_step(_second_derivative(op, arg, i, j), xs, j, second[j]):
                    continue  # it changes within the step (next to a pole): nothing to check
                raise OpCheckError(name, "second", xs, arg, second[j], n, f"d2 out/dx{i}dx{j}")


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


def _check_kernel(op: Op, cols: Sequence[Sequence[float]], arg: Any) -> None:
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
        if _first_broken(op, col, arg) is not None and not any(x != x for x in col):
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


# -- drawing and running ----------------------------------------------------------------------


def _edge_points(op: Op, edges: Iterable[float]) -> list[tuple[tuple[float, ...], Any]]:
    """Every edge put in each input in turn, the other inputs in the middle of the bounds."""
    base = _middle(op)
    points = [
        (tuple(_with(base, i, x)), arg)
        for arg in _args(op)
        for i in range(len(base))
        for x in edges
    ]
    # NaN in one input beside every edge in another: NaN must propagate past every limit
    points += [
        (tuple(_with(_with(base, i, x), j, math.nan)), arg)
        for arg in _args(op)
        for i in range(len(base))
        for j in range(len(base))
        if i != j
        for x in edges
    ]
    return points


def _settings(max_examples: int | None) -> settings:
    base = settings.default
    return settings(
        base,
        max_examples=base.max_examples if max_examples is None else max_examples,
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )


def check_op(
    name: str,
    *,
    reference: Callable[..., Any] | None = None,
    order: int = 2,
    max_examples: int | None = None,
    seed: int | None = None,
    atol: float = 1e-7,
    rtol: float = 1e-5,
) -> None:
    """Check the registered op ``name`` across its domain; raise :class:`OpCheckError` if off.

    ``reference(*inputs)`` (``reference(*inputs, arg)`` for ops with a constant) is the
    forward it must match; ``order=2`` checks second derivatives too; ``max_examples`` is the
    hypothesis budget of each of the two drawn runs (default: the active profile's, which
    ``--gradcheck-examples`` sets). Partials agree when |a - n| <= atol + rtol * |a| plus the
    difference's own error estimate.
    """
    op = OPS.get(name)
    if op is None:
        raise KeyError(f"check_op: no op named {name!r} is registered; see autograd.OPS")
    if order not in (1, 2):
        raise ValueError(f"check_op: order must be 1 or 2, got {order!r}")
    if max_examples is not None and max_examples < 1:
        raise ValueError(f"check_op: max_examples must be >= 1, got {max_examples!r}")
    kinks = set(op.kinks) if not callable(op.kinks) else set()
    edges = sorted(set(EDGES[:-1]) | set(_domain_edges(op)) | kinks) + [math.nan]
    lo, hi = op.bounds

    def point(xs: Sequence[float], arg: Any) -> None:
        _check_point(op, xs, arg, reference, order, atol, rtol)

    # 1. every edge, deterministically; the kernel on all of them at once
    for xs, arg in _edge_points(op, edges):
        point(xs, arg)
    for arg in _args(op):
        _check_kernel(op, [xs for xs, a in _edge_points(op, edges) if a is arg], arg)

    # 2. drawn points, shrunk on failure
    inner = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if op.kinks and not callable(op.kinks):
        inner = inner.filter(lambda x: off_kinks(op, (x,)))
    one = st.one_of(inner, inner, st.sampled_from(edges), st.floats())
    n = arity(op)
    points = st.tuples(st.tuples(*[one] * n), st.sampled_from(_args(op)))

    @_settings(max_examples)
    @given(points)
    def drawn_points(case: tuple[tuple[float, ...], Any]) -> None:
        point(*case)

    @_settings(max_examples)
    @given(st.lists(st.tuples(*[one] * n), min_size=1, max_size=8), st.sampled_from(_args(op)))
    def drawn_columns(cols: list[tuple[float, ...]], arg: Any) -> None:
        _check_kernel(op, cols, arg)

    for run in (drawn_points, drawn_columns):
        if seed is not None:
            run = hypothesis_seed(seed)(run)
        run()


def check_all_ops(**options: Any) -> list[str]:
    """``check_op`` on every registered op (same options); returns the names checked."""
    names = sorted(OPS)
    for name in names:
        check_op(name, **options)
    return names
