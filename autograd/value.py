"""Value: one node of the computation graph, holding a float, its gradient and how it was made.

Every op goes through one builder per row of the op table (:func:`builder`), made once from
the row: it checks the row's domain, runs its forward rule, and stores the row's local partial
derivatives on the new node, so backward needs no closure per node. Value's operators and its
function methods (``tanh``, ``relu``, ...) are thin: they turn Python numbers into leaves and
call the builder; the function methods themselves are generated from the rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from autograd import graph
from autograd.mode import GRAD_MODE
from autograd.numbers import real
from autograd.ops import OPS, Op, add_row, check_limits, describe_call

__all__ = ["Value", "affine", "apply", "as_real", "builder", "register", "sum", "unregister"]

_new = object.__new__
_grad_on = GRAD_MODE.get


def as_real(data: Any, where: str) -> float:
    """``data`` as a float (a number handed to an op), or a one-line TypeError naming
    ``where``: :func:`autograd.numbers.real` with Python's error for a wrong type."""
    if type(data) is float:
        return data
    return real(data, where, TypeError)


_WHY = {OverflowError: "overflows a float", ZeroDivisionError: "divides by zero"}


def _refuse(op: Op, xs: tuple[float, ...], arg: Any, err: Exception, what: str) -> Exception:
    return type(err)(f"{describe_call(op, xs, arg)}: {what} {_WHY.get(type(err), str(err))}")


def _overflow_check(op: Op, xs: tuple[float, ...], arg: Any) -> None:
    """The forward rule gave inf or nan: an error when every input was finite (overflow)."""
    if all(math.isfinite(x) for x in xs) and (arg is None or math.isfinite(arg)):
        raise OverflowError(f"{describe_call(op, xs, arg)}: result overflows a float")


def builder(op: Op) -> Callable[[tuple[Value, ...], Any], Value]:
    """The function that builds a node of ``op`` from a tuple of input Values and ``arg``.

    Made once per row; every Value op goes through the builder of its row.
    """
    name = op.name
    forward = op.forward
    partials = op.partials
    limits = op.limits
    n = op.arity

    def build(inputs: tuple[Value, ...], arg: Any = None) -> Value:
        if n == 2:
            xs = (inputs[0].data, inputs[1].data)
        elif n == 1:
            xs = (inputs[0].data,)
        else:
            xs = tuple([v.data for v in inputs])
        if limits:
            check_limits(op, xs, arg)
        try:
            data = forward(xs, arg)
        except (OverflowError, ZeroDivisionError) as err:
            raise _refuse(op, xs, arg, err, "result") from None
        if data - data:  # inf or nan
            _overflow_check(op, xs, arg)
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.op = name
        out.label = ""
        out.arg = arg
        if _grad_on():
            try:
                ds = partials(data, xs, arg)
            except (OverflowError, ZeroDivisionError) as err:  # e.g. 1/x for a subnormal x
                raise _refuse(op, xs, arg, err, "derivative") from None
            except ValueError:  # a rule outside its domain: only where NaN skipped the limits
                if data == data:
                    raise
                ds = (math.nan,) * len(xs)
            if len(ds) != len(xs):
                raise RuntimeError(
                    f"rule for op {name!r} returned {len(ds)} gradients for {len(inputs)} inputs"
                )
            out.parents = inputs
            out.partials = ds
        else:
            out.parents = out.partials = ()
        return out

    build.__name__ = build.__qualname__ = f"build_{name}"
    build.__doc__ = f"Build a {name!r} node: {op.doc}."
    return build


_BUILD: dict[str, Callable[[tuple[Value, ...], Any], Value]] = {}


def apply(name: str, *inputs: Value, arg: Any = None) -> Value:
    """Apply the registered op ``name`` to ``inputs``: the generic path through the table."""
    build = _BUILD.get(name)
    if build is None:
        raise NotImplementedError(f"no op named {name!r} is registered")
    op = OPS[name]
    if op.arity != -1 and len(inputs) != op.arity:
        raise TypeError(f"op {name!r} takes {op.arity} inputs, got {len(inputs)}")
    if not inputs:
        raise TypeError(f"op {name!r} needs at least one input")
    vs = tuple([v if v.__class__ is Value else _const(v) for v in inputs])
    return build(vs, arg)


