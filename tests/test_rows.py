"""The op rows and what they back: every function users of other engines reach for, division
and subtraction as one node, Python operators, autograd.<name>, numpy's ufuncs, and the checks
``register`` makes on a row."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import OPS, Op, Value, apply, grad, numerical_grad
from autograd.registry import FUNCTIONS
from viz.expr import parse

ROOT = Path(__file__).resolve().parents[1]
# The functions of Python's math module a scalar engine's users expect (the list).
EXPECTED = """sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp exp2 expm1 log
log2 log10 log1p sqrt hypot erf sign max min clamp abs relu sigmoid softplus""".split()


def middle(op, k=0):
    lo, hi = op.bounds
    return lo + (hi - lo) * (0.37 + 0.11 * k)


def inputs_of(op):
    return [middle(op, k) for k in range(3 if op.arity == -1 else op.arity)]


@pytest.mark.parametrize("name", EXPECTED)
def test_every_expected_function_is_a_method_and_an_autograd_function(name):
    op = OPS[name]
    assert op.method
    xs = [Value(x) for x in inputs_of(op)]
    by_method = getattr(xs[0], name)(*xs[1:])
    by_function = getattr(autograd, name)(*xs)
    assert by_method.op == by_function.op == name
    assert by_method.data == by_function.data == op.forward(tuple(x.data for x in xs),
                                                            op.default_arg())  # fmt: skip


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.method))
def test_every_function_row_is_callable_in_the_command_language(name):
    op = OPS[name]
    names = ["a", "b", "c"][: len(inputs_of(op))]
    e = parse(f"{name}({', '.join(names)})")
    out, leaves = e.build(dict(zip(names, inputs_of(op))))
    assert out.op == name and set(leaves) == set(names)


@pytest.mark.parametrize(
    ("name", "ufunc"), sorted((n, u) for n, op in OPS.items() for u in op.ufuncs if hasattr(np, u))
)
def test_numpy_ufuncs_run_the_rows_that_back_them(name, ufunc):
    op = OPS[name]
    xs = [Value(x) for x in inputs_of(op)][: 2 if op.arity == -1 else op.arity]
    constant = op.test_args()[0]
    extra = [constant] if op.arity == 1 and constant is not None else []  # np.power(v, 2)
    out = getattr(np, ufunc)(*xs, *extra)
    assert isinstance(out, Value) and out.op == name
    numeric = numerical_grad(lambda *v: apply(name, *v, arg=out.arg), [x.data for x in xs])
    assert grad(out, xs) == pytest.approx(numeric, rel=1e-6)


def test_numpy_power_takes_a_value_or_a_number_exponent():
    x, y = Value(2.0), Value(3.0)
    assert np.power(x, 3).op == "pow" and np.power(x, y).op == "powv"
    assert np.power(2.0, y).op == "powv" and np.power(x, y).data == 8.0


def test_subtraction_and_division_are_one_node_each():
    a, b = Value(6.0, "a"), Value(3.0, "b")
    for out, name in ((a - b, "sub"), (a / b, "div"), (1 / b, "div"), (a - 1, "sub"),
                      (1 - a, "sub"), (a / 3, "div")):  # fmt: skip
        assert out.op == name and len(out.parents) == 2
    (one_over,) = grad(1 / b, [b])
    assert one_over == pytest.approx(-1 / 9)
    assert grad(a / b, [a, b]) == pytest.approx((1 / 3, -6 / 9))
    assert grad(a - b, [a, b]) == (1.0, -1.0)


def test_tiny_over_tiny_is_one_with_huge_finite_gradients():
    # b ** -1 overflows at 1e-300; true division does not
    a, b = Value(1e-300), Value(1e-300)
    q = a / b
    q.backward()
    assert q.data == 1.0
    assert a.grad == pytest.approx(1e300) and b.grad == pytest.approx(-1e300)


def test_division_by_zero_and_a_derivative_that_overflows_name_the_op():
    with pytest.raises(ZeroDivisionError, match=r"^div\(1\.0, 0\.0\): division by zero$"):
        Value(1.0) / 0
    with pytest.raises(OverflowError, match=r"^div\(1e-300, 5e-324\): derivative overflows"):
        Value(1e-300) / Value(5e-324)
    with pytest.raises(ZeroDivisionError, match=r"^mod\(1\.0, 0\.0\)"):
        Value(1.0) % 0.0
    assert math.isnan((Value(math.nan) / 0.0).data)  # NaN propagates past the limit


def test_mod_follows_python_and_its_gradients():
    for a, b in ((7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-7.5, -2.0)):
        x, y = Value(a), Value(b)
        out = x % y
        assert out.data == a % b
        assert grad(out, [x, y]) == (1.0, -(a // b))


def test_max_min_as_functions_methods_and_clamp():
    a, b, c = Value(1.0), Value(3.0), Value(2.0)
    assert autograd.max(a, b, c).data == 3.0 and autograd.min([a, b, c]).data == 1.0
    assert a.max(b).data == 3.0 and a.min(b).data == 1.0
    assert grad(autograd.max(a, b, c), [a, b, c]) == (0.0, 1.0, 0.0)
    x = Value(5.0)
    assert x.clamp(-1.0, 1.0).data == 1.0 and x.clamp(hi=2.0).data == 2.0
    assert x.clamp(lo=6.0).data == 6.0 and grad(x.clamp(0.0, 10.0), [x]) == (1.0,)
    assert grad(x.clamp(-1.0, 1.0), [x]) == (0.0,)
    with pytest.raises(ValueError, match=r"^clamp\(5\.0, 2\.0, 1\.0\): lo must be <= hi$"):
        x.clamp(2.0, 1.0)
    with pytest.raises(TypeError, match="clamp lo must be a number"):
        x.clamp("low")
    with pytest.raises(TypeError, match="unexpected keyword 'low'"):
        x.clamp(low=1.0)


def test_sign_has_derivative_zero_everywhere():
    for v in (-2.0, 0.0, 3.0):
        x = Value(v)
        assert grad(x.sign(), [x]) == (0.0,)
    assert Value(-0.0).sign().data == 0.0 and math.copysign(1, Value(-0.0).sign().data) == 1


@pytest.mark.parametrize(("name", "exact"), [("log1p", math.log1p), ("expm1", math.expm1)])
def test_log1p_and_expm1_are_accurate_near_zero(name, exact):
    x = 1e-10
    got = getattr(Value(x), name)().data
    assert abs(got - exact(x)) <= 1e-15 * abs(exact(x))
    composed = Value(x).exp() - 1 if name == "expm1" else (1 + Value(x)).log()
    assert abs(composed.data - exact(x)) > 1e-12 * abs(exact(x))  # why they are rows


def test_atan2_and_hypot_take_two_values():
    y, x = Value(1.0), Value(-1.0)
    assert y.atan2(x).data == math.atan2(1.0, -1.0)
    assert autograd.hypot(3.0, Value(4.0)).data == 5.0
    assert grad(y.atan2(x), [y, x]) == pytest.approx((-0.5, -0.5))
    with pytest.raises(ValueError, match=r"^atan2\(0\.0, 0\.0\): derivative is undefined"):
        Value(0.0).atan2(0.0)


def test_builtin_max_compares_data_but_autograd_max_records_a_node():
    z, w = Value(1.0), Value(2.0)
    assert max(z, w) is w  # a comparison of values, no node
    m = autograd.max(z, w)
    assert m.op == "max" and m.parents == (z, w)


# -- register checks its row; re-registering a name replaces everything it backs -------------


def _row(**kw):
    base = {
        "name": "toy",
        "arity": 1,
        "forward": lambda xs, a: xs[0],
        "partials": lambda o, xs, a: (1.0,),
        "kernel": lambda xs, a: xs[0],
        "doc": "toy",
    }
    base.update(kw)
    return Op(**base)


@pytest.mark.parametrize(
    ("row", "error", "message"),
    [
        (123, TypeError, "register expects an Op row, got int"),
        (_row(arity=0), ValueError, "arity must be >= 1"),
        (_row(arity=-2), ValueError, "arity must be an int >= 1, or -1"),
        (_row(name="Toy"), ValueError, "must be a lowercase identifier"),
        (_row(bounds=(5.0, -5.0)), ValueError, "bounds must be two finite numbers lo < hi"),
        (_row(bounds=(math.nan, 1.0)), ValueError, "bounds must be two finite numbers"),
        (_row(local=("{3}",)), ValueError, "local template '{3}' cannot be filled"),
        (_row(formula="{x} + 1"), ValueError, "formula template '{x} + 1' cannot be filled"),
        (_row(local=("1", "2")), ValueError, "2 local templates for arity 1"),
        (_row(js=("{0}",)), ValueError, "js holds the forward and 1 partials"),
        (_row(forward=None), TypeError, "forward must be callable"),
    ],
)
def test_register_refuses_a_row_that_cannot_work_in_one_line(row, error, message):
    with pytest.raises(error) as info:
        autograd.register(row)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert "toy" not in OPS


def test_reregistering_a_row_changes_the_operators_the_method_and_apply(toy_row):
    mul = autograd.unregister("mul")
    try:
        doubled = Op("mul", 2, lambda xs, a: 2 * xs[0] * xs[1],
                     lambda o, xs, a: (2 * xs[1], 2 * xs[0]), lambda xs, a: 2 * xs[0] * xs[1],
                     "2 a b", operators=mul.operators, ufuncs=mul.ufuncs)  # fmt: skip
        autograd.register(doubled)
        a, b = Value(2.0), Value(3.0)
        assert (a * b).data == (3.0 * a).data == (a * 3.0).data == 12.0
        assert apply("mul", a, b).data == np.multiply(a, b).data == 12.0
    finally:
        autograd.unregister("mul")
        autograd.register(mul)
    assert (Value(2.0) * Value(3.0)).data == 6.0


def test_unregister_takes_the_method_function_and_ufunc_away(toy_row):
    toy_row(Op("twice", 1, lambda xs, a: 2 * xs[0], lambda o, xs, a: (2.0,),
               lambda xs, a: 2 * xs[0], "2 a", method=True, ufuncs=("square",)))  # fmt: skip
    x = Value(3.0)
    assert x.twice().data == autograd.twice(x).data == np.square(x).data == 6.0
    autograd.unregister("twice")
    assert not hasattr(Value, "twice") and "twice" not in FUNCTIONS
    with pytest.raises(TypeError, match=r"numpy.square\(\) has no op for Values"):
        np.square(x)


# -- README lists exactly the rows ------------------------------------------------------------


def test_readme_lists_every_op_row():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The ops and their judgement calls", 1)[1].split("\n- ", 1)[0]
    listed = set(re.findall(r"`([a-z_0-9]+)`", section))
    assert set(OPS) <= listed, sorted(set(OPS) - listed)
