"""viz.names: pictures say what the user wrote. Steps the user never wrote (sum()'s 0, a mean
over one sample, * 1) are neither boxes nor steps; inside a model every node is named by its
place; plain-number inputs are shown."""

from __future__ import annotations

import pytest
from viz_pages import lecture_net

import autograd
import nn
from autograd import OPS, Value
from viz import Stepper, draw
from viz.names import Names
from viz.trace import trace


def shown_ops(root: Value, **kw) -> list[str]:
    names = Names(root, **kw)
    return [n.op for n in names.nodes if n.parents and names.shown(n)]


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x * 1,
        lambda x: 1 * x,
        lambda x: x / 1,
        lambda x: x - 0,
        lambda x: 0 + x,
        lambda x: x**1,
        lambda x: autograd.sum([x]),
        lambda x: sum([x]),
    ],
    ids=["x*1", "1*x", "x/1", "x-0", "0+x", "x**1", "sum of one", "python sum"],
)
def test_a_step_the_user_never_wrote_is_no_box_and_no_step(make):
    x = Value(3.0, "x")
    out = make(x.tanh())
    names = Names(out)
    assert shown_ops(out) == ["tanh"]
    assert names.top is out.parents[0] or names.top in out.parents  # tanh(x) drawn as output
    assert names[names.top] == "out"
    t = trace(out)
    assert [s.node.op for s in t.steps] == ["tanh"]
    assert t.grads[x] == pytest.approx(1 - x.tanh().data ** 2)
    assert shown_ops(out, constants="nodes") != ["tanh"]  # micrograd's drawing keeps them


def test_neutral_constants_come_from_the_op_rows():
    # the rows say which constant leaves the other input unchanged; viz keeps no op list
    assert OPS["add"].neutral == (0.0, 0.0) and OPS["mul"].neutral == (1.0, 1.0)
    assert OPS["sub"].neutral == (None, 0.0) and OPS["div"].neutral == (None, 1.0)
    assert OPS["pow"].neutral == (1.0,) and OPS["sum"].neutral == (0.0,)
    x = Value(3.0, "x")
    assert shown_ops(0 - x) == ["sub"] and shown_ops(1 / x) == ["div"]  # not identities
    assert shown_ops(x * 2) == ["mul"] and shown_ops(x**2) == ["pow"]


def test_python_sum_and_a_mean_over_one_sample_read_as_written():
    a, b = Value(0.5, "a"), Value(-1.5, "b")
    out = sum([a * b, a * a])  # Python's sum: 0 + a*b + a*a
    assert shown_ops(out) == ["mul", "mul", "add"]
    src = draw(out).source
    assert "0 +" not in src and "+ 0" not in src
    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.mse_loss([model([0.5, -1.0])], [1.0])  # sum of one term, times 1.0
    ops = shown_ops(loss, params=model)
    assert ops[-2:] == ["sub", "mul"] and "sum" not in ops  # (p - t) * (p - t)
    loss.label = "loss"
    names = Names(loss, params=model)
    assert names[names.top] == "loss" and names.top.op == "mul"


def test_division_and_subtraction_are_one_node_each():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    src = draw(1 / x + (y - 1)).source
    assert '"1 ÷"' in src and '"- 1"' in src and "** -1" not in src and "+ (-1)" not in src


def test_inside_a_model_every_node_is_named_by_its_place():
    model = nn.MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    names = Names(loss, params=model)
    shown = {names[n] for n in names.nodes if names.shown(n)}
    for j in range(3):
        assert {f"L0.N{j}.sum", f"L0.N{j}", f"L0.N{j}.w0", f"L0.N{j}.b"} <= shown
    assert "L1.N0" in shown and "0.5" in shown and "-1" in shown  # plain-number inputs shown
    assert not {"q", "r", "s"} & (shown - {"q"})  # no letters for the model's own nodes


def test_samples_are_named_when_the_graph_holds_several():
    loss, model, _ = lecture_net()
    names = Names(loss, params=model)
    shown = [names[n] for n in names.nodes if names.shown(n)]
    for k in range(4):
        assert f"s{k}:L0.N1" in shown and f"s{k}:L2.N0" in shown and f"s{k}:L1.N3.sum" in shown
    assert names.grad_name(next(n for n in names.nodes if names[n] == "s2:L0.N1")) == (
        "d(s2:L0.N1)"
    )
    s = Stepper(loss, params=model)
    assert len(s.trace.forward) == len([n for n in s.trace.shown if n.parents])
    assert '"0 +"' not in draw(loss, params=model).source  # sum()'s 0: no op writes it
