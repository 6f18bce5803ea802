"""Compiled replay: trace a scalar function once, then replay its graph over numpy arrays.

``compile(fn, *examples)`` (whole-batch mode) calls ``fn`` once on Values shaped like the
examples and lowers the recorded graph into a flat program: nodes grouped by (op, number of
inputs, arg) within each topological level, one gather by index per group into a flat array of
values, one vectorised forward kernel per group, and a backward pass by reverse levels that
evaluates the op table's own derivative rules (``OPS[name].partials``) on whole columns of nodes.

``compile(fn, *sample, batch=True)`` (per-sample mode) traces ONE sample and replays it over a
batch axis: every node is a row of batch values, nodes that depend on parameters only are
computed once, and layers of bilinear nodes (affine) with parameter weights become matrix
products. Which rows are bilinear, linear or simple is read from the rows' own rules, by
evaluating them once on probes; kernels, domains and derivative rules all come from the op
rows (``autograd.OPS``); nothing here names an op.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np

from autograd.graph import toposort
from autograd.mode import enable_grad
from autograd.ops import OPS, check_limits, describe_call
from autograd.value import Value, tick

__all__ = ["BatchProgram", "Program", "ProgramCache", "TraceError", "compile"]

Kernel = Callable[[np.ndarray, Any], np.ndarray]


def _checked(name: str) -> Kernel:
    """The row's numpy kernel with the row's domain and the scalar engine's overflow rule
    (:func:`_run_checked`), so replay raises exactly the scalar engine's errors, by name."""
    op = OPS[name]

    def run(xs: np.ndarray, arg: Any) -> np.ndarray:
        return _run_checked(op, op.kernel, xs, arg, op.arity != -1)[0]

    return run


# -- the program --------------------------------------------------------------------------------


class _Probe:
    """Stands for a whole row of a group (an input, or the output) while a rule is read once."""

    __slots__ = ("row",)

    def __init__(self, row: int) -> None:
        self.row = row  # -1 for the output


def _read_rule(name: str, k: int, arg: Any) -> list[Any] | None:
    """Each partial of the rule as a number or a _Probe, when the rule is that simple, else None.

    Many rules return constants or inputs unchanged (add, mul, sum, affine, exp: d = out). Read
    once at compile time, such a rule becomes a gather of rows at replay instead of k calls; a
    rule that computes anything raises on the probes and is evaluated on arrays at every replay.
    """
    try:
        ds = OPS[name].partials(_Probe(-1), tuple(_Probe(i) for i in range(k)), arg)
    except Exception:
        return None
    if len(ds) != k:
        raise RuntimeError(f"rule for op {name!r} returned {len(ds)} gradients for {k} inputs")
    for d in ds:
        if not isinstance(d, _Probe | int | float) or isinstance(d, bool):
            return None
    return list(ds)


def _as_slice(rows: list[int]) -> slice | np.ndarray:
    """``rows`` as a slice when they are evenly spaced and increasing (a view, no copy)."""
    if len(rows) == 1 or (
        len(rows) > 1
        and rows[1] > rows[0]
        and rows == list(range(rows[0], rows[-1] + 1, rows[1] - rows[0]))
    ):
        step = rows[1] - rows[0] if len(rows) > 1 else 1
        return slice(rows[0], rows[-1] + 1, step)
    return np.array(rows, dtype=np.intp)


class _Group:
    """Nodes of one op, arity and arg at one level: outputs in slots lo..hi of the value array.

    Backward writes this group's contributions (local derivative times upstream gradient) into
    rows of its level's buffer, in the order of ``targets``: first the rows whose derivative is
    a constant, then those that are an input row (sorted by that row), then those equal to the
    output; rows whose targets are all inputs of the program are skipped.
    """

    __slots__ = (
        "name", "kernel", "partials", "arg", "idx", "lo", "hi", "off", "size", "targets",
        "rows", "consts", "n_const", "src", "n_src", "n_out", "pos",
    )  # fmt: skip

    def __init__(self, name: str, arg: Any, idx: np.ndarray, lo: int, n_in: int) -> None:
        self.name = name
        self.kernel = _checked(name)
        self.partials = OPS[name].partials
        self.arg = arg
        self.idx = idx  # (k, n) slots of the inputs
        k, n = idx.shape
        self.lo = lo
        self.hi = lo + n
        self.off = 0  # where this group's contributions start in its level's buffer
        self.pos = 0  # index of this group in the program (and of its gathered inputs)
        keep = [i for i in range(k) if int(idx[i].max()) >= n_in]
        plan = _read_rule(name, k, arg)
        self.rows = None  # rows evaluated on arrays at replay, when the rule is not simple
        self.consts = None
        self.src = None
        self.n_const = self.n_src = self.n_out = 0
        if plan is None:
            self.rows = keep
            order = keep
        else:
            const = [i for i in keep if not isinstance(plan[i], _Probe)]
            rows = sorted((i for i in keep if isinstance(plan[i], _Probe) and plan[i].row >= 0),
                          key=lambda i: plan[i].row)  # fmt: skip
            outs = [i for i in keep if isinstance(plan[i], _Probe) and plan[i].row < 0]
            order = const + rows + outs
            self.n_const, self.n_src, self.n_out = len(const), len(rows), len(outs)
            self.consts = np.array([[float(plan[i])] for i in const])
            self.src = _as_slice([plan[i].row for i in rows]) if rows else None
        self.size = len(order) * n
        self.targets = idx[order].ravel() if order else np.empty(0, dtype=np.intp)

    def contribute(self, xs: np.ndarray, out: np.ndarray, up: np.ndarray, buf: np.ndarray) -> None:
        """Write d out / d input times ``up`` for the kept rows into its part of ``buf``."""
        n = up.shape[0]
        contrib = buf[self.off : self.off + self.size].reshape(-1, n)
        if self.rows is not None:
            ds = self.partials(out, tuple(xs), self.arg)
            if len(ds) != xs.shape[0]:
                k = xs.shape[0]
                raise RuntimeError(
                    f"rule for op {self.name!r} returned {len(ds)} gradients for {k} inputs"
                )
            for r, i in enumerate(self.rows):
                np.multiply(ds[i], up, out=contrib[r])
            return
        a = self.n_const
        b = a + self.n_src
        if a:
            np.multiply(self.consts, up, out=contrib[:a])
        if self.n_src:
            np.multiply(xs[self.src], up, out=contrib[a:b])
        if self.n_out:
            np.multiply(out, up, out=contrib[b:])


