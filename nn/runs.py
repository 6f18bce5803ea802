"""How ``fit`` runs its batches: the parameters as one array for the whole fit, stepped by the
optimizer's rule on arrays, and a batch either built as a graph (eager) or replayed by one
compiled per-sample program (``compile=True``).

Eagerly, every step writes the new numbers into the parameter Values (the next graph reads
them). Compiled, the program reads the array itself, so the Values get their numbers once, at
the end of ``fit`` or when it stops on an error; the optimizer's state (Adam's ``t``, ``m``,
``v``) is stored back the same way. The pair (parameters, state) that gave the last finite loss
is kept, so any error rolls both back at once (:meth:`Params.rollback`), a second Ctrl-C
during that restore included (:func:`uninterrupted`).
"""

from __future__ import annotations

import math
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd import compile as compile_graph
from autograd.compile import ProgramCache
from nn.losses import l2_penalty
from nn.module import Module
from nn.optim import Optimizer

__all__ = ["Compiled", "Eager", "Params", "uninterrupted"]

_get_data = attrgetter("data")
_get_grad = attrgetter("grad")
Objective = Callable[[Sequence[Any], Sequence[Any]], tuple[Value, list[Any]]]


class NotFinite(ArithmeticError):
    """A step made a parameter NaN or infinite (fit turns it into a DivergenceError)."""


@contextmanager
def uninterrupted() -> Iterator[list[int]]:
    """Hold back Ctrl-C (SIGINT) while the block runs, in the main thread; the list it gives
    records the signals that arrived, for the caller to act on once the block is done."""
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived  # Python runs signal handlers in the main thread only
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: arrived.append(signum))
    try:
        yield arrived
    finally:
        signal.signal(signal.SIGINT, previous)


def write(values: list[Value], numbers: np.ndarray) -> None:
    """Give each Value its number (one ``.data`` write each)."""
    deque(map(setattr, values, repeat("data"), numbers.tolist()), maxlen=0)


class Params:
    """The numbers of ``values`` as one array and the optimizer's state, for a whole fit.

    The state is kept in the array's order (permuted once) when the optimizer holds every
    value; when it holds some (a frozen layer), each step gathers its part. ``saved`` is the
    (array, state) that gave the last finite loss: what an error rolls back to.
    """

    def __init__(self, optimizer: Optimizer, values: list[Value]) -> None:
        self.opt = optimizer
        self.values = values
        self.theta = np.fromiter(map(_get_data, values), np.float64, len(values))
        at = {id(v): i for i, v in enumerate(values)}
        self.held = np.array([at[id(p)] for p in optimizer.params], dtype=np.intp)
        self.every = len(self.held) == len(values)
        state = optimizer.state()
        if self.every:  # arrays in theta's order: theta_order[held[k]] = opt_order[k]
            for name in optimizer.arrays:
                a = np.empty(len(values))
                a[self.held] = state[name]
                state[name] = a
        self.state = state
        self.saved = (self.theta, self.state)

    def step(self, grad: np.ndarray) -> None:
        """One optimizer step on the array; NotFinite if it made a parameter NaN or infinite."""
        self.saved = (self.theta, self.state)
        if self.every:
            theta, state = self.opt.rule(self.theta, grad, self.state)
        else:
            part, state = self.opt.rule(self.theta[self.held], grad[self.held], self.state)
            theta = self.theta.copy()
            theta[self.held] = part
        self.theta, self.state = theta, state
        if not math.isfinite(theta.sum()) and not np.isfinite(theta).all():
            raise NotFinite

    def commit(self) -> None:
        """Store the state back on the optimizer, in its order."""
        state = dict(self.state)
        if self.every:
            for name in self.opt.arrays:
                state[name] = state[name][self.held]
        self.opt._commit(state)

    def rollback(self) -> None:
        """Parameters and state back to those of the last finite loss, in the Values too."""
        self.theta, self.state = self.saved
        write(self.values, self.theta)
        self.commit()


def objective_of(
    model: Module, loss: Callable[[Any, Any], Value], params: list[Value], l2: float
) -> Objective:
    """``objective(xb, yb) -> (loss + l2 penalty, predictions)`` built from Value ops
    (``penalty=False``: the loss alone)."""

    def objective(
        xb: Sequence[Any], yb: Sequence[Any], penalty: bool = True
    ) -> tuple[Value, list[Any]]:
        preds = [model(row) for row in xb]
        total = loss(preds, yb)
        if not isinstance(total, Value):
            raise TypeError(f"fit: loss must return a Value, got {type(total).__name__}")
        if l2 and penalty:
            total = total + l2_penalty(params, l2)
        return total, preds

    return objective


def _numbers(pred: Any) -> Any:
    return [v.data for v in pred] if isinstance(pred, list) else pred.data


class Eager:
    """Batches as graphs: build, backward, step; every step writes the Values."""

    def __init__(self, objective: Objective, optimizer: Optimizer, with_preds: bool) -> None:
        self.objective = objective
        self.params = Params(optimizer, list(optimizer.params))
        self.with_preds = with_preds

    def loss(self, xb: list[Any], yb: list[Any]) -> tuple[float, Any]:
        """The batch's loss and predictions, its gradients left in ``.grad``."""
        self.params.opt.zero_grad()
        total, preds = self.objective(xb, yb)
        value = total.data
        if math.isfinite(value):
            total.backward()
        return value, [_numbers(p) for p in preds] if self.with_preds else []

    def step(self) -> None:
        ps = self.params
        ps.step(np.fromiter(map(_get_grad, ps.values), np.float64, len(ps.values)))
        write(ps.values, ps.theta)

    def finish(self) -> None:
        self.params.commit()


