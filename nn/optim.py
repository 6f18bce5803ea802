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
from collections.abc import Iterable
from typing import Any

from autograd import Value

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam"]


def _number(x: Any, name: str, low: float = 0.0, below: float | None = None) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x < low:
        raise ValueError(f"{name} must be a finite number >= {low}, got {x!r}")
    if below is not None and not x < below:
        raise ValueError(f"{name} must be < {below}, got {x!r}")
    return float(x)


class Optimizer:
    """Base class: holds the parameters and ``lr``; subclasses define ``step()``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameters must be Values, got {p!r}")
        self.lr = _number(lr, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr!r}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Gradient descent, with PyTorch's momentum: ``v = momentum * v + g; p -= lr * v``.

    Without momentum it is ``p.data -= lr * p.grad``, micrograd's update to the last bit.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _number(momentum, "momentum")
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        v = self.velocity
        for i, p in enumerate(self.params):
            v[i] = mu * v[i] + p.grad
            p.data -= lr * v[i]


class AdaGrad(Optimizer):
    """Per-parameter rates from all past squared gradients (Duchi et al. 2011), as PyTorch:
    ``s += g * g; p -= lr * g / (sqrt(s) + eps)``.
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.01, eps: float = 1e-7) -> None:
        super().__init__(params, lr)
        self.eps = _number(eps, "eps")
        self.sum_sq = [0.0] * len(self.params)

    def step(self) -> None:
        s, lr, eps = self.sum_sq, self.lr, self.eps
        for i, p in enumerate(self.params):
            g = p.grad
            s[i] += g * g
            p.data -= lr * g / (math.sqrt(s[i]) + eps)


class RMSProp(Optimizer):
    """A running mean of squared gradients (Hinton's lecture 6e), as PyTorch's RMSprop:
    ``s = alpha * s + (1 - alpha) * g * g; v = momentum * v + g / (sqrt(s) + eps);
    p -= lr * v`` (with momentum 0, ``p -= lr * g / (sqrt(s) + eps)``).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _number(alpha, "alpha", below=1.0)
        self.eps = _number(eps, "eps")
        self.momentum = _number(momentum, "momentum")
        self.square_avg = [0.0] * len(self.params)
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        s, v = self.square_avg, self.velocity
        lr, alpha, eps, mu = self.lr, self.alpha, self.eps, self.momentum
        for i, p in enumerate(self.params):
            g = p.grad
            s[i] = alpha * s[i] + (1.0 - alpha) * g * g
            d = g / (math.sqrt(s[i]) + eps)
            if mu:
                v[i] = mu * v[i] + d
                d = v[i]
            p.data -= lr * d


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, as PyTorch: at step t,
    ``m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _number(betas[0], "betas[0]", below=1.0),
            _number(betas[1], "betas[1]", below=1.0),
        )
        self.eps = _number(eps, "eps")
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        m, v, eps = self.m, self.v, self.eps
        step_size = self.lr / (1.0 - b1**self.t)
        root_bc2 = math.sqrt(1.0 - b2**self.t)
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_bc2 + eps)