class _Level:
    """The groups of one topological level and the buffer their contributions go through."""

    __slots__ = ("groups", "buf", "targets")

    def __init__(self, groups: list[_Group]) -> None:
        self.groups = groups
        off = 0
        for g in groups:
            g.off = off
            off += g.size
        self.buf = np.empty(off)
        self.targets = np.concatenate([g.targets for g in groups])


def _as_array(x: Any, i: int) -> np.ndarray:
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


class Program:
    """A traced function lowered to numpy: call it with new inputs, then ``backward()``.

    Built by :func:`compile`. ``params`` are the leaves of the graph that are not inputs and
    existed before tracing (the parameters ``fn`` closes over); each call reads their current
    ``.data`` and ``backward()`` adds into their ``.grad``. Leaves made while ``fn`` ran
    (Python numbers in ops) are constants, fixed at their traced values.
    """

    def __init__(
        self,
        out: Value,
        inputs: list[list[Value]],
        shapes: list[tuple[int, ...]],
        created: Any = frozenset(),
    ) -> None:
        slot: dict[Value, int] = {}
        self._spans: list[tuple[tuple[int, ...], int, int]] = []
        for vs, shape in zip(inputs, shapes):
            self._spans.append((shape, len(slot), len(slot) + len(vs)))
            for v in vs:
                slot[v] = len(slot)
        self.shapes: tuple[tuple[int, ...], ...] = tuple(shapes)
        n_in = self._n_in = len(slot)

        # Levels: a leaf is at level 0, a node one above its highest parent. Nodes of one level
        # with the same op, arity and arg form a group, replayed by one kernel call.
        topo = toposort(out)
        leaves: dict[Value, None] = {}
        level: dict[Value, int] = {}
        buckets: dict[tuple[Any, ...], list[Value]] = {}
        for node in topo:
            lv = 0
            for p in node.parents:
                if p.parents:
                    if level[p] > lv:
                        lv = level[p]
                elif p not in slot:
                    leaves[p] = None
            lv += 1
            level[node] = lv
            if node.op not in OPS:
                raise NotImplementedError(f"compile: no op named {node.op!r} is registered")
            arg = node.arg
            try:
                key = (lv, node.op, len(node.parents), arg, hash(arg))
            except TypeError:  # an unhashable arg: group by identity
                key = (lv, node.op, len(node.parents), id(arg), 0)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = bucket = []
            bucket.append(node)
        if not out.parents and out not in slot:  # fn returned a leaf that is no input
            leaves[out] = None
        # Leaves made while fn ran (Python numbers in ops) are constants, written once; the
        # leaves that existed before are the parameters, read at every call.
        params = [p for p in leaves if id(p) not in created]
        consts = [p for p in leaves if id(p) in created]
        for p in params + consts:
            slot[p] = len(slot)
        self.params: tuple[Value, ...] = tuple(params)
        self._params_list = list(params)

        # Slots: inputs, then parameters, then each group's nodes side by side, level by level,
        # so that a group writes its outputs into one contiguous slice of the value array.
        keys = sorted(buckets, key=lambda key: key[0])  # stable: first-seen order within a level
        base = len(slot)
        for key in keys:
            for node in buckets[key]:
                slot[node] = base
                base += 1
        self._groups: list[_Group] = []
        by_level: dict[int, list[_Group]] = {}
        for key in keys:
            nodes = buckets[key]
            idx = np.array([[slot[p] for p in node.parents] for node in nodes], dtype=np.intp)
            g = _Group(key[1], nodes[0].arg, np.ascontiguousarray(idx.T), slot[nodes[0]], n_in)
            g.pos = len(self._groups)
            self._groups.append(g)
            by_level.setdefault(key[0], []).append(g)
        # Backward visits levels from the top; each level gathers what its groups contribute
        # into one buffer and adds it into the gradients with one np.add.at (measured faster
        # than np.bincount or a sort and np.add.reduceat on numpy 2, at every size we tried).
        self._levels = [_Level(by_level[lv]) for lv in sorted(by_level, reverse=True)]
        self._size = base
        self._out = slot[out]
        self._values = np.zeros(base)
        lo = n_in + len(params)
        self._values[lo : lo + len(consts)] = [c.data for c in consts]
        self._gathered: list[np.ndarray] = []
        self._ready = False
        self._slot = slot  # node -> slot, for read()
        self.num_nodes = len(topo)

    def __repr__(self) -> str:
        return (
            f"Program(inputs={list(self.shapes)}, params={len(self.params)}, "
            f"nodes={self.num_nodes}, groups={len(self._groups)}, levels={len(self._levels)})"
        )

    def __call__(self, *inputs: Any, params: np.ndarray | None = None) -> float:
        """Recompute the output for new inputs of the traced shapes; returns it as a float.

        The parameters' current ``.data`` is read, unless ``params`` (an array ordered like
        ``self.params``, as :meth:`get_params` gives) supplies their values instead.
        """
        if len(inputs) != len(self._spans):
            raise TypeError(
                f"compiled program takes {len(self._spans)} input(s) of shapes "
                f"{list(self.shapes)}, got {len(inputs)}"
            )
        self._ready = False
        values = self._values
        for i, (x, (shape, lo, hi)) in enumerate(zip(inputs, self._spans)):
            a = _as_array(x, i)
            if a.shape != shape:
                raise ValueError(
                    f"input {i} has shape {a.shape}; the program was traced with {shape}"
                )
            values[lo:hi] = a.ravel()
        lo = self._n_in
        values[lo : lo + len(self.params)] = _param_values(self._params_list, params)
        gathered = []
        with np.errstate(all="ignore"):  # the kernels raise domain errors themselves, by name
            for g in self._groups:
                xs = values.take(g.idx)
                values[g.lo : g.hi] = g.kernel(xs, g.arg)
                gathered.append(xs)
        self._gathered = gathered
        self._ready = True
        return float(values[self._out])

    def read(self, nodes: Any) -> Any:
        """Values at the last call of traced nodes: a Value gives a float, (nested) lists give
        lists. Other results of ``fn`` that the output depends on (a model's predictions
        beside its loss, say) come this way without a second pass.
        """
        if not self._ready:
            raise RuntimeError("call the program on inputs before read()")
        if isinstance(nodes, Value):
            i = self._slot.get(nodes)
            if i is None:
                raise ValueError(f"read: {nodes!r} is not a node the traced output depends on")
            return float(self._values[i])
        return [self.read(n) for n in nodes]

    def get_params(self) -> np.ndarray:
        """The parameters' current ``.data`` as an array, ordered like ``self.params``."""
        return _param_values(self._params_list, None).copy()

    def set_params(self, values: np.ndarray) -> None:
        """Write ``values`` (ordered like ``self.params``) into the parameters' ``.data``."""
        _write_params(self._params_list, values)

    def backward(self, accumulate: bool = True) -> np.ndarray:
        """d output / d param for the last call, as an array ordered like ``self.params``;
        with ``accumulate`` (the default) also added into each parameter's ``.grad``.

        Like ``Value.backward()``, calling it again adds the same gradients again. It needs a
        call first (RuntimeError otherwise, or after a call that raised).
        """
        if not self._ready:
            raise RuntimeError("call the program on inputs before backward()")
        values = self._values
        grads = np.zeros(self._size)
        grads[self._out] = 1.0
        gathered = self._gathered
        add_at = np.add.at
        with np.errstate(all="ignore"):
            for level in self._levels:
                buf = level.buf
                if not buf.size:
                    continue
                for g in level.groups:
                    if g.size:
                        xs = gathered[g.pos]
                        g.contribute(xs, values[g.lo : g.hi], grads[g.lo : g.hi], buf)
                add_at(grads, level.targets, buf)
        lo = self._n_in
        g = grads[lo : lo + len(self.params)].copy()
        if accumulate:
            _add_grads(self._params_list, g)
        return g


