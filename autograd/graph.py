"""Graph traversal: topological order, backward, step-by-step backward and ``grad``.

Nothing here knows any op: nodes carry their local partials (computed from the op table when
they were built), and ``create_graph`` asks the table for them again, evaluated on Values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from autograd.value import OPS, Value, _enable_grad

__all__ = ["toposort", "backward", "backward_steps", "grad", "zero_grad", "Step"]


def toposort(root: Value) -> list[Value]:
    """Nodes with parents reachable from ``root``, each after all of its inputs (leaves left out).

    Iterative depth-first search, so graphs of any depth work (no recursion limit).
    """
    if not root.parents:
        return []
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Any] = [root]
    append = stack.append
    pop = stack.pop
    # Expanding a node pushes it back, then a marker (None), then its parents; when the marker
    # is popped every parent has been emitted, so the node below it is emitted next.
    while stack:
        node = pop()
        if node is None:
            order.append(pop())
        elif node not in seen:
            seen.add(node)
            append(node)
            append(None)
            for p in node.parents:
                if p.parents and p not in seen:
                    append(p)
    return order


def backward(root: Value) -> None:
    """Add d root / d node into ``.grad`` of every node; a second call adds the same again."""
    topo = toposort(root)
    if not topo:
        root.grad += 1.0
        return
    # Each pass propagates only its own gradient: inner nodes start this pass from 0 and get
    # their earlier .grad back at the end, so repeated calls add exactly the same amounts
    # (micrograd re-propagates the accumulated grads and gets y = x*x*x wrong the second time).
    saved = [n.grad for n in topo]
    for n in topo:
        n.grad = 0.0
    root.grad = 1.0
    for node in reversed(topo):
        g = node.grad
        for p, d in zip(node.parents, node._partials):
            p.grad += d * g
    for n, s in zip(topo, saved):
        if s:
            n.grad += s


class Step(NamedTuple):
    """One step of backward: ``grad`` arrived at ``node`` and went to its ``parents``.

    ``parents`` holds (parent, local derivative, contribution added to parent.grad).
    """

    node: Value
    grad: float
    parents: tuple[tuple[Value, float, float], ...]


def backward_steps(root: Value) -> Iterator[Step]:
    """Apply backward one node at a time, yielding a :class:`Step` per node that has parents.

    Iterated to the end it leaves exactly the grads one ``backward()`` call leaves.
    """
    topo = toposort(root)
    root.grad += 1.0
    pending: dict[Value, float] = {root: 1.0}
    for node in reversed(topo):
        g = pending.pop(node, 0.0)
        added = []
        for p, d in zip(node.parents, node._partials):
            c = d * g
            p.grad += c
            if p.parents:
                pending[p] = pending.get(p, 0.0) + c
            added.append((p, d, c))
        yield Step(node, g, tuple(added))


def zero_grad(root: Value) -> None:
    """Set ``.grad`` to 0.0 on every node reachable from ``root``, leaves included."""
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        node.grad = 0.0
        for p in node.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)


def _partials_on_values(node: Value) -> tuple[Any, ...]:
    op = OPS.get(node.op)
    if op is None or op.partials is None:
        raise NotImplementedError(f"no rule registered for op {node.op!r}")
    ds = op.partials(node, node.parents, node.arg)
    if len(ds) != len(node.parents):
        raise RuntimeError(
            f"rule for op {node.op!r} returned {len(ds)} gradients for {len(node.parents)} inputs"
        )
    return ds


def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> tuple[Any, ...]:
    """d output / d input for each input, as a tuple, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values with their own graph (built from the same
    rules, evaluated on Values), so they can be differentiated again.

    >>> x = Value(3.0)
    >>> (dx,) = grad(x * x * x, [x], create_graph=True)
    >>> dx.data, grad(dx, [x])[0]
    (27.0, 18.0)
    """
    if isinstance(inputs, Value):
        inputs = (inputs,)
    for v in inputs:
        if not isinstance(v, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(v).__name__}")
    topo = toposort(output)
    if not create_graph:
        grads: dict[Value, Any] = {output: 1.0}
        for node in reversed(topo):
            g = grads.get(node)
            if g is None:
                continue
            for p, d in zip(node.parents, node._partials):
                grads[p] = grads.get(p, 0.0) + d * g
        return tuple(float(grads.get(v, 0.0)) for v in inputs)
    with _enable_grad():
        grads = {output: Value(1.0)}
        for node in reversed(topo):
            g = grads.get(node)
            if g is None:
                continue
            for p, d in zip(node.parents, _partials_on_values(node)):
                c = g * d
                grads[p] = grads[p] + c if p in grads else c
        return tuple(grads[v] if v in grads else Value(0.0) for v in inputs)
