"""Training loop: ``fit`` runs full-batch or shuffled mini-batch gradient descent on a model.

>>> import nn
>>> X, y = nn.data.make_xor(40, seed=0, labels="pm1")
>>> model = nn.MLP(2, [8, 1], seed=0)
>>> history = nn.fit(model, X, y, loss=nn.hinge_loss, progress=False,
...                  optimizer=nn.Adam(model.parameters(), lr=0.1), epochs=100)
>>> len(history.loss), history["accuracy"][-1]
(100, 1.0)
"""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd import compile as compile_graph
from autograd.compile import ProgramCache
from autograd.numbers import count, nonnegative, positive, shown
from nn.losses import l2_penalty
from nn.module import Module
from nn.optim import Optimizer

__all__ = ["fit", "accuracy", "History", "DivergenceError"]


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite during ``fit``; the model keeps its last finite
    parameters (those that gave the last finite loss). ``history`` holds the epochs completed
    before it (a :class:`History`), ``epoch`` the failing epoch and ``loss`` its loss."""

    def __init__(
        self, message: str, epoch: int, loss: float, history: History | None = None
    ) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.loss = loss
        self.history = history if history is not None else History()


@dataclass
class History:
    """What ``fit`` returns: per-epoch ``loss`` and per-metric lists in ``metrics``.

    ``history["loss"]`` and ``history["accuracy"]`` index both; entry ``k`` is epoch ``k + 1``.
    An epoch's loss is the mean of its batch losses weighted by batch size (each batch loss is
    computed before that batch's update); metrics are computed on all of the epoch's predictions.
    """

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(0 epochs)"
        best = min(self.loss)
        parts = [
            f"{len(self.loss)} epochs",
            f"loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g} (best {best:.4g}, "
            f"epoch {self.loss.index(best) + 1})",
        ]
        parts += [f"{name} {values[-1]:.4g}" for name, values in self.metrics.items() if values]
        return f"History({'; '.join(parts)})"

    def __getitem__(self, name: str) -> list[float]:
        if name == "loss":
            return self.loss
        if name in self.metrics:
            return self.metrics[name]
        raise KeyError(f"no history for {name!r}; have: loss, {', '.join(self.metrics)}")


def _float(x: Any) -> float:
    return x.data if x.__class__ is Value else float(x)


def accuracy(preds: Sequence[Any], targets: Sequence[Any], threshold: float = 0.0) -> float:
    """Share of correct predictions, for the two usual shapes of output:

    - one score per sample: correct when ``score > threshold`` agrees with ``target > 0``
      (targets +-1, or 0/1; use ``threshold=0.5`` for probabilities);
    - a list of scores per sample: correct when the argmax is the target class index (or the
      argmax of a one-hot target vector).

    >>> accuracy([2.0, -0.5, 0.3], [1, -1, -1])
    0.6666666666666666
    >>> accuracy([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1]], [1, 2])
    0.5
    """
    if len(preds) != len(targets):
        raise ValueError(f"accuracy: {len(preds)} predictions but {len(targets)} targets")
    if len(preds) == 0:
        raise ValueError("accuracy: no predictions (empty input)")
    correct = 0
    for p, t in zip(preds, targets):
        if isinstance(p, list | tuple):
            scores = [_float(s) for s in p]
            if isinstance(t, list | tuple):  # a one-hot (or score) vector: compare argmaxes
                ts = [_float(v) for v in t]
                correct += scores.index(max(scores)) == ts.index(max(ts))
            else:
                target = _float(t)
                if not target.is_integer():
                    raise ValueError(f"accuracy: target class {shown(t)} is not an integer")
                correct += scores.index(max(scores)) == int(target)
        else:
            correct += (_float(p) > threshold) == (_float(t) > 0)
    return correct / len(preds)


METRICS: dict[str, Callable[[Sequence[Any], Sequence[Any]], float]] = {"accuracy": accuracy}


def _metric_fns(metrics: Any) -> dict[str, Callable[[Sequence[Any], Sequence[Any]], float]]:
    if metrics is None:
        return {}
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; choose {', '.join(METRICS)} or a function")
            out[m] = METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", "metric")] = m
        else:
            raise TypeError(f"a metric is a name or a function(preds, targets), got {m!r}")
    return out


def _data(pred: Any) -> Any:
    return [v.data for v in pred] if isinstance(pred, list) else pred.data


def _shape(x: Any) -> Any:
    """The nesting structure of a batch (one compiled program per structure)."""
    return tuple(_shape(v) for v in x) if isinstance(x, list | tuple) else None


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    *,
    loss: Callable[[Any, Any], Value],
    optimizer: Optimizer,
    epochs: int = 100,
    batch_size: int | None = None,
    metrics: Any = ("accuracy",),
    progress: bool = True,
    compile: bool = False,  # noqa: A002 - the name says what it switches on
    seed: int | None = None,
    l2: float = 0.0,
    lr_schedule: Callable[[int], float] | None = None,
) -> History:
    """Train ``model`` on ``(X, y)`` and return a :class:`History` of loss and metrics per epoch.

    Each batch: predictions ``model(x)`` for its rows, ``loss(predictions, targets)`` plus
    ``l2_penalty(params, l2)`` when ``l2 > 0``, backward, ``optimizer.step()``.
    ``batch_size=None`` is full batch; otherwise the rows are shuffled each epoch with
    ``random.Random(seed)`` (reproducible with a seed) and cut into batches (1 = plain SGD).
    ``lr_schedule(epoch)`` (epoch from 0) sets ``optimizer.lr`` before each epoch.
    ``metrics``: names ("accuracy") or functions ``f(predictions, targets) -> float``.
    ``progress`` shows loss and metrics: a ``tqdm.auto`` bar on a terminal or in Jupyter,
    and plain lines (about ten per run, plus the last epoch) when stderr is a file or a pipe.
    ``compile=True`` traces the model and the loss of ONE sample once with
    ``autograd.compile(..., batch=True)`` and replays it over every batch as array operations
    (layers as matrix products): the loss must be the mean of per-sample losses (all of nn's
    are; a loss that is not is refused on the first batch), and its targets reach ``loss`` as
    Values, so it must not branch on them. The program is kept on the model and reused by the
    next ``fit`` until the model's parameters change. Losses agree with eager ``fit`` to about
    1e-12 (BLAS adds in its own order); metrics read the predictions the program computed.
    A NaN or infinite loss raises :class:`DivergenceError` naming the epoch (with the
    ``history`` so far); on that and on any other error the model keeps the parameters of the
    last finite loss. ``lr_schedule`` must give a finite lr > 0. Before training, ``loss`` is
    called once (under ``no_grad``, with stand-in predictions of 0.5) on all of ``y``, so bad
    targets are refused up front, for ``compile=True`` as for eager.

    The graphs hold no reference cycles, so the cyclic garbage collector is switched off while
    ``fit`` runs its loop (the caller's setting is restored on the way out).
    """
    metric_fns = _check_fit(model, X, y, loss, optimizer, epochs, batch_size, l2, metrics, seed)
    params = model.parameters()
    X = [list(row) for row in X]
    y = list(y)
    _check_targets(model, X, y, loss)
    run = _runner(model, loss, params, l2, compiled=compile, with_preds=bool(metric_fns))
    history = History(metrics={name: [] for name in metric_fns})
    batches = _Batches(len(X), batch_size, seed)
    saved = [p.data for p in params]  # the parameters of the last finite loss
    bar = _progress(epochs, progress)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for epoch in range(epochs):
            if lr_schedule is not None:
                optimizer.lr = positive(lr_schedule(epoch), f"fit: lr_schedule({epoch})")
            value, preds, targets = _epoch(
                run, X, y, batches, optimizer, params, saved, (epoch + 1, epochs)
            )
            history.loss.append(value)
            shown = {"loss": f"{value:.4g}"}
            for name, fn in metric_fns.items():
                history.metrics[name].append(fn(preds, targets))
                shown[name] = f"{history.metrics[name][-1]:.3g}"
            bar.set_postfix(shown, refresh=False)
            bar.update(1)
    except DivergenceError as err:
        _restore(params, saved)
        err.history = history
        raise
    except BaseException:  # any error, or Ctrl-C: no half-trained batch is left behind
        _restore(params, saved)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
        bar.close()
    return history


def _check_fit(
    model: Any,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: Any,
    optimizer: Any,
    epochs: Any,
    batch_size: Any,
    l2: Any,
    metrics: Any,
    seed: Any,
) -> dict[str, Callable[[Sequence[Any], Sequence[Any]], float]]:
    """Refuse bad arguments to ``fit`` before anything runs; return the metric functions."""
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an nn optimizer, got {type(optimizer).__name__}")
    if not callable(loss):
        raise TypeError(f"fit: loss must be a function(predictions, targets), got {loss!r}")
    count(epochs, "fit: epochs", low=0)
    if len(X) != len(y):
        raise ValueError(f"fit: {len(X)} rows in X but {len(y)} targets in y")
    if len(X) == 0:
        raise ValueError("fit: no training data (X is empty)")
    if batch_size is not None:
        count(batch_size, "fit: batch_size (or None)")
    nonnegative(l2, "fit: l2")
    if seed is not None:
        count(seed, "fit: seed (or None)", low=0)
    metric_fns = _metric_fns(metrics)
    if not model.parameters():
        raise ValueError(f"fit: {model!r} has no parameters to train")
    return metric_fns


def _check_targets(model: Module, X: list[Any], y: list[Any], loss: Callable[..., Any]) -> None:
    """Let ``loss`` see every target once, as plain numbers, before anything is trained.

    The losses refuse bad targets (hinge with 0/1 labels, a class index out of range, a BCE
    target outside [0, 1]) when targets are numbers; compiled fit passes Values, and a batch
    late in an epoch would be seen only after earlier batches were trained on. So the loss runs
    once on all targets with stand-in predictions of the model's output shape (0.5 each).
    """
    with autograd.no_grad():
        out = model(X[0])
        stand_in: Any = [Value(0.5) for _ in out] if isinstance(out, list) else Value(0.5)
        try:
            loss([stand_in] * len(y), y)
        except (ValueError, TypeError) as err:
            raise type(err)(f"fit: the targets y are refused: {err}") from None


class _Batches:
    """The row indices of each batch of an epoch: all rows in order (full batch), or a fresh
    shuffle from ``random.Random(seed)`` cut into pieces of ``batch_size``."""

    def __init__(self, n: int, batch_size: int | None, seed: int | None) -> None:
        self.order = list(range(n))
        self.shuffle = batch_size is not None
        self.size = n if batch_size is None else min(batch_size, n)
        self.rng = random.Random(seed)

    def __iter__(self) -> Iterator[list[int]]:
        if self.shuffle:
            self.rng.shuffle(self.order)
        for start in range(0, len(self.order), self.size):
            yield self.order[start : start + self.size]


Run = Callable[[list[Any], list[Any]], tuple[float, list[Any]]]


def _epoch(
    run: Run,
    X: list[Any],
    y: list[Any],
    batches: _Batches,
    optimizer: Optimizer,
    params: list[Value],
    saved: list[float],
    epoch: tuple[int, int],
) -> tuple[float, list[Any], list[Any]]:
    """One pass over the data: for each batch, loss, backward and an optimizer step.

    Returns the epoch's loss (batch losses weighted by batch size), predictions and targets.
    ``saved`` is kept equal to the parameters of the last finite loss; a NaN or infinite
    loss, or a step that makes a parameter non-finite, raises :class:`DivergenceError`.
    ``epoch`` is (this epoch from 1, all epochs), for the messages.
    """
    batch_losses: list[tuple[float, int]] = []
    preds: list[Any] = []
    targets: list[Any] = []
    for idx in batches:
        xb = [X[i] for i in idx]
        yb = [y[i] for i in idx]
        optimizer.zero_grad()
        try:
            value, batch_preds = run(xb, yb)
        except OverflowError as err:
            raise _diverged("loss overflowed", epoch, optimizer, math.inf) from err
        if not math.isfinite(value):
            raise _diverged(f"loss became {value}", epoch, optimizer, value)
        saved[:] = [p.data for p in params]
        optimizer.step()
        if not all(map(math.isfinite, [p.data for p in params])):
            raise _diverged("parameters became NaN or infinite", epoch, optimizer, value)
        batch_losses.append((value, len(idx)))
        preds += batch_preds
        targets += yb
    if len(batch_losses) == 1:  # full batch: the loss itself, not loss * n / n
        return batch_losses[0][0], preds, targets
    return math.fsum(v * k for v, k in batch_losses) / len(X), preds, targets


def _diverged(
    what: str, epoch: tuple[int, int], optimizer: Optimizer, value: float
) -> DivergenceError:
    return DivergenceError(
        f"fit: {what} at epoch {epoch[0]} of {epoch[1]}; the model keeps its last finite "
        f"parameters; try a smaller learning rate (lr was {optimizer.lr!r})",
        epoch[0],
        value,
    )


def _runner(
    model: Module,
    loss: Callable[[Any, Any], Value],
    params: list[Value],
    l2: float,
    *,
    compiled: bool,
    with_preds: bool,
) -> Run:
    """``run(xb, yb) -> (loss, predictions)`` that also leaves the gradients in ``.grad``:
    eagerly (a graph per batch), or by replaying one ``autograd.compile`` program per shape."""

    def objective(xb: Sequence[Any], yb: Sequence[Any]) -> tuple[Value, list[Any]]:
        preds = [model(row) for row in xb]
        total = loss(preds, yb)
        if not isinstance(total, Value):
            raise TypeError(f"fit: loss must return a Value, got {type(total).__name__}")
        if l2:
            total = total + l2_penalty(params, l2)
        return total, preds

    def run_eager(xb: list[Any], yb: list[Any]) -> tuple[float, list[Any]]:
        total, preds = objective(xb, yb)
        value = total.data
        if math.isfinite(value):
            total.backward()
        return value, [_data(p) for p in preds]

    checked: list[bool] = []

    def run_compiled(xb: list[Any], yb: list[Any]) -> tuple[float, list[Any]]:
        prog, traced = _program(model, loss, params, l2, xb[0], yb[0], objective)
        value = float(prog(np.asarray(xb, dtype=float), np.asarray(yb, dtype=float)))
        if not checked:  # once per fit: the program replays the mean of per-sample losses
            checked.append(True)
            with autograd.no_grad():
                eager = objective(xb, yb)[0].data
            if not math.isclose(value, eager, rel_tol=1e-9, abs_tol=1e-12):
                raise ValueError(
                    f"fit(compile=True): the loss of a batch ({eager!r}) is not the mean of its "
                    f"per-sample losses ({value!r}), which the compiled replay computes; "
                    "use compile=False for this loss"
                )
        preds = prog.read(traced[0]) if with_preds else []
        if math.isfinite(value):
            prog.backward()
        return value, preds

    return run_compiled if compiled else run_eager


def _program(
    model: Module,
    loss: Callable[[Any, Any], Value],
    params: list[Value],
    l2: float,
    x: Any,
    t: Any,
    objective: Callable[[Sequence[Any], Sequence[Any]], tuple[Value, list[Any]]],
) -> tuple[Any, list[Any]]:
    """The per-sample program of ``loss`` on ``model`` (one sample traced, any batch replayed),
    kept on the model between ``fit`` calls; it is traced again when the model's parameters
    are no longer the same Values (a layer added or replaced) or the loss, l2 or shapes change.
    """
    cache = model.__dict__.setdefault("_programs", ProgramCache())
    key = (loss, l2, _shape(x), _shape(t))

    def build() -> tuple[Any, list[Any]]:
        traced: list[Any] = []

        def fn(xv: Any, tv: Any) -> Value:
            total, preds = objective([xv], [tv])
            traced.append(preds[0])
            return total

        return compile_graph(fn, x, t, batch=True), traced

    return cache.get(key, params, build)


def _restore(params: list[Value], saved: list[float]) -> None:
    for p, d in zip(params, saved):
        p.data = d


class _NoBar:
    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Lines:
    """Progress for a log file or a pipe: one plain line every ``every`` epochs and one for the
    last epoch, instead of a bar's carriage-return frames."""

    def __init__(self, epochs: int, stream: Any) -> None:
        self.epochs = epochs
        self.every = max(1, math.ceil(epochs / PROGRESS_LINES))
        self.stream = stream
        self.done = 0
        self.shown: dict[str, str] = {}

    def set_postfix(self, shown: dict[str, str], refresh: bool = False) -> None:
        self.shown = shown

    def update(self, n: int) -> None:
        self.done += n
        if self.done % self.every == 0 or self.done == self.epochs:
            values = " ".join(f"{k}={v}" for k, v in self.shown.items())
            print(f"fit: epoch {self.done}/{self.epochs} {values}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


PROGRESS_LINES = 10  # about this many lines per run when stderr is not a terminal


def _progress(epochs: int, progress: bool) -> Any:
    """A tqdm bar (a widget in Jupyter) when someone watches; plain lines in a log."""
    if not progress:
        return _NoBar()
    import sys

    from tqdm import auto

    # In Jupyter tqdm.auto's class derives from tqdm.notebook's widget bar (stderr is no tty).
    notebook = any(c.__module__ == "tqdm.notebook" for c in auto.tqdm.__mro__)
    stream = sys.stderr
    if notebook or (stream is not None and stream.isatty()):
        return auto.tqdm(total=epochs, desc="fit", unit="epoch")
    return _Lines(epochs, stream)