class Compiled:
    """Batches replayed by one per-sample program that reads the parameter array itself.

    The program is traced from the loss alone; an L2 penalty, ``l2 * sum(p * p)`` over the
    model's parameters, is added on the array (its value a dot product, its gradient
    ``2 * l2 * theta``): the same numbers as a traced penalty, to rounding, without tracing
    and replaying a node per parameter."""

    def __init__(
        self,
        model: Module,
        loss: Callable[[Any, Any], Value],
        objective: Objective,
        l2: float,
        first: tuple[list[Any], list[Any]],
        optimizer: Optimizer,
        with_preds: bool,
        params: list[Value],
    ) -> None:
        example = (first[0][0], first[1][0])
        self.prog, self.traced = program(model, loss, objective, example, params)
        self.first = first  # two samples, as given, for the one look at the loss
        self.objective = objective
        values = list(self.prog.params)
        known = set(values)
        values += [p for p in optimizer.params if p not in known]  # gradient 0: not in fn
        self.n = len(self.prog.params)
        self.params = Params(optimizer, values)
        self.with_preds = with_preds
        self.checked = False
        self.grad = np.zeros(len(values))
        self.l2 = l2
        at = {id(v): i for i, v in enumerate(values)}
        inside = [at[id(p)] for p in params if id(p) in at]
        outside = np.array([p.data for p in params if id(p) not in at])  # never change
        self.fixed = float(np.dot(outside, outside))
        every = len(inside) == len(values)  # (in another order: a sum of squares does not mind)
        self.penalised = None if every else np.array(inside)

    def penalty(self) -> float:
        """``l2 * sum(p * p)`` over the model's parameters, at the array's values."""
        theta = self.params.theta
        t = theta if self.penalised is None else theta[self.penalised]
        return self.l2 * (float(np.dot(t, t)) + self.fixed)

    def loss(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, Any]:
        """The batch's loss and predictions (arrays); its gradient kept for :meth:`step`."""
        prog = self.prog
        theta = self.params.theta
        theta_fn = theta if self.n == len(theta) else theta[: self.n]
        if not self.checked:
            self.check_mean(theta_fn)
        value = prog(xb, yb, params=theta_fn, check=False)  # fit checked every target already
        if self.l2:
            value += self.penalty()
        preds = prog.values(self.traced[0]) if self.with_preds else None
        if math.isfinite(value):
            grad = self.grad
            grad[: self.n] = prog.backward(accumulate=False)
            if self.l2:
                grad[self.n :] = 0.0
                if self.penalised is None:
                    grad += (2.0 * self.l2) * theta
                else:
                    grad[self.penalised] += (2.0 * self.l2) * theta[self.penalised]
        return value, preds

    def check_mean(self, theta: np.ndarray) -> None:
        """Once per fit, on two samples: the program replays the mean of per-sample losses,
        which is what the loss must be (a sum, say, is refused)."""
        self.checked = True
        xs, ys = self.first
        got = self.prog(np.asarray(xs, np.float64), np.asarray(ys, np.float64), params=theta)
        with autograd.no_grad():
            eager = self.objective(xs, ys, False)[0].data
        if math.isfinite(got) and math.isfinite(eager):
            if not math.isclose(got, eager, rel_tol=1e-9, abs_tol=1e-12):
                raise ValueError(
                    f"fit(compile=True): the loss of a batch ({eager!r}) is not the mean of its "
                    f"per-sample losses ({got!r}), which the compiled replay computes; "
                    "use compile=False for this loss"
                )

    def step(self) -> None:
        self.params.step(self.grad)

    def finish(self) -> None:
        """The Values get their numbers (and the last gradients); the optimizer its state."""
        ps = self.params
        held = [ps.values[i] for i in ps.held]
        write(held, ps.theta[ps.held])
        deque(map(setattr, held, repeat("grad"), self.grad[ps.held].tolist()), maxlen=0)
        ps.commit()


def _shape(x: Any) -> Any:
    """The nesting structure of a sample (one compiled program per structure)."""
    return tuple(_shape(v) for v in x) if isinstance(x, list | tuple) else None


def program(
    model: Module,
    loss: Callable[[Any, Any], Value],
    objective: Objective,
    example: tuple[Any, Any],
    params: list[Value],
) -> tuple[Any, list[Any]]:
    """The per-sample program of the loss of ``objective`` (one sample traced, any batch
    replayed), kept on the model between ``fit`` calls; traced again when the model's
    parameters are no longer the same Values (a layer added or replaced), or the loss or the
    shapes change."""
    cache = model.__dict__.setdefault("_programs", ProgramCache())
    x, t = example

    def build() -> tuple[Any, list[Any]]:
        traced: list[Any] = []

        def fn(xv: Any, tv: Any) -> Value:
            total, preds = objective([xv], [tv], False)
            traced.append(preds[0])
            return total

        return compile_graph(fn, x, t, batch=True), traced

    return cache.get((loss, _shape(x), _shape(t)), params, build)
