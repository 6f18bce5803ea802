"""Value: construction, fields, operators, errors."""

from __future__ import annotations

import gc
import math

import pytest

import autograd
from autograd import OPS, Op, Value


def test_classic_example():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


def test_micrograd_readme_expression():
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    assert round(g.data, 4) == 24.7041
    assert round(a.grad, 4) == 138.8338
    assert round(b.grad, 4) == 645.5773


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0], (1.0,), Value(1.0)])
def test_value_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_value_stores_float_and_fields():
    v = Value(3, label="v")
    assert type(v.data) is float and v.data == 3.0
    assert (v.grad, v.op, v.parents, v.label) == (0.0, "", (), "v")
    assert Value(float("nan")).data != Value(float("nan")).data
    assert Value(math.inf).data == math.inf


def test_parents_are_ordered_and_keep_repeats():
    a, b = Value(2.0), Value(3.0)
    assert (a * a).parents == (a, a)
    assert (a - b).op == "sub" and (a - b).parents == (a, b)
    out = a * b
    assert out.parents == (a, b) and out.op == "mul"


def test_square_by_self_multiplication_counts_both_edges():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        (lambda v: 2 * v, 6.0),
        (lambda v: 1 - v, -2.0),
        (lambda v: 2**v, 8.0),
        (lambda v: 6 / v, 2.0),
        (lambda v: 1 + v, 4.0),
        (lambda v: -v, -3.0),
        (lambda v: v - 1, 2.0),
        (lambda v: v / 2, 1.5),
    ],
)
def test_reflected_and_unary_operators(expr, value):
    assert expr(Value(3.0)).data == value


def test_comparisons_float_repr_and_hash():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and not a > 1.5
    with pytest.raises(TypeError, match=r"float\(\) of a Value would cut the graph"):
        float(b)
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    c = Value(1.0)
    assert hash(a) != hash(c) or a is c
    assert len({a, c}) == 2  # identity, not value


def test_power_zero_is_constant_even_at_zero():
    x = Value(0.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def test_pow_with_negative_base_and_integer_exponent():
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0


def test_value_exponent_needs_positive_base():
    with pytest.raises(ValueError, match="pow"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="pow"):
        Value(0.0) ** Value(2.0)


def test_value_exponent_gradients():
    a, b = Value(2.0), Value(3.0)
    out = a**b
    out.backward()
    assert out.data == 8.0 and a.grad == 12.0 and b.grad == pytest.approx(8.0 * math.log(2.0))


@pytest.mark.parametrize(
    ("f", "error", "message"),
    [
        (lambda: Value(-1.0).log(), ValueError, r"log\(-1.0\): input must be > 0"),
        (lambda: Value(0.0).log(), ValueError, r"log\(0.0\)"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(-4.0\)"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "division by zero"),
        (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: 1.0 / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "pow"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp\(1000.0\)"),
        (lambda: Value(10.0) ** 1000, OverflowError, "pow"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, "pow"),
        (lambda: Value(1e-120) ** -2, OverflowError, r"pow\(1e-120, -2.0\): derivative"),
        (lambda: Value(5e-324).log(), OverflowError, r"log\(5e-324\): derivative"),
        (lambda: Value(1.0) + "a", TypeError, "str"),
        (lambda: Value(1.0) * None, TypeError, "NoneType"),
    ],
)
def test_errors_name_the_op_and_input(f, error, message):
    with pytest.raises(error, match=message):
        f()


def test_missing_op_is_named():
    with pytest.raises(NotImplementedError, match="'tanhh'"):
        autograd.apply("tanhh", Value(1.0))


def test_rule_with_wrong_number_of_gradients_names_the_op(toy_row):
    mul = OPS["mul"]
    toy_row(Op("badmul", 2, mul.forward, lambda out, xs, arg: (1.0,), mul.kernel, "broken"))
    with pytest.raises(RuntimeError, match="'badmul' returned 1 gradients for 2 inputs"):
        autograd.apply("badmul", Value(2.0), Value(3.0))


def test_operators_build_through_their_rows():
    """x + y, x * y, -x, x ** k and x ** y are the rows' builders, nothing of their own."""
    x, y = Value(1.5), Value(-2.25)
    for fast, name, ins, arg in [
        (x + y, "add", (x, y), None),
        (x * y, "mul", (x, y), None),
        (-x, "neg", (x,), None),
        (x**3, "pow", (x,), 3.0),
        (x**y, "powv", (x, y), None),
    ]:
        slow = autograd.apply(name, *ins, arg=arg)
        assert fast.data == slow.data and fast.partials == slow.partials
        assert fast.parents == slow.parents == ins and fast.op == slow.op == name


def test_function_methods_come_from_rows():
    for name, op in OPS.items():
        if op.method:
            method = getattr(Value, name)
            assert method.__doc__ and name in method.__doc__
            lo, hi = op.bounds
            n = 1 if op.arity == 1 else 2
            inputs = [Value(lo + (hi - lo) * (0.4 + 0.1 * i)) for i in range(n)]
            assert getattr(Value, name)(*inputs).op == name


def test_registered_toy_op_gets_a_method_and_unregister_takes_it_away(toy_row):
    toy_row(Op("cube", 1, lambda xs, a: xs[0] ** 3, lambda o, xs, a: (3 * xs[0] ** 2,),
               lambda xs, a: xs[0] ** 3, "a cubed", method=True))  # fmt: skip
    x = Value(2.0)
    assert x.cube().data == 8.0 and autograd.grad(x.cube(), [x]) == (12.0,)
    autograd.unregister("cube")
    assert not hasattr(Value, "cube") and "cube" not in OPS


def test_register_rejects_duplicate_names():
    with pytest.raises(ValueError, match="already registered"):
        autograd.register(OPS["add"])


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x = Value(1.5)
        y = (x * x + x).tanh() * 2.0 - x.exp() / (x + 1.0) + autograd.sum([x, x.relu()])
        y.backward()
        autograd.grad(y, [x], create_graph=True)
        del y
        assert gc.collect() == 0  # nothing was left for the cyclic collector
    finally:
        gc.enable()


def test_no_grad_records_no_parents():
    x = Value(2.0)
    with autograd.no_grad():
        assert not autograd.is_grad_enabled()
        y = x * x + 1
    assert autograd.is_grad_enabled()
    assert y.parents == () and y.data == 5.0
    y.backward()
    assert x.grad == 0.0


def test_every_value_method_has_a_one_line_docstring():
    import inspect

    methods = inspect.getmembers(Value, inspect.isfunction)
    for name, method in methods:
        if name != "__init__":
            assert method.__doc__, name
            assert method.__doc__.strip().splitlines()[0], name
    assert Value.tanh.__doc__.startswith("Hyperbolic tangent")