# -- parameters as arrays -------------------------------------------------------------------

_get_data = attrgetter("data")
_get_grad = attrgetter("grad")


def _param_values(params: list[Value], given: np.ndarray | None) -> np.ndarray:
    """The parameters' values: ``given`` (checked) or their ``.data`` read in one pass."""
    if given is None:
        return np.fromiter(map(_get_data, params), np.float64, len(params))
    a = np.asarray(given, dtype=np.float64)
    if a.shape != (len(params),):
        raise ValueError(f"params has shape {a.shape}; the program has {len(params)} parameters")
    return a


def _write_params(params: list[Value], values: np.ndarray) -> None:
    a = np.asarray(values, dtype=np.float64)
    if a.shape != (len(params),):
        raise ValueError(f"values has shape {a.shape}; the program has {len(params)} parameters")
    deque(map(setattr, params, repeat("data"), a.tolist()), maxlen=0)


def _add_grads(params: list[Value], g: np.ndarray) -> None:
    if len(set(map(id, params))) == len(params):  # fast path: each leaf once
        now = np.fromiter(map(_get_grad, params), np.float64, len(params))
        deque(map(setattr, params, repeat("grad"), (now + g).tolist()), maxlen=0)
    else:
        for p, d in zip(params, g.tolist()):
            p.grad += d


# -- guards: what tracing cannot record -----------------------------------------------------


class TraceError(RuntimeError):
    """``fn`` did something while being traced that a replay could not repeat faithfully."""


class _Trace:
    """What one running trace knows: the file of ``fn`` and the Values made while it runs."""

    __slots__ = ("file",)

    def __init__(self, file: str | None) -> None:
        self.file = file


_TRACE: ContextVar[_Trace | None] = ContextVar("autograd_compile_trace", default=None)
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
_LOCK = threading.Lock()
_DEPTH = [0]
_SAVED: dict[str, Any] = {}


def _where(frame: Any) -> str:
    """``file:line (function)`` of the first frame outside the engine, from ``frame`` up."""
    f = frame
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == _ENGINE_DIR:
        f = f.f_back
    f = f or frame
    return f"{f.f_code.co_filename}:{f.f_lineno} ({f.f_code.co_name})"


def _refuse(what: str, frame: Any) -> TraceError:
    return TraceError(
        f"compile: {what} on a traced Value at {_where(frame)}: a compiled program replays one "
        "recorded graph and cannot repeat a choice made on data; use an op (relu, abs, max) "
        "or do it outside the traced function"
    )


def _guarded(name: str, what: str) -> Callable[..., Any]:
    real = getattr(Value, name)

    def method(self: Value, *args: Any) -> Any:
        if _TRACE.get() is not None:
            raise _refuse(what, sys._getframe(1))
        return real(self, *args)

    method.__name__ = name
    return method


