"""Value: one node of the computation graph, holding a float, its gradient and how it was made.

Every op goes through one builder per row of the op table (:func:`builder`), made once from
the row: it checks the row's domain, runs its forward rule, and stores the row's local partial
derivatives on the new node, so backward needs no closure per node. Value's operators, its
function methods (``tanh``, ``relu``, ...) and numpy's ufuncs on Values are generated from the
rows by :mod:`autograd.registry`; this module holds the node itself.

``.data`` is a property with a clock: every write after a node is made is a new time, so a
graph whose inputs changed after it was built is recognised (``grad(..., create_graph=True)``
refuses it, as torch's version counters do).
"""

from __future__ import annotations

import dis
import itertools
import math
from collections.abc import Callable
from typing import Any

from autograd import graph
from autograd.mode import GRAD_MODE, NUMBER_READS
from autograd.numbers import real
from autograd.ops import OPS, Op, check_limits, describe_call

__all__ = ["Value", "apply", "as_real", "builder", "clock", "tick"]

_new = object.__new__
_grad_on = GRAD_MODE.get
_reads = NUMBER_READS.get

# The data clock: a write to .data takes the next tick; a node is stamped with the time it was
# built. A parent stamped later than its node was written after the node was built.
_tick = itertools.count(1).__next__
_NOW = 0


def clock() -> int:
    """The current time of the data clock (for tests and tools)."""
    return _NOW


def tick() -> int:
    """Start a new time on the data clock and return it: every Value made from now on is
    stamped with it or later (compile tells what a traced function made this way)."""
    global _NOW
    _NOW = _tick()
    return _NOW


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
    items = arg if isinstance(arg, tuple) else (arg,)
    if all(math.isfinite(x) for x in xs) and all(a is None or math.isfinite(a) for a in items):
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
            xs = (inputs[0]._data, inputs[1]._data)
        elif n == 1:
            xs = (inputs[0]._data,)
        else:
            xs = tuple([v._data for v in inputs])  # (a comprehension reads slots fastest)
        if limits:
            check_limits(op, xs, arg)
        try:
            data = forward(xs, arg)
        except (OverflowError, ZeroDivisionError) as err:
            raise _refuse(op, xs, arg, err, "result") from None
        if data - data:  # inf or nan
            _overflow_check(op, xs, arg)
        out = _new(Value)
        out._data = data
        out._t = _NOW
        out.grad = 0.0
        out.op = name
        out.label = ""
        out.arg = arg
        if _grad_on():
            try:
                ds = partials(data, xs, arg)
            except (OverflowError, ZeroDivisionError, ValueError) as err:
                if data == data:  # e.g. 1/x for a subnormal x: refused, naming the op
                    if isinstance(err, ValueError):
                        raise
                    raise _refuse(op, xs, arg, err, "derivative") from None
                ds = (math.nan,) * len(xs)  # NaN in, NaN out: only NaN skipped the limits
            if len(ds) != (n if n > 0 else len(xs)):
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


# Every row's builder, by op name; autograd.registry keeps it equal to the table.
BUILD: dict[str, Callable[[tuple[Value, ...], Any], Value]] = {}


def const(x: Any, where: str = "Value op") -> Value:
    """A Python number used in an op becomes a leaf, as in micrograd (and is drawn as one)."""
    v = _new(Value)
    v._data = x if x.__class__ is float else as_real(x, where)
    v._t = _NOW
    v.grad = 0.0
    v.op = ""
    v.label = ""
    v.arg = None
    v.parents = v.partials = ()
    return v


def apply(name: str, *inputs: Value | float, arg: Any = None) -> Value:
    """Apply the registered op ``name`` to ``inputs`` (Values or numbers): the generic path
    through the table; ``arg`` defaults to the row's default constant."""
    build = BUILD.get(name)
    if build is None:
        raise NotImplementedError(f"no op named {name!r} is registered")
    op = OPS[name]
    if op.arity != -1 and len(inputs) != op.arity:
        raise TypeError(f"op {name!r} takes {op.arity} inputs, got {len(inputs)}")
    if not inputs:
        raise TypeError(f"op {name!r} needs at least one input")
    if arg is None:
        arg = op.default_arg()
    where = f"{op.title or name}() input"
    vs = tuple([v if v.__class__ is Value else const(v, where) for v in inputs])
    return build(vs, arg)


def _reading(what: str) -> None:
    """Tell a watcher (compile's tracing) that a number is being read out of a Value."""
    hook = _reads()
    if hook is not None:
        hook(what)


# -- no silent cuts: float(v), math.exp(v) and kin raise, naming what to call instead ----------

_CASTS = {"float", "int", "round", "complex", "trunc", "floor", "ceil"}
_MATH = set(dir(math))


def _called(frame: Any) -> str:
    """The function the code at ``frame`` is calling right now, read from its bytecode: the
    last function name loaded before the current instruction (``math.exp`` -> ``exp``)."""
    found = ""
    try:
        for ins in dis.get_instructions(frame.f_code):
            if ins.offset > frame.f_lasti:
                break
            if ins.opname.startswith(("LOAD_ATTR", "LOAD_METHOD", "LOAD_GLOBAL", "LOAD_NAME")):
                name = str(ins.argval)
                if name in _CASTS or name in _MATH:
                    found = name
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return ""
    return found


