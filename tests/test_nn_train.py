"""nn.fit and nn.accuracy: micrograd's demo, iris, mini-batches, progress, the NaN stop, compile."""

from __future__ import annotations

import math

import pytest

import autograd
import nn
from autograd import Value
from nn import data


def demo_loop(model, X, y, steps):
    """micrograd's moons demo loop, verbatim apart from the engine (our Value)."""
    losses, accs = [], []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        ls = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(ls) * (1.0 / len(ls))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accs.append(sum((yi > 0) == (s.data > 0) for yi, s in zip(y, scores)) / len(y))
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
    return losses, accs


def fit_demo(model, X, y, epochs, **kwargs):
    return nn.fit(
        model,
        X,
        y,
        loss=nn.hinge_loss,
        optimizer=nn.SGD(model.parameters(), lr=1.0),
        l2=1e-4,
        lr_schedule=lambda k: 1.0 - 0.9 * k / 100,
        epochs=epochs,
        progress=False,
        **kwargs,
    )


def test_fit_reproduces_micrograd_demo_loop():
    # with the loop reaching 100% in 100 steps (test_nn_micrograd_parity), so does fit
    X, y = data.make_moons(100, noise=0.1, seed=1, labels="pm1")
    a = nn.MLP(2, [16, 16, 1], seed=1337)
    b = nn.MLP(2, [16, 16, 1], seed=1337)
    losses, accs = demo_loop(a, X, y, 8)
    history = fit_demo(b, X, y, 8)
    assert history.loss[0] == losses[0]  # same parameters, same forward floats
    assert history.loss == pytest.approx(losses, rel=1e-12)
    assert history["accuracy"] == accs
    assert [p.data for p in b.parameters()] == pytest.approx(
        [p.data for p in a.parameters()], rel=1e-9, abs=1e-12
    )


def test_iris_held_out_accuracy_at_least_95_percent():
    X, y = data.load_iris()
    Xtr, ytr, Xte, yte = data.split(X, y, test_fraction=0.2, seed=0)
    Xtr, Xte = data.standardize(Xtr, Xte)
    model = nn.MLP(4, [8, 3], seed=0)
    history = nn.fit(
        model,
        Xtr,
        ytr,
        loss=nn.cross_entropy,
        optimizer=nn.Adam(model.parameters(), lr=0.05),
        epochs=50,
        progress=False,
    )
    assert history.loss[-1] < 0.2 * history.loss[0]
    assert nn.accuracy(model.predict(Xte), yte) >= 0.95


def test_mini_batches_are_reproducible_with_a_seed():
    X, y = data.make_blobs(40, centers=[[-2.0, 0.0], [2.0, 0.0]], std=0.8, seed=0)

    def train(seed, batch_size=8):
        model = nn.MLP(2, [4, 2], seed=3)
        opt = nn.SGD(model.parameters(), lr=0.1)
        h = nn.fit(
            model,
            X,
            y,
            loss=nn.cross_entropy,
            optimizer=opt,
            epochs=3,
            batch_size=batch_size,
            seed=seed,
            progress=False,
        )
        return h.loss, model.state_dict()

    assert train(1) == train(1)
    assert train(1) != train(2)
    loss, _ = train(None, batch_size=1)  # plain SGD, one sample per step
    assert len(loss) == 3 and all(math.isfinite(v) for v in loss)


def test_mini_batch_epoch_loss_is_the_size_weighted_mean_of_batch_losses():
    X, y = [[0.0], [1.0], [2.0]], [1.0, -1.0, 0.5]
    model = nn.MLP(1, [1], seed=0)
    seen = []

    def loss(preds, targets):
        if not autograd.is_grad_enabled():  # fit's one look at the targets, before training
            return nn.mse_loss(preds, targets)
        out = nn.mse_loss(preds, targets)
        seen.append((out.data, len(preds)))
        return out

    h = nn.fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=nn.SGD(model.parameters(), lr=0.01),
        epochs=1,
        batch_size=2,
        seed=0,
        metrics=None,
        progress=False,
    )
    assert [k for _, k in seen] == [2, 1]
    assert h.loss == [pytest.approx((seen[0][0] * 2 + seen[1][0]) / 3)]
    assert h.metrics == {}


