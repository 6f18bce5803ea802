"""Karpathy's micrograd lecture, run on stepgrad: its Value class replaced by ours, its neural
net classes by nn's, and ``draw_dot = viz.draw``. The lecture draws with ``_prev`` and
``_op``, backpropagates by hand with ``o._backward()`` node by node, and trains MLP(3, [4, 4, 1])
on four samples."""

from __future__ import annotations

import math

import graphviz
import pytest

import viz
from autograd import Value
from nn import MLP

draw_dot = viz.draw


def neuron():
    """The lecture's neuron: tanh(x1*w1 + x2*w2 + b), its bias chosen so that o = 0.7071."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


def build_topo(root):
    """The lecture's recursive topological sort, over micrograd's ``_prev``."""
    topo, visited = [], set()

    def visit(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                visit(child)
            topo.append(v)

    visit(root)
    return topo


def test_prev_and_op_are_micrographs():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    d = e + c
    assert d._prev == {e, c} and d._op == "+" and e._op == "*" and a._op == ""
    assert (a**2)._op == "**2" and a.relu()._op == "ReLU" and a.tanh()._op == "tanh"
    assert a.exp()._op == "exp" and (a / b)._op == "/" and (a - b)._op == "-"


def test_backpropagation_by_hand_node_by_node_matches_backward():
    by_hand = neuron()
    o = by_hand["o"]
    o.grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1"):
        by_hand[name]._backward()
    auto = neuron()
    auto["o"].backward()
    for name in ("x1", "x2", "w1", "w2", "b", "n"):
        assert by_hand[name].grad == pytest.approx(auto[name].grad, rel=1e-15), name
    assert by_hand["x1"].grad == pytest.approx(-1.5) and by_hand["w2"].grad == 0.0


def test_a_leaf_backward_does_nothing_and_one_step_touches_only_the_parents():
    g = neuron()
    g["x1"]._backward()  # a leaf: micrograd's lambda: None
    assert all(v.grad == 0.0 for k, v in g.items() if isinstance(v, Value))
    g["n"].grad = 0.5
    g["n"]._backward()
    assert g["x1w1x2w2"].grad == 0.5 and g["b"].grad == 0.5 and g["x1"].grad == 0.0


def test_the_lectures_topological_loop_over_prev_gives_backwards_gradients():
    g = neuron()
    g["o"].grad = 1.0
    for node in reversed(build_topo(g["o"])):
        node._backward()
    assert g["w1"].grad == pytest.approx(1.0) and g["x2"].grad == pytest.approx(0.5)


def test_tanh_written_with_exp_gives_the_same_gradients():
    g = neuron()
    n = g["n"]
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert o.data == pytest.approx(math.tanh(n.data)) and g["x1"].grad == pytest.approx(-1.5)


def test_a_plus_a_keeps_both_edges():
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0  # the lecture's bug: micrograd's = instead of +=


def test_draw_dot_takes_the_lectures_arguments():
    dot = draw_dot(neuron()["o"], format="svg", rankdir="LR")
    assert isinstance(dot, graphviz.Digraph) and dot.format == "svg"
    assert "rankdir=LR" in dot.source and "0.7071" in dot.source


def test_the_lectures_mlp_trains_on_its_four_samples():
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    n = MLP(3, [4, 4, 1], seed=1)
    assert isinstance(n([2.0, 3.0, -1.0]), Value) and len(n.parameters()) == 41
    losses = []
    for _ in range(20):
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        for p in n.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    assert losses[-1] < losses[0]
    assert n.layers[0].neurons[0].w[0].grad == n.parameters()[0].grad