_GUARDED = {
    "__lt__": "comparison <",
    "__le__": "comparison <=",
    "__gt__": "comparison >",
    "__ge__": "comparison >=",
    "__bool__": "bool()",
    "__float__": "float()",
}


def _data_property(slot: Any) -> property:
    """``Value.data`` while a trace runs: records the Values fn makes (every Value's data is
    set once when it is made) and refuses reads of ``.data`` from the file that defines fn."""
    get, put = slot.__get__, slot.__set__

    def read(v: Value) -> float:
        t = _TRACE.get()
        if t is not None and t.file is not None:
            frame = sys._getframe(1)
            if frame.f_code.co_filename == t.file:
                raise _refuse("reading .data", frame)
        return get(v)

    return property(read, put)


@contextmanager
def _tracing(fn: Callable[..., Any]) -> Iterator[_Trace]:
    """Run a trace of ``fn``: the guards are on while any trace runs (in any thread) and act
    only in the tracing context; other threads pay a property lookup on ``.data``, no more."""
    code = getattr(fn, "__code__", None)
    trace = _Trace(code.co_filename if code is not None else None)
    with _LOCK:
        if _DEPTH[0] == 0:
            for name, what in _GUARDED.items():
                _SAVED[name] = Value.__dict__.get(name)
                setattr(Value, name, _guarded(name, what))
            _SAVED["data"] = Value.__dict__["data"]
            Value.data = _data_property(_SAVED["data"])  # type: ignore[method-assign]
        _DEPTH[0] += 1
    token = _TRACE.set(trace)
    try:
        yield trace
    finally:
        _TRACE.reset(token)
        with _LOCK:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                for name, real in _SAVED.items():
                    if real is None:
                        delattr(Value, name)
                    else:
                        setattr(Value, name, real)
                _SAVED.clear()


# -- the batched program: one traced sample, replayed over a batch axis ----------------------


def _run_checked(op: Any, kernel: Kernel, xs: Any, arg: Any, want_ds: bool) -> tuple[Any, Any]:
    """The row's kernel on columns ``xs`` (a sequence of equal-length arrays) with the row's
    domain and the overflow rule of the scalar engine (finite inputs, non-finite result or
    derivative: OverflowError naming the op); returns the result and, if asked, the partials."""
    if op.limits:
        check_limits(op, list(xs), arg)
    out = np.asarray(kernel(xs, arg), dtype=np.float64)
    ds = op.partials(out, tuple(xs), arg) if want_ds else None
    checks = [("result", out)] + [("derivative", d) for d in ds or ()]
    for what, z in checks:
        z = np.asarray(z, dtype=np.float64)
        if z.ndim and not np.isfinite(z).all() or not z.ndim and not np.isfinite(z):
            bad = ~np.isfinite(np.broadcast_to(z, out.shape))
            for x in xs:
                bad &= np.isfinite(x)
            if bad.any():
                i = int(np.argmax(bad))
                call = describe_call(op, [float(x[i]) for x in xs], arg)
                raise OverflowError(f"{call}: {what} overflows a float")
    return out, ds


class _Scatter:
    """Adds a (n, B) block into rows of a gradient matrix: a slice, unique rows, or add.at."""

    __slots__ = ("rows", "mode")

    def __init__(self, rows: list[int]) -> None:
        sl = _as_slice(rows)
        if isinstance(sl, slice):
            self.rows, self.mode = sl, 0
        else:
            self.rows = sl
            self.mode = 1 if len(set(rows)) == len(rows) else 2

    def add(self, g: np.ndarray, block: np.ndarray) -> None:
        if self.mode == 2:
            np.add.at(g, self.rows, block)
        else:
            g[self.rows] += block

    def take(self, m: np.ndarray) -> np.ndarray:
        return m[self.rows]


class _Elem:
    """Nodes of one op, arity and arg at one level, outputs in rows lo..hi of their matrix
    (the batch matrix, or the static column): one kernel call over all of them and the batch."""

    def __init__(self, op: Any, arg: Any, idx: list[list[int]], lo: int, need: list[bool]) -> None:
        self.op = op
        self.arg = arg
        self.kernel = op.kernel
        k, n = len(idx), len(idx[0])
        self.k, self.n, self.lo, self.hi = k, n, lo, lo + n
        self.plan = _read_rule(op.name, k, arg)
        self.linear = (
            self.plan is not None
            and not op.limits
            and k >= 8
            and all(not isinstance(d, _Probe) for d in self.plan)
        )
        self.wide = k >= 8  # gathered as one (k, n, B) block instead of k row blocks
        self.idx = np.array(idx, dtype=np.intp)
        self.ins = [_Scatter(rows) for rows in idx]
        self.need = [i for i in range(k) if need[i]]
        if self.linear:
            self.coef = np.array([float(d) for d in self.plan], dtype=np.float64)
            self.f0 = float(op.kernel(np.zeros((k, 1)), arg)[0])
            self.need_coef = self.coef[self.need, None]  # once: a fancy index per call is slow
        if self.wide:
            flat = self.idx[self.need].ravel().tolist()
            self.wide_out = _Scatter(flat) if flat else None
        # rules that need arrays (relu, max, ...) run in forward for the overflow check; their
        # partials are kept for backward
        self.want_ds = self.plan is None and op.arity != -1
        self.xs: Any = None
        self.ds: Any = None

    def forward(self, m: np.ndarray) -> None:
        n, b = self.n, m.shape[1]
        if self.wide:
            xs = m[self.idx].reshape(self.k, n * b)
        else:
            xs = [s.take(m).reshape(n * b) for s in self.ins]
        if self.linear:
            out = self.coef @ xs
            if self.f0:
                out += self.f0
            if not np.isfinite(out).all():  # let the row's own kernel name the problem
                _run_checked(self.op, self.kernel, xs, self.arg, False)
        else:
            out, self.ds = _run_checked(self.op, self.kernel, xs, self.arg, self.want_ds)
        m[self.lo : self.hi] = out.reshape(n, b)
        self.xs = xs

    def backward(self, m: np.ndarray, g: np.ndarray) -> None:
        if not self.need:
            return
        n, b = self.n, m.shape[1]
        up = g[self.lo : self.hi].reshape(n * b)
        if self.linear:
            block = self.need_coef * up
            self.wide_out.add(g, block.reshape(-1, b))
            return
        xs, plan = self.xs, self.plan
        ds = self.ds
        if plan is None and ds is None:
            ds = self.op.partials(m[self.lo : self.hi].reshape(n * b), tuple(xs), self.arg)
            if len(ds) != self.k:
                raise RuntimeError(
                    f"rule for op {self.op.name!r} returned {len(ds)} gradients for {self.k} inputs"
                )
        parts = []
        for i in self.need:
            if plan is None:
                d = ds[i]
            else:
                d = plan[i]
                if isinstance(d, _Probe):
                    d = m[self.lo : self.hi].reshape(n * b) if d.row < 0 else xs[d.row]
            c = up * d if not (isinstance(d, float | int) and d == 1) else up
            if self.wide:
                parts.append(np.broadcast_to(c, up.shape))
            else:
                self.ins[i].add(g, c.reshape(n, b))
        if self.wide:
            self.wide_out.add(g, np.stack(parts).reshape(-1, b))


