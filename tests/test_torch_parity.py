"""Parity with PyTorch (float64): values and gradients of the same expressions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from autograd import Value
from autograd.strategies import inputs

# Each expression is written once and run on both engines: the same operators and method
# names exist on Value and on torch tensors (via the small adapter below).


class T:
    """Calls the torch function for each op name, so one expression serves both engines."""

    def __init__(self, torch, t):
        self.torch, self.t = torch, t

    def _w(self, t):
        return T(self.torch, t)

    def _u(self, o):
        return o.t if isinstance(o, T) else o

    def __add__(self, o):
        return self._w(self.t + self._u(o))

    __radd__ = __add__

    def __mul__(self, o):
        return self._w(self.t * self._u(o))

    __rmul__ = __mul__

    def __sub__(self, o):
        return self._w(self.t - self._u(o))

    def __rsub__(self, o):
        return self._w(self._u(o) - self.t)

    def __truediv__(self, o):
        return self._w(self.t / self._u(o))

    def __rtruediv__(self, o):
        return self._w(self._u(o) / self.t)

    def __pow__(self, o):
        return self._w(self.t ** self._u(o))

    def __rpow__(self, o):
        return self._w(self._u(o) ** self.t)

    def __neg__(self):
        return self._w(-self.t)

    def exp(self):
        return self._w(self.t.exp())

    def log(self):
        return self._w(self.t.log())

    def sqrt(self):
        return self._w(self.t.sqrt())

    def tanh(self):
        return self._w(self.t.tanh())

    def sigmoid(self):
        return self._w(self.t.sigmoid())

    def softplus(self):
        return self._w(self.torch.nn.functional.softplus(self.t))

    def relu(self):
        return self._w(self.t.relu())

    def abs(self):
        return self._w(self.t.abs())

    def leaky_relu(self, slope=0.01):
        return self._w(self.torch.nn.functional.leaky_relu(self.t, slope))

    def elu(self, alpha=1.0):
        return self._w(self.torch.nn.functional.elu(self.t, alpha))


EXPRESSIONS = {
    "classic": lambda x, y, z: (x + y) * z,
    "reuse": lambda x, y, z: (x * y + x) * (x * y) + x * x,
    "smooth": lambda x, y, z: (x * y).tanh() + (z * z + 1).log() * x.sigmoid() - (y / (1 + z * z)),
    "exp-sqrt": lambda x, y, z: (x.tanh()).exp() * (y * y + 0.5).sqrt() + z.softplus() ** 2,
    "pow-value": lambda x, y, z: (x * x + 1) ** y.tanh() + 2 ** z.tanh(),
    "piecewise": lambda x, y, z: x.relu() * y.abs() + z.leaky_relu(0.1) - (x * z).elu(0.5),
    "neuron": lambda x, y, z: (0.3 * x - 0.7 * y + 0.1 * z + 0.2).tanh() * 2.0 - 1 / (2 + x * x),
}


def _ours(f, xs):
    vs = [Value(x) for x in xs]
    out = f(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


def _theirs(torch, f, xs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*[T(torch, t) for t in ts]).t
    out.backward()
    return out.item(), [t.grad.item() if t.grad is not None else 0.0 for t in ts]


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_matches_pytorch_float64(torch, name):
    f = EXPRESSIONS[name]

    @settings(max_examples=30)
    @given(inputs(3, -2.0, 2.0).filter(lambda xs: all(abs(x) > 1e-6 for x in xs)))
    def check(xs):
        value, grads = _ours(f, xs)
        t_value, t_grads = _theirs(torch, f, xs)
        assert value == pytest.approx(t_value, rel=1e-12, abs=1e-12)
        assert grads == pytest.approx(t_grads, rel=1e-10, abs=1e-12)

    check()


def test_second_derivative_matches_pytorch(torch):
    from autograd import grad

    x = Value(0.7)
    y = (x * x).tanh() * x.exp()
    (dx,) = grad(y, [x], create_graph=True)
    (d2x,) = grad(dx, [x])

    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ty = (tx * tx).tanh() * tx.exp()
    (tdx,) = torch.autograd.grad(ty, tx, create_graph=True)
    (td2x,) = torch.autograd.grad(tdx, tx)
    assert dx.data == pytest.approx(tdx.item(), rel=1e-12)
    assert d2x == pytest.approx(td2x.item(), rel=1e-12)