def test_history_accuracy_is_measured_before_each_step():
    X, y = data.make_xor(30, seed=2, labels="pm1")
    model = nn.MLP(2, [6, 1], seed=4)
    before = nn.accuracy(model.predict(X), y)
    h = nn.fit(
        model,
        X,
        y,
        loss=nn.hinge_loss,
        optimizer=nn.Adam(model.parameters(), lr=0.1),
        epochs=2,
        progress=False,
    )
    assert h["accuracy"][0] == before
    assert h["loss"] is h.loss and len(h.loss) == 2
    with pytest.raises(KeyError, match="no history for 'f1'"):
        h["f1"]


def test_custom_metric_function():
    X, y = [[0.0], [1.0]], [0.0, 1.0]
    model = nn.MLP(1, [1], seed=0)

    def max_error(preds, targets):
        return max(abs(p - t) for p, t in zip(preds, targets))

    expected = max(abs(p - t) for p, t in zip(model.predict(X), y))  # before the step
    h = nn.fit(
        model,
        X,
        y,
        loss=nn.mse_loss,
        optimizer=nn.SGD(model.parameters(), lr=0.1),
        epochs=1,
        metrics=[max_error],
        progress=False,
    )
    assert h["max_error"] == [expected]


def test_progress_bar_shows_loss_and_accuracy(capsys):
    X, y = data.make_xor(10, seed=0, labels="pm1")
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.01)
    nn.fit(model, X, y, loss=nn.hinge_loss, optimizer=opt, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "loss=" in err and "accuracy=" in err and "2/2" in err
    nn.fit(model, X, y, loss=nn.hinge_loss, optimizer=opt, epochs=2, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_divergence_stops_with_an_error_and_keeps_last_finite_parameters():
    X = [[float(i)] for i in range(1, 6)]
    y = [3.0 * i for i in range(1, 6)]
    model = nn.MLP(1, [1], seed=0)
    seen = []

    def loss(preds, targets):
        if not autograd.is_grad_enabled():  # fit's one look at the targets, before training
            return nn.mse_loss(preds, targets)
        out = nn.mse_loss(preds, targets)
        seen.append((out.data, model.state_dict()))
        return out

    with pytest.raises(
        nn.DivergenceError, match=r"at epoch \d+ of 1000.*smaller learning rate"
    ) as e:
        nn.fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=nn.SGD(model.parameters(), lr=1.0),
            epochs=1000,
            progress=False,
        )
    assert isinstance(e.value, FloatingPointError)
    assert not math.isfinite(e.value.loss)
    # the loss overflowed inside the engine (an OverflowError naming the op, so the loss
    # function never returned) or came back inf: either way that epoch is the one reported
    finite = [k for k, (value, _) in enumerate(seen) if math.isfinite(value)]
    assert e.value.epoch in (len(seen), len(seen) + 1)
    last_finite_loss, last_finite_params = seen[finite[-1]]
    assert math.isfinite(last_finite_loss)
    assert model.state_dict() == last_finite_params
    assert nn.mse_loss(model.predict(X), y).data == last_finite_loss


@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_a_non_finite_loss_names_its_epoch_and_carries_the_history_so_far(bad):
    model = nn.MLP(1, [1], seed=0)
    calls = []

    def loss(preds, targets):
        if not autograd.is_grad_enabled():  # fit's one look at the targets, before training
            return nn.mse_loss(preds, targets)
        calls.append(model.state_dict())
        out = nn.mse_loss(preds, targets)
        return out * Value(float(bad)) if len(calls) == 4 else out

    with pytest.raises(nn.DivergenceError, match=f"loss became {bad} at epoch 4 of 10") as e:
        fit_one_point(model, loss, epochs=10)
    assert e.value.epoch == 4
    assert model.state_dict() == calls[2]  # the parameters of the last finite loss (epoch 3)
    assert len(e.value.history.loss) == 3
    assert "History(3 epochs" in repr(e.value.history)


def test_accuracy_binary_and_multiclass():
    assert nn.accuracy([0.3, -0.2, 0.1], [1, -1, -1]) == pytest.approx(2 / 3)
    assert nn.accuracy([Value(0.3), Value(-0.2)], [1, 0]) == 1.0
    assert nn.accuracy([0.7, 0.2], [1, 0], threshold=0.5) == 1.0
    assert nn.accuracy([[0.1, 0.5, 0.2], [Value(2.0), Value(1.0), Value(0.0)]], [1, 2]) == 0.5
    assert nn.accuracy([[0.1, 0.5], [0.9, 0.2]], [[0, 1], [0, 1]]) == 0.5  # one-hot targets
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        nn.accuracy([0.1, 0.2], [1])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"X": [[1.0]], "y": [1.0, 2.0]}, ValueError, "1 rows in X but 2 targets"),
        ({"X": [], "y": []}, ValueError, "no training data"),
        ({"batch_size": 0}, ValueError, r"fit: batch_size \(or None\) must be an int >= 1"),
        ({"epochs": -1}, ValueError, "epochs must be an int >= 0"),
        ({"metrics": ["f1"]}, ValueError, "unknown metric 'f1'"),
        ({"optimizer": "adam"}, TypeError, "optimizer must be an nn optimizer"),
        ({"loss": lambda p, t: 1.0}, TypeError, "loss must return a Value"),
    ],
)
def test_fit_bad_arguments(kwargs, error, match):
    model = nn.MLP(1, [1], seed=0)
    args = {
        "X": [[1.0]],
        "y": [1.0],
        "loss": nn.mse_loss,
        "optimizer": nn.SGD(model.parameters(), lr=0.1),
        "progress": False,
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        nn.fit(model, args.pop("X"), args.pop("y"), **args)


def fit_one_point(model, loss, epochs, **kwargs):
    """fit on the one point x = 1, y = 2 with SGD (lr 0.1), quietly."""
    return nn.fit(model, [[1.0]], [2.0], loss=loss, epochs=epochs, progress=False,
                  optimizer=nn.SGD(model.parameters(), lr=0.1), **kwargs)  # fmt: skip


ADAM = lambda ps: nn.Adam(ps, lr=0.05)  # noqa: E731
# Adam turns a gradient that is exactly 0 in one summation order and 1e-17 in another into a
# full step; the SVM's output biases sit there (their gradients count violations), so that case
# uses momentum SGD, whose updates stay within rounding of each other.
SGD = lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9)  # noqa: E731


