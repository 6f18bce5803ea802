"""The whole-batch program: a traced function replayed node for node on a flat array.

Every node of the traced graph has a slot in one array of values: inputs, parameters and
constants first, then each group's nodes side by side, level by level, so a group's forward is
one gather of its inputs' slots and one kernel call writing a contiguous slice. Backward visits
the levels from the top; each level writes what its groups pass back (local derivative times
upstream gradient) into one buffer and adds it into the gradients with one ``np.add.at``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from autograd.compile.arrays import (
    Probe,
    add_grads,
    as_slice,
    param_values,
    passed,
    read_rule,
    run_checked,
    write_params,
)
from autograd.compile.lower import Group, Lowered, split_checks
from autograd.compile.trace import Check, as_array
from autograd.value import Value

__all__ = ["Program"]


class _Group:
    """A group's slots and its plan for backward: the contributions it writes into its
    level's buffer, in the order of ``targets``: first the inputs whose derivative is a
    constant, then those that are an input row (sorted by that row), then those equal to the
    output; inputs that are program inputs (no gradient) are skipped."""

    __slots__ = (
        "op", "arg", "idx", "lo", "hi", "off", "size", "targets", "rows", "consts",
        "n_const", "src", "n_src", "n_out", "pos",
    )  # fmt: skip

    def __init__(self, group: Group, idx: np.ndarray, lo: int, n_in: int) -> None:
        self.op, self.arg = group.op, group.arg
        self.idx = idx  # (k, n) slots of the inputs
        k, n = idx.shape
        self.lo, self.hi = lo, lo + n
        self.off = 0  # where this group's contributions start in its level's buffer
        self.pos = 0  # index of this group in the program (and of its gathered inputs)
        keep = [i for i in range(k) if int(idx[i].max()) >= n_in]
        plan = read_rule(group.op.name, k, group.arg)
        self.rows: list[int] | None = None  # inputs whose partials run on arrays at replay
        self.consts: Any = None
        self.src: Any = None
        self.n_const = self.n_src = self.n_out = 0
        if plan is None:
            self.rows = order = keep
        else:
            const = [i for i in keep if not isinstance(plan[i], Probe)]
            rows = sorted((i for i in keep if isinstance(plan[i], Probe) and plan[i].row >= 0),
                          key=lambda i: plan[i].row)  # fmt: skip
            outs = [i for i in keep if isinstance(plan[i], Probe) and plan[i].row < 0]
            order = const + rows + outs
            self.n_const, self.n_src, self.n_out = len(const), len(rows), len(outs)
            self.consts = np.array([[float(plan[i])] for i in const])
            self.src = as_slice([plan[i].row for i in rows]) if rows else None
        self.size = len(order) * n
        self.targets = idx[order].ravel() if order else np.empty(0, dtype=np.intp)

    def ds(self, xs: np.ndarray, out: np.ndarray) -> list[Any]:
        """The local derivatives of the kept inputs, in the order of ``targets``."""
        if self.rows is not None:
            ds = self.op.partials(out, tuple(xs), self.arg)
            if len(ds) != xs.shape[0]:
                raise RuntimeError(
                    f"rule for op {self.op.name!r} returned {len(ds)} gradients for "
                    f"{xs.shape[0]} inputs"
                )
            return [ds[i] for i in self.rows]
        out_ds: list[Any] = list(self.consts) if self.n_const else []
        if self.n_src:
            out_ds += list(xs[self.src])
        return out_ds + [out] * self.n_out

    def contribute(self, xs: np.ndarray, out: np.ndarray, up: np.ndarray, buf: np.ndarray) -> None:
        """Write d out / d input times ``up`` for the kept inputs into its part of ``buf``."""
        n = up.shape[0]
        contrib = buf[self.off : self.off + self.size].reshape(-1, n)
        if self.rows is not None:
            for r, d in enumerate(self.ds(xs, out)):
                np.multiply(d, up, out=contrib[r])
            return
        a = self.n_const
        b = a + self.n_src
        if a:
            np.multiply(self.consts, up, out=contrib[:a])
        if self.n_src:
            np.multiply(xs[self.src], up, out=contrib[a:b])
        if self.n_out:
            np.multiply(out, up, out=contrib[b:])

    def contribute_carefully(self, xs: Any, out: Any, up: Any, buf: np.ndarray) -> None:
        """As :meth:`contribute`, with a zero local derivative passing nothing."""
        n = up.shape[0]
        contrib = buf[self.off : self.off + self.size].reshape(-1, n)
        for r, d in enumerate(self.ds(xs, out)):
            contrib[r] = passed(d, up)


class _Level:
    """The groups of one topological level and where their contributions go."""

    __slots__ = ("groups", "size", "targets")

    def __init__(self, groups: list[_Group]) -> None:
        self.groups = groups
        off = 0
        for g in groups:
            g.off = off
            off += g.size
        self.size = off
        self.targets = np.concatenate([g.targets for g in groups])


class _Work:
    """One thread's arrays: the values of the last call, its gathered inputs, level buffers."""

    def __init__(self, template: np.ndarray, levels: list[_Level]) -> None:
        self.values = template.copy()
        self.bufs = [np.empty(level.size) for level in levels]
        self.gathered: list[np.ndarray] = []
        self.ready = False


