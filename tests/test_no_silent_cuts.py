"""No silent graph cuts: a Value never turns into a plain number behind the user's back
(float(v), math.exp(v), numpy arrays mixed with Values), and a stale graph is always refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value, grad, numerical_grad


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: math.exp(v), r"math.exp\(\) of a Value would cut the graph: call x.exp\(\)"),
        (lambda v: math.sin(-v), r"call v.sin\(\) to keep it in the graph, or math.sin\(v.data\)"),
        (lambda v: math.gamma(v), r"there is no gamma op"),
        (lambda v: float(v), r"float\(\) of a Value would cut the graph .*use x.data"),
        (lambda v: int(v), r"int\(\) of a Value would cut the graph"),
        (lambda v: round(v), r"round\(\) of a Value would cut the graph"),
        (lambda v: math.floor(v), r"cut the graph"),
    ],
)
def test_turning_a_value_into_a_number_raises_one_line_naming_what_to_call(call, message):
    with pytest.raises(TypeError, match=message) as info:
        call(Value(1.0, "x"))
    assert "\n" not in str(info.value)


def test_cs231n_staged_example_keeps_its_gradient():
    # f(x, y) = (x + sigmoid(y)) / (sigmoid(x) + (x + y)**2) at x = 3, y = -4, staged as in
    # CS231n's notes; with math.exp the graph would be cut and dx silently wrong
    def f(x, y):
        sigy = 1.0 / (1 + (-y).exp())
        num = x + sigy
        sigx = 1.0 / (1 + (-x).exp())
        xpy = x + y
        xpysqr = xpy**2
        den = sigx + xpysqr
        return num * den**-1

    x, y = Value(3.0), Value(-4.0)
    dx, dy = grad(f(x, y), [x, y])
    assert (dx, dy) == pytest.approx(tuple(numerical_grad(f, [3.0, -4.0])), rel=1e-7)
    assert dx == pytest.approx(2.0596, abs=1e-4)
    with pytest.raises(TypeError, match="cut the graph"):
        1.0 / (1 + math.exp(-x))


def test_numpy_arrays_and_values_do_not_mix_silently():
    v = Value(1.0)
    with pytest.raises(TypeError, match=r"numpy.add: a numpy array and a Value do not mix"):
        np.array([1.0]) + v
    with pytest.raises(TypeError, match=r"numpy.floor\(\) has no op for Values"):
        np.floor(v)
    with pytest.raises(TypeError, match=r"numpy.add.reduce"):
        np.add.reduce(v)
    assert isinstance(np.sign(Value(-3.0)), Value) and np.sign(Value(-3.0)).data == -1.0
    assert (np.float64(2.0) * v).op == "mul"
    objects = np.array([Value(1.0), Value(2.0)], dtype=object)
    assert (objects * 2).sum().data == 6.0  # object arrays use Python's operators


def test_format_shows_the_data():
    v = Value(1.0 / 3.0, "x")
    assert f"{v:.3f}" == "0.333" and f"{v}" == repr(v)


# -- stale graphs: refused by create_graph whatever the output happens to be ------------------


def _square_at_minus_two():
    x = Value(2.0)
    return x**2, x, lambda: setattr(x, "data", -2.0)  # the same square: 4


def _abs_at_minus_two():
    x = Value(2.0)
    return x.abs(), x, lambda: setattr(x, "data", -2.0)


def _product_with_inputs_swapped():
    x, y = Value(2.0), Value(3.0)

    def swap():
        x.data, y.data = 3.0, 2.0  # the same product: 6

    return x * y, x, swap


@pytest.mark.parametrize(
    "case", [_square_at_minus_two, _abs_at_minus_two, _product_with_inputs_swapped]
)
def test_a_stale_graph_is_refused_whatever_the_output_happens_to_be(case):
    out, x, change = case()
    change()
    with pytest.raises(RuntimeError, match="changed after the graph was built"):
        grad(out, [x], create_graph=True)


def test_writing_an_inner_node_makes_its_users_stale_but_not_a_fresh_graph():
    x = Value(2.0)
    h = x * x
    out = h + 1
    h.data = 5.0
    with pytest.raises(RuntimeError, match="changed after the graph was built"):
        grad(out, [x], create_graph=True)
    x.data = 3.0
    (d,) = grad(x * x, [x], create_graph=True)  # built after the write: fine
    assert d.data == 6.0


def test_data_is_still_a_number_slot_for_users():
    v = Value(1.0)
    v.data += 0.5
    assert v.data == 1.5 and type(v.data) is float
    with pytest.raises(TypeError, match="Value.data must be a number"):
        v.data = "2"