@pytest.mark.parametrize(
    "loss, make_data, nouts, batch_size, make_opt",
    [
        (nn.hinge_loss, lambda: data.make_moons(40, seed=1, labels="pm1"), [8, 1], None, ADAM),
        (nn.cross_entropy, lambda: data.make_blobs(30, seed=2), [6, 3], 8, ADAM),
        (nn.multiclass_svm_loss, lambda: data.make_spiral(30, seed=3), [6, 3], None, SGD),
        (nn.binary_cross_entropy_with_logits, lambda: data.make_xor(30, seed=4), [6, 1], 10, ADAM),
        (nn.mse_loss, lambda: data.make_xor(20, seed=5, labels="pm1"), [5, 1], 7, ADAM),
    ],
)
def test_compiled_fit_gives_the_same_losses(loss, make_data, nouts, batch_size, make_opt):
    X, y = make_data()
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, nouts, seed=0)
        h = nn.fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=make_opt(model.parameters()),
            epochs=4,
            batch_size=batch_size,
            seed=0,
            l2=1e-4,
            compile=compiled,
            progress=False,
        )
        runs.append((h, model.state_dict()))
    (h0, s0), (h1, s1) = runs
    assert h1.loss == pytest.approx(h0.loss, rel=1e-9)
    assert h1["accuracy"] == h0["accuracy"]
    assert list(s1.values()) == pytest.approx(list(s0.values()), rel=1e-9, abs=1e-12)


