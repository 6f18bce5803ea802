"""Optimizers: two steps against hand computations of PyTorch's update rules (and torch.optim)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Value

# Two parameters and the gradients they get on steps 1 and 2 (set by hand, so every number in
# the expected updates below can be followed on paper).
START = [1.0, -2.0]
GRADS = [[0.5, -1.0], [0.25, 2.0]]


def run(make, steps=2):
    ps = [Value(x) for x in START]
    opt = make(ps)
    for g in GRADS[:steps]:
        opt.zero_grad()
        for p, gi in zip(ps, g):
            p.grad += gi
        opt.step()
    return [p.data for p in ps]


def test_sgd_two_steps_by_hand():
    # p -= lr * g: 1 - 0.1*0.5 - 0.1*0.25 = 0.925; -2 + 0.1*1 - 0.1*2 = -2.1
    assert run(lambda ps: nn.SGD(ps, lr=0.1)) == pytest.approx([0.925, -2.1], abs=1e-15)


def test_sgd_momentum_two_steps_by_hand():
    # v1 = g1; v2 = 0.9 v1 + g2;  p2 = p0 - lr (v1 + v2)
    # p[0]: v1 = 0.5, v2 = 0.45 + 0.25 = 0.7  -> 1 - 0.1 * 1.2 = 0.88
    # p[1]: v1 = -1, v2 = -0.9 + 2 = 1.1      -> -2 - 0.1 * 0.1 = -2.01
    out = run(lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9))
    assert out == pytest.approx([0.88, -2.01], abs=1e-15)


def test_adagrad_two_steps_by_hand():
    eps = 1e-7
    # p[0]: s1 = 0.25 -> step 0.1*0.5/0.5; s2 = 0.3125 -> step 0.1*0.25/sqrt(0.3125)
    p0 = 1.0 - 0.1 * 0.5 / (0.5 + eps) - 0.1 * 0.25 / (math.sqrt(0.3125) + eps)
    # p[1]: s1 = 1 -> step 0.1*(-1)/1; s2 = 5 -> step 0.1*2/sqrt(5)
    p1 = -2.0 + 0.1 * 1.0 / (1.0 + eps) - 0.1 * 2.0 / (math.sqrt(5.0) + eps)
    assert run(lambda ps: nn.AdaGrad(ps, lr=0.1)) == pytest.approx([p0, p1], abs=1e-15)
    assert p0 == pytest.approx(1.0 - 0.1 - 0.0447213595, abs=1e-7)  # eps aside


def test_rmsprop_two_steps_by_hand():
    a, eps = 0.99, 1e-8
    # p[0]: s1 = 0.01*0.25 = 0.0025; s2 = 0.99*0.0025 + 0.01*0.0625 = 0.003100
    s1, s2 = 0.0025, 0.99 * 0.0025 + 0.01 * 0.0625
    p0 = 1.0 - 0.01 * 0.5 / (math.sqrt(s1) + eps) - 0.01 * 0.25 / (math.sqrt(s2) + eps)
    # p[1]: s1 = 0.01; s2 = 0.99*0.01 + 0.01*4 = 0.0499
    t1, t2 = 0.01, 0.99 * 0.01 + 0.01 * 4.0
    p1 = -2.0 + 0.01 * 1.0 / (math.sqrt(t1) + eps) - 0.01 * 2.0 / (math.sqrt(t2) + eps)
    out = run(lambda ps: nn.RMSProp(ps, lr=0.01, alpha=a, eps=eps))
    assert out == pytest.approx([p0, p1], abs=1e-14)
    # first step of RMSProp moves by lr * g / sqrt(0.01 g^2) = 10 lr sign(g)
    assert run(lambda ps: nn.RMSProp(ps, lr=0.01), steps=1) == pytest.approx([0.9, -1.9])


def test_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    expected = []
    for x, (g1, g2) in zip(START, zip(*GRADS)):
        m1, v1 = 0.1 * g1, 0.001 * g1 * g1
        x1 = x - (lr / (1 - b1)) * m1 / (math.sqrt(v1) / math.sqrt(1 - b2) + eps)
        m2, v2 = b1 * m1 + 0.1 * g2, b2 * v1 + 0.001 * g2 * g2
        x2 = x1 - (lr / (1 - b1**2)) * m2 / (math.sqrt(v2) / math.sqrt(1 - b2**2) + eps)
        expected.append(x2)
    out = run(lambda ps: nn.Adam(ps, lr=lr))
    assert out == pytest.approx(expected, abs=1e-14)
    # Adam's first step is lr * sign(g), whatever the gradient's size
    assert run(lambda ps: nn.Adam(ps, lr=0.1), steps=1) == pytest.approx([0.9, -1.9], abs=1e-7)


def test_lr_can_change_between_steps():
    ps = [Value(1.0)]
    opt = nn.SGD(ps, lr=0.1)
    for lr in (0.1, 0.5):
        opt.lr = lr
        opt.zero_grad()
        ps[0].grad = 1.0
        opt.step()
    assert ps[0].data == pytest.approx(1.0 - 0.1 - 0.5)


def test_zero_grad_resets_grads():
    ps = [Value(1.0), Value(2.0)]
    ps[0].grad, ps[1].grad = 3.0, -1.0
    nn.Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_sgd_minimises_a_quadratic_through_backward():
    w = Value(3.0)
    opt = nn.SGD([w], lr=0.1, momentum=0.5)
    for _ in range(100):
        opt.zero_grad()
        ((w - 1.0) ** 2).backward()
        opt.step()
    assert w.data == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: nn.SGD([], lr=0.1), "empty parameter list"),
        (lambda: nn.SGD([1.0], lr=0.1), "parameters must be Values"),
        (lambda: nn.SGD([Value(1.0)], lr=-1.0), "SGD: lr must be a finite number > 0, got -1.0"),
        (
            lambda: nn.Adam([Value(1.0)], betas=(0.9, 1.0)),
            r"Adam: betas\[1\] must be in \[0, 1\), got 1.0",
        ),
        (lambda: nn.Adam([Value(1.0)], betas=0.9), "betas must be a pair"),
        (lambda: nn.RMSProp([Value(1.0)], alpha=1.5), r"RMSProp: alpha must be in \[0, 1\)"),
        (lambda: nn.AdaGrad([Value(1.0)], lr=0.1, eps=float("nan")), "eps must be"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


TORCH_CASES = [
    ("SGD", lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), {"lr": 0.1, "momentum": 0.9}),
    ("Adagrad", lambda ps: nn.AdaGrad(ps, lr=0.1, eps=1e-7), {"lr": 0.1, "eps": 1e-7}),
    ("RMSprop", lambda ps: nn.RMSProp(ps, lr=0.01), {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
    (
        "RMSprop",
        lambda ps: nn.RMSProp(ps, lr=0.01, momentum=0.5),
        {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "momentum": 0.5},
    ),
    ("Adam", lambda ps: nn.Adam(ps, lr=0.1), {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8}),
]


@pytest.mark.parametrize("name, make, kwargs", TORCH_CASES)
def test_matches_torch_optim(torch, name, make, kwargs):
    grads = GRADS + [[-0.75, 0.125], [1.5, -0.5]]
    t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, name)([t], **kwargs)
    ps = [Value(x) for x in START]
    opt = make(ps)
    for g in grads:
        topt.zero_grad()
        t.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        opt.zero_grad()
        for p, gi in zip(ps, g):
            p.grad = gi
        opt.step()
        assert [p.data for p in ps] == pytest.approx(t.detach().tolist(), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda ps: nn.Adam(ps, eps=0.0), "Adam: eps must be a finite number > 0, got 0.0"),
        (lambda ps: nn.SGD(ps, lr=0.0), "SGD: lr must be a finite number > 0, got 0.0"),
        (lambda ps: nn.SGD(ps, lr=float("inf")), "SGD: lr must be a finite number, got inf"),
        (lambda ps: nn.SGD(ps, lr=True), "SGD: lr must be a number, got bool True"),
        (lambda ps: nn.SGD(ps, lr=0.1, momentum=1.0), r"SGD: momentum must be in \[0, 1\)"),
        (lambda ps: nn.RMSProp(ps, momentum=-0.1), r"RMSProp: momentum must be in \[0, 1\)"),
        (lambda ps: nn.AdaGrad(ps, eps=-1e-8), "AdaGrad: eps must be a finite number > 0"),
        (lambda ps: nn.Adam(ps, betas=(-0.1, 0.9)), r"Adam: betas\[0\] must be in \[0, 1\)"),
    ],
)
def test_every_setting_is_checked_at_construction_in_one_line(make, match):
    with pytest.raises(ValueError, match=match) as e:
        make([Value(1.0)])
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(
    "opt, setting, bad",
    [
        (lambda ps: nn.SGD(ps, lr=0.1), "lr", float("nan")),
        (lambda ps: nn.SGD(ps, lr=0.1, momentum=0.5), "momentum", 1.5),
        (lambda ps: nn.Adam(ps), "eps", 0.0),
        (lambda ps: nn.Adam(ps), "betas", (0.9, 1.0)),
        (lambda ps: nn.RMSProp(ps), "alpha", -1.0),
    ],
)
def test_a_setting_assigned_later_is_checked_again(opt, setting, bad):
    o = opt([Value(1.0)])
    before = getattr(o, setting)
    with pytest.raises(ValueError, match=f"{type(o).__name__}: {setting}"):
        setattr(o, setting, bad)
    assert getattr(o, setting) == before
    o.lr = 0.5  # a good value is taken
    assert o.lr == 0.5


def test_duplicate_parameters_are_refused():
    w = Value(1.0)
    with pytest.raises(ValueError, match="SGD: parameter 1 is the same Value as parameter 0"):
        nn.SGD([w, w], lr=0.1)


@pytest.mark.parametrize(
    "make", [lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), lambda ps: nn.Adam(ps, lr=0.1)]
)
def test_a_failing_step_changes_nothing(make):
    ps = [Value(1.0), Value(2.0), Value(3.0)]
    opt = make(ps)
    for p in ps:
        p.grad = 1.0
    opt.step()
    state = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in opt.state().items()}
    before = [p.data for p in ps]
    ps[2].grad = None  # the last parameter's update cannot be computed
    with pytest.raises(TypeError):
        opt.step()
    assert [p.data for p in ps] == before
    after = {k: v.tolist() if hasattr(v, "tolist") else v for k, v in opt.state().items()}
    assert after == state and state


# -- the state is guarded: no parameter silently left out, no state that cannot step ---------


def test_params_are_fixed_at_construction():
    ps = [Value(1.0), Value(2.0)]
    opt = nn.Adam(ps, lr=0.1)
    assert opt.params == tuple(ps)
    with pytest.raises(AttributeError):
        opt.params.append(Value(3.0))  # a tuple: nothing can be added and then ignored
    for new in ([ps[0], ps[0]], [Value(3.0)], ps):
        with pytest.raises(AttributeError, match="Adam: params cannot be replaced") as e:
            opt.params = new
        assert "\n" not in str(e.value)
    assert opt.params == tuple(ps)


@pytest.mark.parametrize(
    ("make", "name", "bad", "match"),
    [
        (lambda ps: nn.Adam(ps), "t", -1, "Adam: t must be an int >= 0, got -1"),
        (lambda ps: nn.Adam(ps), "t", 1.5, "Adam: t must be an int >= 0"),
        (lambda ps: nn.Adam(ps), "m", [0.0], r"Adam: m must hold 2 numbers \(one per parameter\)"),
        (lambda ps: nn.Adam(ps), "v", [0.0, float("nan")], "Adam: v must be finite numbers"),
        (lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), "velocity", "ab", "SGD: velocity must"),
        (lambda ps: nn.RMSProp(ps), "square_avg", [1.0, 2.0, 3.0], "must hold 2 numbers"),
        (lambda ps: nn.AdaGrad(ps), "sum_sq", None, "AdaGrad: sum_sq must"),
    ],
)
def test_state_assigned_later_is_checked(make, name, bad, match):
    opt = make([Value(1.0), Value(2.0)])
    before = opt.state()
    with pytest.raises(ValueError, match=match) as e:
        setattr(opt, name, bad)
    assert "\n" not in str(e.value)
    assert {k: np.asarray(v).tolist() for k, v in opt.state().items()} == {
        k: np.asarray(v).tolist() for k, v in before.items()
    }
    good = 3 if name == "t" else [0.5, 0.25]
    setattr(opt, name, good)  # a good value is taken
    assert np.asarray(getattr(opt, name)).tolist() == good


@pytest.mark.parametrize("name", ["SGD", "Momentum", "AdaGrad", "RMSProp", "Adam"])
def test_update_on_arrays_is_step_on_values(name):
    make = {
        "SGD": lambda ps: nn.SGD(ps, lr=0.1),
        "Momentum": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
        "AdaGrad": lambda ps: nn.AdaGrad(ps, lr=0.1),
        "RMSProp": lambda ps: nn.RMSProp(ps, lr=0.01, momentum=0.5),
        "Adam": lambda ps: nn.Adam(ps, lr=0.1),
    }[name]
    ps = [Value(x) for x in START]
    opt, twin = make(ps), make([Value(x) for x in START])
    theta = np.array(START)
    for g in GRADS:
        for p, gi in zip(ps, g):
            p.grad = gi
        opt.step()
        theta = twin.update(theta, np.array(g))
        assert theta.tolist() == [p.data for p in ps]  # the same floats, bit for bit
    assert {k: np.asarray(v).tolist() for k, v in opt.state().items()} == {
        k: np.asarray(v).tolist() for k, v in twin.state().items()
    }


def test_a_grad_that_is_not_a_number_is_refused_in_one_line():
    ps = [Value(1.0), Value(2.0)]
    ps[1].grad = None
    with pytest.raises(TypeError, match="SGD: parameter 1 has .grad None, not a number"):
        nn.SGD(ps, lr=0.1).step()
