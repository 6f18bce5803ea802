"""Graph traversal: topological order and the one reverse pass.

Nothing here knows any op: nodes carry their local partials (computed from the op table when
they were built), and ``create_graph`` asks the table for them again, evaluated on Values.
:func:`_flow` is the only place gradients flow; ``backward``, ``backward_steps``, ``grad``
(floats or Values), micrograd's ``_backward()`` and everything viz shows are views of it.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd.mode import NUMBER_READS, enable_grad
from autograd.ops import OPS, describe_call

if TYPE_CHECKING:  # value.py imports this module; nodes are only read through their fields
    from autograd.value import Value

__all__ = [
    "Step",
    "backward",
    "backward_node",
    "backward_steps",
    "grad",
    "reverse",
    "toposort",
    "zero_grad",
]


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
            for p in node.parents:
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


class _Nothing:
    """The gradient of a node nothing has reached yet, in a pass on Values: adding a
    contribution to it gives the contribution itself (no ``0 + g`` node in the graph)."""

    __slots__ = ()

    def __add__(self, other: Any) -> Any:
        return other

    def __repr__(self) -> str:
        return "nothing"


NOTHING: Any = _Nothing()


def _flow(topo: list[Value], local: Any = None, record: bool = False) -> Iterator[Any]:
    """THE reverse pass: from the last node of ``topo`` down, each node passes its ``.grad``
    on, ``parent.grad += local derivative * grad``; with ``record`` it yields each node's
    :class:`Step` once that node's contributions are made (else it yields None at the end).

    ``local(node)`` gives the local derivatives (default: the floats stored on the node; on
    Values for ``create_graph``). A zero local derivative passes nothing, so a flat piece
    (relu below 0) stays 0 even under an infinite upstream gradient, as in torch; a local
    derivative that is a Value passes, whatever its value (its graph is what matters).
    Callers set the ``.grad`` fields up (this pass's gradients only) and put them back.
    """
    added: list[tuple[Value, Any, Any]] = []
    values = local is not None  # partials are Values (create_graph), else numbers
    for node in reversed(topo):
        g = node.grad
        if g is NOTHING:  # on Values: no gradient reached this node
            if record:
                yield Step(node, g, ())
            continue
        ds = node.partials if local is None else local(node)
        if record:
            added = []
        for p, d in zip(node.parents, ds):
            # a zero number passes nothing; a Value always passes, whatever its value: its
            # truth is never asked (that would read its number, which a compiled trace refuses)
            if (hasattr(d, "parents") or d) if values else d:
                c = d * g
                p.grad += c
            else:  # a zero number: nothing passes
                c = 0.0
            if record:
                added.append((p, d, c))
        if record:
            yield Step(node, g, tuple(added))
    yield None  # the end of a pass that records no steps


def _run(steps: Iterator[Any]) -> None:
    deque(steps, maxlen=0)


def _partials_on_values(node: Value) -> tuple[Any, ...]:
    """The row's local derivatives evaluated on Values (their own graph), for create_graph;
    a graph whose inputs changed after it was built is refused (the data clock)."""
    op = OPS.get(node.op)
    if op is None:
        raise NotImplementedError(f"no op named {node.op!r} is registered")
    xs = node.parents
    for p in xs:
        if p._t > node._t:
            where = describe_call(op, [p._data for p in xs], node.arg)
            raise RuntimeError(
                f"{where}: an input's .data was changed after the graph was built, so its "
                "derivative would mix old and new values; build the graph again"
            )
    try:
        ds = op.partials(node, xs, node.arg)
    except (ValueError, ZeroDivisionError, OverflowError) as err:
        where = describe_call(op, [p._data for p in xs], node.arg)
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


def _with_leaves(output: Value, topo: list[Value]) -> list[Value]:
    """``topo`` and the leaves its nodes read (``[output]`` for a leaf output)."""
    if not topo:
        return [output]
    leaves = {p: None for node in topo for p in node.parents if not p.parents}
    return [*leaves, *topo]


def reverse(
    output: Value,
    create_graph: bool = False,
    steps: list[Step] | None = None,
) -> dict[Value, Any]:
    """The reverse pass as a dict: d output / d node for every node ``output`` depends on
    (itself too). Gradients are floats, or Values with a graph of their own when
    ``create_graph`` (the rules evaluated on Values). With a ``steps`` list, each node's
    :class:`Step` is appended to it. Every ``.grad`` is left as it was.
    """
    with _collector_paused():
        topo = toposort(output)
        nodes = _with_leaves(output, topo)
        saved = [n.grad for n in nodes]
        try:
            if create_graph:
                for n in nodes:
                    n.grad = NOTHING
                output.grad = type(output)(1.0)
                with enable_grad():
                    flow = _flow(topo, _partials_on_values, steps is not None)
                    for step in flow:
                        if step is not None and steps is not None:
                            steps.append(step)
            else:
                for n in nodes:
                    n.grad = 0.0
                output.grad = 1.0
                flow = _flow(topo, None, steps is not None)
                if steps is None:
                    _run(flow)
                else:
                    steps.extend(s for s in flow if s is not None)
            return {n: n.grad for n in nodes if n.grad is not NOTHING}
        finally:
            for n, g in zip(nodes, saved):
                n.grad = g


@contextmanager
def _own_pass(root: Value) -> Iterator[list[Value]]:
    """Set up a pass that adds into ``.grad``: inner nodes hold only this pass's gradient
    while it runs and get their earlier ``.grad`` back on top afterwards (leaves add into
    theirs directly), so a second ``backward()`` adds the same again (27, then 54)."""
    with _collector_paused():
        topo = toposort(root)
        saved = [(n, n.grad) for n in topo if n.grad]
        for n, _ in saved:
            n.grad = 0.0
        if topo:
            root.grad = 1.0
        else:
            root.grad += 1.0
        try:
            yield topo
        finally:
            for n, g in saved:
                n.grad += g


def backward(root: Value) -> None:
    """Add d root / d node into ``.grad`` of every node; a second call adds the same again
    (each pass propagates only its own gradient; inner nodes get their earlier ``.grad`` back
    on top, so y = x*x*x at 3 gives 27, then 54)."""
    with _own_pass(root) as topo:
        _run(_flow(topo))


def backward_steps(root: Value) -> Iterator[Step]:
    """Backward one node at a time: a generator of one :class:`Step` per node that has
    parents, each made (its contributions added into the parents' ``.grad``) when it is
    asked for. Run to the end it leaves exactly the grads one ``backward()`` call leaves.
    """
    with _own_pass(root) as topo:
        for step in _flow(topo, None, True):
            if step is not None:
                yield step


def backward_node(node: Value) -> None:
    """micrograd's ``_backward()``: this node's own step of the pass (its ``.grad`` times each
    local derivative, added into its parents' ``.grad``), no more."""
    _run(_flow([node]))


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


def grad_of(output: Value, inputs: Value | Iterable[Value], create_graph: bool = False) -> tuple:
    """d output / d input for each input, as a tuple, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values with their own graph (built from the same
    rules, evaluated on Values), so they can be differentiated again.

    >>> from autograd import Value
    >>> x = Value(3.0)
    >>> (dx,) = grad_of(x * x * x, [x], create_graph=True)
    >>> dx.data, grad_of(dx, [x])[0]
    (27.0, 18.0)
    """
    node = type(output)
    if not hasattr(output, "parents"):
        raise TypeError(f"grad() output must be a Value, got {node.__name__}")
    wrt = (inputs,) if isinstance(inputs, node) else tuple(inputs)
    for v in wrt:
        if not isinstance(v, node):
            raise TypeError(f"grad() inputs must be Values, got {type(v).__name__}")
    if not create_graph:
        hook = NUMBER_READS.get()
        if hook is not None:  # floats out of a traced graph would be baked into a replay
            hook("a gradient as a number (autograd.grad)")
    grads = reverse(output, create_graph)
    if create_graph:
        return tuple(grads[v] if v in grads else node(0.0) for v in wrt)
    return tuple(grads.get(v, 0.0) for v in wrt)


grad = grad_of  # the torch-style form; autograd.grad also takes a function (autograd.functional)
