"""Graph traversal: topological order and the one reverse pass.

Nothing here knows any op: nodes carry their local partials (computed from the op table when
they were built), and ``create_graph`` asks the table for them again, evaluated on Values.
:func:`reverse` is the only place gradients flow; ``backward``, ``backward_steps`` and ``grad``
(both modes) are views of it, and so is everything viz shows.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd.mode import enable_grad
from autograd.ops import OPS, check_limits, describe_call

if TYPE_CHECKING:  # value.py imports this module; nodes are only read through their fields
    from autograd.value import Value

__all__ = ["Step", "backward", "backward_steps", "grad", "reverse", "toposort", "zero_grad"]


def toposort(root: Value) -> list[Value]:
    """Nodes with parents reachable from ``root``, each after all of its inputs (leaves left out).

    Iterative depth-first search, so graphs of any depth work (no recursion limit).
    """
    if not root.parents:
        return []
    order: list[Value] = []
    seen: set[Value] = set()
    add = seen.add
    stack: list[Any] = [root]
    append = stack.append
    pop = stack.pop
    emit = order.append
    # Expanding a node pushes it back, then a marker (None), then its parents; when the marker
    # is popped every parent has been emitted, so the node below it is emitted next.
    while stack:
        node = pop()
        if node is None:
            emit(pop())
        elif node not in seen:
            add(node)
            append(node)
            append(None)
            ps = node.parents
            if len(ps) == 2:  # most nodes: unrolled, no iterator
                p, q = ps
                if p.parents and p not in seen:
                    append(p)
                if q.parents and q not in seen:
                    append(q)
            else:
                for p in ps:
                    if p.parents and p not in seen:
                        append(p)
    return order


class Step(NamedTuple):
    """One step of the reverse pass: ``grad`` arrived at ``node`` and went to its ``parents``.

    ``parents`` holds (parent, local derivative, contribution added to parent's gradient).
    """

    node: Value
    grad: Any
    parents: tuple[tuple[Value, Any, Any], ...]


def _partials_on_values(node: Value) -> tuple[Any, ...]:
    op = OPS.get(node.op)
    if op is None:
        raise NotImplementedError(f"no op named {node.op!r} is registered")
    xs = node.parents
    # The rules read the inputs' current .data; if a leaf was changed after the graph was
    # built, the node's stored output no longer matches and the result would mix old and new
    # values (torch detects this with version counters; here a recomputation is cheap enough).
    datas = tuple([p.data for p in xs])
    try:
        check_limits(op, datas, node.arg)
        now = op.forward(datas, node.arg)
    except (ValueError, ArithmeticError):
        now = None  # the inputs are outside the domain now: they changed
    if now is None or (now != node.data and now == now):
        where = describe_call(op, [p.data for p in xs], node.arg)
        raise RuntimeError(
            f"{where} no longer gives the stored {node.data!r}: an input's .data was changed "
            "after the graph was built; build the graph again"
        )
    try:
        ds = op.partials(node, xs, node.arg)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        where = describe_call(op, [p.data for p in xs], node.arg)
        raise type(err)(f"{where}: its derivative cannot be differentiated here ({err})") from None
    if len(ds) != len(xs):
        raise RuntimeError(
            f"rule for op {node.op!r} returned {len(ds)} gradients for {len(xs)} inputs"
        )
    return ds


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (graphs hold no reference cycles, so it would only
    walk them for nothing) and leave it as the caller had it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _chain(topo: list[Value], steps: list[Step] | None) -> None:
    """The float chain rule, in place, and the only float reverse loop: from the output down,
    each node passes its ``.grad`` on (``parent.grad += local * grad``). The nodes' ``.grad``
    must hold only this pass's gradients; callers set that up and put old values back. A zero
    local derivative passes nothing, so a flat piece (relu below 0) stays 0 even under an
    infinite upstream gradient, as in torch. With ``steps``, each node's Step is appended."""
    if steps is not None:
        for node in reversed(topo):
            g = node.grad
            added = tuple(
                [(p, d, d * g if d else 0.0) for p, d in zip(node.parents, node.partials)]
            )
            for p, _, c in added:
                p.grad += c
            steps.append(Step(node, g, added))
        return
    for node in reversed(topo):
        g = node.grad
        ps = node.parents
        if len(ps) == 2:  # most nodes: unpacked, no iterator
            a, b = ps
            da, db = node.partials
            if da:
                a.grad += da * g
            if db:
                b.grad += db * g
        elif len(ps) == 1:
            d = node.partials[0]
            if d:
                ps[0].grad += d * g
        else:
            for p, d in zip(ps, node.partials):
                if d:
                    p.grad += d * g


def reverse(
    output: Value,
    create_graph: bool = False,
    steps: list[Step] | None = None,
) -> dict[Value, Any]:
    """The reverse pass: d output / d node for every node ``output`` depends on (itself too).

    Gradients are floats, or Values with a graph of their own when ``create_graph`` (the rules
    evaluated on Values). With a ``steps`` list, each node's :class:`Step` is appended to it.
    Every ``.grad`` is left as it was.
    """
    with _collector_paused():
        topo = toposort(output)
        if create_graph:
            return _reverse_on_values(output, topo, steps)
        nodes = _with_leaves(output, topo)
        saved = [n.grad for n in nodes]
        for n in nodes:
            n.grad = 0.0
        output.grad = 1.0
        try:
            _chain(topo, steps)
            return {n: n.grad for n in nodes}
        finally:
            for n, g in zip(nodes, saved):
                n.grad = g


def _with_leaves(output: Value, topo: list[Value]) -> list[Value]:
    """``topo`` and the leaves its nodes read (``[output]`` for a leaf output)."""
    if not topo:
        return [output]
    leaves = {p: None for node in topo for p in node.parents if not p.parents}
    return [*leaves, *topo]


def _reverse_on_values(
    output: Value, topo: list[Value], steps: list[Step] | None
) -> dict[Value, Any]:
    """create_graph: the rules evaluated on Values, so each gradient is a graph of its own."""
    grads: dict[Value, Any] = {output: type(output)(1.0)}
    get = grads.get
    with enable_grad():
        for node in reversed(topo):
            g = grads[node]
            added = []
            for p, d in zip(node.parents, _partials_on_values(node)):
                c = g * d
                before = get(p)
                grads[p] = c if before is None else before + c
                added.append((p, d, c))
            if steps is not None:
                steps.append(Step(node, g, tuple(added)))
    return grads


def backward(root: Value) -> None:
    """Add d root / d node into ``.grad`` of every node; a second call adds the same again
    (each pass propagates only its own gradient; inner nodes get their earlier ``.grad`` back
    on top, so y = x*x*x at 3 gives 27, then 54)."""
    with _collector_paused():
        topo = toposort(root)
        if not topo:
            root.grad += 1.0
            return
        saved = [(n, n.grad) for n in topo if n.grad]
        for n, _ in saved:
            n.grad = 0.0
        root.grad = 1.0
        _chain(topo, None)
        for n, g in saved:
            n.grad += g


def backward_steps(root: Value) -> Iterator[Step]:
    """Backward one node at a time: yields a :class:`Step` per node that has parents, adding
    its contributions into the parents' ``.grad`` as it goes. Run to the end it leaves exactly
    the grads one ``backward()`` call leaves.
    """
    steps: list[Step] = []
    reverse(root, steps=steps)
    root.grad += 1.0
    for step in steps:
        for p, _, c in step.parents:
            p.grad += c
        yield step


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


def grad(output: Value, inputs: Value | Iterable[Value], create_graph: bool = False) -> tuple:
    """d output / d input for each input, as a tuple, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values with their own graph (built from the same
    rules, evaluated on Values), so they can be differentiated again.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> (dx,) = grad(x * x * x, [x], create_graph=True)
    >>> dx.data, grad(dx, [x])[0]
    (27.0, 18.0)
    """
    node = type(output)
    if not hasattr(output, "parents"):
        raise TypeError(f"grad() output must be a Value, got {node.__name__}")
    wrt = (inputs,) if isinstance(inputs, node) else tuple(inputs)
    for v in wrt:
        if not isinstance(v, node):
            raise TypeError(f"grad() inputs must be Values, got {type(v).__name__}")
    grads = reverse(output, create_graph)
    if create_graph:
        return tuple(grads[v] if v in grads else node(0.0) for v in wrt)
    return tuple(float(grads.get(v, 0.0)) for v in wrt)