def _cut(v: Value, cast: str) -> TypeError:
    """The one-line error for turning a Value into a number, which would cut the graph."""
    import sys

    name = _called(sys._getframe(2)) or cast
    who = v.label if v.label.isidentifier() else "v"
    if name in _CASTS:
        return TypeError(
            f"{name}() of a Value would cut the graph (no gradient flows through a plain "
            f"number): use {who}.data for the number, or an op on the Value"
        )
    row = OPS.get(name)
    if row is not None and row.method:
        return TypeError(
            f"math.{name}() of a Value would cut the graph: call {who}.{name}() to keep it in "
            f"the graph, or math.{name}({who}.data) for the number"
        )
    return TypeError(
        f"math.{name}() of a Value would cut the graph: there is no {name} op (see "
        f"autograd.OPS); use {who}.data for the number"
    )


class Value:
    """A scalar in a computation graph.

    Public fields: ``data`` (float), ``grad`` (float), ``op`` (op name, "" for a leaf),
    ``parents`` (ordered tuple of input Values), ``partials`` (the local derivatives
    d self / d parents[i], computed when the node was built), ``label`` (str), ``arg`` (the
    op's constant: the exponent of ``x ** 2``, the slope of leaky_relu, else None).
    micrograd's ``_prev``, ``_op`` and ``_backward()`` work too.

    >>> x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)
    """

    __slots__ = ("_data", "_t", "grad", "op", "parents", "partials", "label", "arg")

    def __init__(self, data: float, label: str = "") -> None:
        self._data = data if type(data) is float else as_real(data, "Value()")
        self._t = _NOW
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.partials: tuple[Any, ...] = ()
        self.label = label
        self.arg: Any = None

    @property
    def data(self) -> float:
        """The value, a float. Writing it starts a new time on the data clock."""
        if _reads() is not None:
            _reading("reading .data")
        return self._data

    @data.setter
    def data(self, x: float) -> None:
        global _NOW
        t = _tick()
        self._data = x if type(x) is float else as_real(x, "Value.data")
        self._t = t
        _NOW = t

    # -- comparisons on data (hashing stays by identity: no __eq__) ----------------------------

    def __lt__(self, other: Value | float) -> bool:
        """self.data < other (a comparison of values; it records nothing)."""
        _reading("comparison <")
        return self._data < (other._data if other.__class__ is Value else other)

    def __le__(self, other: Value | float) -> bool:
        """self.data <= other (a comparison of values; it records nothing)."""
        _reading("comparison <=")
        return self._data <= (other._data if other.__class__ is Value else other)

    def __gt__(self, other: Value | float) -> bool:
        """self.data > other (a comparison of values; it records nothing)."""
        _reading("comparison >")
        return self._data > (other._data if other.__class__ is Value else other)

    def __ge__(self, other: Value | float) -> bool:
        """self.data >= other (a comparison of values; it records nothing)."""
        _reading("comparison >=")
        return self._data >= (other._data if other.__class__ is Value else other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        """True when data is non-zero, as for a float (and torch's one-element tensors)."""
        _reading("bool()")
        return self._data != 0.0

    def __float__(self) -> float:
        """Refused: a float would cut the graph (TypeError naming the method to call)."""
        _reading("float()")
        raise _cut(self, "float")

    def __int__(self) -> int:
        """Refused, as float()."""
        _reading("int()")
        raise _cut(self, "int")

    def __round__(self, ndigits: int | None = None) -> Any:
        """Refused, as float()."""
        _reading("round()")
        raise _cut(self, "round")

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the data; ``f"{v}"`` is ``repr(v)``."""
        _reading("format()")
        return format(self._data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        """``Value(data=..., grad=...)``, with the label when there is one."""
        _reading("repr()")
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    # -- graph ---------------------------------------------------------------------------------

    def backward(self) -> None:
        """Add d self / d node to ``.grad`` of every node in the graph (no depth limit)."""
        graph.backward(self)

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0 on every node of this Value's graph."""
        graph.zero_grad(self)

    # -- micrograd's names, for code written against it (Karpathy's lecture) -------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd's set of the node's inputs (``parents`` keeps their order)."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's op string: ``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ``'tanh'``; ``''``
        for a leaf. Read from the row (its ``micrograd`` template, else its symbol or name)."""
        row = OPS.get(self.op)
        if row is None:
            return self.op
        template = row.micrograd or row.symbol or row.name
        return template.format(arg=_plain(self.arg))

    def _backward(self) -> None:
        """micrograd's per-node step: add ``self.grad`` times each local derivative into the
        parents' ``.grad`` (this node only; ``backward()`` does every node in order)."""
        graph.backward_node(self)


def _plain(arg: Any) -> str:
    """A constant as micrograd prints it: ``2`` for 2.0, ``0.5``; tuples joined."""
    if isinstance(arg, tuple):
        return ", ".join(_plain(a) for a in arg)
    if isinstance(arg, float) and arg.is_integer():
        return str(int(arg))
    return "" if arg is None else str(arg)
