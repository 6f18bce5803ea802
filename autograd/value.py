"""Value: one node of the computation graph, holding a float, its gradient and how it was made."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from autograd.ops import OPS, Op

__all__ = ["Value", "apply", "no_grad", "is_grad_enabled", "sum"]

_new = object.__new__
_grad_enabled = True


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()``."""
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops record no parents: results are leaves, nothing to backpropagate."""
    global _grad_enabled
    before = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = before


@contextmanager
def _enable_grad() -> Iterator[None]:
    global _grad_enabled
    before = _grad_enabled
    _grad_enabled = True
    try:
        yield
    finally:
        _grad_enabled = before


def _as_float(data: Any, where: str) -> float:
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    raise TypeError(f"{where} expects a real number, got {type(data).__name__}: {data!r}")


_WHY = {OverflowError: "overflows a float", ZeroDivisionError: "divides by zero"}


def _lookup(name: str) -> Op:
    op = OPS.get(name)
    if op is None or op.forward is None or op.partials is None:
        raise NotImplementedError(f"no rule registered for op {name!r}")
    return op


def apply(name: str, *inputs: Value, arg: Any = None) -> Value:
    """Apply the registered op ``name`` to ``inputs``: the one generic path through the table."""
    op = OPS.get(name)
    if op is None or op.forward is None or op.partials is None:
        op = _lookup(name)  # raises, naming the op
    xs = (inputs[0].data,) if len(inputs) == 1 else tuple([v.data for v in inputs])
    data = op.forward(xs, arg)
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.op = name
    out.label = ""
    out.arg = arg
    if _grad_enabled:
        try:
            ds = op.partials(data, xs, arg)
        except (OverflowError, ZeroDivisionError) as e:  # e.g. 1/x for a subnormal x
            shown = ", ".join(repr(x) for x in (*xs, *([] if arg is None else [arg])))
            raise type(e)(f"{name}({shown}): derivative {_WHY[type(e)]}") from None
        if len(ds) != len(inputs):
            raise RuntimeError(
                f"rule for op {name!r} returned {len(ds)} gradients for {len(inputs)} inputs"
            )
        out.parents = inputs
        out._partials = ds
    else:
        out.parents = ()
        out._partials = ()
    return out


def _const(x: Any) -> Value:
    """A Python number used in an op becomes a leaf, as in micrograd (and is drawn as one)."""
    v = _new(Value)
    v.data = _as_float(x, "Value op")
    v.grad = 0.0
    v.op = ""
    v.label = ""
    v.arg = None
    v.parents = ()
    v._partials = ()
    return v


# Fast paths: add and mul are most of every graph, so they skip the generic path's calls while
# their registered rules are the originals. test_fast_paths_match_table holds them to the table.
_ADD = OPS["add"]
_MUL = OPS["mul"]
_ADD_PARTIALS = (1.0, 1.0)


class Value:
    """A scalar in a computation graph.

    Public fields: ``data`` (float), ``grad`` (float), ``op`` (op name, "" for a leaf),
    ``parents`` (ordered tuple of input Values), ``label`` (str), ``arg`` (the op's constant
    parameter: the exponent of ``x ** 2``, the slope of leaky_relu, else None).

    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)
    """

    __slots__ = ("data", "grad", "op", "parents", "label", "arg", "_partials")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data, "Value()")
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.label = label
        self.arg: Any = None
        self._partials: tuple[Any, ...] = ()

    # -- arithmetic (micrograd's operators, same float results) ---------------------------

    def __add__(self, other: Value | float) -> Value:
        if other.__class__ is not Value:
            other = _const(other)
        if OPS["add"] is not _ADD:
            return apply("add", self, other)
        out = _new(Value)
        out.data = self.data + other.data
        out.grad = 0.0
        out.op = "add"
        out.label = ""
        out.arg = None
        if _grad_enabled:
            out.parents = (self, other)
            out._partials = _ADD_PARTIALS
        else:
            out.parents = out._partials = ()
        return out

    def __mul__(self, other: Value | float) -> Value:
        if other.__class__ is not Value:
            other = _const(other)
        if OPS["mul"] is not _MUL:
            return apply("mul", self, other)
        a = self.data
        b = other.data
        out = _new(Value)
        out.data = a * b
        out.grad = 0.0
        out.op = "mul"
        out.label = ""
        out.arg = None
        if _grad_enabled:
            out.parents = (self, other)
            out._partials = (b, a)
        else:
            out.parents = out._partials = ()
        return out

    def __pow__(self, other: Value | float) -> Value:
        if other.__class__ is Value:
            return apply("pow", self, other)
        return apply("pow", self, arg=_as_float(other, "pow exponent"))

    def __rpow__(self, other: float) -> Value:  # 2 ** v
        return apply("pow", _const(other), self)

    def __neg__(self) -> Value:
        return apply("neg", self)

    def __radd__(self, other: float) -> Value:  # other + self
        return self + other

    def __sub__(self, other: Value | float) -> Value:  # self - other
        return self + (-other)

    def __rsub__(self, other: float) -> Value:  # other - self
        return other + (-self)

    def __rmul__(self, other: float) -> Value:  # other * self
        return self * other

    def __truediv__(self, other: Value | float) -> Value:  # self / other = self * other**-1
        d = other.data if other.__class__ is Value else _as_float(other, "div")
        if d == 0.0:
            raise ZeroDivisionError(f"div({self.data!r}, {d!r}): division by zero")
        return self * other**-1

    def __rtruediv__(self, other: float) -> Value:  # other / self
        if self.data == 0.0:
            raise ZeroDivisionError(f"div({float(other)!r}, 0.0): division by zero")
        return other * self**-1

    # -- functions ---------------------------------------------------------------------------

    def exp(self) -> Value:
        return apply("exp", self)

    def log(self) -> Value:
        return apply("log", self)

    def sqrt(self) -> Value:
        return apply("sqrt", self)

    def tanh(self) -> Value:
        return apply("tanh", self)

    def sigmoid(self) -> Value:
        return apply("sigmoid", self)

    def softplus(self) -> Value:
        return apply("softplus", self)

    def relu(self) -> Value:
        return apply("relu", self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return apply("leaky_relu", self, arg=_as_float(slope, "leaky_relu slope"))

    def elu(self, alpha: float = 1.0) -> Value:
        return apply("elu", self, arg=_as_float(alpha, "elu alpha"))

    def abs(self) -> Value:
        return apply("abs", self)

    __abs__ = abs

    # -- comparisons on data (hashing stays by identity: no __eq__) ----------------------------

    def __lt__(self, other: Value | float) -> bool:
        return self.data < (other.data if other.__class__ is Value else other)

    def __le__(self, other: Value | float) -> bool:
        return self.data <= (other.data if other.__class__ is Value else other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > (other.data if other.__class__ is Value else other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= (other.data if other.__class__ is Value else other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # -- graph ---------------------------------------------------------------------------------

    def backward(self) -> None:
        """Add d self / d node to ``.grad`` of every node in the graph (no depth limit)."""
        from autograd.graph import backward

        backward(self)

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0 on every node of this Value's graph."""
        from autograd.graph import zero_grad

        zero_grad(self)

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One n-ary node for x0 + x1 + ...; far cheaper than n - 1 chained adds."""
        return sum(values)


def sum(values: Iterable[Value | float]) -> Value:  # noqa: A001 - mirrors builtins.sum
    """``autograd.sum(xs)``: the n-ary sum node (left-to-right float sum, like ``builtins.sum``)."""
    vs = tuple([v if v.__class__ is Value else _const(v) for v in values])
    if not vs:
        return _const(0.0)
    return apply("sum", *vs)


def affine(bias: Value, weights: Iterable[Value], inputs: Iterable[Value | float]) -> Value:
    """One node for ``bias + w0*x0 + w1*x1 + ...`` summed left to right (a neuron's sum)."""
    flat: list[Value] = [bias]
    for w, x in zip(weights, inputs, strict=True):
        flat.append(w)
        flat.append(x if x.__class__ is Value else _const(x))
    return apply("affine", *flat)
