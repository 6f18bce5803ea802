"""nn.fit's parameters and optimizer state: one array for a compiled fit (the Values written
once, at the end), an optimizer that must hold the model's parameters, and every way a fit can
stop (an error, Ctrl-C, a second Ctrl-C during the restore) rolling parameters and optimizer
state back together and handing over the history of completed epochs."""

from __future__ import annotations

import math
import signal

import numpy as np
import pytest

import nn
from autograd import Value
from nn import data

DATA = Value.__dict__["data"]


def xor(n=24):
    return data.make_xor(n, seed=2, labels="pm1")


def fit(model, opt, compiled, **kwargs):
    X, y = kwargs.pop("data", None) or xor()
    args = {"epochs": 5, "progress": False, "seed": 0, "loss": nn.hinge_loss, **kwargs}
    return nn.fit(model, X, y, optimizer=opt, compile=compiled, **args)


@pytest.fixture
def writes(monkeypatch):
    """Counts of ``.data`` writes per Value while the test runs (and a hook per write)."""
    counts: dict[int, int] = {}
    hooks: list = []

    def setter(v, x):
        counts[id(v)] = counts.get(id(v), 0) + 1
        for hook in hooks:
            hook(v)
        DATA.fset(v, x)

    monkeypatch.setattr(Value, "data", property(DATA.fget, setter))
    return counts, hooks


@pytest.mark.parametrize("batch_size", [None, 5])
def test_a_compiled_fit_writes_each_parameter_once_at_the_end(writes, batch_size):
    counts, _ = writes
    model = nn.MLP(2, [6, 1], seed=0)
    params = model.parameters()
    before = [p.data for p in params]
    fit(model, nn.Adam(params, lr=0.05), True, batch_size=batch_size)
    assert max(counts.get(id(p), 0) for p in params) == 1  # not once per step: once
    assert sum(counts.values()) == len(params)  # and nothing else written
    assert [p.data for p in params] != before


def test_an_eager_fit_and_a_compiled_one_leave_the_same_gradients_in_grad():
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [4, 1], seed=1)
        fit(model, nn.SGD(model.parameters(), lr=0.1), compiled, epochs=3)
        runs.append([p.grad for p in model.parameters()])
    assert runs[1] == pytest.approx(runs[0], rel=1e-9, abs=1e-15)


# -- the optimizer must hold the model's parameters -------------------------------------------


def test_an_optimizer_of_another_model_is_refused_in_one_line():
    model, other = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    for compiled in (False, True):
        with pytest.raises(ValueError, match=r"fit: the optimizer holds 13 of 13 Values that") as e:
            fit(model, nn.SGD(other.parameters(), lr=0.1), compiled)
        assert "\n" not in str(e.value)


def test_an_optimizer_made_before_a_layer_was_replaced_is_refused():
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.1)
    model.layers[-1] = nn.Layer(3, 1, nonlin=False, seed=4)
    with pytest.raises(ValueError, match="4 of 13 Values that are not parameters of the model"):
        fit(model, opt, True)


@pytest.mark.parametrize("compiled", [False, True])
def test_an_optimizer_of_some_parameters_trains_those_and_leaves_a_frozen_layer(compiled):
    model = nn.MLP(2, [4, 1], seed=0)
    frozen = model.layers[0].parameters()
    before = [p.data for p in frozen]
    opt = nn.Adam(model.layers[1].parameters(), lr=0.05)
    h = fit(model, opt, compiled)
    assert [p.data for p in frozen] == before
    assert h.loss[-1] < h.loss[0] and opt.t == 5


def test_a_frozen_layer_fits_alike_eager_and_compiled():
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [4, 1], seed=0)
        h = fit(model, nn.Adam(model.layers[1].parameters(), lr=0.05), compiled, l2=1e-3)
        runs.append((h.loss, [p.data for p in model.parameters()]))
    assert runs[1][0] == pytest.approx(runs[0][0], rel=1e-9)
    assert runs[1][1] == pytest.approx(runs[0][1], rel=1e-9)


# -- stopping: parameters and optimizer state roll back together; history goes along --------


