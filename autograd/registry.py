"""What a row backs, installed from the row: Value's methods and operators, the functions
``autograd.<name>``, and numpy's ufuncs on Values (``np.sin(v)``).

:func:`register` checks a row, puts it in the table and installs everything it backs;
:func:`unregister` takes it all out again. Everything is generated from the rows, so after
re-registering a name the operators, the method, the function and ``apply`` all use the new
row. Nothing here knows any op.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autograd import rows as _rows  # noqa: F401 - the built-in rows fill the table
from autograd.ops import OPS, Op, add_row
from autograd.value import BUILD, Value, apply, as_real, builder, const

__all__ = ["FUNCTIONS", "affine", "register", "sum", "unregister"]

# autograd.<name> for every row with a method (autograd.sin, autograd.max, autograd.atan2)
FUNCTIONS: dict[str, Callable[..., Value]] = {}
_UFUNCS: dict[str, Callable[..., Value]] = {}  # numpy ufunc name -> the row(s) it runs
_INSTALLED: set[str] = set()  # Value attributes made here (methods and operators)
# Python's reflected operators: ``other OP self``, the Value on the right
_REFLECTED = {"__radd__", "__rsub__", "__rmul__", "__rtruediv__", "__rfloordiv__", "__rmod__",
              "__rpow__", "__rmatmul__", "__rand__", "__ror__", "__rxor__"}  # fmt: skip


def _where(op: Op) -> str:
    return f"{op.title or op.name}() operand"


def _arg(op: Op, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The row's constant from a call's extra arguments (``slope=0.1``; clamp's lo, hi)."""
    names = [n for n, _ in op.params]
    if len(args) > len(names):
        raise TypeError(
            f"{op.name}() takes {len(names)} number(s) after its input "
            f"({', '.join(names) or 'none'}), got {len(args)}"
        )
    given = dict(zip(names, args))
    for key, v in kwargs.items():
        if key not in names:
            raise TypeError(f"{op.name}() got an unexpected keyword {key!r}")
        if key in given:
            raise TypeError(f"{op.name}() got {key!r} twice")
        given[key] = v
    values = tuple(
        as_real(given[n], f"{op.name} {n}") if n in given else default for n, default in op.params
    )
    return values[0] if len(values) == 1 else values


def _signature(op: Op, first: str) -> inspect.Signature:
    P = inspect.Parameter
    ps = [P(first, P.POSITIONAL_ONLY)]
    if op.arity == 2:
        ps.append(P("other", P.POSITIONAL_ONLY))
    elif op.arity == -1:
        ps.append(P("others", P.VAR_POSITIONAL))
    ps += [P(n, P.POSITIONAL_OR_KEYWORD, default=d) for n, d in op.params]
    return inspect.Signature(ps, return_annotation="Value")


def _function(op: Op, method: bool) -> Callable[..., Value]:
    """``x.name(...)`` (``method``) or ``autograd.name(...)`` for one row."""
    build = BUILD[op.name]
    where = f"{op.name}() input"

    def val(x: Any) -> Value:
        return x if x.__class__ is Value else const(x, where)

    if op.arity == -1:

        def call(*xs: Any) -> Value:
            if len(xs) == 1 and isinstance(xs[0], list | tuple):
                xs = tuple(xs[0])  # autograd.max([a, b, c]), as builtins.max
            if not xs:
                raise TypeError(f"{op.name}() needs at least one input")
            return build(tuple([val(x) for x in xs]), None)

    elif op.arity == 2:

        def call(a: Any, b: Any) -> Value:
            return build((val(a), val(b)), None)

    elif not op.params:

        def call(x: Any) -> Value:
            return build((x if x.__class__ is Value else const(x, where),), None)

    else:

        def call(x: Any, *args: Any, **kwargs: Any) -> Value:
            return build((val(x),), _arg(op, args, kwargs))

    call.__name__ = call.__qualname__ = op.name
    call.__doc__ = f"{op.doc[0].upper()}{op.doc[1:]} (op {op.name!r})."
    call.__signature__ = _signature(op, "self" if method else "x")  # type: ignore[attr-defined]
    return call


def _operator(dunder: str, rows: list[Op]) -> Callable[..., Value]:
    """A Python operator from the rows that back it. A number operand becomes a constant
    leaf, except where a row takes it as its constant (``x ** 2``: the row with params)."""
    two = next((r for r in rows if r.arity == 2), None)
    one = next((r for r in rows if r.arity == 1), None)
    if two is None:  # -x, abs(x)
        build1 = BUILD[one.name]  # type: ignore[union-attr]

        def unary(self: Value) -> Value:
            return build1((self,), None)

        return unary
    build2 = BUILD[two.name]
    where = _where(two)
    if dunder in _REFLECTED:

        def reflected(self: Value, other: Any) -> Value:
            return build2((const(other, where), self))

        return reflected
    if one is not None:  # ** : a number exponent is the constant of the one-input row
        build1 = BUILD[one.name]
        where1 = f"{one.title or one.name} exponent"

        def with_constant(self: Value, other: Any) -> Value:
            if other.__class__ is Value:
                return build2((self, other))
            return build1((self,), as_real(other, where1))

        return with_constant

    def binary(self: Value, other: Any) -> Value:
        return build2((self, other if other.__class__ is Value else const(other, where)))

    return binary


def _claims(field: str, name: str) -> list[Op]:
    return [op for op in OPS.values() if name in getattr(op, field)]


