"""The training steps bench_train.py times: the compiled per-sample program and its peers.

Every step is one full-batch SGD step (lr 0.05) on an MLP with ReLU hidden layers, with a
1e-4 L2 penalty on every parameter: hinge loss for one output, cross-entropy for several.
Each peer starts from the same weights (the nn.MLP made with seed 1337) and computes the same
loss; ``check_same`` asserts that before anything is timed.

- ``compiled``: ``autograd.compile(..., batch=True)`` of one sample (model + loss + L2), the
  parameters kept in an array (``params=``, ``backward(accumulate=False)``);
- ``numpy``: the floor, written by hand: per layer ``h @ W + b`` and ReLU forward; ``h.T @ dz``,
  ``dz.sum(0)`` and ``dz @ W.T`` with the ReLU mask backward; one update per array;
- ``torch``: float64 tensors and autograd on one thread; ``jax``: ``jax.jit`` of
  ``value_and_grad`` and the update, float64, one thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

import autograd
import nn

ALPHA = 1e-4
LR = 0.05

Step = Callable[[], float]
Row = tuple[int, list[int], int, int, str]  # (nin, hidden sizes, nout, points, loss)


def dataset(nin: int, nout: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, nin))
    if nout == 1:
        return X, np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    teacher = rng.normal(size=(nin, nout))
    return X, np.argmax(X @ teacher + rng.normal(size=(n, nout)), axis=1).astype(float)


def make_model(nin: int, hidden: list[int], nout: int) -> nn.MLP:
    return nn.MLP(nin, [*hidden, nout], seed=1337)


def loss_of(name: str) -> Callable:
    return nn.hinge_loss if name == "hinge" else nn.cross_entropy


def per_sample_program(model: nn.MLP, nin: int, loss: str) -> autograd.BatchProgram:
    params = model.parameters()
    lossfn = loss_of(loss)

    def fn(x: list, t: autograd.Value) -> autograd.Value:
        return lossfn([model(x)], [t]) + nn.l2_penalty(params, ALPHA)

    return autograd.compile(fn, [0.0] * nin, 0.0, batch=True)


def compiled_engine(row: Row, X: np.ndarray, y: np.ndarray) -> tuple[Step, float]:
    """The compiled step and the seconds tracing and lowering took."""
    nin, hidden, nout, _, loss = row
    model = make_model(nin, hidden, nout)
    t0 = time.perf_counter()
    prog = per_sample_program(model, nin, loss)
    seconds = time.perf_counter() - t0
    theta = prog.get_params()

    def step() -> float:
        value = prog(X, y, params=theta)
        theta[:] -= LR * prog.backward(accumulate=False)
        return value

    return step, seconds


def layer_arrays(model: nn.MLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer, W shaped (inputs, outputs)."""
    out = []
    for layer in model.layers:
        W = np.array([[w.data for w in n.w] for n in layer.neurons]).T
        b = np.array([n.b.data for n in layer.neurons])
        out.append((W, b))
    return out


def numpy_engine(row: Row, X: np.ndarray, y: np.ndarray) -> Step:
    """The floor: the same step in plain numpy, written by hand (see the module doc)."""
    nin, hidden, nout, n, loss = row
    layers = [(W.copy(), b.copy()) for W, b in layer_arrays(make_model(nin, hidden, nout))]
    rows, yi, last, decay = np.arange(n), y.astype(int), len(layers) - 1, 2.0 * ALPHA

    def step() -> float:
        acts, h = [X], X
        for i, (W, b) in enumerate(layers):
            h = h @ W
            h += b
            if i < last:
                np.maximum(h, 0.0, out=h)
                acts.append(h)
        penalty = sum(np.vdot(W, W) + np.vdot(b, b) for W, b in layers)
        if loss == "hinge":
            margin = 1.0 - y * h[:, 0]
            value = np.maximum(margin, 0.0).mean()
            dz = ((margin > 0) * (-y / n))[:, None]
        else:
            e = np.exp(h - h.max(axis=1, keepdims=True))
            p = e / e.sum(axis=1, keepdims=True)
            value = -np.log(p[rows, yi]).mean()
            p[rows, yi] -= 1.0
            dz = p / n
        for i in range(last, -1, -1):
            W, b = layers[i]
            gW, gb = acts[i].T @ dz, dz.sum(axis=0)
            if i:
                dz = dz @ W.T
                dz *= acts[i] > 0
            gW += decay * W
            gb += decay * b
            W -= LR * gW
            b -= LR * gb
        return float(value + ALPHA * penalty)

    return step


def torch_engine(row: Row, X: np.ndarray, y: np.ndarray) -> Step | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    nin, hidden, nout, _, loss = row
    params = []
    for W, b in layer_arrays(make_model(nin, hidden, nout)):
        params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    yi = yt.long()

    def step() -> float:
        h = Xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                h = torch.relu(h)
        if loss == "hinge":
            data_loss = torch.relu(1.0 - yt * h[:, 0]).mean()
        else:
            data_loss = torch.nn.functional.cross_entropy(h, yi)
        total = data_loss + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return total.item()

    return step


def jax_engine(row: Row, X: np.ndarray, y: np.ndarray) -> tuple[Step, float] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    nin, hidden, nout, _, loss = row
    params = [
        (jnp.asarray(W), jnp.asarray(b)) for W, b in layer_arrays(make_model(nin, hidden, nout))
    ]
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def objective(ps: list, X: jnp.ndarray, y: jnp.ndarray) -> jnp.ndarray:
        h = X
        for i, (W, b) in enumerate(ps):
            h = h @ W + b
            if i < len(ps) - 1:
                h = jax.nn.relu(h)
        if loss == "hinge":
            data = jax.nn.relu(1.0 - y * h[:, 0]).mean()
        else:
            logp = jax.nn.log_softmax(h)
            data = -jnp.take_along_axis(logp, y.astype(int)[:, None], axis=1).mean()
        return data + ALPHA * sum((W * W).sum() + (b * b).sum() for W, b in ps)

    @jax.jit
    def update(ps: list, X: jnp.ndarray, y: jnp.ndarray) -> tuple:
        value, grads = jax.value_and_grad(objective)(ps, X, y)
        return value, jax.tree_util.tree_map(lambda p, g: p - LR * g, ps, grads)

    t0 = time.perf_counter()
    value, _ = update(params, Xj, yj)
    value.block_until_ready()
    seconds = time.perf_counter() - t0
    state = [params]

    def step() -> float:
        value, state[0] = update(state[0], Xj, yj)
        return float(value)  # waits for the result

    return step, seconds


def check_same(steps: dict[str, Step]) -> None:
    """Every engine's first loss equals the others' (to 1e-9): they compute the same step."""
    values = {name: step() for name, step in steps.items()}
    first = next(iter(values.values()))
    for name, v in values.items():
        if not np.isclose(v, first, rtol=1e-9, atol=0.0):
            raise AssertionError(f"{name} computes loss {v!r}, not {first!r}: not the same step")