def stop_at(epoch, error):
    def schedule(e):
        if e == epoch:
            raise error
        return 0.05

    return schedule


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("schedule broke")])
def test_a_stop_rolls_back_parameters_and_adam_state_and_carries_the_history(compiled, error):
    # Full batch: one step per epoch. Stopped before epoch 4, the model keeps the parameters
    # of the last finite loss (those before the third step), the optimizer their state (t=2).
    reference = nn.MLP(2, [4, 1], seed=0)
    ref_opt = nn.Adam(reference.parameters(), lr=0.05)
    ref = fit(reference, ref_opt, compiled, epochs=2)
    model = nn.MLP(2, [4, 1], seed=0)
    opt = nn.Adam(model.parameters(), lr=0.05)
    with pytest.raises(type(error)) as info:
        fit(model, opt, compiled, epochs=9, lr_schedule=stop_at(3, error))
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]
    assert opt.t == ref_opt.t == 2
    assert opt.m.tolist() == ref_opt.m.tolist() and opt.v.tolist() == ref_opt.v.tolist()
    history = info.value.history
    assert len(history.loss) == 3 and history.loss[:2] == ref.loss


@pytest.mark.parametrize("compiled", [False, True])
def test_a_second_ctrl_c_during_the_restore_cannot_leave_mixed_parameters(writes, compiled):
    _, hooks = writes
    rng = np.random.default_rng(1)
    points = (rng.normal(size=(30, 3)).tolist(), rng.choice([-1, 1], 30).tolist())
    reference = nn.MLP(3, [16, 1], seed=0)
    fit(reference, nn.SGD(reference.parameters(), lr=0.1), compiled, epochs=2, data=points)
    model = nn.MLP(3, [16, 1], seed=0)
    stopping = []

    def schedule(e):
        if e == 3:
            stopping.append(0)
            raise KeyboardInterrupt
        return 0.1

    def second_ctrl_c(v):
        if stopping:
            stopping.append(0)
            if len(stopping) == 10:  # in the middle of writing 81 parameters back
                signal.raise_signal(signal.SIGINT)

    hooks.append(second_ctrl_c)
    with pytest.raises(KeyboardInterrupt) as info:
        fit(model, nn.SGD(model.parameters(), lr=0.1), compiled, epochs=9, lr_schedule=schedule,
            data=points)  # fmt: skip
    assert len(stopping) > 10  # the restore went on past the second Ctrl-C
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]
    assert len(info.value.history.loss) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_or_inf_in_the_data_stops_compiled_fit_as_eager_fit(bad):
    X, y = xor()
    X[7] = [X[7][0], bad]
    errors = []
    for compiled in (False, True):
        model = nn.MLP(2, [4, 1], seed=0)
        before = [p.data for p in model.parameters()]
        with pytest.raises(nn.DivergenceError) as info:
            fit(model, nn.SGD(model.parameters(), lr=0.1), compiled, data=(X, y), batch_size=8)
        errors.append(info.value)
        assert [p.data for p in model.parameters()] == before  # the first batch has row 7
    (eager, compiled_error) = errors
    assert type(eager) is type(compiled_error) and eager.epoch == compiled_error.epoch == 1
    assert eager.history.loss == compiled_error.history.loss == []
    assert str(compiled_error) == str(eager)


def test_a_notebook_keeps_a_final_plain_line(monkeypatch, capsys):
    from tqdm import auto

    class WidgetBar:  # what tqdm.auto is in Jupyter: a tqdm.notebook bar
        def __init__(self, **kwargs):
            self.postfix = None

        def set_postfix(self, shown, refresh=False):
            self.postfix = shown

        def update(self, n):
            pass

        def close(self):
            pass

    WidgetBar.__module__ = "tqdm.notebook"
    monkeypatch.setattr(auto, "tqdm", WidgetBar)
    X, y = xor()
    model = nn.MLP(2, [3, 1], seed=0)
    nn.fit(model, X, y, loss=nn.hinge_loss, optimizer=nn.SGD(model.parameters(), lr=0.1),
           epochs=3, progress=True)  # fmt: skip
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fit: epoch 3/3 loss=")
    assert "accuracy=" in lines[0]


def test_accuracy_of_arrays_counts_as_accuracy_of_lists():
    rng = np.random.default_rng(0)
    scores, labels = rng.normal(size=(50, 3)), rng.integers(0, 3, 50)
    assert nn.accuracy(scores, labels.astype(float)) == nn.accuracy(
        scores.tolist(), labels.tolist()
    )
    onehot = np.eye(3)[labels]
    assert nn.accuracy(scores, onehot) == nn.accuracy(scores.tolist(), onehot.tolist())
    s, t = rng.normal(size=40), rng.choice([-1.0, 1.0], 40)
    assert nn.accuracy(s, t) == nn.accuracy(s.tolist(), t.tolist())
    with pytest.raises(ValueError, match="target class 1.5 is not an integer"):
        nn.accuracy(scores[:2], np.array([1.5, 0.0]))