def test_compiled_fit_traces_one_sample_once_per_model_and_again_when_it_changes(monkeypatch):
    import nn.runs

    real = nn.runs.compile_graph
    traced = []

    def counting(fn, x, t, **kwargs):
        traced.append((len(x), kwargs))
        return real(fn, x, t, **kwargs)

    monkeypatch.setattr(nn.runs, "compile_graph", counting)
    X, y = data.make_xor(20, seed=5, labels="pm1")
    model = nn.MLP(2, [4, 1], seed=0)

    def train(m):
        return nn.fit(m, X, y, loss=nn.hinge_loss, optimizer=nn.SGD(m.parameters(), lr=0.1),
                      epochs=3, batch_size=8, seed=0, compile=True, progress=False)  # fmt: skip

    train(model)  # batches of 8, 8 and 4: one program for every batch size
    train(model)  # a second fit on the same model reuses it
    assert traced == [(2, {"batch": True})]
    model.layers[-1] = nn.Layer(4, 1, nonlin=False, seed=1)  # the structure changed
    train(model)
    assert len(traced) == 2


def test_compiled_fit_refuses_a_loss_that_is_not_a_mean_of_per_sample_losses():
    X, y = data.make_xor(12, seed=5, labels="pm1")
    model = nn.MLP(2, [4, 1], seed=0)

    def summed(preds, targets):
        return nn.mse_loss(preds, targets, reduction="sum")

    with pytest.raises(ValueError, match="not the mean of its per-sample losses"):
        nn.fit(model, X, y, loss=summed, optimizer=nn.SGD(model.parameters(), lr=0.01),
               epochs=1, compile=True, progress=False)  # fmt: skip


@pytest.mark.parametrize("enabled", [True, False])
def test_fit_keeps_the_cyclic_gc_off_in_its_loop_and_restores_it(enabled):
    import gc

    seen = []

    def loss(preds, targets):
        if not autograd.is_grad_enabled():  # fit's one look at the targets, before training
            return nn.mse_loss(preds, targets)
        seen.append(gc.isenabled())
        return nn.mse_loss(preds, targets)

    model = nn.MLP(1, [1], seed=0)
    (gc.enable if enabled else gc.disable)()
    try:
        fit_one_point(model, loss, epochs=2)
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):
            nn.fit(
                model,
                [[1.0]],
                [2.0],
                loss=lambda p, t: nn.mse_loss(p, [t]),
                optimizer=nn.SGD(model.parameters(), lr=0.1),
                epochs=2,
                progress=False,
            )
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen == [False, False]


def test_history_repr_is_short_and_keeps_the_lists():
    h = nn.History(loss=[0.9, 0.2, 0.3], metrics={"accuracy": [0.5, 0.8, 0.75]})
    assert repr(h) == "History(3 epochs; loss 0.9 -> 0.3 (best 0.2, epoch 2); accuracy 0.75)"
    assert h.loss == [0.9, 0.2, 0.3] and h["accuracy"] == [0.5, 0.8, 0.75]
    assert repr(nn.History()) == "History(0 epochs)"
    long = nn.History(loss=[1.0 / k for k in range(1, 10_001)])
    assert len(repr(long)) < 100


def _train_with_progress(epochs):
    X, y = data.make_xor(10, seed=0, labels="pm1")
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.SGD(model.parameters(), lr=0.01)
    nn.fit(model, X, y, loss=nn.hinge_loss, optimizer=opt, epochs=epochs, progress=True)


def test_progress_off_a_terminal_is_about_ten_plain_lines(capsys):
    _train_with_progress(95)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "\r" not in err
    assert [line.split()[2] for line in lines] == [f"{k}/95" for k in range(10, 91, 10)] + ["95/95"]
    assert all(line.startswith("fit: epoch ") and "loss=" in line for line in lines)
    assert "accuracy=" in lines[-1]


