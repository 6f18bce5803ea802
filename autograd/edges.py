"""The edges of an op's domain, and the points check_op tries first.

:data:`EDGES` are the inputs every op meets (zeros of both signs, subnormals, tiny and huge
values, infinities, NaN); :func:`domain_edges` finds the last floats inside each edge of a
row's domain from its limits (by bisection over the floats in order); :func:`edge_points` puts
every edge in each input in turn, the other inputs in the middle of the row's bounds.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence
from typing import Any

from autograd.ops import Op

__all__ = ["EDGES", "domain_edges", "edge_points", "first_broken", "replaced"]

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


def _key(x: float) -> int:
    (i,) = struct.unpack("<q", struct.pack("<d", x))
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def _unkey(k: int) -> float:
    bits = k if k >= 0 else (-k) | -0x8000000000000000
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def _inside(op: Op, xs: Sequence[float], arg: Any) -> bool:
    return all(bool(limit.test(tuple(xs), arg)) for limit in op.limits)


def first_broken(op: Op, xs: Sequence[float], arg: Any) -> Any:
    for limit in op.limits:
        if not bool(limit.test(tuple(xs), arg)):
            return limit
    return None


def _middle(op: Op) -> list[float]:
    lo, hi = op.bounds
    return [lo + (hi - lo) * (0.35 + 0.1 * i) for i in range(3 if op.arity == -1 else op.arity)]


def replaced(xs: Sequence[float], i: int, x: float) -> list[float]:
    ys = list(xs)
    ys[i] = x
    return ys


def domain_edges(op: Op) -> list[float]:
    """The last float inside the domain next to each edge, one input moved at a time."""
    if not op.limits:
        return []
    found = set()
    line = sorted(x for x in EDGES if math.isfinite(x))
    base = _middle(op)
    for arg in op.test_args():
        for i in range(len(base)):
            inside = [_inside(op, replaced(base, i, x), arg) for x in line]
            for (a, ia), (b, ib) in zip(zip(line, inside), zip(line[1:], inside[1:])):
                if ia == ib:
                    continue
                lo, hi = _key(a), _key(b)  # lo has ia, hi has ib
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if _inside(op, replaced(base, i, _unkey(mid)), arg) == ia:
                        lo = mid
                    else:
                        hi = mid
                edge = _unkey(lo if ia else hi)
                found.update((edge, edge + 1e-6 * (1 if ib else -1) * max(1.0, abs(edge))))
    return sorted(found)


def edge_points(op: Op, edges: Iterable[float]) -> list[tuple[tuple[float, ...], Any]]:
    """Every edge put in each input in turn, the other inputs in the middle of the bounds."""
    base = _middle(op)
    points = [
        (tuple(replaced(base, i, x)), arg)
        for arg in op.test_args()
        for i in range(len(base))
        for x in edges
    ]
    # NaN in one input beside every edge in another: NaN must propagate past every limit
    points += [
        (tuple(replaced(replaced(base, i, x), j, math.nan)), arg)
        for arg in op.test_args()
        for i in range(len(base))
        for j in range(len(base))
        if i != j
        for x in edges
    ]
    return points
