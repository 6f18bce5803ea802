"""The per-sample program: one traced sample replayed over a batch axis.

Lowering sorts the traced sample's nodes into those that see the batch (they depend on an
input: one row of the batch matrix each) and static ones (parameters and constants only: one
number each, computed once per call and broadcast), and finds layers (:class:`~.steps.Layer`).
Every step's backward is planned once: the first writer of a gradient row sets it, later ones
add, so no gradient matrix is cleared per call (:func:`_plan`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable
from typing import Any

import numpy as np

from autograd.compile.arrays import (
    Probe,
    add_grads,
    param_values,
    read_rule,
    write_params,
)
from autograd.compile.lower import Lowered, arg_key, lower, split_checks
from autograd.compile.steps import ADD, ADD_AT, SET, Dest, Elem, Layer, Rows
from autograd.compile.trace import Check, Trace, as_array
from autograd.ops import OPS
from autograd.value import Value

__all__ = ["BatchProgram"]


def _bilinear(
    plan: list[Any] | None,
) -> tuple[list[tuple[int, int]], list[tuple[int, float]]] | None:
    """A rule read as ``sum of x_i * x_j over pairs + sum of c_k * x_k`` (affine, mul, add...):
    d/dx_i = x_j and d/dx_j = x_i for each pair, a constant c_k for the rest; else None."""
    if plan is None:
        return None
    pairs, lin = [], []
    for i, d in enumerate(plan):
        if isinstance(d, Probe):
            j = d.row
            if j < 0 or j == i or not isinstance(plan[j], Probe) or plan[j].row != i:
                return None
            if i < j:
                pairs.append((i, j))
        else:
            lin.append((i, float(d)))
    return pairs, lin


_PROBES = np.array([-0.0, 0.0, 1.5, -2.5e-310, np.inf, -np.inf, np.nan])


def _passes_on(op: Any, arg: Any, i: int, consts: tuple[Any, ...]) -> bool:
    """True when ``op`` with these constant inputs returns input ``i`` unchanged."""
    cols = [_PROBES if j == i else np.full(len(_PROBES), c) for j, c in enumerate(consts)]
    try:
        with np.errstate(all="ignore"):
            if not all(np.all(limit.test(tuple(cols), arg)) for limit in op.limits):
                return False
            out = np.asarray(op.kernel(cols, arg), dtype=np.float64)
            d = op.partials(out, tuple(cols), arg)[i]
    except Exception:  # noqa: BLE001 - a kernel that cannot run here is no identity
        return False
    return (
        out.shape == _PROBES.shape
        and bool((out.view(np.int64) == _PROBES.view(np.int64)).all())
        and bool(np.all(np.asarray(d) == 1.0))
    )


class _Kinds:
    """What each node is, in the order fn made them, as ``(tag, need, ...)``: tag ``"s"``
    static; ``"b"`` batched, element-wise, with flags of which inputs are batched; ``"d"`` a
    layer node over the batched vector of the given ids, with static weights (recorded in
    ``layer``). ``need``: the node depends on a parameter (it passes gradients back), so
    nodes that need no gradient never share a group with nodes that do."""

    def __init__(self, inputs: list[Value], created: set[int]) -> None:
        self.batched: set[Value] = set(inputs)
        self.created = created
        self.need: set[Value] = set()
        self.layer: dict[Value, tuple[list[Value], list[Value], list[tuple[Value, float]]]] = {}
        self.forms: dict[Any, Any] = {}
        self.alias: dict[Value, Value] = {}  # node -> the input it equals
        self.same: dict[Any, bool] = {}

    def __call__(self, node: Value) -> Hashable:
        ps = node.parents
        batched, made, needs = self.batched, self.created, self.need
        flags = tuple([p in batched for p in ps])
        need = any([p in needs if p.parents else id(p) not in made and p not in batched
                    for p in ps])  # fmt: skip
        if need:
            needs.add(node)
        if True in flags:
            batched.add(node)
        if len(ps) <= 2:  # x * 1.0, a sum of one term: a node equal to its input
            same = self._identity(node)
            if same is not None:
                self.alias[node] = same
                return ("a",)
        if True not in flags:
            return ("s", need)
        hv = self._layer(node, flags)
        return ("d", need, tuple(map(id, hv))) if hv is not None else ("b", need, flags)

    def _identity(self, node: Value) -> Value | None:
        """The input ``node`` passes on unchanged, if any: its one input that is not a
        constant, when the row's kernel returns it bit for bit on probes (NaN, infinities,
        -0.0, a subnormal) with a local derivative of 1 (``x * 1.0``, a sum of one term)."""
        ps = node.parents
        free = [i for i, p in enumerate(ps) if p.parents or id(p) not in self.created]
        if len(free) != 1:
            return None
        i = free[0]
        consts = tuple(p._data if j != i else None for j, p in enumerate(ps))
        key = (node.op, arg_key(node.arg), i, consts)
        if key not in self.same:
            self.same[key] = _passes_on(OPS[node.op], node.arg, i, consts)
        return ps[i] if self.same[key] else None

    def _layer(self, node: Value, flags: tuple[bool, ...]) -> list[Value] | None:
        op = OPS[node.op]
        if op.limits:
            return None
        key = (node.op, len(flags), arg_key(node.arg))
        if key not in self.forms:
            self.forms[key] = _bilinear(read_rule(node.op, len(flags), node.arg))
        form = self.forms[key]
        if form is None or len(form[0]) < 2 or any(flags[i] for i, _ in form[1]):
            return None
        hv, wv = [], []
        ps = node.parents
        for i, j in form[0]:
            if flags[i] == flags[j]:
                return None
            h, w = (i, j) if flags[i] else (j, i)
            hv.append(ps[h])
            wv.append(ps[w])
        self.layer[node] = (hv, wv, [(ps[i], c) for i, c in form[1]])
        return hv


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
        kinds = _Kinds([v for vs in tr.inputs for v in vs], tr.created)
        low = lower(tr, kinds)
        self.shapes: tuple[tuple[int, ...], ...] = tuple(tr.shapes)
        self.reduction = reduction
        self.num_nodes = low.num_nodes
        self._spans = low.spans
        params = _layer_order(low, kinds)
        self.params: tuple[Value, ...] = tuple(params)
        self._params_list = params
        self._n_par = len(params)
        self._layout(low, kinds, params)
        self._static = [st for st in self._steps if isinstance(st, Elem) and st.static]
        self._batch = [st for st in self._steps if st not in self._static]
        for pos, step in enumerate(self._steps):
            step.pos = pos
        self._zero_v, self._zero_s = _plan(self, low.out)
        for step in self._steps:
            step.specialise()
        self._before, self._after = split_checks(low, self._where)
        self._local = threading.local()

    def _layout(self, low: Lowered, kinds: _Kinds, params: list[Value]) -> None:
        """Rows for every Value (``_where``: Value -> (batched, row)) and the steps.

        A row of ones goes before each input and before each group that is a layer's input
        vector (in the layer's order), so the layer multiplies [b | W] by [1; H] and gets
        its biases' gradients from the same product as its weights'."""
        where: dict[Value, tuple[bool, int]] = {}
        hvs = {}  # a layer's input vector, by the ids in it
        for group in low.groups:
            if group.kind[0] == "d":
                hv = kinds.layer[group.nodes[0]][0]
                hvs.setdefault(frozenset(map(id, hv)), hv)
        ones: list[int] = []
        nv = 0
        self._in_rows = []
        for shape, lo, hi in low.spans:
            ones.append(nv)
            self._in_rows.append((shape, nv + 1, nv + 1 + hi - lo))
            for i, v in enumerate(low.inputs[lo:hi]):
                where[v] = (True, nv + 1 + i)
            nv += 1 + hi - lo
        self._n_in = nv
        ns = 0
        for v in (*params, *low.consts):
            where[v] = (False, ns)
            ns += 1
        for group in low.groups:
            if group.kind[0] == "a":  # a node equal to one of its inputs shares its row
                for node in group.nodes:
                    where[node] = where[kinds.alias[node]]
                continue
            batched = group.kind[0] != "s"
            hv = hvs.get(frozenset(map(id, group.nodes))) if group.kind[0] == "b" else None
            if hv is not None and len(hv) == len(group.nodes):
                group.nodes[:] = hv
                ones.append(nv)
                nv += 1
            elif group.kind[0] != "d":  # nodes in the order of their first input: views
                group.nodes.sort(key=lambda nd: where[nd.parents[0]])
            for node in group.nodes:
                where[node] = (batched, nv if batched else ns)
                if batched:
                    nv += 1
                else:
                    ns += 1
        self._ones = ones
        self._where = where
        self._rows, self._srows = nv, ns
        self._s_nodes = len(params) + len(low.consts)  # the static rows computed per call
        self._template = np.zeros((ns, 1))
        self._template[len(params) : len(params) + len(low.consts), 0] = [
            c._data for c in low.consts
        ]
        static = [g for g in low.groups if g.kind[0] == "s"]  # first: batched nodes read them
        groups = static + [g for g in low.groups if g.kind[0] in "bd"]
        self._steps = [_step(g, where, kinds, set(ones)) for g in groups]
        self._out = where[low.out]
        need = _needs(low, params)
        for step, group in zip(self._steps, groups):
            _attach_dests(step, group, kinds, need)

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
        with np.errstate(all="ignore"):  # the steps raise the engine's errors themselves
            for step in self._steps:
                step.forward(v, s, saved)
            # one sum finds any inf or NaN (a finite sum that overflows costs a look, no more)
            computed = v[self._n_in :].sum() + s[self._s_nodes :].sum()
            if not math.isfinite(computed):
                for step in self._steps:  # raises the scalar engine's error, if any
                    step.check(v, s)
        if self._after:
            self._run_checks(self._after, v, s)
        ws.b = b
        batched, row = self._out
        if batched:
            total = float(np.add.reduce(v[row]))
        else:
            total = float(s[row, 0]) * b
        return total * (1.0 / b) if self.reduction == "mean" else total

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
        gives shape ``(batch,)``, a list of k Values ``(batch, k)``."""
        ws = self._work()
        if not ws.b:
            raise RuntimeError("call the program on inputs before read()")
        v, _ = ws.matrices(ws.b)
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


def _layer_order(low: Lowered, kinds: _Kinds) -> list[Value]:
    """The parameters, layer by layer and node by node, each node's static terms (its bias)
    then its weights: a layer reads [b | W] as one view of the parameter array and writes
    its gradient into one slice."""
    ordered: dict[Value, None] = {}
    is_param = set(low.params)
    for group in low.groups:
        if group.kind[0] == "d":
            for node in group.nodes:
                _, wv, lin = kinds.layer[node]
                for w in [b for b, _ in lin] + wv:
                    if w in is_param and w not in ordered:
                        ordered[w] = None
    for p in low.params:
        ordered[p] = None
    return list(ordered)


def _needs(low: Lowered, params: list[Value]) -> dict[Value, bool]:
    """Which Values pass gradients back: the parameters, and nodes that depend on one."""
    need: dict[Value, bool] = dict.fromkeys(params, True)
    for group in low.groups:
        for node in group.nodes:
            need[node] = any(need.get(p, False) for p in node.parents)
    return need


def _rows_of(values: list[Value], where: dict[Value, tuple[bool, int]]) -> tuple[bool, Rows]:
    return where[values[0]][0], Rows([where[x][1] for x in values])


def _step(
    group: Any, where: dict[Value, tuple[bool, int]], kinds: _Kinds, ones: set[int]
) -> Elem | Layer:
    """The step that replays ``group`` (``ones``: the rows that hold 1)."""
    nodes = group.nodes
    lo = where[nodes[0]][1]
    if group.kind[0] == "d":
        hv, _, _ = kinds.layer[nodes[0]]
        _, h = _rows_of(hv, where)
        w = [[where[x][1] for x in kinds.layer[nd][1]] for nd in nodes]
        bias = [[(where[x][1], c) for x, c in kinds.layer[nd][2]] for nd in nodes]
        nodes_in = [[where[p] for p in nd.parents] for nd in nodes]
        return Layer(group.op, group.arg, h, w, bias, lo, nodes_in, ones)
    k = len(nodes[0].parents)
    if len(nodes) == 1:  # a wide node (a sum of many terms) has one input per term
        src = [(not where[p][0], [where[p][1]]) for p in nodes[0].parents]
    else:
        src = [
            (not where[nodes[0].parents[i]][0], [where[nd.parents[i]][1] for nd in nodes])
            for i in range(k)
        ]
    return Elem(group.op, group.arg, src, lo, len(nodes), group.kind[0] == "s")


def _attach_dests(step: Elem | Layer, group: Any, kinds: _Kinds, need: dict[Value, bool]) -> None:
    """Where each gradient of ``step`` goes: to inputs that are parameters or depend on one."""
    nodes = group.nodes
    if not any(need[nd] for nd in nodes):
        return  # nothing below depends on a parameter

    def wanted(values: list[Value]) -> bool:
        return any(need.get(x, False) for x in values)

    if isinstance(step, Layer):
        layers = [kinds.layer[nd] for nd in nodes]
        if wanted([w for _, ws, _ in layers for w in ws]):
            step.dw = Dest(step.w, static=True, fold=False)
        step.db = [
            Dest(rows, static=True, fold=False) if wanted([b[j][0] for _, _, b in layers]) else None
            for j, rows in enumerate(step.bias)
        ]
        if wanted(layers[0][0]):
            step.dh = Dest(step.h, static=False, fold=False)
        return
    wants = [i for i in range(step.k) if any(need.get(nd.parents[i], False) for nd in nodes)]
    if step.wide and wants:  # one Dest for every wanted input's rows
        step.want_wide(wants)
        return
    for i in wants:
        st, rows = step.src[i]
        step.want(i, Dest(rows, static=st, fold=st and not step.static))


def _plan(prog: BatchProgram, out: Value) -> tuple[np.ndarray, np.ndarray]:
    """Decide once how each Dest writes, in backward order: SET where it is the first writer
    of all its rows, ADD after, ADD_AT for repeated rows. Rows read before any write (and
    repeated rows' first writes) are cleared at the start of each backward: returned."""
    touched = (set(), set())  # rows of G, of GS
    zero: tuple[set[int], set[int]] = (set(), set())
    batched, row = prog._where[out]
    touched[0 if batched else 1].add(row)

    def plan(dest: Dest) -> None:
        m = 1 if dest.static else 0
        rows = set(dest.rows.rows)
        fresh = rows - touched[m]
        if dest.rows.dup:
            zero[m].update(fresh)
            dest.settle(ADD_AT)
        elif fresh == rows:
            dest.settle(SET)
        else:
            zero[m].update(fresh)
            dest.settle(ADD)
        touched[m].update(rows)

    for step in [*reversed(prog._batch), *reversed(prog._static)]:
        dests = step.all_dests()
        if not dests:
            continue
        m = 1 if isinstance(step, Elem) and step.static else 0
        own = set(range(step.lo, step.hi))
        zero[m].update(own - touched[m])  # rows nobody wrote (nodes without parameters)
        touched[m].update(own)
        for dest in dests:
            plan(dest)
    params = set(range(prog._n_par))
    zero[1].update(params - touched[1])
    return (np.array(sorted(zero[0]), dtype=np.intp), np.array(sorted(zero[1]), dtype=np.intp))
