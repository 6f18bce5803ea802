"""Compiled replay: trace a scalar function once, then replay its graph over numpy arrays.

``prog = compile(fn, *examples)`` calls ``fn`` once on Values shaped like the examples and lowers
the recorded graph into a flat program: nodes grouped by (op, number of inputs, arg) within each
topological level, one gather by index per group into a flat array of values, one vectorised
forward kernel per group, and a backward pass by reverse levels that evaluates the op table's own
derivative rules (``OPS[name].partials``) on whole columns of nodes and scatter-adds them.

Kernels, domains and derivative rules all come from the op rows (``autograd.OPS``); nothing
here knows any op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.graph import toposort
from autograd.mode import enable_grad
from autograd.ops import OPS, check_limits, describe_call
from autograd.value import Value

__all__ = ["Program", "compile"]

Kernel = Callable[[np.ndarray, Any], np.ndarray]


def _checked(name: str) -> Kernel:
    """The row's numpy kernel, wrapped with the row's domain and an overflow check, so replay
    raises exactly the scalar engine's errors, naming the op."""
    op = OPS[name]
    kernel = op.kernel
    partials = op.partials

    def run(xs: np.ndarray, arg: Any) -> np.ndarray:
        if op.limits:
            check_limits(op, list(xs), arg)
        out = np.asarray(kernel(xs, arg), dtype=np.float64)
        if op.arity != -1:
            # where every input is finite but the result (or the derivative, which the scalar
            # engine computes when it builds a node) is not, the float rules raise
            ds = partials(out, tuple(xs), arg)
            for what, z in [("result", out)] + [("derivative", d) for d in ds]:
                z = np.broadcast_to(np.asarray(z, dtype=np.float64), out.shape)
                bad = ~np.isfinite(z) & np.isfinite(xs).all(axis=0)
                if bad.any():
                    i = int(np.argmax(bad))
                    raise OverflowError(
                        f"{describe_call(op, xs[:, i].tolist(), arg)}: {what} overflows a float"
                    )
        return out

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

    Built by :func:`compile`. ``params`` are the leaves of the graph that are not inputs (the
    parameters it closes over, and constant leaves made from Python numbers); each call reads
    their current ``.data`` and ``backward()`` adds into their ``.grad``.
    """

    def __init__(
        self, out: Value, inputs: list[list[Value]], shapes: list[tuple[int, ...]]
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
        params: list[Value] = []
        level: dict[Value, int] = {}
        buckets: dict[tuple[Any, ...], list[Value]] = {}
        for node in topo:
            lv = 0
            for p in node.parents:
                if p.parents:
                    if level[p] > lv:
                        lv = level[p]
                elif p not in slot:
                    slot[p] = len(slot)
                    params.append(p)
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
            slot[out] = len(slot)
            params.append(out)
        self.params: tuple[Value, ...] = tuple(params)

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
        self._gathered: list[np.ndarray] = []
        self._ready = False
        self._slot = slot  # node -> slot, for read()
        self.num_nodes = len(topo)

    def __repr__(self) -> str:
        return (
            f"Program(inputs={list(self.shapes)}, params={len(self.params)}, "
            f"nodes={self.num_nodes}, groups={len(self._groups)}, levels={len(self._levels)})"
        )

    def __call__(self, *inputs: Any) -> float:
        """Recompute the output for new inputs of the traced shapes; returns it as a float."""
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
        values[self._n_in : self._n_in + len(self.params)] = [p.data for p in self.params]
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

    def backward(self) -> None:
        """Add d output / d param into ``.grad`` of every parameter leaf, for the last call.

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
        for p, d in zip(self.params, grads[lo : lo + len(self.params)].tolist()):
            p.grad += d


def compile(fn: Callable[..., Value], *examples: Any) -> Program:  # noqa: A001
    """Trace ``fn`` once on Values shaped like ``examples`` and lower its graph to numpy.

    Each example is a number, a (nested) sequence of numbers or a numpy array; ``fn`` receives a
    Value for a number and nested lists of Values otherwise, and returns one Value (typically a
    loss that also uses parameter Values it closes over). The result ``prog`` is called with new
    inputs of the same shapes: ``prog(*inputs)`` returns the output as a float, reading the
    parameters' current ``.data``; ``prog.backward()`` then adds into ``.grad`` of every
    parameter leaf (every leaf that is not an input) what ``output.backward()`` would add.

    The trace contract is ``torch.jit.trace``'s: the graph is recorded once, so Python control
    flow that depends on data (``if x > 0:``, loops over a data-dependent count) is frozen as it
    ran at trace time. Piecewise ops (relu, abs, leaky_relu, elu) are evaluated per element at
    replay, and inputs outside an op's domain raise the scalar engine's error naming the op.
    Only leaves get gradients: the traced inner nodes are not updated.

    >>> from autograd import Value
    >>> w = Value(2.0)
    >>> prog = compile(lambda xs: (w * xs[0] + xs[1]).relu(), [1.0, 1.0])
    >>> prog([3.0, -1.0])  # relu(2 * 3 - 1)
    5.0
    >>> prog.backward()
    >>> w.grad  # d/dw = 3
    3.0
    """
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
    with enable_grad():
        out = fn(*args)
    if not isinstance(out, Value):
        raise TypeError(f"compile: fn must return one Value, got {type(out).__name__}")
    return Program(out, inputs, shapes)