def _const(x: Any, where: str = "Value op") -> Value:
    """A Python number used in an op becomes a leaf, as in micrograd (and is drawn as one)."""
    v = _new(Value)
    v.data = x if x.__class__ is float else as_real(x, where)
    v.grad = 0.0
    v.op = ""
    v.label = ""
    v.arg = None
    v.parents = v.partials = ()
    return v


def _method(op: Op) -> Callable[..., Value]:
    """A Value method for a one-input row (``x.tanh()``, ``x.leaky_relu(slope=0.1)``)."""
    build = _BUILD[op.name]
    if op.param is None:

        def method(self: Value) -> Value:
            return build((self,), None)

    else:
        pname, default = op.param
        where = f"{op.name} {pname}"

        def method(self: Value, arg: float = default) -> Value:
            return build((self,), as_real(arg, where))

        # the keyword is the row's name for it: x.leaky_relu(slope=0.1)
        code = method.__code__
        method.__code__ = code.replace(co_varnames=("self", pname, *code.co_varnames[2:]))
        method.__annotations__ = {pname: float, "return": Value}
    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"{op.doc[0].upper()}{op.doc[1:]} (op {op.name!r})."
    return method


def register(op: Op) -> Op:
    """Add a row to the op table; with ``method=True`` Value gets a method of the same name.

    Everything else (backward, ``grad``, compile, viz, the checks) reads the row.
    """
    if op.method and (op.arity != 1 or hasattr(Value, op.name)):
        why = "it needs exactly one input" if op.arity != 1 else "Value already has that name"
        raise ValueError(f"op {op.name!r}: cannot make a Value method: {why}")
    add_row(op)
    _BUILD[op.name] = builder(op)
    if op.method:
        setattr(Value, op.name, _method(op))
    return op


def unregister(name: str) -> Op:
    """Take a row out of the table (and its Value method): the undo of :func:`register`, for
    tests and experiments with ops of your own."""
    op = OPS.pop(name, None)
    if op is None:
        raise KeyError(f"no op named {name!r} is registered")
    _BUILD.pop(name, None)
    if op.method and getattr(Value, name, None) is not None:
        delattr(Value, name)
    return op


