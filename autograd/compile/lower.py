"""Lowering: a traced graph as the groups both program kinds replay.

The leaves of a traced graph are its inputs (the Values compile made for the examples), its
parameters (leaves that existed before the trace: every call reads them) and its constants
(leaves ``fn`` made, Python numbers in ops: fixed at their traced values). Its nodes go into
groups: nodes of one op, arity and constant at one topological level (a leaf is at level 0, a
node one above its highest parent), so one kernel call replays a whole group. A program kind
may split groups further by a key of its own (the per-sample program: which nodes see the
batch, which are a layer of a matrix product).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.compile.trace import Check, Trace
from autograd.ops import OPS, Op
from autograd.value import Value

__all__ = ["Group", "Lowered", "arg_key", "lower", "split_checks"]


def arg_key(arg: Any) -> Hashable:
    """The op's constant as part of a group key (by identity when it cannot be hashed)."""
    try:
        hash(arg)
    except TypeError:
        return ("id", id(arg))
    return (type(arg), arg)


@dataclass
class Group:
    """Nodes of one op, arity and constant at one level (and one ``kind``), in the order
    ``fn`` made them."""

    level: int
    kind: Any
    op: Op
    arg: Any
    nodes: list[Value]


@dataclass
class Lowered:
    """A traced graph numbered for a replay.

    ``inputs`` holds every input Value, example by example; ``spans`` each example's shape
    and its range in ``inputs``. ``groups`` come level by level (a group only reads leaves
    and groups before it).
    """

    out: Value
    spans: list[tuple[tuple[int, ...], int, int]]
    inputs: list[Value]
    params: list[Value]
    consts: list[Value]
    groups: list[Group]
    num_nodes: int
    checks: list[Check]


def lower(tr: Trace, kind: Callable[[Value], Hashable] | None = None) -> Lowered:
    """Number the leaves of ``tr`` and group its nodes; ``kind(node)`` (called in the order
    the nodes were made, each after its parents) splits groups further."""
    inputs: list[Value] = []
    spans: list[tuple[tuple[int, ...], int, int]] = []
    for vs, shape in zip(tr.inputs, tr.shapes):
        spans.append((shape, len(inputs), len(inputs) + len(vs)))
        inputs.extend(vs)
    is_input = set(inputs)
    created = tr.created
    topo = [v for v in tr.order if v.parents]  # each after its inputs, in the order made
    leaves: dict[Value, None] = {}
    level: dict[Value, int] = {}
    buckets: dict[tuple[Any, ...], list[Value]] = {}
    for node in topo:
        if node.op not in OPS:
            raise NotImplementedError(f"compile: no op named {node.op!r} is registered")
        lv = 0
        for p in node.parents:
            if p.parents:
                if level[p] > lv:
                    lv = level[p]
            elif p not in is_input:
                leaves[p] = None
        level[node] = lv = lv + 1
        key = (lv, kind(node) if kind else None, node.op, len(node.parents), arg_key(node.arg))
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = bucket = []
        bucket.append(node)
    out = tr.out
    if not out.parents and out not in is_input:  # fn returned a leaf that is no input
        leaves[out] = None
    groups = [
        Group(key[0], key[1], OPS[key[2]], nodes[0].arg, nodes)
        for key, nodes in sorted(buckets.items(), key=lambda item: item[0][0])  # stable
    ]
    params = [p for p in leaves if id(p) not in created]
    consts = [p for p in leaves if id(p) in created]
    return Lowered(out, spans, inputs, params, consts, groups, len(topo), tr.checks)


def split_checks(low: Lowered, known: Any) -> tuple[list[Check], list[Check]]:
    """The checks a program runs: on inputs only (before its forward pass) and on other
    Values it computes (after it); checks of constants run here, once. ``known`` holds the
    Values the program has a row for; a check of anything else reads nothing it replays."""
    inputs = set(low.inputs)
    consts = set(low.consts)
    before: list[Check] = []
    after: list[Check] = []
    for check in low.checks:
        if all(v in consts for v in check.values):
            check.test(np.array([v._data for v in check.values], dtype=np.float64))
        elif all(v in inputs for v in check.values):
            before.append(check)
        elif all(v in known for v in check.values):
            after.append(check)
    return before, after
