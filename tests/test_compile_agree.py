"""Compiled and eager agree: every nn loss compiles, both program kinds refuse the targets the
eager loss refuses in its words, nn.fit(compile=True) trains as eager fit does for every loss,
optimizer and batch size, and the compiled backward passes nothing through a zero derivative."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Value

# (loss, output activation, number of outputs, targets for n samples)
LOSSES = {
    "mse": (nn.mse_loss, "linear", 2, lambda rng, n: rng.normal(size=(n, 2)).tolist()),
    "bce": (nn.binary_cross_entropy, "sigmoid", 1, lambda rng, n: rng.integers(0, 2, n).tolist()),
    "bce_logits": (
        nn.binary_cross_entropy_with_logits, "linear", 1,
        lambda rng, n: rng.uniform(0, 1, n).tolist(),
    ),
    "cross_entropy": (nn.cross_entropy, "linear", 3, lambda rng, n: rng.integers(0, 3, n).tolist()),
    "hinge": (nn.hinge_loss, "linear", 1, lambda rng, n: rng.choice([-1, 1], n).tolist()),
    "svm": (nn.multiclass_svm_loss, "linear", 3, lambda rng, n: rng.integers(0, 3, n).tolist()),
}  # fmt: skip
OPTIMIZERS = {
    "sgd": lambda ps: nn.SGD(ps, lr=0.05),
    "momentum": lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9),
    "adagrad": lambda ps: nn.AdaGrad(ps, lr=0.05),
    "rmsprop": lambda ps: nn.RMSProp(ps, lr=0.01),
    "adam": lambda ps: nn.Adam(ps, lr=0.02),
}


def problem(name, n=15, seed=0):
    loss, act, nout, targets = LOSSES[name]
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).tolist()
    return loss, act, nout, X, targets(rng, n)


def model_for(act, nout, seed=0):
    model = nn.MLP(2, [5, nout], output_activation=act, seed=seed)
    # Biases off 0: with the L2 term, no gradient is exactly 0 in one order of summation and
    # 1e-17 in another (Adam would turn that difference into a full step).
    for k, p in enumerate(model.parameters()):
        p.data += 0.01 * ((k % 7) - 3)
    return model


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_compiled_fit_trains_as_eager_fit_does(loss_name, opt, batch_size):
    loss, act, nout, X, y = problem(loss_name)
    runs = []
    for compiled in (False, True):
        model = model_for(act, nout)
        optimizer = OPTIMIZERS[opt](model.parameters())
        h = nn.fit(model, X, y, loss=loss, optimizer=optimizer, epochs=2, batch_size=batch_size,
                   seed=3, l2=1e-3, compile=compiled, progress=False)  # fmt: skip
        runs.append((h, [p.data for p in model.parameters()], optimizer.state()))
    (h0, p0, s0), (h1, p1, s1) = runs
    assert h1.loss == pytest.approx(h0.loss, rel=1e-9)
    assert h1["accuracy"] == h0["accuracy"]
    assert p1 == pytest.approx(p0, rel=1e-9, abs=1e-12)
    for key in s0:  # the optimizer's state (Adam's t, m, v) comes back in the same order
        assert np.allclose(s1[key], s0[key], rtol=1e-8, atol=1e-12), key


# -- every loss compiles, refusing what the eager loss refuses -------------------------------


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
def test_every_nn_loss_compiles_in_both_kinds_and_matches_eager(loss_name):
    loss, act, nout, X, y = problem(loss_name, n=6)
    model = model_for(act, nout)
    target0 = [0.0] * nout if loss_name == "mse" else 0.0
    per_sample = autograd.compile(lambda x, t: loss([model(x)], [t]), [0.0, 0.0], target0,
                                  batch=True)  # fmt: skip
    whole = autograd.compile(lambda xs, ts: loss([model(x) for x in xs], ts), X, y)
    eager = loss([model(x) for x in X], y)
    model.zero_grad()
    eager.backward()
    expected = {p: p.grad for p in model.parameters()}
    for prog in (per_sample, whole):
        assert prog(np.array(X), np.array(y, dtype=float)) == pytest.approx(eager.data, rel=1e-12)
        grads = prog.backward(accumulate=False)
        for p, g in zip(prog.params, grads.tolist()):
            assert g == pytest.approx(expected[p], rel=1e-9, abs=1e-14)


BAD = [  # (loss, outputs, a bad target)
    ("cross_entropy", 3, 5.0),
    ("cross_entropy", 3, -1.0),
    ("cross_entropy", 3, 1.5),
    ("svm", 3, 3.0),
    ("hinge", 1, 0.0),
    ("bce", 1, 1.5),
    ("bce", 1, -0.25),
]


@pytest.mark.parametrize(("loss_name", "nout", "bad"), BAD)
def test_a_program_refuses_the_targets_its_eager_loss_refuses_in_the_same_words(
    loss_name, nout, bad
):
    loss, act, _, _ = LOSSES[loss_name]
    model = model_for(act, nout)
    good = 1.0 if loss_name in ("hinge", "bce") else 0.0
    X = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]
    eager_target = int(bad) if loss_name in ("cross_entropy", "svm") and bad.is_integer() else bad
    with pytest.raises(ValueError) as eager:
        loss([model(X[1])], [eager_target])
    per_sample = autograd.compile(lambda x, t: loss([model(x)], [t]), [0.0, 0.0], good,
                                  batch=True)  # fmt: skip
    whole = autograd.compile(lambda xs, ts: loss([model(x) for x in xs], ts), X, [good] * 3)
    for prog in (per_sample, whole):
        with pytest.raises(ValueError) as compiled:
            prog(np.array(X), np.array([good, bad, good]))
        # the same words; the index of a BCE target is its place in the batch
        assert str(compiled.value) == str(eager.value).replace("target 0", "target 1")
        with pytest.raises(RuntimeError, match="before backward"):
            prog.backward()


# -- the zero-partial rule, as the eager engine: a zero local derivative passes nothing ------


@pytest.mark.parametrize("batch", [False, True])
def test_compiled_backward_passes_nothing_through_a_zero_derivative(batch):
    w = Value(-1.0)

    def f(x):
        return (w * x).relu() * 1e308 * 10.0  # relu's 0 meets an infinite gradient

    (eager,) = autograd.grad(f(Value(2.0)), [w])
    assert eager == 0.0
    prog = autograd.compile(f, 2.0, batch=batch)
    assert prog([2.0] if batch else 2.0) == 0.0
    assert prog.backward(accumulate=False).tolist() == [0.0]
    w.data = 1.0  # relu(2) * 1e308 * 10 overflows: the scalar engine's error, in both
    with pytest.raises(OverflowError) as eager_error:
        f(Value(2.0))
    with pytest.raises(OverflowError) as compiled_error:
        prog([2.0] if batch else 2.0)
    assert str(compiled_error.value) == str(eager_error.value)


@pytest.mark.parametrize("batch", [False, True])
def test_a_zero_input_passes_nothing_through_a_layer_under_an_infinite_gradient(batch):
    ws = [Value(2.0), Value(-1.0)]

    def f(x):  # d/dw_j = x_j times an infinite upstream gradient: x_j = 0 passes nothing
        return autograd.affine(0.0, ws, x) * 1e308 * 10.0

    xs = [0.0, 0.0]
    expected = autograd.grad(f([Value(v) for v in xs]), ws)
    assert expected == (0.0, 0.0)
    prog = autograd.compile(f, xs, batch=batch)
    assert ("layers=1" in repr(prog)) is batch  # the matrix product's careful twin
    assert prog([xs] if batch else xs) == 0.0
    assert prog.backward(accumulate=False).tolist() == [0.0, 0.0]
