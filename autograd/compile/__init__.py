"""Compiled replay: trace a scalar function once, then replay its graph over numpy arrays.

The files follow the data: ``trace`` calls ``fn`` once on Values and refuses number reads
(:class:`TraceError`); ``lower`` numbers the recorded graph and groups its nodes by level,
op and constant, for both program kinds; ``program`` replays a whole-batch function node for
node (:class:`Program`). The per-sample program (:class:`BatchProgram`, in ``batch``)
replays one traced sample over a batch axis: ``layout`` gives its nodes rows and makes its
steps, ``steps`` (element-wise groups) and ``layers`` (matrix products) run them. ``arrays``
runs the op table's rows on arrays with the scalar engine's errors; ``cache`` keeps programs
between calls. Kernels, domains and derivative rules all come from the op rows
(``autograd.OPS``); nothing here names an op.

Same answers: results agree with the eager engine to 1e-12 relative to the magnitudes that
flow through the graph, not bit for bit: matrix products and the batch reduction sum in BLAS's
and numpy's order, not left to right, and a sum of k terms rounded in another order differs by
at most about k * 2**-53 times the sum of the terms' magnitudes (k <= 1000 keeps that under
1e-13); where the terms cancel, the difference relative to the result can be larger. The
whole-batch mode on nodes other than layers replays the scalar floats. Inputs outside an op's
domain, and results or derivatives that overflow, raise the scalar engine's error naming the
op; a zero local derivative passes nothing, as in the engine, even an infinite gradient.

Guards: the graph is recorded once, so a number read out of a Value while ``fn`` runs would
be frozen at its traced value. Reading ``.data``, ``bool()``, comparisons, ``float()``,
``int()``, ``round()``, ``math`` functions, ``repr``/``str``/format and float-valued
``autograd.grad`` raise :class:`TraceError` naming the line, in any module ``fn`` calls and
whatever kind of callable ``fn`` is (trace.py); so does a backward pass run inside ``fn``.
Not caught: ``.grad`` and ``.partials`` read as fields (plain slots the engine's hot loops
read without a hook) and the floats of ``autograd.reverse`` and ``backward_steps``. Only
leaves get gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.compile.batch import BatchProgram
from autograd.compile.cache import ProgramCache
from autograd.compile.lower import lower
from autograd.compile.program import Program
from autograd.compile.trace import TraceError, trace, validate
from autograd.value import Value

__all__ = ["BatchProgram", "Program", "ProgramCache", "TraceError", "compile", "validate"]


def compile(  # noqa: A001
    fn: Callable[..., Value], *examples: Any, batch: bool = False, reduction: str = "mean"
) -> Program | BatchProgram:
    """Trace ``fn`` once on Values shaped like ``examples`` and lower its graph to numpy.

    Each example is a number, a (nested) sequence of numbers or a numpy array; ``fn`` receives a
    Value for a number and nested lists of Values otherwise, and returns one Value (typically a
    loss that also uses parameter Values it closes over). The parameters are the leaves that
    existed before the trace; leaves made while ``fn`` runs (Python numbers in ops) are
    constants. ``fn`` may be any callable: a function, a ``functools.partial``, an object.

    Whole-batch mode (the default): the result ``prog`` (a :class:`Program`) is called with new
    inputs of the same shapes: ``prog(*inputs)`` returns the output as a float, reading the
    parameters' current ``.data``; ``prog.backward()`` then adds into ``.grad`` of every
    parameter what ``output.backward()`` would add (and returns those gradients as an array).

    Per-sample mode, ``batch=True``: ``examples`` are ONE sample and ``fn`` the per-sample loss.
    The result (a :class:`BatchProgram`) is called with batches, each input shaped
    ``(batch, *example_shape)``, any batch size: every node of the traced sample is replayed
    for all samples at once, parameters are shared (broadcast) and ``prog(...)`` returns the
    ``reduction`` of ``fn`` over the batch, ``"mean"`` (default) or ``"sum"``; ``backward()``
    gives its gradient (summed over samples). Nodes that depend on parameters only (an L2 term
    in ``fn``) are computed once per call: with ``"mean"``, ``fn = loss_i + penalty`` gives
    ``mean(loss_i) + penalty``. Tracing and compiling cost does not depend on the batch size.
    Layers of ``affine`` nodes whose weights are parameters run as matrix products.

    Both modes take ``params=array`` in the call (values instead of reading ``.data``), and
    ``backward(accumulate=False)`` returns the gradient without touching ``.grad``; with
    ``get_params()``/``set_params()`` a training loop keeps its parameters in an array.
    Threads may share a program: each thread's calls use arrays of their own.

    Results agree with the eager engine to about 1e-12 (matrix products and the batch mean add
    in BLAS's and numpy's order), raise its errors naming the op, and pass nothing through a
    zero local derivative; piecewise ops choose their branch per element at replay. A number
    read out of a Value while ``fn`` runs raises :class:`TraceError` naming the line (see the
    module doc for what is caught); checks a replay must repeat go through :func:`validate`.

    >>> from autograd import Value
    >>> w = Value(2.0)
    >>> prog = compile(lambda xs: (w * xs[0] + xs[1]).relu(), [1.0, 1.0])
    >>> prog([3.0, -1.0])  # relu(2 * 3 - 1)
    5.0
    >>> _ = prog.backward()
    >>> w.grad  # d/dw = 3
    3.0
    >>> per_sample = compile(lambda x, y: (w * x - y) ** 2, 0.0, 0.0, batch=True)
    >>> per_sample([1.0, 2.0, 3.0], [2.0, 4.0, 0.0])  # mean of (2x - y)^2
    12.0
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"compile: unknown reduction {reduction!r}; choose 'mean' or 'sum'")
    tr = trace(fn, examples)
    if batch:
        return BatchProgram(tr, reduction)
    return Program(lower(tr))


# ``autograd.compile`` is this function, so its companion is reachable from it too:
# ``autograd.compile.validate(...)`` as well as ``from autograd.compile import validate``.
compile.validate = validate  # type: ignore[attr-defined]
