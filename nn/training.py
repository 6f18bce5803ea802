"""Training loop: ``fit`` runs full-batch or shuffled mini-batch gradient descent on a model.

``fit(..., compile=True)`` traces the model and the loss of ONE sample once with
``autograd.compile(..., batch=True)`` and replays it over every batch as array operations
(layers as matrix products); a loss that is not the mean of per-sample losses is refused on
the first batch. The parameters live in one array for the whole fit, the optimizer updates
arrays (the ``l2`` penalty is added there too), and the parameter Values get their numbers
(the optimizer its state) once, when fit ends or stops (:mod:`nn.runs`). The program is
kept on the model and reused by the next fit until the model's parameters change. Losses
agree with eager ``fit`` to about 1e-12 (BLAS adds in its own order); metrics read the
predictions the program computed. The targets are checked up front: eagerly by calling the
loss once on all of them (under ``no_grad``, with stand-in predictions of 0.5); compiled, by
the checks the loss registered with ``autograd.compile.validate``, run on all at once.

The graphs hold no reference cycles, so the cyclic garbage collector is switched off while
``fit`` runs its loop (the caller's setting is restored on the way out).

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
from autograd.numbers import count, nonnegative, positive
from nn.metrics import METRICS, accuracy, metric_functions
from nn.module import Module
from nn.optim import Optimizer
from nn.progress import progress as _progress
from nn.runs import Compiled, Eager, NotFinite, objective_of, uninterrupted

__all__ = ["METRICS", "fit", "accuracy", "History", "DivergenceError"]


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
    ``l2_penalty(params, l2)`` when ``l2 > 0``, backward, an ``optimizer`` step (the optimizer
    must hold the model's parameters, or some of them: a frozen layer is left out).
    ``batch_size=None`` is full batch; otherwise the rows are shuffled each epoch with
    ``random.Random(seed)`` (reproducible with a seed) and cut into batches (1 = plain SGD).
    ``lr_schedule(epoch)`` (epoch from 0) sets ``optimizer.lr`` (a finite lr > 0) before each
    epoch. ``metrics``: names ("accuracy") or functions ``f(predictions, targets) -> float``.
    ``progress``: a ``tqdm.auto`` bar on a terminal or in Jupyter (a notebook also gets a
    final plain line, which it keeps when saved), plain lines (about ten per run) in a log.
    ``compile=True`` trains with a compiled per-sample program (see the module doc): the
    loss must be the mean of per-sample losses, as all of nn's are.

    Every target is checked before any training. A NaN or infinite loss raises
    :class:`DivergenceError` naming the epoch. On that and on any other exception, Ctrl-C
    included, the model keeps the parameters of the last finite loss and the optimizer the
    state that goes with them (Adam's ``t``, ``m``, ``v``), restored at once even under a
    second Ctrl-C, and the exception carries the epochs completed as ``err.history``.
    """
    params = model.parameters() if isinstance(model, Module) else []
    metric_fns = _check_fit(model, X, y, loss, optimizer, epochs, batch_size, l2, metrics, seed)
    if not params:
        raise ValueError(f"fit: {model!r} has no parameters to train")
    _check_optimizer(optimizer, params)
    X = [list(row) for row in X]
    y = list(y)
    history = History(metrics={name: [] for name in metric_fns})
    batches = _Batches(len(X), batch_size, seed)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    bar = _progress(epochs, progress)
    run: Eager | Compiled | None = None
    try:
        run, data = _start(model, X, y, loss, optimizer, l2, params, compile, bool(metric_fns))
        for epoch in range(epochs):
            if lr_schedule is not None:
                optimizer.lr = positive(lr_schedule(epoch), f"fit: lr_schedule({epoch})")
            value, preds, targets = _epoch(run, data, batches, (epoch + 1, epochs))
            _record(history, metric_fns, value, preds, targets, bar)
        run.finish()
    except BaseException as err:  # any error, or Ctrl-C: no half-trained batch is left behind
        _stop(run, err, history)
        raise
    finally:
        if gc_was_enabled:
            gc.enable()
        bar.close()
    return history


def _start(
    model: Module,
    X: list[Any],
    y: list[Any],
    loss: Callable[[Any, Any], Value],
    optimizer: Optimizer,
    l2: float,
    params: list[Value],
    compiled: bool,
    with_preds: bool,
) -> tuple[Eager | Compiled, tuple[Any, Any]]:
    """How the batches will run, with every target checked first, and the data they read."""
    objective = objective_of(model, loss, params, l2)
    if not compiled:
        _check_targets(model, X, y, loss)
        return Eager(objective, optimizer, with_preds), (X, y)
    data = _arrays(X, y)
    run = Compiled(model, loss, objective, l2, (X[:2], y[:2]), optimizer, with_preds, params)
    _refused(run.prog.check, *data)  # the loss's own checks, on every target at once
    return run, data


def _record(
    history: History, metric_fns: dict[str, Any], value: float, preds: Any, targets: Any, bar: Any
) -> None:
    """One epoch's loss and metrics into ``history`` and onto the progress display."""
    history.loss.append(value)
    for name, fn in metric_fns.items():
        if fn is not accuracy and isinstance(preds, np.ndarray):  # a user's metric gets lists
            preds, targets = preds.tolist(), targets.tolist()
        history.metrics[name].append(fn(preds, targets))
    if bar.shows:
        shown = {"loss": f"{value:.4g}"}
        shown.update({name: f"{values[-1]:.3g}" for name, values in history.metrics.items()})
        bar.set_postfix(shown, refresh=False)
    bar.update(1)


