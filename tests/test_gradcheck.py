"""Gradient checking toolkit: numerical_diff, numerical_grad, gradcheck, strategies."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings

import autograd
from autograd import GradcheckError, Value, gradcheck, numerical_diff, numerical_grad
from autograd.strategies import Expression, expressions, finite_floats, inputs, off_kinks


def test_numerical_diff_reproduces_textbook_figures():
    assert numerical_diff(lambda x0: x0 * x0 + 4.0**2.0, 3.0) == 6.00000000000378
    assert numerical_diff(lambda x1: 3.0**2.0 + x1 * x1, 4.0) == 7.999999999999119

    def f(x):
        return 0.01 * x**2 + 0.1 * x

    assert numerical_diff(f, 5) == 0.1999999999990898
    assert numerical_diff(f, 10) == 0.2999999999986347


def test_numerical_grad_of_sum_of_squares():
    def f(x0, x1):
        return x0**2 + x1**2

    for point, expected in [((3.0, 4.0), (6, 8)), ((0.0, 2.0), (0, 4)), ((3.0, 0.0), (6, 0))]:
        assert numerical_grad(f, point) == pytest.approx(expected, abs=1e-6)


def test_numerical_grad_records_no_graph():
    seen = []

    def f(x):
        y = x * x
        seen.append(y)
        return y

    numerical_grad(f, [2.0])
    assert seen and all(y.parents == () for y in seen)


def test_numerical_grad_rejects_bad_step_and_bad_result():
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_grad(lambda x: x, [1.0], h=0.0)
    with pytest.raises(TypeError, match="str"):
        numerical_diff(lambda x: "no", 1.0)


def test_gradcheck_passes_on_correct_gradients():
    assert gradcheck(lambda x, y: (x * y).tanh() + x.exp() / y, [0.5, 2.0], order=2) is True


def test_gradcheck_reports_a_table_on_a_wrong_rule(toy_row):
    tanh = autograd.OPS["tanh"]
    toy_row(autograd.Op("wrongtanh", 1, tanh.forward, lambda o, xs, a: (1 + o * o,),
                        tanh.kernel, "tanh with a wrong sign", method=True))  # fmt: skip
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x.wrongtanh() * y, [0.5, 2.0])
    text = str(info.value)
    assert "gradcheck failed: 1 of 2" in text
    assert "analytic" in text and "numerical" in text and "error" in text
    assert "x0" in text and "mismatch" in text


def test_gradcheck_order_two_catches_a_wrong_second_derivative(toy_row):
    # A rule whose first derivative is right but is not written in differentiable arithmetic:
    # converting to float hides the dependence on the input from create_graph.
    right = autograd.OPS["tanh"]
    frozen = lambda o, xs, a: (1 - getattr(o, "data", o) ** 2,)  # noqa: E731 - a float rule
    toy_row(autograd.Op("frozentanh", 1, right.forward, frozen,
                        right.kernel, "tanh, not differentiable twice", method=True))  # fmt: skip
    assert gradcheck(lambda x: x.frozentanh(), [0.5], order=1)
    with pytest.raises(GradcheckError, match="d2/dx0dx0"):
        gradcheck(lambda x: x.frozentanh(), [0.5], order=2)


def test_gradcheck_argument_errors():
    with pytest.raises(ValueError, match="order"):
        gradcheck(lambda x: x, [1.0], order=0)
    with pytest.raises(TypeError, match="Value"):
        gradcheck(lambda x: 1.0, [1.0])


@given(expressions(3), inputs(3))
def test_random_expressions_pass_gradcheck(f, xs):
    assert gradcheck(f, xs)


@settings(max_examples=25)
@given(expressions(2, max_steps=4), inputs(2))
def test_random_expressions_pass_second_order_gradcheck(f, xs):
    assert gradcheck(f, xs, order=2)


PIECEWISE = [name for name, op in autograd.OPS.items() if not op.smooth]


@given(expressions(2, ops=[*PIECEWISE, "mul", "add"]), inputs(2))
def test_piecewise_expressions_pass_gradcheck_off_kinks(f, xs):
    # numerical gradients jump at a kink: keep every piecewise op's inputs off its kinks
    out = f(*[Value(x) for x in xs])
    nodes = [n for n in autograd.toposort(out) if not autograd.OPS[n.op].smooth]
    assume(all(off_kinks(autograd.OPS[n.op], [p.data for p in n.parents], n.arg) for n in nodes))
    assert gradcheck(f, xs)


@given(expressions(2))
def test_expressions_share_sub_expressions_and_stay_finite(f):
    assert isinstance(f, Expression)
    out = f(Value(1.5), Value(-2.5))
    assert isinstance(out, Value) and out.data == out.data


def test_expressions_can_draw_every_op():
    drawn = set()

    @settings(max_examples=300, derandomize=True)
    @given(expressions(2, max_steps=6, ops=list(autograd.OPS)))
    def collect(f):
        drawn.update(name for name, _, _ in f.steps)

    collect()
    assert drawn == set(autograd.OPS)


@settings(max_examples=300, derandomize=True)
@given(expressions(1, ops=["pow"]), finite_floats(-3, 3))
def test_expressions_never_overflow_even_when_repeating_one_op(f, x):
    # x ** 3 six times over would be x ** 729: every op input is bounded, so no draw overflows
    out = f(Value(x))
    assert abs(out.data) < 1e300


def test_expressions_argument_errors():
    with pytest.raises(ValueError, match="n_inputs"):
        expressions(0)
    with pytest.raises(ValueError, match="unknown ops"):
        expressions(1, ops=["nope"])


def test_finite_floats_are_bounded():
    @given(finite_floats(-2, 2))
    def check(x):
        assert -2 <= x <= 2

    check()


@pytest.mark.parametrize("name", sorted(autograd.OPS))
def test_expressions_of_any_single_op_never_overflow(name):
    # expressions(ops=[one op]) repeats it up to six deep; every input stays in its bounds
    @settings(max_examples=100, derandomize=True)
    @given(expressions(2, ops=[name]), inputs(2))
    def check(f, xs):
        out = f(*[Value(x) for x in xs])
        assert abs(out.data) < 1e300

    check()


def test_gradcheck_error_keeps_the_function_inputs_and_rows(toy_row):
    tanh = autograd.OPS["tanh"]
    toy_row(autograd.Op("wrongtanh", 1, tanh.forward, lambda o, xs, a: (1 + o * o,),
                        tanh.kernel, "tanh with a wrong sign", method=True))  # fmt: skip

    def f(x, y):
        return x.wrongtanh() * y

    with pytest.raises(GradcheckError) as info:
        gradcheck(f, [0.5, 2.0])
    err = info.value
    assert err.function is f and err.inputs == [0.5, 2.0] and err.bad == ["x0"]
    assert [name for name, _, _ in err.rows] == ["x0", "x1"]
