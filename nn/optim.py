"""Optimizers with PyTorch's update rules; the only nn code that touches ``.data`` and ``.grad``.

Each takes the parameters (a list of Values) and a learning rate ``lr``, a plain attribute that
may be changed between steps for a decay schedule. ``step()`` updates every parameter from its
``.grad``; ``zero_grad()`` resets the grads.

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
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from autograd import Value
from autograd.numbers import interval, positive, shown

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam"]

Check = Callable[[Any, str], Any]


def _betas(betas: Any, what: str) -> tuple[float, float]:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ValueError(f"{what} must be a pair (beta1, beta2), got {shown(betas)}")
    return (interval(betas[0], f"{what}[0]"), interval(betas[1], f"{what}[1]"))


class Optimizer:
    """Base class: holds the parameters and the settings; subclasses compute the updates.

    ``settings`` maps each setting's name to its check, applied at construction and again
    whenever the setting is assigned later (``opt.lr = float("nan")`` raises ValueError).
    ``step()`` is all or nothing: every new value is computed before any is stored, so an
    error leaves the parameters and the optimizer's state as they were.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive}

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        first: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameters must be Values, got {shown(p)}")
            j = first.setdefault(id(p), i)
            if j != i:
                raise ValueError(
                    f"{name}: parameter {i} is the same Value as parameter {j}; "
                    "pass each parameter once"
                )
        self.lr = lr

    def __setattr__(self, name: str, value: Any) -> None:
        check = type(self).settings.get(name)
        if check is not None:
            value = check(value, f"{type(self).__name__}: {name}")
        object.__setattr__(self, name, value)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient (all or nothing, see the class doc)."""
        data, state = self._updates()
        for p, d in zip(self.params, data):
            p.data = d
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def _updates(self) -> tuple[list[float], dict[str, Any]]:
        """The parameters' new values and the optimizer's new state, stored by ``step()``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr!r}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Gradient descent, with PyTorch's momentum: ``v = momentum * v + g; p -= lr * v``.

    Without momentum it is ``p.data -= lr * p.grad``, micrograd's update to the last bit.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive, "momentum": interval}

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = momentum
        self.velocity = [0.0] * len(self.params)

    def _updates(self) -> tuple[list[float], dict[str, Any]]:
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            return [p.data - lr * p.grad for p in self.params], {}
        v = [mu * vi + p.grad for vi, p in zip(self.velocity, self.params)]
        return [p.data - lr * vi for p, vi in zip(self.params, v)], {"velocity": v}


class AdaGrad(Optimizer):
    """Per-parameter rates from all past squared gradients (Duchi et al. 2011), as PyTorch:
    ``s += g * g; p -= lr * g / (sqrt(s) + eps)``.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive, "eps": positive}

    def __init__(self, params: Iterable[Value], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.eps = eps
        self.sum_sq = [0.0] * len(self.params)

    def _updates(self) -> tuple[list[float], dict[str, Any]]:
        lr, eps = self.lr, self.eps
        s = [si + p.grad * p.grad for si, p in zip(self.sum_sq, self.params)]
        data = [p.data - lr * p.grad / (math.sqrt(si) + eps) for p, si in zip(self.params, s)]
        return data, {"sum_sq": s}


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
        self.square_avg = [0.0] * len(self.params)
        self.velocity = [0.0] * len(self.params)

    def _updates(self) -> tuple[list[float], dict[str, Any]]:
        lr, alpha, eps, mu = self.lr, self.alpha, self.eps, self.momentum
        s = [
            alpha * si + (1.0 - alpha) * p.grad * p.grad
            for si, p in zip(self.square_avg, self.params)
        ]
        d = [p.grad / (math.sqrt(si) + eps) for p, si in zip(self.params, s)]
        state: dict[str, Any] = {"square_avg": s}
        if mu:
            d = [mu * vi + di for vi, di in zip(self.velocity, d)]
            state["velocity"] = d
        return [p.data - lr * di for p, di in zip(self.params, d)], state


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, as PyTorch: at step t,
    ``m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.
    """

    settings: ClassVar[dict[str, Check]] = {"lr": positive, "betas": _betas, "eps": positive}

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
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _updates(self) -> tuple[list[float], dict[str, Any]]:
        t = self.t + 1
        b1, b2 = self.betas
        eps = self.eps
        step_size = self.lr / (1.0 - b1**t)
        root_bc2 = math.sqrt(1.0 - b2**t)
        m = [b1 * mi + (1.0 - b1) * p.grad for mi, p in zip(self.m, self.params)]
        v = [b2 * vi + (1.0 - b2) * p.grad * p.grad for vi, p in zip(self.v, self.params)]
        data = [
            p.data - step_size * mi / (math.sqrt(vi) / root_bc2 + eps)
            for p, mi, vi in zip(self.params, m, v)
        ]
        return data, {"t": t, "m": m, "v": v}
