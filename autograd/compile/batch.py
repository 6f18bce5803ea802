"""The per-sample program: one traced sample replayed over a batch axis.

Its layout (:mod:`autograd.compile.layout`) gives each node a row, of the batch matrix or of
the static column, and the steps that replay the groups; a call runs the steps forward, checks
once that nothing overflowed, and reduces the output over the batch; ``backward()`` runs them
back. Each thread has its own matrices (``_Work``).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from autograd.compile.arrays import add_grads, param_values, write_params
from autograd.compile.layers import Layer
from autograd.compile.layout import lay_out
from autograd.compile.lower import split_checks
from autograd.compile.steps import Elem
from autograd.compile.trace import Check, Trace, as_array
from autograd.value import Value

__all__ = ["BatchProgram"]


class _Work:
    """One thread's arrays: the static column and its gradient, the batch matrices per
    batch size (the last few), what each step keeps for backward, the last batch size."""

    def __init__(self, template: np.ndarray, rows: int, steps: int, ones: list[int]) -> None:
        self.s = template.copy()
        self.ones = ones
        self.gs = np.zeros_like(template)
        self.rows = rows
        self.mats: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.saved: list[Any] = [None] * steps  # what each step keeps for its backward
        self.b = 0  # batch size of the last successful call; 0 before one

    def matrices(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        mats = self.mats.get(b)
        if mats is None:
            if len(self.mats) >= 4:  # the batch sizes of one fit: full batches and the last
                self.mats.pop(next(iter(self.mats)))
            mats = self.mats[b] = (np.zeros((self.rows, b)), np.zeros((self.rows, b)))
            mats[0][self.ones] = 1.0
        return mats


class BatchProgram:
    """A per-sample function traced once and replayed over a batch: see :func:`compile`.

    Each scalar node of the traced sample is a row of batch values; nodes that depend only on
    parameters and constants (an L2 penalty, say) are computed once per call and broadcast;
    layers of ``affine`` nodes with parameter weights run as matrix products. Each thread
    calling a program has its own arrays, so threads may share one program.
    """

    def __init__(self, tr: Trace, reduction: str) -> None:
        lay = lay_out(tr)
        low = lay.low
        self.shapes: tuple[tuple[int, ...], ...] = tuple(tr.shapes)
        self.reduction = reduction
        self.num_nodes = low.num_nodes
        self.params: tuple[Value, ...] = tuple(lay.params)
        self._params_list = lay.params
        self._n_par = len(lay.params)
        self._spans = low.spans
        self._where, self._in_rows, self._ones = lay.where, lay.in_rows, lay.ones
        self._n_in = lay.in_rows[-1][2] if lay.in_rows else 0  # the rows computed start here
        self._rows, self._template = lay.rows, lay.template
        self._s_nodes = len(lay.params) + len(low.consts)  # the static rows computed per call
        self._static, self._batch = lay.static, lay.batched
        self._steps = lay.static + lay.batched
        self._zero_v, self._zero_s = lay.zero_v, lay.zero_s
        self._out = lay.where[low.out]
        self._before, self._after = split_checks(low, self._where)
        self._local = threading.local()

    def __repr__(self) -> str:
        layers = sum(isinstance(st, Layer) for st in self._steps)
        return (
            f"BatchProgram(sample={list(self.shapes)}, params={len(self.params)}, "
            f"nodes={self.num_nodes}, layers={layers}, groups={len(self._batch) - layers}"
            f"+{len(self._static)} static, reduction={self.reduction!r})"
        )

    def _work(self) -> _Work:
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = self._local.ws = _Work(self._template, self._rows, len(self._steps), self._ones)
        return ws

    def _batch_of(self, inputs: tuple[Any, ...]) -> tuple[list[np.ndarray], int]:
        """The inputs as float arrays of one batch size, or a one-line error."""
        if len(inputs) != len(self._spans):
            raise TypeError(
                f"compiled program takes {len(self._spans)} batched input(s) of sample shapes "
                f"{list(self.shapes)}, got {len(inputs)}"
            )
        arrays = []
        b = -1
        for i, (x, (shape, _, _)) in enumerate(zip(inputs, self._spans)):
            a = as_array(x, i)
            if a.shape[1:] != shape or a.ndim != len(shape) + 1:
                raise ValueError(
                    f"input {i} has shape {a.shape}; the program takes (batch, *{shape}) "
                    f"(a batch of samples of shape {shape})"
                )
            if b < 0:
                b = a.shape[0]
            elif a.shape[0] != b:
                raise ValueError(f"input {i} has {a.shape[0]} samples; input 0 has {b}")
            arrays.append(a)
        if b == 0:
            raise ValueError("the batch is empty (0 samples)")
        return arrays, b

    def __call__(self, *inputs: Any, params: Any = None, check: bool = True) -> float:
        """The reduced output (mean or sum over the batch) for a batch of inputs, each shaped
        ``(batch, *sample_shape)``; parameters from their ``.data`` unless ``params`` (an
        array ordered like ``self.params``) is given. ``check=False`` skips the checks of
        inputs registered with :func:`autograd.compile.validate` (for a caller that made them)."""
        arrays, b = self._batch_of(inputs)
        ws = self._work()
        ws.b = 0
        v, _ = ws.matrices(b)
        s = ws.s
        for a, (_, lo, hi) in zip(arrays, self._in_rows):
            v[lo:hi] = a.reshape(b, hi - lo).T
        if type(params) is np.ndarray and params.shape == (self._n_par,):
            s[: self._n_par, 0] = params
        else:
            s[: self._n_par, 0] = param_values(self._params_list, params)
        if check and self._before:
            self._run_checks(self._before, v, s)
        saved = ws.saved
        try:  # an overflow from finite numbers raises here, free of cost when none happens
            with np.errstate(over="raise", divide="ignore", invalid="ignore", under="ignore"):
                for step in self._steps:
                    step.forward(v, s, saved)
        except FloatingPointError:
            self._slow_forward(v, s, saved)
        batched, row = self._out
        total = float(np.add.reduce(v[row])) if batched else float(s[row, 0]) * b
        if not math.isfinite(total):  # NaN came in, or an overflow numpy did not flag
            self._slow_forward(v, s, saved, again=False)
        if self._after:
            self._run_checks(self._after, v, s)
        ws.b = b
        return total * (1.0 / b) if self.reduction == "mean" else total

    def _slow_forward(
        self, v: np.ndarray, s: np.ndarray, saved: list[Any], again: bool = True
    ) -> None:
        """The forward pass with every check of the scalar engine, group by group: raises
        its error (an overflow, naming the op) or finds nothing wrong (NaN came in)."""
        with np.errstate(all="ignore"):
            if again:
                for step in self._steps:
                    step.forward(v, s, saved)
            for step in self._steps:
                step.check(v, s)

    def check(self, *inputs: Any) -> None:
        """Run the checks ``fn`` registered on its inputs (with ``validate``) over a whole
        batch, without replaying anything: a caller that checks all its data once (``fit``)
        then calls with ``check=False``."""
        arrays, b = self._batch_of(inputs)
        if self._before:
            v = np.zeros((self._rows, b))
            for a, (_, lo, hi) in zip(arrays, self._in_rows):
                v[lo:hi] = a.reshape(b, hi - lo).T
            self._run_checks(self._before, v, self._template)

    def _run_checks(self, checks: list[Check], v: np.ndarray, s: np.ndarray) -> None:
        for check in checks:
            cols = [self._row(x, v, s) for x in check.values]
            check.test(cols[0] if len(cols) == 1 else np.stack(cols, axis=1).ravel())

    def _row(self, x: Value, v: np.ndarray, s: np.ndarray) -> np.ndarray:
        batched, row = self._where[x]
        return v[row] if batched else np.full(v.shape[1], s[row, 0])

    def get_params(self) -> np.ndarray:
        """The parameters' current ``.data`` as an array, ordered like ``self.params``."""
        return param_values(self._params_list, None)

    def set_params(self, values: Any) -> None:
        """Write ``values`` (ordered like ``self.params``) into the parameters' ``.data``."""
        write_params(self._params_list, values)

    def backward(self, accumulate: bool = True) -> np.ndarray:
        """d (reduced output) / d param for the last call, summed over the batch, as an array
        ordered like ``self.params``; with ``accumulate`` also added into each ``.grad``.
        A zero local derivative passes nothing, as in the scalar engine."""
        ws = self._work()
        if not ws.b:
            raise RuntimeError("call the program on inputs before backward()")
        grads = self._backward(ws, careful=False)
        if not math.isfinite(grads.sum()):  # an infinite gradient may meet a zero derivative
            v, _ = ws.matrices(ws.b)
            for step in self._steps:  # a derivative the forward did not check overflows?
                if isinstance(step, Elem):
                    step.check(v, ws.s)
            grads = self._backward(ws, careful=True)
        if accumulate:
            add_grads(self._params_list, grads)
        return grads

    def _backward(self, ws: _Work, careful: bool) -> np.ndarray:
        b = ws.b
        v, g = ws.matrices(b)
        s, gs = ws.s, ws.gs
        if len(self._zero_v):
            g[self._zero_v] = 0.0
        if len(self._zero_s):
            gs[self._zero_s] = 0.0
        seed = (1.0 / b) if self.reduction == "mean" else 1.0
        batched, row = self._out
        if batched:
            g[row] = seed
        else:
            gs[row, 0] = seed * b
        saved = ws.saved
        with np.errstate(all="ignore"):
            for step in reversed(self._batch):
                step.backward(v, s, g, gs, saved, careful)
            for step in reversed(self._static):
                step.backward(v, s, g, gs, saved, careful)
        return gs[: self._n_par, 0].copy()

    def values(self, nodes: Any) -> np.ndarray:
        """Per-sample values of traced nodes at the last call, batch axis first: a Value
        gives shape ``(batch,)``, a list of k Values ``(batch, k)`` (a new array)."""
        ws = self._work()
        if not ws.b:
            raise RuntimeError("call the program on inputs before read()")
        v, _ = ws.matrices(ws.b)
        if isinstance(nodes, Value):
            return self._gather(nodes, v, ws.s).copy()
        return np.moveaxis(self._gather(nodes, v, ws.s), -1, 0).copy()

    def read(self, nodes: Any) -> Any:
        """Per-sample values at the last call of traced nodes, batch axis first: a Value gives
        a list of floats (one per sample), a list of k Values a list of per-sample lists."""
        return self.values(nodes).tolist()

    def _gather(self, nodes: Any, v: np.ndarray, s: np.ndarray) -> np.ndarray:
        if isinstance(nodes, Value):
            if nodes not in self._where:
                raise ValueError(f"read: {nodes!r} is not a node the traced output depends on")
            return self._row(nodes, v, s)
        return np.stack([self._gather(n, v, s) for n in nodes])