def _bilinear(
    plan: list[Any] | None,
) -> tuple[list[tuple[int, int]], list[tuple[int, float]]] | None:
    """A rule read as ``sum of x_i * x_j over pairs + sum of c_k * x_k`` (affine, mul, add...):
    d/dx_i = x_j and d/dx_j = x_i for each pair, a constant c_k for the rest; else None."""
    if plan is None:
        return None
    pairs, lin = [], []
    for i, d in enumerate(plan):
        if isinstance(d, _Probe):
            j = d.row
            if j < 0 or not isinstance(plan[j], _Probe) or plan[j].row != i or j == i:
                return None
            if i < j:
                pairs.append((i, j))
        else:
            lin.append((i, float(d)))
    return pairs, lin


class _Dense:
    """A layer: bilinear nodes (affine) at one level that share their batched input vector and
    whose other factors are static (weights: parameters). Forward ``Z = W @ H + b``, backward
    ``dW = U @ H.T``, ``db = U.sum(1)``, ``dH = W.T @ U`` (H and U hold one sample per column).
    """

    def __init__(
        self,
        op: Any,
        arg: Any,
        hrows: list[int],
        wrows: list[list[int]],
        brows: list[list[tuple[int, float]]],
        lo: int,
        need_h: bool,
        nodes_in: list[list[tuple[bool, int]]],
    ) -> None:
        self.op, self.arg = op, arg
        n = len(wrows)
        self.n, self.lo, self.hi = n, lo, lo + n
        self.h = _Scatter(hrows)
        self.widx = np.array(wrows, dtype=np.intp)
        flat = self.widx.ravel().tolist()
        self.w_unique = len(set(flat)) == len(flat)
        w0 = flat[0]
        self.wblock = slice(w0, w0 + len(flat)) if flat == list(range(w0, w0 + len(flat))) else None
        # bias: per node, sum of coefficient * static row (affine: its b, coefficient 1)
        nb = max((len(b) for b in brows), default=0)
        self.bidx = np.array([[r for r, _ in b] + [0] * (nb - len(b)) for b in brows], np.intp)
        self.bcoef = np.array([[c for _, c in b] + [0.0] * (nb - len(b)) for b in brows])
        flat = self.bidx.ravel().tolist()
        self.bblock = None  # one bias per node, coefficient 1, in consecutive rows
        if nb == 1 and (self.bcoef == 1.0).all() and flat == list(range(flat[0], flat[0] + n)):
            self.bblock = slice(flat[0], flat[0] + n)
        k = len(nodes_in[0])
        self.f0 = float(op.kernel(np.zeros((k, 1)), arg)[0])  # the rule's constant term
        self.need_h = need_h
        self.nodes_in = nodes_in  # per node: (V rows, S rows) of its inputs, for error messages
        self.H: Any = None
        self.W: Any = None

    def forward(self, v: np.ndarray, s: np.ndarray) -> None:
        H = self.h.take(v)
        W = s[self.wblock, 0].reshape(self.widx.shape) if self.wblock else s[self.widx, 0]
        Z = W @ H
        if self.bblock:
            Z += s[self.bblock]
        elif self.bidx.shape[1]:
            Z += ((s[self.bidx, 0] * self.bcoef).sum(1))[:, None]
        if self.f0:
            Z += self.f0
        if not np.isfinite(Z).all():
            self._explain(Z, v, s)
        v[self.lo : self.hi] = Z
        self.H, self.W = H, W

    def _explain(self, Z: np.ndarray, v: np.ndarray, s: np.ndarray) -> None:
        """A non-finite output: replay that one node and sample through the row (its errors)."""
        for r, col in zip(*np.nonzero(~np.isfinite(Z))):
            order = self.nodes_in[r]
            xs = [None] * len(order)
            for pos, (where, row) in enumerate(order):
                xs[pos] = np.array([v[row, col] if where else s[row, 0]])
            _run_checked(self.op, self.op.kernel, xs, self.arg, False)

    def backward(self, v: np.ndarray, g: np.ndarray, gs: np.ndarray) -> None:
        U = g[self.lo : self.hi]
        dW = U @ self.H.T
        if self.wblock:
            gs[self.wblock, 0] += dW.ravel()
        elif self.w_unique:
            gs[self.widx, 0] += dW
        else:
            np.add.at(gs[:, 0], self.widx, dW)
        if self.bblock:
            gs[self.bblock, 0] += U.sum(1)
        elif self.bidx.shape[1]:
            np.add.at(gs[:, 0], self.bidx, self.bcoef * U.sum(1)[:, None])
        if self.need_h:
            self.h.add(g, self.W.T @ U)