def _install_operator(dunder: str) -> None:
    rows = _claims("operators", dunder)
    if not rows:
        if dunder in _INSTALLED:
            delattr(Value, dunder)
            _INSTALLED.discard(dunder)
        return
    f = _operator(dunder, rows)
    shown = " / ".join(repr(r.name) for r in rows)
    f.__name__ = f.__qualname__ = dunder
    f.__doc__ = f"Python's {dunder} on Values (op {shown})."
    setattr(Value, dunder, f)
    _INSTALLED.add(dunder)


def _install_ufunc(name: str) -> None:
    rows = _claims("ufuncs", name)
    if not rows:
        _UFUNCS.pop(name, None)
        return
    two = next((r for r in rows if r.arity in (2, -1)), None)
    one = next((r for r in rows if r.arity == 1), None)

    def run(*xs: Any) -> Value:
        if len(xs) == 1 and one is not None:
            return apply(one.name, xs[0])
        if len(xs) == 2 and one is not None and xs[1].__class__ is not Value:
            return apply(one.name, xs[0], arg=as_real(xs[1], f"numpy.{name} exponent"))
        if two is None or (two.arity == 2 and len(xs) != 2):
            raise TypeError(f"numpy.{name} takes {1 if two is None else 2} input(s) here")
        return apply(two.name, *xs)

    _UFUNCS[name] = run


def _array_ufunc(self: Value, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """numpy's ufuncs on Values run the rows that back them (``np.sin(v)`` is ``v.sin()``);
    anything else is refused in one line, rather than turned into an object array."""
    name = getattr(ufunc, "__name__", str(ufunc))
    for x in inputs:
        if isinstance(x, np.ndarray):
            raise TypeError(
                f"numpy.{name}: a numpy array and a Value do not mix (the result would be an "
                "array of objects); use a list of Values, or .data for the numbers"
            )
    run = _UFUNCS.get(name)
    if method != "__call__" or kwargs or run is None:
        what = f"numpy.{name}" + ("" if method == "__call__" else f".{method}")
        extra = f" with {', '.join(kwargs)}" if kwargs else ""
        raise TypeError(
            f"{what}(){extra} has no op for Values (see autograd.OPS); use Value methods and "
            "arithmetic, or .data for the number"
        )
    return run(*inputs)


Value.__array_ufunc__ = _array_ufunc  # type: ignore[attr-defined]


def _install(op: Op) -> None:
    """Everything ``op`` backs: builder, method, function, operators, ufuncs."""
    BUILD[op.name] = builder(op)
    if op.method:
        setattr(Value, op.name, _function(op, method=True))
        _INSTALLED.add(op.name)
        FUNCTIONS[op.name] = _function(op, method=False)
    for dunder in op.operators:
        _install_operator(dunder)
    for name in op.ufuncs:
        _install_ufunc(name)


def register(op: Op) -> Op:
    """Add a row to the op table and install what it backs: with ``method=True`` a Value
    method and an ``autograd.<name>`` function of the op's name; its ``operators`` and
    ``ufuncs``. Everything else (backward, ``grad``, compile, viz, the checks) reads the row.
    """
    if isinstance(op, Op) and op.method:
        if hasattr(Value, op.name) and op.name not in _INSTALLED:
            raise ValueError(f"op {op.name!r}: cannot make a method: Value already has that name")
    add_row(op)
    _install(op)
    return op


def unregister(name: str) -> Op:
    """Take a row out of the table, with everything it backs: the undo of :func:`register`,
    for tests and experiments with ops of your own. Operators and ufuncs another row also
    backs (``**``) go back to that row alone."""
    op = OPS.pop(name, None)
    if op is None:
        raise KeyError(f"no op named {name!r} is registered")
    BUILD.pop(name, None)
    FUNCTIONS.pop(name, None)
    if op.method and name in _INSTALLED:
        delattr(Value, name)
        _INSTALLED.discard(name)
    for dunder in op.operators:
        _install_operator(dunder)
    for ufunc in op.ufuncs:
        _install_ufunc(ufunc)
    return op


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - mirrors builtins.sum
    """``autograd.sum(xs)``: the n-ary sum node (left-to-right float sum, like ``builtins.sum``)."""
    vs = tuple([v if v.__class__ is Value else const(v, "sum() input") for v in values])
    if not vs:
        return const(0.0)
    return BUILD["sum"](vs, None)


def affine(bias: Value, weights: Iterable[Value], inputs: Iterable[Value | float]) -> Value:
    """One node for ``bias + w0*x0 + w1*x1 + ...`` summed left to right (a neuron's sum); its
    inputs are (bias, w0, ..., x0, ...)."""
    ws = weights if weights.__class__ is list or weights.__class__ is tuple else list(weights)
    flat = (bias, *ws, *inputs)
    if len(flat) != 2 * len(ws) + 1:
        raise ValueError(f"affine: {len(ws)} weights but {len(flat) - 1 - len(ws)} inputs")
    try:
        return BUILD["affine"](flat, None)
    except AttributeError:  # a number among them (it has no ._data): make it a constant leaf
        if all(type(v) is Value for v in flat):
            raise
    what = ["bias"] + ["weight"] * len(ws) + ["input"] * len(ws)
    flat = tuple([v if type(v) is Value else const(v, f"affine() {k}") for v, k in zip(flat, what)])
    return BUILD["affine"](flat, None)


for _row in list(OPS.values()):
    BUILD[_row.name] = builder(_row)
for _row in list(OPS.values()):
    _install(_row)
del _row