class Program:
    """A traced function lowered to numpy: call it with new inputs, then ``backward()``.

    Built by :func:`autograd.compile`. ``params`` are the leaves of the graph that are not
    inputs and existed before tracing (the parameters ``fn`` closes over); each call reads
    their current ``.data`` and ``backward()`` adds into their ``.grad``. Leaves made while
    ``fn`` ran (Python numbers in ops) are constants, fixed at their traced values. Each
    thread calling a program has its own arrays, so threads may share one program.
    """

    def __init__(self, low: Lowered) -> None:
        self._spans = low.spans
        self.shapes: tuple[tuple[int, ...], ...] = tuple(s for s, _, _ in low.spans)
        self.params: tuple[Value, ...] = tuple(low.params)
        self._params_list = list(low.params)
        self.num_nodes = low.num_nodes
        slot: dict[Value, int] = {}
        for v in (*low.inputs, *low.params, *low.consts):
            slot[v] = len(slot)
        n_in = self._n_in = len(low.inputs)
        base = len(slot)
        for group in low.groups:
            for node in group.nodes:
                slot[node] = base
                base += 1
        self._groups: list[_Group] = []
        by_level: dict[int, list[_Group]] = {}
        for group in low.groups:
            nodes = group.nodes
            idx = np.array([[slot[p] for p in node.parents] for node in nodes], dtype=np.intp)
            g = _Group(group, np.ascontiguousarray(idx.T), slot[nodes[0]], n_in)
            g.pos = len(self._groups)
            self._groups.append(g)
            by_level.setdefault(group.level, []).append(g)
        self._levels = [_Level(by_level[lv]) for lv in sorted(by_level, reverse=True)]
        self._size = base
        self._out = slot[low.out]
        self._slot = slot  # node -> slot, for read() and the checks
        self._template = np.zeros(base)
        lo = n_in + len(low.params)
        self._template[lo : lo + len(low.consts)] = [c._data for c in low.consts]
        self._before, self._after = split_checks(low, slot)
        self._local = threading.local()

    def __repr__(self) -> str:
        return (
            f"Program(inputs={list(self.shapes)}, params={len(self.params)}, "
            f"nodes={self.num_nodes}, groups={len(self._groups)}, levels={len(self._levels)})"
        )

    def _work(self) -> _Work:
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = self._local.ws = _Work(self._template, self._levels)
        return ws

    def __call__(self, *inputs: Any, params: Any = None, check: bool = True) -> float:
        """Recompute the output for new inputs of the traced shapes; returns it as a float.

        The parameters' current ``.data`` is read, unless ``params`` (an array ordered like
        ``self.params``, as :meth:`get_params` gives) supplies their values instead.
        ``check=False`` skips the checks of inputs that ``fn`` registered with
        :func:`autograd.compile.validate` (a caller that checked them already).
        """
        if len(inputs) != len(self._spans):
            raise TypeError(
                f"compiled program takes {len(self._spans)} input(s) of shapes "
                f"{list(self.shapes)}, got {len(inputs)}"
            )
        ws = self._work()
        ws.ready = False
        values = ws.values
        for i, (x, (shape, lo, hi)) in enumerate(zip(inputs, self._spans)):
            a = as_array(x, i)
            if a.shape != shape:
                raise ValueError(
                    f"input {i} has shape {a.shape}; the program was traced with {shape}"
                )
            values[lo:hi] = a.ravel()
        lo = self._n_in
        values[lo : lo + len(self.params)] = param_values(self._params_list, params)
        if check:
            self._run_checks(self._before, values)
        gathered = []
        with np.errstate(all="ignore"):  # the kernels raise domain errors themselves, by name
            for g in self._groups:
                xs = values.take(g.idx)
                values[g.lo : g.hi] = run_checked(g.op, xs, g.arg, g.op.arity != -1)[0]
                gathered.append(xs)
        self._run_checks(self._after, values)
        ws.gathered = gathered
        ws.ready = True
        return float(values[self._out])

    def _run_checks(self, checks: list[Check], values: np.ndarray) -> None:
        for check in checks:
            check.test(values[[self._slot[v] for v in check.values]])

    def read(self, nodes: Any) -> Any:
        """Values at the last call of traced nodes: a Value gives a float, (nested) lists give
        lists. Other results of ``fn`` that the output depends on (a model's predictions
        beside its loss, say) come this way without a second pass.
        """
        ws = self._work()
        if not ws.ready:
            raise RuntimeError("call the program on inputs before read()")
        if isinstance(nodes, Value):
            i = self._slot.get(nodes)
            if i is None:
                raise ValueError(f"read: {nodes!r} is not a node the traced output depends on")
            return float(ws.values[i])
        return [self.read(n) for n in nodes]

    def get_params(self) -> np.ndarray:
        """The parameters' current ``.data`` as an array, ordered like ``self.params``."""
        return param_values(self._params_list, None)

    def set_params(self, values: Any) -> None:
        """Write ``values`` (ordered like ``self.params``) into the parameters' ``.data``."""
        write_params(self._params_list, values)

    def backward(self, accumulate: bool = True) -> np.ndarray:
        """d output / d param for the last call, as an array ordered like ``self.params``;
        with ``accumulate`` (the default) also added into each parameter's ``.grad``.

        Like ``Value.backward()``, calling it again adds the same gradients again. It needs a
        call first (RuntimeError otherwise, or after a call that raised). A zero local
        derivative passes nothing, as in the scalar engine, even an infinite gradient.
        """
        ws = self._work()
        if not ws.ready:
            raise RuntimeError("call the program on inputs before backward()")
        g = self._backward(ws, careful=False)
        if not np.isfinite(g).all():  # an infinite gradient may meet a zero derivative
            g = self._backward(ws, careful=True)
        if accumulate:
            add_grads(self._params_list, g)
        return g

    def _backward(self, ws: _Work, careful: bool) -> np.ndarray:
        values = ws.values
        grads = np.zeros(self._size)
        grads[self._out] = 1.0
        gathered = ws.gathered
        with np.errstate(all="ignore"):
            for level, buf in zip(self._levels, ws.bufs):
                if not buf.size:
                    continue
                for g in level.groups:
                    if g.size:
                        args = (gathered[g.pos], values[g.lo : g.hi], grads[g.lo : g.hi], buf)
                        (g.contribute_carefully if careful else g.contribute)(*args)
                np.add.at(grads, level.targets, buf)
        lo = self._n_in
        return grads[lo : lo + len(self.params)].copy()
