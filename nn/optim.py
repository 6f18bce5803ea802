"""Optimizers with PyTorch's update rules; the only nn code that touches ``.data`` and ``.grad``.

Each takes the parameters (a list of Values) and a learning rate ``lr``, a plain attribute that
may be changed between steps for a decay schedule. ``step()`` updates every parameter from its
``.grad``; ``zero_grad()`` resets the grads. The rules run on arrays: ``update(theta, grad)``
takes the parameters' values and gradients as arrays (ordered like ``params``) and returns the
new values, which is how ``nn.fit(compile=True)`` trains with its parameters in one array.

>>> from autograd import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).backward()  # d/dw w^2 = 2w
...     opt.step()
>>> round(w.data, 12)  # 1.0 * (1 - 0.2) ** 2
0.64
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import attrgetter
from typing import Any, ClassVar

import numpy as np

from autograd import Value
from autograd.numbers import count, interval, positive, shown

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam"]

Check = Callable[[Any, str], Any]
State = dict[str, Any]

_get_data = attrgetter("data")
_get_grad = attrgetter("grad")


def _betas(betas: Any, what: str) -> tuple[float, float]:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"{what} must be a pair (beta1, beta2), got {shown(betas)}")
    return (interval(betas[0], f"{what}[0]"), interval(betas[1], f"{what}[1]"))


def _checked_params(params: Iterable[Value], name: str) -> tuple[Value, ...]:
    ps = tuple(params)
    if not ps:
        raise ValueError(f"{name}: got an empty parameter list")
    first: dict[int, int] = {}
    for i, p in enumerate(ps):
        if not isinstance(p, Value):
            raise TypeError(f"{name}: parameters must be Values, got {shown(p)}")
        j = first.setdefault(id(p), i)
        if j != i:
            raise ValueError(
                f"{name}: parameter {i} is the same Value as parameter {j}; "
                "pass each parameter once"
            )
    return ps


class Optimizer:
    """Base class: holds the parameters, the settings and the state; subclasses give the rule.

    ``params`` is a tuple fixed at construction (the state holds one number per parameter;
    for other parameters, make a new optimizer). ``settings`` maps each setting's name to its
    check, applied at construction and again whenever the setting is assigned later
    (``opt.lr = float("nan")`` raises ValueError). The state is guarded too: ``arrays`` (one
    float per parameter, like Adam's ``m``) must keep their length and stay finite,
    ``counters`` (Adam's ``t``) are ints >= 0. ``step()`` and ``update()`` are all or nothing:
    every new value is computed before any is stored, so an error leaves the parameters and
    the optimizer's state as they were.

    A subclass implements ``rule(theta, grad, state) -> (theta, state)``: the new values for
    parameter values ``theta`` and gradients ``grad`` (arrays), given the state (a dict of
    its ``arrays`` and ``counters``), returning a new state dict and changing nothing it got.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive}
    arrays: ClassVar[tuple[str, ...]] = ()
    counters: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        object.__setattr__(self, "_params", _checked_params(params, type(self).__name__))
        self.lr = lr
        for name in self.arrays:
            object.__setattr__(self, name, np.zeros(len(self._params)))
        for name in self.counters:
            object.__setattr__(self, name, 0)

    @property
    def params(self) -> tuple[Value, ...]:
        """The parameters, fixed at construction."""
        return self._params

    def __setattr__(self, name: str, value: Any) -> None:
        what = f"{type(self).__name__}: {name}"
        if name in ("params", "_params"):
            raise AttributeError(
                f"{what} cannot be replaced (the state holds one number per parameter); "
                "make a new optimizer for other parameters"
            )
        if name in self.arrays:
            value = self._array(value, what)
        elif name in self.counters:
            value = count(value, what, low=0)
        else:
            check = type(self).settings.get(name)
            if check is not None:
                value = check(value, what)
        object.__setattr__(self, name, value)

    def _array(self, value: Any, what: str) -> np.ndarray:
        n = len(self._params)
        try:
            a = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be {n} numbers, got {shown(value)}") from None
        if a.shape != (n,):
            raise ValueError(f"{what} must hold {n} numbers (one per parameter), got {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"{what} must be finite numbers")
        return a

    def state(self) -> State:
        """The optimizer's state (its ``arrays`` and ``counters``) as a dict; ``rule``'s input."""
        return {name: getattr(self, name) for name in (*self.arrays, *self.counters)}

    def load_state(self, state: State) -> None:
        """Set the state from a dict like :meth:`state` gives (checked; all of it, or nothing)."""
        where = type(self).__name__
        checked = {name: self._array(state[name], f"{where}: {name}") for name in self.arrays}
        for name in self.counters:
            checked[name] = count(state[name], f"{where}: {name}", low=0)
        self._commit(checked)

    def _commit(self, state: State) -> None:
        """Store a state ``rule`` made (no checks: a diverging step may make it infinite)."""
        for name in (*self.arrays, *self.counters):
            object.__setattr__(self, name, state[name])

    def rule(self, theta: np.ndarray, grad: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """The update rule on arrays (see the class doc); every optimizer defines its own."""
        raise NotImplementedError(f"{type(self).__name__} defines no update rule")

    def update(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The parameters' new values for values ``theta`` and gradients ``grad`` (arrays
        ordered like ``params``), advancing the state (Adam's ``t``, ``m``, ``v``)."""
        new, state = self.rule(theta, grad, self.state())
        self._commit(state)
        return new

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self._params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient (all or nothing, see the class doc)."""
        ps = self._params
        theta = np.fromiter(map(_get_data, ps), np.float64, len(ps))
        grad = np.fromiter(map(_get_grad, ps), np.float64, len(ps))
        if not math.isfinite(grad.sum()):  # NaN may stand for None: find a .grad not a number
            for i, p in enumerate(ps):
                if isinstance(p.grad, bool) or not isinstance(p.grad, int | float | np.floating):
                    raise TypeError(
                        f"{type(self).__name__}: parameter {i} has .grad {shown(p.grad)}, "
                        "not a number"
                    )
        new, state = self.rule(theta, grad, self.state())
        deque(map(setattr, ps, repeat("data"), new.tolist()), maxlen=0)
        self._commit(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr!r}, {len(self._params)} parameters)"


class SGD(Optimizer):
    """Gradient descent, with PyTorch's momentum: ``v = momentum * v + g; p -= lr * v``.

    Without momentum it is ``p.data -= lr * p.grad``, micrograd's update to the last bit.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive, "momentum": interval}
    arrays = ("velocity",)

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = momentum

    def rule(self, theta: np.ndarray, grad: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            return theta - lr * grad, state
        v = mu * state["velocity"]
        v += grad
        return theta - lr * v, {**state, "velocity": v}


class AdaGrad(Optimizer):
    """Per-parameter rates from all past squared gradients (Duchi et al. 2011), as PyTorch:
    ``s += g * g; p -= lr * g / (sqrt(s) + eps)``.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive, "eps": positive}
    arrays = ("sum_sq",)

    def __init__(self, params: Iterable[Value], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.eps = eps

    def rule(self, theta: np.ndarray, grad: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        s = state["sum_sq"] + grad * grad
        return theta - self.lr * grad / (np.sqrt(s) + self.eps), {**state, "sum_sq": s}


class RMSProp(Optimizer):
    """A running mean of squared gradients (Hinton's lecture 6e), as PyTorch's RMSprop:
    ``s = alpha * s + (1 - alpha) * g * g; v = momentum * v + g / (sqrt(s) + eps);
    p -= lr * v`` (with momentum 0, ``p -= lr * g / (sqrt(s) + eps)``).
    """

    settings: ClassVar[dict[str, Check]] = {
        "lr": positive,
        "alpha": interval,
        "eps": positive,
        "momentum": interval,
    }
    arrays = ("square_avg", "velocity")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum

    def rule(self, theta: np.ndarray, grad: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        alpha, mu = self.alpha, self.momentum
        s = alpha * state["square_avg"] + (1.0 - alpha) * grad * grad
        d = grad / (np.sqrt(s) + self.eps)
        new = {**state, "square_avg": s}
        if mu:
            d = mu * state["velocity"] + d
            new["velocity"] = d
        return theta - self.lr * d, new


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, as PyTorch: at step t,
    ``m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive, "betas": _betas, "eps": positive}
    arrays = ("m", "v")
    counters = ("t",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.betas = betas
        self.eps = eps

    def rule(self, theta: np.ndarray, grad: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        t = state["t"] + 1
        b1, b2 = self.betas
        step_size = self.lr / (1.0 - b1**t)
        root_bc2 = math.sqrt(1.0 - b2**t)
        # The formulas above, term by term in torch's order, in place on new arrays only.
        m = b1 * state["m"]
        m += (1.0 - b1) * grad
        g2 = (1.0 - b2) * grad
        g2 *= grad
        v = b2 * state["v"]
        v += g2
        denom = np.sqrt(v)
        denom /= root_bc2
        denom += self.eps
        step = step_size * m
        step /= denom
        return theta - step, {"t": t, "m": m, "v": v}
