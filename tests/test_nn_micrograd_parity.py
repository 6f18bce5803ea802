"""Parity with micrograd 0.1.0 itself on its moons demo (2-16-16-1, hinge loss + 1e-4 L2, SGD).

What can be exact is exact: the initial parameters, and the loss of every forward pass given the
same parameters. Across steps the losses agree to a few units in the last place, not bit for
bit, because the order in which gradients are summed differs between the engines, and
micrograd's own order is not fixed: its backward walks ``_prev``, a ``set`` ordered by memory
addresses, so two micrograd runs with the same seed can already differ in the last bit.
"""

from __future__ import annotations

import random

import pytest

import nn
from autograd import Value
from nn import data

STEPS = 3  # micrograd takes about a second a step on this problem


def demo_loss(model, X, y, V):
    """micrograd's demo loss: hinge loss mean + 1e-4 * sum(p*p), with Value class V."""
    inputs = [list(map(V, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def sgd_step(model, total_loss, k):
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad


@pytest.fixture(scope="module")
def moons():
    # the demo used sklearn's make_moons(n_samples=100, noise=0.1); ours serves both engines
    return data.make_moons(100, noise=0.1, seed=1, labels="pm1")


def test_same_seed_gives_identical_initial_parameters(micrograd):
    from micrograd.nn import MLP as MicroMLP

    random.seed(1337)
    theirs = MicroMLP(2, [16, 16, 1])
    random.seed(1337)
    ours = nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == len(theirs.parameters()) == 337


def test_moons_demo_losses_match_micrograd_step_by_step(micrograd, moons):
    from micrograd.engine import Value as MicroValue
    from micrograd.nn import MLP as MicroMLP

    X, y = moons
    random.seed(1337)
    theirs = MicroMLP(2, [16, 16, 1])
    random.seed(1337)
    ours = nn.MLP(2, [16, 16, 1])
    probe = nn.MLP(2, [16, 16, 1], seed=0)  # evaluated at micrograd's parameters each step
    for k in range(STEPS):
        loss_theirs = demo_loss(theirs, X, y, MicroValue)
        loss_ours = demo_loss(ours, X, y, Value)
        for p, q in zip(probe.parameters(), theirs.parameters()):
            p.data = q.data
        # the same parameters give the same loss, bit for bit
        assert demo_loss(probe, X, y, Value).data == loss_theirs.data
        if k == 0:
            assert loss_ours.data == loss_theirs.data
        # the two trajectories agree to rounding in the gradient sums
        assert loss_ours.data == pytest.approx(loss_theirs.data, rel=1e-13)
        sgd_step(theirs, loss_theirs, k)
        sgd_step(ours, loss_ours, k)
        grads_ours = [p.grad for p in ours.parameters()]
        grads_theirs = [p.grad for p in theirs.parameters()]
        assert grads_ours == pytest.approx(grads_theirs, rel=1e-11, abs=1e-15)


def test_our_100_step_demo_reaches_100_percent(moons):
    X, y = moons
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    losses = []
    for k in range(100):
        total_loss = demo_loss(model, X, y, Value)
        sgd_step(model, total_loss, k)
        losses.append(total_loss.data)
    scores = model.predict(X)
    accuracy = sum((yi > 0) == (s > 0) for yi, s in zip(y, scores)) / len(y)
    assert accuracy == 1.0
    assert losses[-1] < 0.1 * losses[0]
