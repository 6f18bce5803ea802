"""Rows on arrays: the op table's kernels and rules run on columns of nodes, with the scalar
engine's errors and its rule that a zero local derivative passes nothing; and parameters
moved between Values and one array.

A replay runs each group of nodes through its row's ``kernel`` (forward) and ``partials``
(backward) on whole arrays. The scalar engine refuses an input outside an op's domain, a
result or derivative that overflows from finite inputs, naming the op; :func:`run_checked`
does the same on arrays (the slow, careful path), :func:`check_domain` is its fast first look.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np

from autograd.ops import OPS, Op, check_limits, describe_call
from autograd.value import Value

__all__ = [
    "Probe",
    "add_grads",
    "as_slice",
    "check_domain",
    "param_values",
    "passed",
    "read_rule",
    "run_checked",
    "write_params",
]


class Probe:
    """Stands for a whole row of a group (an input, or the output) while a rule is read once."""

    __slots__ = ("row",)

    def __init__(self, row: int) -> None:
        self.row = row  # -1 for the output


def read_rule(name: str, k: int, arg: Any) -> list[Any] | None:
    """Each partial of the rule as a number or a Probe, when the rule is that simple, else None.

    Many rules return constants or inputs unchanged (add, mul, sum, affine, exp: d = out). Read
    once at compile time, such a rule becomes a gather of rows at replay instead of k calls; a
    rule that computes anything raises on the probes and is evaluated on arrays at every replay.
    """
    try:
        ds = OPS[name].partials(Probe(-1), tuple(Probe(i) for i in range(k)), arg)
    except Exception:  # noqa: BLE001 - any failure means "not that simple"
        return None
    if len(ds) != k:
        raise RuntimeError(f"rule for op {name!r} returned {len(ds)} gradients for {k} inputs")
    for d in ds:
        if not isinstance(d, Probe | int | float) or isinstance(d, bool):
            return None
    return list(ds)


def as_slice(rows: Sequence[int]) -> slice | np.ndarray:
    """``rows`` as a slice when they are evenly spaced and increasing (a view, no copy)."""
    rows = list(rows)
    if len(rows) == 1:
        return slice(rows[0], rows[0] + 1)
    step = rows[1] - rows[0]
    if step > 0 and rows == list(range(rows[0], rows[-1] + 1, step)):
        return slice(rows[0], rows[-1] + 1, step)
    return np.array(rows, dtype=np.intp)


def check_domain(op: Op, xs: Sequence[Any], arg: Any) -> None:
    """The row's domain on arrays: one test per limit when all is well; the row's own error
    (naming the op and the first bad input) otherwise."""
    for limit in op.limits:
        ok = limit.test(tuple(xs), arg)
        if ok is True or (isinstance(ok, np.ndarray) and ok.all()):
            continue
        check_limits(op, [np.asarray(x) for x in xs], arg)  # raises, unless NaN is the cause


def _finite(z: Any) -> bool:
    return bool(np.isfinite(z).all())


def run_checked(op: Op, xs: Sequence[Any], arg: Any, want_ds: bool) -> tuple[Any, Any]:
    """The row's kernel on columns ``xs`` with the row's domain and the overflow rule of the
    scalar engine (finite inputs, non-finite result or derivative: OverflowError naming the
    op); returns the result and, if asked, the partials."""
    check_domain(op, xs, arg)
    out = np.asarray(op.kernel(xs, arg), dtype=np.float64)
    ds = op.partials(out, tuple(xs), arg) if want_ds else None
    checks = [("result", out)] + [("derivative", d) for d in ds or ()]
    for what, z in checks:
        if _finite(z):
            continue
        cols = np.broadcast_arrays(out, *[np.asarray(x, dtype=np.float64) for x in xs])
        bad = ~np.isfinite(np.broadcast_to(z, cols[0].shape))
        for x in cols[1:]:
            bad &= np.isfinite(x)
        if bad.any():
            i = np.unravel_index(int(np.argmax(bad)), bad.shape)
            call = describe_call(op, [float(x[i]) for x in cols[1:]], arg)
            raise OverflowError(f"{call}: {what} overflows a float")
    return out, ds


def passed(d: Any, up: np.ndarray) -> np.ndarray:
    """``d * up`` under the engine's rule that a zero local derivative passes nothing, even
    an infinite or NaN upstream gradient (the careful path; the fast path multiplies)."""
    with np.errstate(all="ignore"):
        return np.where(np.asarray(d) == 0, 0.0, d * up)


# -- parameters as one array -------------------------------------------------------------------

_get_data = attrgetter("data")
_get_grad = attrgetter("grad")


def param_values(params: list[Value], given: Any) -> np.ndarray:
    """The parameters' values: ``given`` (checked) or their ``.data`` read in one pass."""
    if given is None:
        return np.fromiter(map(_get_data, params), np.float64, len(params))
    a = given if type(given) is np.ndarray else np.asarray(given, dtype=np.float64)
    if a.shape != (len(params),):
        raise ValueError(f"params has shape {a.shape}; the program has {len(params)} parameters")
    return a


def write_params(params: list[Value], values: Any) -> None:
    """Write ``values`` (one per parameter, in order) into the parameters' ``.data``."""
    a = np.asarray(values, dtype=np.float64)
    if a.shape != (len(params),):
        raise ValueError(f"values has shape {a.shape}; the program has {len(params)} parameters")
    deque(map(setattr, params, repeat("data"), a.tolist()), maxlen=0)


def add_grads(params: list[Value], g: np.ndarray) -> None:
    """Add ``g`` (one per parameter, in order) into the parameters' ``.grad``."""
    now = np.fromiter(map(_get_grad, params), np.float64, len(params))
    deque(map(setattr, params, repeat("grad"), (now + g).tolist()), maxlen=0)
