"""Backward, step-by-step backward, grad (higher order) and zero_grad."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, backward_steps, grad


def test_backward_on_million_node_chain():
    x = Value(1.0)
    v = x
    for _ in range(1_000_000):
        v = v + 1.0
    v.backward()
    assert v.data == 1_000_001.0 and x.grad == 1.0


def test_repeated_backward_adds_the_same_gradients_again():
    x = Value(3.0)
    y = x * x * x
    y.backward()
    assert x.grad == 27.0
    y.backward()
    assert x.grad == 54.0  # micrograd gives 45


def test_repeated_backward_on_inner_nodes():
    x = Value(2.0)
    h = x.tanh()
    y = h * h + h
    y.backward()
    first = (x.grad, h.grad)
    y.backward()
    assert (x.grad, h.grad) == (2 * first[0], 2 * first[1])


def test_backward_of_a_leaf():
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0


def test_zero_grad_resets_the_whole_graph():
    x, y = Value(2.0), Value(-1.0)
    z = (x * y).exp() + x
    z.backward()
    assert x.grad != 0 and y.grad != 0
    z.zero_grad()
    assert x.grad == y.grad == z.grad == z.parents[0].grad == 0.0


def test_toposort_puts_inputs_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + b * c  # c reached along two paths
    order = autograd.toposort(d)
    assert order.index(c) < order.index(d.parents[1]) < order.index(d)
    assert a not in order and len(order) == len(set(order)) == 3


def test_backward_steps_classic_example():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    f = q * z
    steps = list(backward_steps(f))
    assert [s.node for s in steps] == [f, q]
    first = steps[0]
    assert first.grad == 1.0
    assert first.parents == ((q, -4.0, -4.0), (z, 3.0, 3.0))  # dq = dout * z = 1 * -4 = -4
    assert steps[1].grad == -4.0
    assert steps[1].parents == ((x, 1.0, -4.0), (y, 1.0, -4.0))
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_backward_steps_apply_one_node_at_a_time():
    x = Value(0.5)
    h = x.tanh()
    y = h * x
    it = backward_steps(y)
    next(it)
    assert h.grad == 0.5 and x.grad == pytest.approx(math.tanh(0.5))
    assert h.parents[0].grad == x.grad  # the tanh node has not passed its gradient on yet


def _expr(xs):
    a, b, c = xs
    s = a * b + (b * c).tanh()
    return (s * s + a.exp() / (c * c + 1.0)).sigmoid() + s.softplus() * a


@given(st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_backward_steps_to_the_end_equals_backward(vals):
    xs1 = [Value(v) for v in vals]
    _expr(xs1).backward()
    xs2 = [Value(v) for v in vals]
    for _ in backward_steps(_expr(xs2)):
        pass
    assert [x.grad for x in xs1] == [x.grad for x in xs2]


@given(st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_grad_equals_backward_and_leaves_grads_alone(vals):
    xs = [Value(v) for v in vals]
    out = _expr(xs)
    gs = grad(out, xs)
    assert all(x.grad == 0.0 for x in xs)
    out.backward()
    assert list(gs) == pytest.approx([x.grad for x in xs], rel=1e-12)


def test_grad_of_unreached_input_is_zero():
    x, y = Value(1.0), Value(2.0)
    assert grad(x * 3.0, [x, y]) == (3.0, 0.0)
    (dy,) = grad(x * 3.0, [y], create_graph=True)
    assert isinstance(dy, Value) and dy.data == 0.0


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="float"):
        grad(Value(1.0), [1.0])


def test_second_derivative_through_create_graph():
    x = Value(3.0)
    y = x**3
    (dy,) = grad(y, [x], create_graph=True)
    (d2y,) = grad(dy, [x], create_graph=True)
    (d3y,) = grad(d2y, [x])
    assert (dy.data, d2y.data, d3y) == (27.0, 18.0, 6.0)
    assert x.grad == 0.0


def test_hessian_of_two_variable_function():
    x, y = Value(0.3), Value(-0.7)
    f = (x * y).tanh() + x.exp() * y * y
    gx, gy = grad(f, [x, y], create_graph=True)
    hxx, hxy = grad(gx, [x, y])
    hyx, hyy = grad(gy, [x, y])
    t = math.tanh(0.3 * -0.7)
    s2 = 1 - t * t
    assert hxx == pytest.approx(-2 * t * s2 * 0.49 + math.exp(0.3) * 0.49, rel=1e-12)
    assert hxy == pytest.approx(hyx, rel=1e-12)
    assert hxy == pytest.approx(s2 + -2 * t * s2 * 0.3 * -0.7 + 2 * -0.7 * math.exp(0.3))
    assert hyy == pytest.approx(-2 * t * s2 * 0.09 + 2 * math.exp(0.3), rel=1e-12)


def test_gradient_penalty_backpropagates_through_a_gradient():
    w, x = Value(1.5), Value(0.4)
    out = (w * x).tanh()
    (gx,) = grad(out, [x], create_graph=True)
    penalty = (gx - 1.0) ** 2
    penalty.backward()
    t = math.tanh(0.6)
    dgx_dw = (1 - t * t) + w.data * (-2 * t * (1 - t * t) * x.data)
    assert w.grad == pytest.approx(2 * (gx.data - 1.0) * dgx_dw, rel=1e-12)


def test_create_graph_works_inside_no_grad():
    x = Value(2.0)
    y = x * x
    with autograd.no_grad():
        (dy,) = grad(y, [x], create_graph=True)
    assert dy.parents and grad(dy, [x]) == (2.0,)


def test_create_graph_rule_with_wrong_count_names_the_op(toy_row):
    tanh = autograd.OPS["tanh"]
    # right on floats (what building stores), wrong on Values (what create_graph evaluates)
    rule = lambda o, xs, a: (1 - o * o,) if isinstance(o, float) else (1.0, 2.0)  # noqa: E731
    toy_row(autograd.Op("twotanh", 1, tanh.forward, rule, tanh.kernel, "broken"))
    x = Value(2.0)
    y = autograd.apply("twotanh", x)
    with pytest.raises(RuntimeError, match="'twotanh' returned 2 gradients for 1 inputs"):
        grad(y, [x], create_graph=True)


def test_relus_flat_side_passes_zero_under_an_infinite_upstream_gradient():
    # torch gives 0.0 here; a plain multiply-add would give 0 * inf = nan
    x, w = Value(-1.0), Value(1e200)
    (x.relu() * w * w).backward()
    assert x.grad == 0.0
    assert grad(x.relu() * w * w, [x]) == (0.0,)


def test_nan_through_relu_stays_nan_like_torch():
    assert math.isnan(Value(math.nan).relu().data)


# -- one reverse pass: every form of backward is a view of autograd.graph._flow ------------------


def test_backward_steps_is_a_real_generator_each_step_made_when_asked():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    out = q * z
    steps = autograd.backward_steps(out)
    assert (x.grad, z.grad, q.grad) == (0.0, 0.0, 0.0)  # nothing runs before the first step
    first = next(steps)
    assert first.node is out and (q.grad, z.grad, x.grad) == (-4.0, 3.0, 0.0)
    second = next(steps)
    assert second.node is q and x.grad == -4.0 and y.grad == -4.0
    assert [c for _, _, c in second.parents] == [-4.0, -4.0]
    assert next(steps, None) is None


def test_every_form_of_backward_passes_nothing_along_a_zero_local_derivative():
    # relu's flat side times 1e308 * 10: the upstream gradient is infinite, the local one 0
    w = Value(-1.0)

    def f(x):
        return (w * x).relu() * 1e308 * 10.0

    x = Value(2.0)
    out = f(x)
    out.backward()
    assert w.grad == 0.0 and x.grad == 0.0
    assert autograd.grad(out, [w]) == (0.0,)
    # on Values the infinite upstream gradient is itself a result that overflows: refused
    with pytest.raises(OverflowError, match=r"^mul\(1e\+308, 10\.0\)"):
        autograd.grad(out, [w], create_graph=True)
    w.grad = 0.0
    for _ in autograd.backward_steps(out):
        pass
    assert w.grad == 0.0
    steps = []
    assert autograd.reverse(out, steps=steps)[w] == 0.0
    assert all(c == 0.0 for s in steps for p, _, c in s.parents if p is w)


def test_micrographs_backward_of_one_node_is_that_nodes_step_of_the_pass():
    x, y = Value(3.0), Value(4.0)
    out = x * y
    (step,) = list(autograd.backward_steps(x * y))
    x.grad = y.grad = 0.0
    out.grad = 1.0
    out._backward()
    assert (x.grad, y.grad) == tuple(c for _, _, c in step.parents) == (4.0, 3.0)


def test_a_second_derivative_through_a_zero_first_factor_is_kept():
    # d(a*b)/da = b: at b = 0 the local derivative is a Value worth 0, which still carries b's
    # graph, so d2/da db = 1 (a zero *number* passes nothing; a zero *Value* passes its graph)
    a, b = Value(2.0), Value(0.0)
    (da,) = autograd.grad(a * b, [a], create_graph=True)
    assert da.data == 0.0 and autograd.grad(da, [b]) == (1.0,)