def test_progress_on_a_terminal_uses_tqdm_auto(monkeypatch):
    import io

    from tqdm import auto

    made = []

    class FakeBar:
        def __init__(self, **kwargs):
            made.append(kwargs)

        def set_postfix(self, *args, **kwargs):
            pass

        def update(self, n):
            made.append(n)

        def close(self):
            made.append("closed")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(auto, "tqdm", FakeBar)
    monkeypatch.setattr("sys.stderr", Terminal())
    _train_with_progress(3)
    assert made == [{"total": 3, "desc": "fit", "unit": "epoch"}, 1, 1, 1, "closed"]


def test_any_error_in_fit_restores_the_parameters_of_the_last_finite_loss():
    model = nn.MLP(1, [2, 1], seed=0)
    seen = []

    def loss(preds, targets):
        if not autograd.is_grad_enabled():  # fit's one look at the targets, before training
            return nn.mse_loss(preds, targets)
        seen.append(model.state_dict())
        if len(seen) == 3:
            raise RuntimeError("disk on fire")
        return nn.mse_loss(preds, targets)

    opt = nn.SGD(model.parameters(), lr=0.1)
    with pytest.raises(RuntimeError, match="disk on fire"):
        nn.fit(
            model, [[1.0], [2.0]], [1.0, 0.0], loss=loss, optimizer=opt, epochs=5, progress=False
        )
    assert seen[2] != seen[1]  # two steps were taken
    assert model.state_dict() == seen[1]


@pytest.mark.parametrize("bad", [-0.1, 0.0, float("nan"), float("inf"), None])
def test_lr_schedule_giving_a_bad_lr_is_refused(bad):
    model = nn.MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"fit: lr_schedule\(2\) must be a"):
        nn.fit(
            model,
            [[1.0]],
            [2.0],
            loss=nn.mse_loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            epochs=5,
            progress=False,
            lr_schedule=lambda e: 0.1 if e < 2 else bad,
        )
    assert model.state_dict() != before  # two epochs trained, then refused


BAD_TARGETS = [
    ("hinge 0/1", nn.hinge_loss, [2, [4, 1]], [0, 1, 1, 0], "targets must be \\+1 or -1"),
    ("ce 7 of 3", nn.cross_entropy, [2, [4, 3]], [0, 1, 7, 2], "class 7 is out of range"),
    ("ce -1", nn.cross_entropy, [2, [4, 3]], [0, 1, -1, 2], "must be an int >= 0, got -1"),
    ("ce 1.5", nn.cross_entropy, [2, [4, 3]], [0, 1, 1.5, 2], "got 1.5"),
    ("bce 2.0 late", nn.binary_cross_entropy, [2, [4, 1]], [0, 1, 1, 2.0], "not in \\[0, 1\\]"),
    ("svm 5", nn.multiclass_svm_loss, [2, [4, 3]], [0, 1, 5, 2], "class 5 is out of range"),
]


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    "loss, sizes, y, match", [c[1:] for c in BAD_TARGETS], ids=[c[0] for c in BAD_TARGETS]
)
def test_bad_targets_are_refused_before_any_training(compiled, loss, sizes, y, match):
    model = nn.MLP(*sizes, output_activation="sigmoid", seed=0)
    before = model.state_dict()
    X = [[0.1, 0.2], [0.3, -0.1], [-0.5, 0.4], [0.2, 0.2]]
    with pytest.raises(ValueError, match=match) as e:
        nn.fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=nn.SGD(model.parameters(), lr=0.1),
            epochs=2,
            batch_size=2,
            compile=compiled,
            progress=False,
            seed=0,
        )
    assert str(e.value).startswith("fit: the targets y are refused")
    assert "\n" not in str(e.value)
    assert model.state_dict() == before


def test_accuracy_refuses_a_non_integer_class_target():
    with pytest.raises(ValueError, match="accuracy: target class 1.7 is not an integer"):
        nn.accuracy([[0.1, 0.9], [0.8, 0.2]], [1.7, 0])
    assert nn.accuracy([[0.1, 0.9]], [1.0]) == 1.0
