"""grad(f), value_and_grad, jacobian, hessian and jvp: HIPS autograd's and JAX's habits, from
the same rows and the same reverse pass; any order by nesting; gradcheck of any order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import (
    GradcheckError,
    Value,
    grad,
    gradcheck,
    hessian,
    jacobian,
    jvp,
    numerical_diff,
    value_and_grad,
)


def tanh(x):
    """HIPS autograd's README example, written with numpy (ufuncs on Values run the rows)."""
    y = np.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


def test_hips_readme_example_first_second_and_third_derivatives():
    t = math.tanh(1.0)
    d1 = 1 - t * t
    d2 = -2 * t * d1
    d3 = -2 * d1 * d1 + 4 * t * t * d1
    assert grad(tanh)(1.0) == pytest.approx(d1, rel=1e-12)
    assert grad(tanh)(1.0) == pytest.approx((tanh(1.0001) - tanh(0.9999)) / 0.0002, rel=1e-7)
    assert grad(grad(tanh))(1.0) == pytest.approx(d2, rel=1e-12)
    assert grad(grad(grad(tanh)))(1.0) == pytest.approx(d3, rel=1e-12)
    assert isinstance(grad(grad(tanh))(1.0), float)


def test_autograd_numpy_is_numpy_for_hips_code():
    import autograd.numpy as anp

    assert anp.exp is np.exp
    assert grad(lambda x: anp.sin(x) * anp.exp(x))(0.0) == pytest.approx(1.0)


def test_grad_of_a_value_stays_torch_style():
    x = Value(3.0)
    assert grad(x * x, [x]) == (6.0,)
    (d,) = grad(x * x * x, [x], create_graph=True)
    assert isinstance(d, Value) and d.data == 27.0


def test_argnums_values_and_shapes():
    f = lambda x, y: x * x * y  # noqa: E731
    assert grad(f)(3.0, 2.0) == 12.0
    assert grad(f, argnums=1)(3.0, 2.0) == 9.0
    assert grad(f, argnums=(0, 1))(3.0, 2.0) == (12.0, 9.0)
    assert value_and_grad(f, argnums=(1, 0))(3.0, 2.0) == (18.0, (9.0, 12.0))
    assert grad(lambda xs: sum(x * x for x in xs))([1.0, 2.0, 3.0]) == [2.0, 4.0, 6.0]
    g = grad(lambda a: (a * a).sum())(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert isinstance(g, np.ndarray) and g.shape == (2, 2) and g.tolist() == [[2, 4], [6, 8]]
    assert grad(lambda x: 5.0)(1.0) == 0.0  # f does not depend on x


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1, not 2
    assert grad(lambda x: x * grad(lambda y: x + y)(x))(1.0) == 1.0
    # an inner derivative that depends on the outer variable through a closure
    assert grad(lambda x: grad(lambda y: x * y)(2.0))(5.0) == 1.0


def test_jacobian_and_hessian():
    assert jacobian(lambda x: [x * x, x.sin()])(0.5) == pytest.approx([1.0, math.cos(0.5)])
    j = jacobian(lambda x, y: [x * y, x + y], argnums=(0, 1))(2.0, 3.0)
    assert j == [(3.0, 2.0), (1.0, 1.0)]
    h = hessian(lambda x, y: x * x * y + y.exp(), argnums=(0, 1))(3.0, 0.0)
    assert h == ((0.0, 6.0), (6.0, 1.0))
    assert hessian(lambda xs: xs[0] * xs[1] * xs[1])([2.0, 3.0]) == [[0.0, 6.0], [6.0, 4.0]]
    assert hessian(lambda x: x.sin())(0.3) == pytest.approx(-math.sin(0.3))


def test_jvp_is_forward_mode_from_the_rows_partials():
    out, t = jvp(lambda x, y: (x * y).sin(), (1.0, 2.0), (1.0, 0.0))
    assert out == pytest.approx(math.sin(2.0)) and t == pytest.approx(2 * math.cos(2.0))
    out, t = jvp(lambda x: [x * x, x.exp()], (1.5,), (2.0,))
    assert t == pytest.approx([6.0, 2 * math.exp(1.5)])
    # forward mode nests under reverse mode: d/dx of (d/dx f along 1) is the second derivative
    second = grad(lambda x: jvp(lambda y: y * y * y, (x,), (1.0,))[1])(2.0)
    assert second == pytest.approx(12.0)


@given(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
def test_jvp_agrees_with_the_reverse_pass(a, b):
    def f(x, y):
        return (x * y + x.exp()).tanh() + y * y

    gx, gy = grad(f, argnums=(0, 1))(a, b)
    _, t = jvp(f, (a, b), (0.3, -0.7))
    assert t == pytest.approx(0.3 * gx - 0.7 * gy, rel=1e-9, abs=1e-12)


def test_bad_arguments_are_refused_in_one_line():
    with pytest.raises(TypeError, match="grad\\(\\) takes a function"):
        grad(3.0, [Value(1.0)])
    with pytest.raises(ValueError, match="argnums 2 is out of range for 1"):
        grad(lambda x: x, argnums=2)(1.0)
    with pytest.raises(TypeError, match="must return one Value"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="must be numbers, Values, lists or arrays"):
        grad(lambda x: x)("1.0")
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(lambda x, y: x, (1.0, 2.0), (1.0,))


def test_gradcheck_checks_any_order():
    assert gradcheck(lambda x, y: (x * y).sin() + x.exp(), [0.3, -0.8], order=3)
    assert numerical_diff(lambda x: x.sin(), 0.3) == pytest.approx(math.cos(0.3))


def test_gradcheck_order_three_catches_a_wrong_third_derivative(toy_row):
    # x ** 3 whose partial on Values carries an extra 5 (x - x0)**2: zero at the point, and so
    # is its first derivative, so orders 1 and 2 are right; the third derivative is off by 10
    def partial(o, xs, a):
        x = xs[0]
        extra = 5 * (x - x.data) ** 2 if isinstance(x, Value) else 0.0
        return (3 * x * x + extra,)

    toy_row(autograd.Op("oddcube", 1, lambda xs, a: xs[0] ** 3, partial,
                        lambda xs, a: xs[0] ** 3, "x cubed", method=True))  # fmt: skip
    assert gradcheck(lambda x: x.oddcube(), [0.5], order=2)
    with pytest.raises(GradcheckError, match="d3/dx0dx0dx0"):
        gradcheck(lambda x: x.oddcube(), [0.5], order=3)