class Value:
    """A scalar in a computation graph.

    Public fields: ``data`` (float), ``grad`` (float), ``op`` (op name, "" for a leaf),
    ``parents`` (ordered tuple of input Values), ``partials`` (the local derivatives
    d self / d parents[i], computed when the node was built), ``label`` (str), ``arg`` (the
    op's constant: the exponent of ``x ** 2``, the slope of leaky_relu, else None).

    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)
    """

    __slots__ = ("data", "grad", "op", "parents", "partials", "label", "arg")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if type(data) is float else as_real(data, "Value()")
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.partials: tuple[Any, ...] = ()
        self.label = label
        self.arg: Any = None

    # -- operators (micrograd's, same float results): a - b = a + (-b), a / b = a * b**-1 ---

    def __add__(self, other: Value | float) -> Value:
        """self + other (op 'add')."""
        return _ADD((self, other if other.__class__ is Value else _const(other, "add() operand")))

    def __radd__(self, other: float) -> Value:
        """other + self (op 'add')."""
        return _ADD((self, _const(other, "add() operand")))

    def __mul__(self, other: Value | float) -> Value:
        """self * other (op 'mul')."""
        return _MUL((self, other if other.__class__ is Value else _const(other, "mul() operand")))

    def __rmul__(self, other: float) -> Value:
        """other * self (op 'mul')."""
        return _MUL((self, _const(other, "mul() operand")))

    def __neg__(self) -> Value:
        """-self (op 'neg')."""
        return _NEG((self,))

    def __sub__(self, other: Value | float) -> Value:
        """self - other, as self + (-other)."""
        return self + (-other if other.__class__ is Value else -as_real(other, "sub() operand"))

    def __rsub__(self, other: float) -> Value:
        """other - self, as other + (-self)."""
        return (-self) + other

    def __pow__(self, other: Value | float) -> Value:
        """self ** other: op 'pow' for a number exponent, 'powv' for a Value exponent."""
        if other.__class__ is Value:
            return _POWV((self, other))
        return _POW((self,), as_real(other, "pow exponent"))

    def __rpow__(self, other: float) -> Value:
        """other ** self (op 'powv', the base a number > 0)."""
        return _POWV((_const(other, "pow() base"), self))

    def __truediv__(self, other: Value | float) -> Value:
        """self / other, as self * other**-1."""
        if other.__class__ is Value:
            if other.data == 0.0:
                raise ZeroDivisionError(f"div({self.data!r}, 0.0): division by zero")
            return self * other**-1
        d = as_real(other, "div() operand")
        if d == 0.0:
            raise ZeroDivisionError(f"div({self.data!r}, {d!r}): division by zero")
        try:
            inverse = d**-1  # a number: one constant, as in micrograd
        except OverflowError:
            raise OverflowError(f"div({self.data!r}, {d!r}): result overflows a float") from None
        return self * inverse

    def __rtruediv__(self, other: float) -> Value:
        """other / self, as other * self**-1."""
        d = as_real(other, "div() operand")
        if self.data == 0.0:
            raise ZeroDivisionError(f"div({d!r}, 0.0): division by zero")
        return d * self**-1

    def __abs__(self) -> Value:
        """abs(self) (op 'abs')."""
        return self.abs()

    # -- comparisons on data (hashing stays by identity: no __eq__) ----------------------------

    def __lt__(self, other: Value | float) -> bool:
        """self.data < other (a comparison of values; it records nothing)."""
        return self.data < (other.data if other.__class__ is Value else other)

    def __le__(self, other: Value | float) -> bool:
        """self.data <= other (a comparison of values; it records nothing)."""
        return self.data <= (other.data if other.__class__ is Value else other)

    def __gt__(self, other: Value | float) -> bool:
        """self.data > other (a comparison of values; it records nothing)."""
        return self.data > (other.data if other.__class__ is Value else other)

    def __ge__(self, other: Value | float) -> bool:
        """self.data >= other (a comparison of values; it records nothing)."""
        return self.data >= (other.data if other.__class__ is Value else other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        """True when data is non-zero, as for a float (and torch's one-element tensors)."""
        return self.data != 0.0

    def __float__(self) -> float:
        """The data as a float."""
        return self.data

    def __repr__(self) -> str:
        """``Value(data=..., grad=...)``, with the label when there is one."""
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- graph ---------------------------------------------------------------------------------

    def backward(self) -> None:
        """Add d self / d node to ``.grad`` of every node in the graph (no depth limit)."""
        graph.backward(self)

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0 on every node of this Value's graph."""
        graph.zero_grad(self)


for _row in list(OPS.values()):
    _BUILD[_row.name] = builder(_row)
    if _row.method:
        setattr(Value, _row.name, _method(_row))
del _row

_ADD = _BUILD["add"]
_MUL = _BUILD["mul"]
_NEG = _BUILD["neg"]
_POW = _BUILD["pow"]
_POWV = _BUILD["powv"]
_SUM = _BUILD["sum"]
_AFFINE = _BUILD["affine"]


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - mirrors builtins.sum
    """``autograd.sum(xs)``: the n-ary sum node (left-to-right float sum, like ``builtins.sum``)."""
    vs = tuple([v if v.__class__ is Value else _const(v) for v in values])
    if not vs:
        return _const(0.0)
    return _SUM(vs)


def affine(bias: Value, weights: Iterable[Value], inputs: Iterable[Value | float]) -> Value:
    """One node for ``bias + w0*x0 + w1*x1 + ...`` summed left to right (a neuron's sum)."""
    flat: list[Value] = [bias if bias.__class__ is Value else _const(bias)]
    for w, x in zip(weights, inputs, strict=True):
        flat.append(w if w.__class__ is Value else _const(w))
        flat.append(x if x.__class__ is Value else _const(x))
    return _AFFINE(tuple(flat))
