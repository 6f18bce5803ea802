"""Functions of functions, as in HIPS autograd and JAX: ``grad(f)``, ``value_and_grad(f)``,
``jacobian(f)``, ``hessian(f)`` and forward mode ``jvp(f, primals, tangents)``.

Each is a view of the engine: ``f`` is called on Values, the graph it records is walked by the
one reverse pass (``autograd.graph``) or, for ``jvp``, forward with the rows' partials. Any
order comes by nesting (``grad(grad(grad(f)))``): a transform called inside another, or on
Values, keeps the graph of its result (``create_graph``) so the outer one can differentiate it.
Arguments are numbers, Values, (nested) lists or tuples of them, or numpy arrays of numbers;
gradients come back in the same shape.

>>> from autograd import grad
>>> def tanh(x):
...     return (1.0 - (-2 * x).exp()) / (1.0 + (-2 * x).exp())
>>> round(grad(tanh)(1.0), 12), round(grad(grad(tanh))(1.0), 12)
(0.419974341614, -0.639700008449)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np

from autograd.graph import _partials_on_values, grad_of, toposort
from autograd.mode import enable_grad
from autograd.value import Value, apply

__all__ = ["grad", "hessian", "jacobian", "jvp", "value_and_grad"]

# How many transforms are running around this call: inside one, results keep their graph.
_DEPTH: ContextVar[int] = ContextVar("autograd_transform_depth", default=0)
ArgNums = int | Sequence[int]


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.number) and not isinstance(x, bool)


def _variables(x: Any, where: str) -> tuple[Any, list[Value]]:
    """``x`` with every number or Value replaced by a fresh variable; and the variables.

    A Value becomes ``x + 0`` (a node of its own, so differentiating with respect to it never
    mixes in another use of ``x``: no perturbation confusion); a number becomes a leaf.
    """
    if isinstance(x, Value):
        v = apply("add", x, 0.0)
        return v, [v]
    if _is_number(x):
        v = Value(float(x))
        return v, [v]
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{where}: an array argument must hold numbers, got {x.dtype}")
        vs = [Value(float(a)) for a in x.ravel().tolist()]
        return np.array(vs, dtype=object).reshape(x.shape), vs
    if isinstance(x, list | tuple):
        parts = [_variables(item, where) for item in x]
        shaped = type(x)(p for p, _ in parts)
        return shaped, [v for _, vs in parts for v in vs]
    raise TypeError(
        f"{where}: arguments to differentiate must be numbers, Values, lists or arrays of "
        f"numbers, got {type(x).__name__}"
    )


def _shaped(like: Any, flat: Iterable[Any]) -> Any:
    """The values ``flat`` (in variable order) put back into the shape of argument ``like``."""
    it = iter(flat)

    def build(x: Any) -> Any:
        if isinstance(x, np.ndarray):
            items = [next(it) for _ in range(x.size)]
            dtype = float if all(isinstance(i, float) for i in items) else object
            return np.array(items, dtype=dtype).reshape(x.shape)
        if isinstance(x, list | tuple):
            return type(x)(build(item) for item in x)
        return next(it)

    return build(like)


def _argnums(argnums: ArgNums, n: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or any(not isinstance(i, int) or isinstance(i, bool) for i in nums):
        raise TypeError(f"{where}: argnums must be an int or a tuple of ints, got {argnums!r}")
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"{where}: argnums {i} is out of range for {n} argument(s)")
    return tuple(i % n for i in nums)


def _has_value(x: Any) -> bool:
    if isinstance(x, Value):
        return True
    if isinstance(x, list | tuple) or (isinstance(x, np.ndarray) and x.dtype == object):
        return any(_has_value(i) for i in x)
    return False


def _call(f: Callable[..., Any], argnums: ArgNums, args: tuple, kwargs: dict, where: str) -> Any:
    """Run ``f`` on fresh variables for the arguments in ``argnums``: (output, variables per
    argument, the arguments' shapes, whether results keep their graph)."""
    nums = _argnums(argnums, len(args), where)
    keep = _DEPTH.get() > 0 or _has_value((args, list(kwargs.values())))
    call = list(args)
    per_arg = []
    for i in nums:
        call[i], vs = _variables(args[i], where)
        per_arg.append(vs)
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        with enable_grad():
            out = f(*call, **kwargs)
    finally:
        _DEPTH.reset(token)
    return out, nums, per_arg, keep


def _derivatives(out: Any, variables: list[Value], keep: bool, where: str) -> list[Any]:
    if isinstance(out, Value):
        return list(grad_of(out, variables, create_graph=keep))
    if _is_number(out):  # f does not depend on its arguments
        return [Value(0.0) if keep else 0.0 for _ in variables]
    raise TypeError(f"{where}: f must return one Value (a scalar), got {type(out).__name__}")


def _result(x: Any, keep: bool) -> Any:
    return x if keep or not isinstance(x, Value) else x.data


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """``f``'s value and its gradient with respect to argument ``argnums`` (a tuple of ints
    for several: the gradients come as a tuple), in one call.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    if not callable(f):
        raise TypeError(f"value_and_grad: f must be a function, got {type(f).__name__}")

    def both(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, nums, per_arg, keep = _call(f, argnums, args, kwargs, "grad")
        flat = _derivatives(out, [v for vs in per_arg for v in vs], keep, "grad")
        grads, k = [], 0
        for i, vs in zip(nums, per_arg):
            grads.append(_shaped(args[i], flat[k : k + len(vs)]))
            k += len(vs)
        value = _result(out, keep) if isinstance(out, Value) else float(out)
        return value, (grads[0] if isinstance(argnums, int) else tuple(grads))

    both.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return both


def grad(f: Any, *args: Any, argnums: ArgNums = 0, **kwargs: Any) -> Any:
    """The gradient of a scalar function, or of a Value (the first argument's type decides).

    - ``grad(f, argnums=0)`` with a function ``f`` (HIPS and JAX): a function that returns
      d f / d argument ``argnums`` (a tuple of ints for several), in the argument's shape.
      Nest it for higher orders: ``grad(grad(f))``.
    - ``grad(output, inputs, create_graph=False)`` with a Value (torch): d output / d input
      for each input, as a tuple; see :func:`autograd.graph.grad_of`.

    >>> grad(lambda x: x * x * x)(3.0), grad(grad(lambda x: x * x * x))(3.0)
    (27.0, 18.0)
    """
    if isinstance(f, Value) or hasattr(f, "parents"):
        return grad_of(f, *args, **kwargs)
    if not callable(f):
        raise TypeError(
            f"grad() takes a function (grad(f)) or a Value (grad(output, inputs)), "
            f"got {type(f).__name__}"
        )
    if args or kwargs:
        raise TypeError("grad(f) takes only argnums; call the function it returns on arguments")
    both = value_and_grad(f, argnums)

    def gradient(*a: Any, **kw: Any) -> Any:
        return both(*a, **kw)[1]

    gradient.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return gradient


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """For ``f`` returning a Value or a (nested) sequence of Values: the gradient of each
    output with respect to argument ``argnums``, in the output's shape.

    >>> jacobian(lambda x: [x * x, x * 3])(2.0)
    [4.0, 3.0]
    """
    if not callable(f):
        raise TypeError(f"jacobian: f must be a function, got {type(f).__name__}")

    def jac(*args: Any, **kwargs: Any) -> Any:
        out, nums, per_arg, keep = _call(f, argnums, args, kwargs, "jacobian")

        def each(y: Any) -> Any:
            if isinstance(y, list | tuple):
                return type(y)(each(item) for item in y)
            if isinstance(y, np.ndarray):
                return np.array([each(item) for item in y.ravel()], dtype=object).reshape(
                    y.shape + (() if isinstance(argnums, int) else (len(nums),))
                )
            flat = _derivatives(y, [v for vs in per_arg for v in vs], keep, "jacobian")
            grads, k = [], 0
            for i, vs in zip(nums, per_arg):
                grads.append(_shaped(args[i], [_result(g, keep) for g in flat[k : k + len(vs)]]))
                k += len(vs)
            return grads[0] if isinstance(argnums, int) else tuple(grads)

        return each(out)

    jac.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return jac


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The second derivatives of a scalar ``f``: ``jacobian(grad(f))``. For one number, a
    number; for a list of n numbers, an n x n nested list; for several ``argnums``, a tuple
    of tuples, ``H[i][j]`` = d2 f / d arg_i d arg_j.

    >>> hessian(lambda x, y: x * x * y, argnums=(0, 1))(3.0, 2.0)
    ((4.0, 6.0), (6.0, 0.0))
    """
    if not callable(f):
        raise TypeError(f"hessian: f must be a function, got {type(f).__name__}")
    h = jacobian(grad(f, argnums=argnums), argnums)
    h.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return h


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J @ tangents)``, the directional derivative of ``f`` at
    ``primals`` along ``tangents`` (same shapes), pushed forward node by node with each row's
    local partials (d node = sum of partial_i * d parent_i).

    >>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))
    (12.0, 4.0)
    """
    if not callable(f):
        raise TypeError(f"jvp: f must be a function, got {type(f).__name__}")
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    out, _, per_arg, keep = _call(f, tuple(range(len(primals))), primals, {}, "jvp")
    dot: dict[Value, Any] = {}
    for vs, t in zip(per_arg, tangents):
        _, ts = _variables(t, "jvp tangents") if not _is_number(t) else (None, [t])
        ts = [float(x.data) if isinstance(x, Value) else float(x) for x in ts]
        if len(ts) != len(vs):
            raise ValueError("jvp: each tangent must have the shape of its primal")
        dot.update(zip(vs, ts))

    def push(y: Any) -> Any:
        if isinstance(y, list | tuple):
            return type(y)(push(item) for item in y)
        if not isinstance(y, Value):
            return 0.0
        for node in toposort(y):
            if node in dot:
                continue
            ds = _partials_on_values(node) if keep else node.partials
            total: Any = 0.0
            for p, d in zip(node.parents, ds):
                t = dot.get(p)
                if t is None or (not d and not isinstance(d, Value)):
                    continue  # no tangent, or a zero local derivative: nothing passes
                total = total + d * t
            dot[node] = total
        return _result(dot.get(y, 0.0), keep)

    with enable_grad():
        tangent_out = push(out)

    def value(y: Any) -> Any:
        if isinstance(y, list | tuple):
            return type(y)(value(item) for item in y)
        return _result(y, keep)

    return value(out), tangent_out