def _stop(run: Eager | Compiled | None, err: BaseException, history: History) -> None:
    """Roll back to the parameters (and optimizer state) of the last finite loss, however
    often Ctrl-C is pressed meanwhile, and attach the history of completed epochs. A Ctrl-C
    held back during the restore is raised after it (unless it stops an interrupt anyway)."""
    arrived: list[int] = []
    if run is not None:
        while True:
            try:
                with uninterrupted() as arrived:
                    run.params.rollback()
                break
            except KeyboardInterrupt:  # pressed before the restore could hold it back
                continue
    _attach(err, history)
    if arrived and not isinstance(err, KeyboardInterrupt):
        interrupt = KeyboardInterrupt()
        _attach(interrupt, history)
        raise interrupt from err


def _attach(err: BaseException, history: History) -> None:
    try:
        err.history = history  # type: ignore[attr-defined]
    except AttributeError:  # an exception type that takes no attributes
        pass


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
    return metric_functions(metrics)


def _check_optimizer(optimizer: Optimizer, params: list[Value]) -> None:
    """The optimizer must update the model: refuse one that holds other Values (made for
    another model, or before a layer was replaced), which would train nothing that counts."""
    mine = set(map(id, params))
    foreign = sum(id(p) not in mine for p in optimizer.params)
    if foreign:
        raise ValueError(
            f"fit: the optimizer holds {foreign} of {len(optimizer.params)} Values that are not "
            "parameters of the model (made for another model, or before a layer was "
            "replaced?); make it with optimizer=...(model.parameters())"
        )


def _check_targets(model: Module, X: list[Any], y: list[Any], loss: Callable[..., Any]) -> None:
    """Let ``loss`` see every target once, as plain numbers, before anything is trained.

    The losses refuse bad targets (hinge with 0/1 labels, a class index out of range, a BCE
    target outside [0, 1]); a batch late in an epoch would be seen only after earlier batches
    were trained on. So the loss runs once on all targets with stand-in predictions of the
    model's output shape (0.5 each). (Compiled, a loss can refuse a target only through the
    checks it registers with ``autograd.compile.validate``: the program runs those on every
    target at once instead.)
    """
    with autograd.no_grad():
        out = model(X[0])
        stand_in: Any = [Value(0.5) for _ in out] if isinstance(out, list) else Value(0.5)
        _refused(loss, [stand_in] * len(y), y)


def _refused(check: Callable[..., Any], *args: Any) -> None:
    """Run a check of the targets; its error, if any, says that fit refuses them."""
    try:
        check(*args)
    except (ValueError, TypeError) as err:
        raise type(err)(f"fit: the targets y are refused: {err}") from None


def _arrays(X: list[Any], y: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The data as float arrays for a compiled fit, or a one-line error naming X or y."""
    out = []
    for name, data in (("X", X), ("y", y)):
        try:
            a = np.asarray(data, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"fit(compile=True): {name} must be numbers of one shape: {err}"
            ) from None
        out.append(a)
    return out[0], out[1]


class _Batches:
    """The row indices of each batch of an epoch: None for all rows in order (full batch), or
    a fresh shuffle from ``random.Random(seed)`` cut into pieces of ``batch_size``."""

    def __init__(self, n: int, batch_size: int | None, seed: int | None) -> None:
        self.order = list(range(n))
        self.shuffle = batch_size is not None and batch_size < n
        self.size = n if batch_size is None else min(batch_size, n)
        self.rng = random.Random(seed)

    def __iter__(self) -> Iterator[list[int] | None]:
        if not self.shuffle:
            yield None
            return
        self.rng.shuffle(self.order)
        for start in range(0, len(self.order), self.size):
            yield self.order[start : start + self.size]


def _epoch(
    run: Eager | Compiled, data: tuple[Any, Any], batches: _Batches, epoch: tuple[int, int]
) -> tuple[float, Any, Any]:
    """One pass over the data: for each batch, loss, backward and an optimizer step.

    Returns the epoch's loss (batch losses weighted by batch size), predictions and targets.
    A NaN or infinite loss, or a step that makes a parameter non-finite, raises
    :class:`DivergenceError`. ``epoch`` is (this epoch from 1, all epochs), for the messages.
    """
    X, y = data
    arrays = isinstance(X, np.ndarray)
    weighted: list[tuple[float, int]] = []
    preds: list[Any] = []
    targets: list[Any] = []
    for idx in batches:
        if idx is None:
            xb, yb = X, y
        elif arrays:
            xb, yb = X[idx], y[idx]
        else:
            xb, yb = [X[i] for i in idx], [y[i] for i in idx]
        try:
            value, batch_preds = run.loss(xb, yb)
        except OverflowError as err:
            raise _diverged("loss overflowed", epoch, run, math.inf) from err
        if not math.isfinite(value):
            raise _diverged(f"loss became {value}", epoch, run, value)
        try:
            run.step()
        except NotFinite:
            raise _diverged("parameters became NaN or infinite", epoch, run, value) from None
        weighted.append((value, len(yb)))
        preds.append(batch_preds)
        targets.append(yb)
    if len(weighted) == 1:  # full batch: the loss itself, not loss * n / n
        return weighted[0][0], preds[0], targets[0]
    value = math.fsum(v * k for v, k in weighted) / len(y)
    if arrays:
        return value, np.concatenate(preds) if preds[0] is not None else [], np.concatenate(targets)
    return value, [p for b in preds for p in b], [t for b in targets for t in b]


def _diverged(
    what: str, epoch: tuple[int, int], run: Eager | Compiled, value: float
) -> DivergenceError:
    return DivergenceError(
        f"fit: {what} at epoch {epoch[0]} of {epoch[1]}; the model keeps its last finite "
        f"parameters; try a smaller learning rate (lr was {run.params.opt.lr!r})",
        epoch[0],
        value,
    )
