"""Tracing: call ``fn`` once on Values and refuse what a replay could not repeat.

A program replays the one graph ``fn`` recorded, so a number read out of a Value while ``fn``
runs (to branch on it, or to bake it in as a constant) would be frozen at its traced value.
While ``fn`` runs, the per-context hook :data:`autograd.mode.NUMBER_READS` is set: ``.data``,
``bool()``, comparisons, ``repr``/``str``/format, ``float()``/``int()``/``round()`` and
float-valued ``autograd.grad`` call it, and it raises :class:`TraceError` naming the line.
The hook lives in a ContextVar, so it acts in the tracing thread (or task) only, whatever kind
of callable ``fn`` is, and nothing on ``Value`` is patched.

Checks of numbers that a replay must repeat (a loss refusing a bad target) go through
:func:`validate` instead: run at once outside a trace, recorded and run at every replay in one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.mode import NUMBER_READS, enable_grad
from autograd.value import Value, tick

__all__ = ["Check", "Trace", "TraceError", "as_array", "trace", "validate"]

Test = Callable[[np.ndarray], None]


class TraceError(RuntimeError):
    """``fn`` did something while being traced that a replay could not repeat faithfully."""


@dataclass(frozen=True)
class Check:
    """A test of the numbers some traced Values hold, run at every replay (see validate)."""

    values: tuple[Value, ...]
    test: Test


@dataclass
class Trace:
    """What one call of ``fn`` recorded: its output, the input Values compile made (one list
    per example, flattened, with the example's shape), every Value of the graph with each
    after its inputs (``order``: a depth-first walk from the output, first inputs first,
    which is the order an MLP's neurons were made in), the ids of the Values ``fn`` made,
    and the checks it registered."""

    out: Value
    inputs: list[list[Value]]
    shapes: list[tuple[int, ...]]
    order: list[Value]
    created: set[int]
    checks: list[Check] = field(default_factory=list)


_CHECKS: ContextVar[list[Check] | None] = ContextVar("autograd_compile_checks", default=None)
_ENGINE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def validate(values: Value | Sequence[Value], test: Test) -> None:
    """Check the numbers ``values`` hold with ``test``, now or, in a traced function, at
    every replay: how a loss refuses bad targets without reading ``.data`` (which a trace
    refuses).

    ``test(numbers)`` gets a 1-d float array and raises a one-line error for a bad number.
    Outside a trace it runs at once on ``[v.data for v in values]``. In a trace it is
    recorded, and every call of the program runs it on the replayed numbers: for a
    per-sample program, the numbers of every sample of the batch, sample by sample (the
    order an eager loss sees a batch in), so the error names the same index.

    >>> from autograd import Value
    >>> def whole(ts):
    ...     if not (ts == np.floor(ts)).all():
    ...         raise ValueError("a class index must be whole")
    >>> validate(Value(2.0), whole)
    >>> validate([Value(0.5)], whole)
    Traceback (most recent call last):
    ValueError: a class index must be whole
    """
    vs = (values,) if isinstance(values, Value) else tuple(values)
    for v in vs:
        if not isinstance(v, Value):
            raise TypeError(f"validate: values must be Values, got {type(v).__name__}")
    checks = _CHECKS.get()
    if checks is None:
        test(np.array([v._data for v in vs], dtype=np.float64))
    else:
        checks.append(Check(vs, test))


def as_array(x: Any, i: int) -> np.ndarray:
    """Input ``i`` of a call (or an example) as a float64 array, or a one-line error."""
    if type(x) is np.ndarray and x.dtype == np.float64:
        return x
    if isinstance(x, Value):
        raise TypeError(f"input {i} is a Value; pass plain numbers (Value.data)")
    try:
        a = np.asarray(x)
    except ValueError:
        raise ValueError(
            f"input {i} is a ragged nested sequence; rows must have equal lengths"
        ) from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"input {i} must be numbers, got {type(x).__name__} of {a.dtype}")
    return a.astype(np.float64)


def trace(fn: Callable[..., Value], examples: Sequence[Any]) -> Trace:
    """Call ``fn`` once on Values shaped like ``examples``, with number reads refused."""
    if not callable(fn):
        raise TypeError(f"compile: fn must be callable, got {type(fn).__name__}")
    shapes: list[tuple[int, ...]] = []
    inputs: list[list[Value]] = []
    args: list[Any] = []
    for i, ex in enumerate(examples):
        a = as_array(ex, i)
        vs = [Value(x, label=f"in{i}") for x in a.ravel().tolist()]
        shapes.append(a.shape)
        inputs.append(vs)
        args.append(
            vs[0] if a.shape == () else np.array(vs, dtype=object).reshape(a.shape).tolist()
        )
    checks: list[Check] = []
    t0 = tick()  # every Value fn makes is stamped t0 or later; the parameters earlier
    hook = NUMBER_READS.set(_refuse_read)
    registered = _CHECKS.set(checks)
    try:
        with enable_grad():
            out = fn(*args)
    finally:
        _CHECKS.reset(registered)
        NUMBER_READS.reset(hook)
    if not isinstance(out, Value):
        raise TypeError(f"compile: fn must return one Value, got {type(out).__name__}")
    order = _walk(out)
    created = {id(v) for v in order if v._t >= t0}
    if any(v.grad for v in order if id(v) in created):
        raise TraceError(
            "compile: the traced function ran a backward pass (its nodes hold gradients); "
            "gradients read as numbers would be frozen at their traced values: use "
            "autograd.grad(..., create_graph=True) inside fn, or differentiate the program"
        )
    return Trace(out, inputs, shapes, order, created, checks)


def _refuse_read(what: str) -> None:
    """The hook while ``fn`` runs: any number read out of a Value is refused, naming the line."""
    raise TraceError(
        f"compile: {what} of a Value at {_where(sys._getframe(1))}: a compiled program "
        "replays one recorded graph and cannot repeat a number read while tracing; use an op "
        "(relu, abs, max), autograd.compile.validate for a check, or do it outside fn"
    )


def _where(frame: Any) -> str:
    """``file:line (function)`` of the first frame outside the engine, from ``frame`` up."""
    f = frame
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_ENGINE_DIR):
        f = f.f_back
    f = f or frame
    return f"{f.f_code.co_filename}:{f.f_lineno} ({f.f_code.co_name})"


def _walk(out: Value) -> list[Value]:
    """Every Value ``out`` depends on (itself too), each after its inputs, first inputs
    first. (A backward pass inside ``fn`` would leave gradients on the nodes it made, which
    ``fn`` could then read as numbers, ``.grad`` being a plain field: ``trace`` refuses it.)"""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Any] = [out]
    while stack:
        node = stack.pop()
        if node is None:  # all of the node below has been emitted: emit it
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            if node.parents:
                stack += (node, None)
                stack.extend(reversed(node.parents))
            else:
                order.append(node)
    return order