class BatchProgram:
    """A per-sample function traced once and replayed over a batch: see :func:`compile`.

    Each scalar node of the traced sample is a row of batch values; nodes that depend only on
    parameters and constants (an L2 penalty, say) are computed once per call and broadcast;
    layers of ``affine`` nodes with parameter weights run as matrix products.
    """

    def __init__(
        self,
        out: Value,
        inputs: list[list[Value]],
        shapes: list[tuple[int, ...]],
        created: dict[int, int],
        reduction: str,
    ) -> None:
        self.shapes: tuple[tuple[int, ...], ...] = tuple(shapes)
        self.reduction = reduction
        vslot: dict[Value, int] = {}  # rows of the batch matrix
        self._spans: list[tuple[tuple[int, ...], int, int]] = []
        for vs, shape in zip(inputs, shapes):
            self._spans.append((shape, len(vslot), len(vslot) + len(vs)))
            for x in vs:
                vslot[x] = len(vslot)
        n_in = len(vslot)
        topo = toposort(out)
        self.num_nodes = len(topo)
        leaves: dict[Value, None] = {}
        for node in topo:
            for p in node.parents:
                if not p.parents and p not in vslot:
                    leaves[p] = None
        if not out.parents and out not in vslot:
            leaves[out] = None
        params = [p for p in leaves if id(p) not in created]
        consts = [p for p in leaves if id(p) in created]
        sslot: dict[Value, int] = {}  # rows of the static column
        n_par = len(params)
        batched: set[Value] = set(vslot)
        need: dict[Value, bool] = {p: True for p in params}
        level: dict[Value, int] = {}
        for node in topo:
            if node.op not in OPS:
                raise NotImplementedError(f"compile: no op named {node.op!r} is registered")
            lv = 0
            for p in node.parents:
                if level.get(p, 0) > lv:
                    lv = level[p]
            level[node] = lv + 1
            if any(p in batched for p in node.parents):
                batched.add(node)
            need[node] = any(need.get(p, False) for p in node.parents)

        # Group: dense layers first (batched bilinear nodes with static factors), else by
        # (static or batched, level, op, arity, arg); nodes in the order fn made them.
        plans: dict[Any, Any] = {}
        buckets: dict[tuple[Any, ...], list[Value]] = {}
        dense_info: dict[Value, Any] = {}
        for node in sorted(topo, key=lambda v: created.get(id(v), 0)):
            k = len(node.parents)
            arg = node.arg
            try:
                akey: Any = (arg, hash(arg))
            except TypeError:
                akey = (id(arg), 0)
            isb = node in batched
            key: tuple[Any, ...] | None = None
            if isb and not OPS[node.op].limits:
                pk = (node.op, k, akey)
                if pk not in plans:
                    plans[pk] = _bilinear(_read_rule(node.op, k, arg))
                form = plans[pk]
                if form is not None and len(form[0]) >= 2:
                    pairs, lin = form
                    hv, wv = [], []
                    for i, j in pairs:
                        a, b = node.parents[i], node.parents[j]
                        if a in batched and b not in batched:
                            hv.append(a)
                            wv.append(b)
                        elif b in batched and a not in batched:
                            hv.append(b)
                            wv.append(a)
                        else:
                            break
                    else:
                        if all(node.parents[i] not in batched for i, _ in lin):
                            key = ("d", level[node], node.op, k, akey, tuple(map(id, hv)))
                            dense_info[node] = (hv, wv, [(node.parents[i], c) for i, c in lin])
            if key is None:
                key = ("b" if isb else "s", level[node], node.op, k, akey)
            buckets.setdefault(key, []).append(node)

        # Parameters: each layer's weights first, row by row, then its biases, so that a layer
        # reads W and b as views of the parameter array and adds dW and db into slices.
        ordered: dict[Value, None] = {}
        is_param = set(params)
        for key in sorted(buckets, key=lambda key: key[1]):
            if key[0] == "d":
                for part in (1, 2):
                    for nd in buckets[key]:
                        for w in dense_info[nd][part]:
                            w = w[0] if part == 2 else w
                            if w in is_param and w not in ordered:
                                ordered[w] = None
        for p in params:
            ordered[p] = None
        params = list(ordered)
        self.params: tuple[Value, ...] = tuple(params)
        self._params_list = params
        for p in params + consts:
            sslot[p] = len(sslot)

        # Rows: static nodes after the leaves in the static column; in the batch matrix the
        # inputs, then broadcast copies of static values that element-wise batched nodes use,
        # then the batched nodes, group by group, level by level.
        keys = sorted(buckets, key=lambda key: key[1])
        for key in keys:
            if key[0] == "s":
                for node in buckets[key]:
                    sslot[node] = len(sslot)
        bcast: dict[Value, int] = {}
        for key in keys:
            if key[0] == "b":
                for node in buckets[key]:
                    for p in node.parents:
                        if p not in batched and p not in bcast:
                            bcast[p] = n_in + len(bcast)
        base = n_in + len(bcast)
        for key in keys:
            if key[0] != "s":
                for node in buckets[key]:
                    vslot[node] = base
                    base += 1

        def vrow(p: Value) -> int:
            return vslot[p] if p in batched else bcast[p]

        self._static: list[_Elem] = []
        self._batch: list[Any] = []
        for key in keys:
            nodes = buckets[key]
            op = OPS[nodes[0].op]
            arg = nodes[0].arg
            k = len(nodes[0].parents)
            if key[0] == "s":
                idx = [[sslot[nd.parents[i]] for nd in nodes] for i in range(k)]
                need_i = [any(need.get(nd.parents[i], False) for nd in nodes) for i in range(k)]
                self._static.append(_Elem(op, arg, idx, sslot[nodes[0]], need_i))
            elif key[0] == "b":
                idx = [[vrow(nd.parents[i]) for nd in nodes] for i in range(k)]
                need_i = [any(need.get(nd.parents[i], False) for nd in nodes) for i in range(k)]
                self._batch.append(_Elem(op, arg, idx, vslot[nodes[0]], need_i))
            else:
                hv = dense_info[nodes[0]][0]
                wrows = [[sslot[w] for w in dense_info[nd][1]] for nd in nodes]
                brows = [[(sslot[b], c) for b, c in dense_info[nd][2]] for nd in nodes]
                nodes_in = [
                    [(p in batched, vrow(p) if p in batched else sslot[p]) for p in nd.parents]
                    for nd in nodes
                ]
                need_h = any(need.get(h, False) for h in hv)
                self._batch.append(
                    _Dense(op, arg, [vslot[h] for h in hv], wrows, brows, vslot[nodes[0]],
                           need_h, nodes_in)
                )  # fmt: skip
        self._n_in = n_in
        self._n_par = n_par
        self._s = np.zeros((len(sslot), 1))
        self._s[n_par : n_par + len(consts), 0] = [c.data for c in consts]
        self._bc_src = np.array([sslot[p] for p in bcast], dtype=np.intp)
        self._bc = slice(n_in, n_in + len(bcast))
        self._rows = base
        self._out_batched = out in batched
        self._out = vslot[out] if out in batched else sslot[out]
        self._vslot, self._sslot, self._batched = vslot, sslot, batched
        self._mats: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._b = 0  # batch size of the last call; 0 before a successful call

    def __repr__(self) -> str:
        dense = sum(isinstance(g, _Dense) for g in self._batch)
        return (
            f"BatchProgram(sample={list(self.shapes)}, params={len(self.params)}, "
            f"nodes={self.num_nodes}, layers={dense}, groups={len(self._batch) - dense}"
            f"+{len(self._static)} static, reduction={self.reduction!r})"
        )

    def _matrices(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        mats = self._mats.get(b)
        if mats is None:
            if len(self._mats) >= 4:  # the batch sizes of one fit: full batches and the last
                self._mats.pop(next(iter(self._mats)))
            mats = self._mats[b] = (np.zeros((self._rows, b)), np.zeros((self._rows, b)))
        return mats

    def __call__(self, *inputs: Any, params: np.ndarray | None = None) -> float:
        """The reduced output (mean or sum over the batch) for a batch of inputs, each shaped
        ``(batch, *sample_shape)``; parameters from their ``.data`` unless ``params`` is given."""
        if len(inputs) != len(self._spans):
            raise TypeError(
                f"compiled program takes {len(self._spans)} batched input(s) of sample shapes "
                f"{list(self.shapes)}, got {len(inputs)}"
            )
        self._b = 0
        arrays = []
        b = None
        for i, (x, (shape, _, _)) in enumerate(zip(inputs, self._spans)):
            a = _as_array(x, i)
            if a.shape[1:] != shape or a.ndim != len(shape) + 1:
                raise ValueError(
                    f"input {i} has shape {a.shape}; the program takes (batch, *{shape}) "
                    f"(a batch of samples of shape {shape})"
                )
            if b is None:
                b = a.shape[0]
            elif a.shape[0] != b:
                raise ValueError(f"input {i} has {a.shape[0]} samples; input 0 has {b}")
            arrays.append(a)
        if not b:
            raise ValueError("the batch is empty (0 samples)")
        v, _ = self._matrices(b)
        s = self._s
        for a, (_, lo, hi) in zip(arrays, self._spans):
            v[lo:hi] = a.reshape(b, hi - lo).T
        s[: self._n_par, 0] = _param_values(self._params_list, params)
        with np.errstate(all="ignore"):  # the kernels raise domain errors themselves, by name
            for grp in self._static:
                grp.forward(s)
            v[self._bc] = s[self._bc_src]
            for grp in self._batch:
                if type(grp) is _Dense:
                    grp.forward(v, s)
                else:
                    grp.forward(v)
        self._b = b
        if self._out_batched:
            total = float(np.add.reduce(v[self._out]))
        else:
            total = float(s[self._out, 0]) * b
        return total * (1.0 / b) if self.reduction == "mean" else total

    def get_params(self) -> np.ndarray:
        """The parameters' current ``.data`` as an array, ordered like ``self.params``."""
        return _param_values(self._params_list, None).copy()

    def set_params(self, values: np.ndarray) -> None:
        """Write ``values`` (ordered like ``self.params``) into the parameters' ``.data``."""
        _write_params(self._params_list, values)

    def backward(self, accumulate: bool = True) -> np.ndarray:
        """d (reduced output) / d param for the last call, summed over the batch, as an array
        ordered like ``self.params``; with ``accumulate`` also added into each ``.grad``."""
        b = self._b
        if not b:
            raise RuntimeError("call the program on inputs before backward()")
        v, g = self._matrices(b)
        gs = np.zeros_like(self._s)
        seed = (1.0 / b) if self.reduction == "mean" else 1.0
        g.fill(0.0)
        if self._out_batched:
            g[self._out] = seed
        else:
            gs[self._out, 0] = seed * b
        s = self._s
        with np.errstate(all="ignore"):
            for grp in reversed(self._batch):
                if type(grp) is _Dense:
                    grp.backward(v, g, gs)
                else:
                    grp.backward(v, g)
            if len(self._bc_src):
                gs[self._bc_src] += g[self._bc].sum(axis=1, keepdims=True)
            for grp in reversed(self._static):
                grp.backward(s, gs)
        grads = gs[: self._n_par, 0].copy()
        if accumulate:
            _add_grads(self._params_list, grads)
        return grads

    def read(self, nodes: Any) -> Any:
        """Per-sample values at the last call of traced nodes, batch axis first: a Value gives
        a list of floats (one per sample), a list of k Values a list of per-sample lists."""
        if not self._b:
            raise RuntimeError("call the program on inputs before read()")
        return np.moveaxis(self._gather(nodes), -1, 0).tolist()

    def _gather(self, nodes: Any) -> np.ndarray:
        if isinstance(nodes, Value):
            v, _ = self._matrices(self._b)
            if nodes in self._batched:
                return v[self._vslot[nodes]]
            i = self._sslot.get(nodes)
            if i is None:
                raise ValueError(f"read: {nodes!r} is not a node the traced output depends on")
            return np.full(self._b, self._s[i, 0])
        return np.stack([self._gather(n) for n in nodes])


def compile(  # noqa: A001
    fn: Callable[..., Value], *examples: Any, batch: bool = False, reduction: str = "mean"
) -> Program | BatchProgram:
    """Trace ``fn`` once on Values shaped like ``examples`` and lower its graph to numpy.

    Each example is a number, a (nested) sequence of numbers or a numpy array; ``fn`` receives a
    Value for a number and nested lists of Values otherwise, and returns one Value (typically a
    loss that also uses parameter Values it closes over). The parameters are the leaves that
    existed before the trace; leaves made while ``fn`` runs (Python numbers in ops) are
    constants.

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

    Same answers: results agree with the eager engine to 1e-12 relative to the magnitudes that
    flow through the graph, not bit for bit: matrix products and the batch reduction sum in
    BLAS's and numpy's order, not left to right, and a sum of k terms rounded in another order
    differs by at most about k * 2**-53 times the sum of the terms' magnitudes (k <= 1000 keeps
    that under 1e-13); where the terms cancel, the difference relative to the result can be
    larger. The whole-batch mode on nodes other than layers replays the scalar floats.

    Guards: the graph is recorded once, so Python control flow on data would be frozen as it
    ran at trace time. While ``fn`` is traced, comparisons (``<``, ``<=``, ``>``, ``>=``),
    ``bool()`` and ``float()`` of any Value raise :class:`TraceError` naming the line, and so
    does reading ``.data`` in the file that defines ``fn``. Limits: a ``.data`` read in another
    module (a library that ``fn`` calls) is not seen, nor a loop whose count depends on data
    through such reads; code that needs the data must run outside ``fn``. Piecewise ops (relu,
    abs, max, ...) choose their branch per element at replay, and inputs outside an op's domain
    raise the scalar engine's error naming the op. Only leaves get gradients.

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
    if not callable(fn):
        raise TypeError(f"compile: fn must be callable, got {type(fn).__name__}")
    shapes: list[tuple[int, ...]] = []
    inputs: list[list[Value]] = []
    args: list[Any] = []
    for i, ex in enumerate(examples):
        a = _as_array(ex, i)
        vs = [Value(x, label=f"in{i}") for x in a.ravel().tolist()]
        shapes.append(a.shape)
        inputs.append(vs)
        args.append(
            vs[0] if a.shape == () else np.array(vs, dtype=object).reshape(a.shape).tolist()
        )
    t0 = tick()  # every Value fn makes is stamped t0 or later; the parameters earlier
    with _tracing(fn), enable_grad():
        out = fn(*args)
    if not isinstance(out, Value):
        raise TypeError(f"compile: fn must return one Value, got {type(out).__name__}")
    created = _made_since(out, t0)
    if batch:
        return BatchProgram(out, inputs, shapes, created, reduction)
    return Program(out, inputs, shapes, created)


def _made_since(out: Value, t0: int) -> dict[int, int]:
    """id -> order (inputs before the nodes that use them) of the Values in the graph of
    ``out`` stamped at or after ``t0`` on the data clock: those ``fn`` made while traced."""
    order: list[Value] = []
    seen = {out}
    stack: list[tuple[Value, int]] = [(out, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            p = node.parents[i]
            if p not in seen:
                seen.add(p)
                stack.append((p, 0))
        else:
            order.append(node)
    return {id(v): k for k, v in enumerate(order) if v._t >= t0}


# -- programs kept between calls -------------------------------------------------------------


class ProgramCache:
    """Compiled programs kept between calls (on a model, say), rebuilt when what they read
    changes: an entry is reused only while the parameter Values it was built for are the
    same objects, in the same order and number (a layer added or replaced rebuilds it).

    >>> from autograd import Value
    >>> w = Value(3.0)
    >>> cache = ProgramCache()
    >>> build = lambda: compile(lambda x: w * x, 0.0, batch=True)
    >>> p1 = cache.get("loss", [w], build)
    >>> cache.get("loss", [w], build) is p1
    True
    >>> cache.get("loss", [w, Value(1.0)], build) is p1  # other parameters: a new program
    False
    """

    def __init__(self) -> None:
        self._entries: dict[Any, tuple[tuple[Value, ...], Any]] = {}

    def get(self, key: Any, params: Any, build: Callable[[], Any]) -> Any:
        """The program stored under ``key`` for exactly these ``params``, else ``build()``'s
        (stored). ``key`` names everything else the program depends on (loss, shapes, l2)."""
        ps = tuple(params)
        entry = self._entries.get(key)
        if entry is not None and len(entry[0]) == len(ps) and entry[0] == ps:
            return entry[1]
        prog = build()
        self._entries[key] = (ps, prog)
        return prog

    def clear(self) -> None:
        """Forget every program (the next ``get`` traces and compiles again)."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
