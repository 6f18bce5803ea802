"""The per-sample program's layout: where each node of the traced sample lives.

A node that depends on an input sees the batch: one row of the batch matrix V (a column per
sample). A node of parameters and constants only is static: one row of the column S, computed
once per call. A group of bilinear nodes (affine) over one batched vector with static weights
is a layer, run as a matrix product; a node equal to one of its inputs (``x * 1.0``, a sum of
one term) shares that input's row. A row of ones goes before each input and each layer's input
vector, so a layer multiplies [b | W] by [1; H], its biases a column of its weights. Then each
step's backward is planned once: the first writer of a gradient row sets it, later ones add,
so no gradient matrix is cleared per call.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.compile.arrays import Probe, read_rule
from autograd.compile.layers import Layer
from autograd.compile.lower import Group, Lowered, arg_key, lower
from autograd.compile.steps import ADD, ADD_AT, SET, Dest, Elem, Rows
from autograd.compile.trace import Trace
from autograd.ops import OPS
from autograd.value import Value

__all__ = ["Layout", "lay_out"]


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


class Kinds:
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
        flags = []
        need = False
        free = 0  # inputs that are no constant
        for p in ps:  # one pass: this runs for every node (an L2 penalty has thousands)
            flags.append(p in batched)
            if p.parents:
                free += 1
                need = need or p in needs
            elif id(p) not in made:  # an input (batched) or a parameter
                free += 1
                need = need or not flags[-1]
        if need:
            needs.add(node)
        if True in flags:
            batched.add(node)
        if free == 1 and len(ps) <= 2:  # x * 1.0, a sum of one term: equal to its input?
            same = self._identity(node)
            if same is not None:
                self.alias[node] = same
                return ("a",)
        flags = tuple(flags)
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

    def _layer(self, node: Value, flags: Any) -> list[Value] | None:
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


@dataclass
class Layout:
    """Everything a per-sample program needs to run: its parameters (in the order the
    layers read them), where each Value lives (``where``: Value -> (batched, row)), the
    rows of each input and of the ones, the static column's starting values, and the steps
    (static ones first), with the gradient rows to clear at each backward."""

    low: Lowered
    params: list[Value]
    where: dict[Value, tuple[bool, int]]
    in_rows: list[tuple[tuple[int, ...], int, int]]
    ones: list[int]
    rows: int
    template: np.ndarray
    static: list[Any]
    batched: list[Any]
    zero_v: np.ndarray
    zero_s: np.ndarray


def lay_out(tr: Trace) -> Layout:
    """Lower ``tr``, lay its nodes out in rows and make its steps."""
    kinds = Kinds([v for vs in tr.inputs for v in vs], tr.created)
    low = lower(tr, kinds)
    params = _layer_order(low, kinds)
    where, in_rows, ones, (nv, ns) = _rows(low, kinds, params)
    template = np.zeros((ns, 1))
    template[len(params) : len(params) + len(low.consts), 0] = [c._data for c in low.consts]
    groups = [g for g in low.groups if g.kind[0] == "s"]  # first: batched nodes read them
    groups += [g for g in low.groups if g.kind[0] in "bd"]
    steps = [_step(g, where, kinds, set(ones)) for g in groups]
    need = _needs(low, params)
    for pos, (step, group) in enumerate(zip(steps, groups)):
        step.pos = pos
        _attach_dests(step, group, kinds, need)
    static = [st for st in steps if isinstance(st, Elem) and st.static]
    batched = [st for st in steps if not (isinstance(st, Elem) and st.static)]
    zero_v, zero_s = _plan(batched, static, where[low.out], len(params))
    for step in steps:
        step.specialise()
    return Layout(low, params, where, in_rows, ones, nv, template, static, batched, zero_v, zero_s)


def _rows(
    low: Lowered, kinds: Kinds, params: list[Value]
) -> tuple[dict[Value, tuple[bool, int]], list[Any], list[int], tuple[int, int]]:
    """Rows for every Value: inputs (each after a row of ones), parameters and constants,
    then group by group; a group that is a layer's input vector goes in the layer's order,
    after a row of ones; any other group in the order of its first input's rows (views)."""
    where: dict[Value, tuple[bool, int]] = {}
    hvs = {}  # a layer's input vector, by the ids in it
    for group in low.groups:
        if group.kind[0] == "d":
            hv = kinds.layer[group.nodes[0]][0]
            hvs.setdefault(frozenset(map(id, hv)), hv)
    ones: list[int] = []
    in_rows = []
    nv = ns = 0
    for shape, lo, hi in low.spans:
        ones.append(nv)
        in_rows.append((shape, nv + 1, nv + 1 + hi - lo))
        for i, v in enumerate(low.inputs[lo:hi]):
            where[v] = (True, nv + 1 + i)
        nv += 1 + hi - lo
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
        elif group.kind[0] != "d":
            group.nodes.sort(key=lambda nd: where[nd.parents[0]])
        for node in group.nodes:
            where[node] = (batched, nv if batched else ns)
            if batched:
                nv += 1
            else:
                ns += 1
    return where, in_rows, ones, (nv, ns)


def _layer_order(low: Lowered, kinds: Kinds) -> list[Value]:
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
    group: Group, where: dict[Value, tuple[bool, int]], kinds: Kinds, ones: set[int]
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


def _attach_dests(step: Elem | Layer, group: Any, kinds: Kinds, need: dict[Value, bool]) -> None:
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


def _plan(
    batched_steps: list[Any], static_steps: list[Any], out: tuple[bool, int], n_par: int
) -> tuple[np.ndarray, np.ndarray]:
    """Decide once how each Dest writes, in backward order: SET where it is the first writer
    of all its rows, ADD after, ADD_AT for repeated rows. Rows read before any write (and
    repeated rows' first writes) are cleared at the start of each backward: returned."""
    touched = (set(), set())  # rows of G, of GS
    zero: tuple[set[int], set[int]] = (set(), set())
    batched, row = out
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

    for step in [*reversed(batched_steps), *reversed(static_steps)]:
        dests = step.all_dests()
        if not dests:
            continue
        m = 1 if isinstance(step, Elem) and step.static else 0
        own = set(range(step.lo, step.hi))
        zero[m].update(own - touched[m])  # rows nobody wrote (nodes without parameters)
        touched[m].update(own)
        for dest in dests:
            plan(dest)
    params = set(range(n_par))
    zero[1].update(params - touched[1])
    return (np.array(sorted(zero[0]), dtype=np.intp), np.array(sorted(zero[1]), dtype=np.intp))
