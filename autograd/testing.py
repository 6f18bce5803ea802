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
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from autograd.edges import EDGES, domain_edges, edge_points
from autograd.opcheck import OpCheckError, check_columns, check_point
from autograd.ops import OPS
from autograd.strategies import arity, off_kinks

__all__ = ["EDGES", "OpCheckError", "check_all_ops", "check_op"]


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
    edges = sorted(set(EDGES[:-1]) | set(domain_edges(op)) | kinks) + [math.nan]
    lo, hi = op.bounds

    def point(xs: Sequence[float], arg: Any) -> None:
        check_point(op, xs, arg, reference, order, atol, rtol)

    # 1. every edge, deterministically; the kernel on all of them at once
    for xs, arg in edge_points(op, edges):
        point(xs, arg)
    for arg in op.test_args():
        check_columns(op, [xs for xs, a in edge_points(op, edges) if a is arg], arg)

    # 2. drawn points, shrunk on failure
    inner = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if op.kinks and not callable(op.kinks):
        inner = inner.filter(lambda x: off_kinks(op, (x,)))
    one = st.one_of(inner, inner, st.sampled_from(edges), st.floats())
    n = arity(op)
    points = st.tuples(st.tuples(*[one] * n), st.sampled_from(op.test_args()))

    @_settings(max_examples)
    @given(points)
    def drawn_points(case: tuple[tuple[float, ...], Any]) -> None:
        point(*case)

    @_settings(max_examples)
    @given(st.lists(st.tuples(*[one] * n), min_size=1, max_size=8), st.sampled_from(op.test_args()))
    def drawn_columns(cols: list[tuple[float, ...]], arg: Any) -> None:
        check_columns(op, cols, arg)

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
