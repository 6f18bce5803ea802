"""The stepper pages a teacher projects, as (root, params, title) builders: shared by the
browser tests, the screenshot script and the benchmark (tests/perf/)."""

from __future__ import annotations

from collections.abc import Callable

import nn
from autograd import Value
from viz.expr import parse

# CS231n's 2-input sigmoid neuron, as typed on the command line, at CS231n's values
CS231N = "1/(1+exp(-(w0*x0 + w1*x1 + w2)))"
CS231N_VALUES = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]

Page = tuple[Value, object, str | None]


def demo() -> Page:
    """(x + y) * z at x = -2, y = 5, z = -4."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    return (x + y) * z, None, None


def cs231n() -> Page:
    """CS231n's neuron built as the command builds it, titled as typed."""
    root, inputs = parse(CS231N).build(CS231N_VALUES)
    params = {n: inputs[n] for n in ("w0", "w1", "w2")}
    return root, params, CS231N


def tanh_neuron() -> Page:
    """A 3-input tanh neuron built from Values (Karpathy's lecture numbers)."""
    xs = [Value(v, f"x{i + 1}") for i, v in enumerate([2.0, -1.0, 0.5])]
    ws = [Value(v, f"w{i + 1}") for i, v in enumerate([-3.0, 1.0, 0.7])]
    b = Value(6.8813735870195432, "b")
    return (ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2] + b).tanh(), None, None


def mlp_4_1_model() -> nn.MLP:
    return nn.MLP(2, [4, 1], seed=0)


def mlp_4_1_loss(model: nn.MLP) -> Value:
    """Squared error of ``model`` on one sample (a mean over one sample)."""
    return nn.mse_loss([model([0.5, -1.0])], [1.0])


def mlp_4_1() -> Page:
    """MLP(2, [4, 1]), squared error on one sample (a mean over one sample)."""
    model = mlp_4_1_model()
    return mlp_4_1_loss(model), model, None


def mlp_16_16_1() -> Page:
    """MLP(2, [16, 16, 1]), hinge loss on one sample (micrograd's moons model)."""
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    return nn.hinge_loss([model([0.5, -1.0])], [1]), model, None


def lecture_model() -> nn.MLP:
    return nn.MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", seed=0)


def lecture_loss(model: nn.MLP) -> Value:
    """Squared error over the lecture's 4 samples, summed with Python's sum() as it does."""
    preds = [model(x) for x in LECTURE_XS]
    loss = sum((p - y) ** 2 for p, y in zip(preds, LECTURE_YS))
    assert isinstance(loss, Value)
    return loss


def lecture_net() -> Page:
    """micrograd's lecture net MLP(3, [4, 4, 1]) (tanh), squared error over its 4 samples,
    summed with Python's sum() as the lecture does."""
    model = lecture_model()
    return lecture_loss(model), model, None


PAGES: dict[str, Callable[[], Page]] = {
    "demo": demo,
    "cs231n": cs231n,
    "tanh_neuron": tanh_neuron,
    "mlp_4_1": mlp_4_1,
    "mlp_16_16_1": mlp_16_16_1,
    "lecture_net": lecture_net,
}

# The pages of a model, as (make the model, its loss): trained again in Python by tests
MODELS: dict[str, tuple[Callable[[], nn.MLP], Callable[[nn.MLP], Value]]] = {
    "mlp_4_1": (mlp_4_1_model, mlp_4_1_loss),
    "lecture_net": (lecture_model, lecture_loss),
}

__all__ = ["CS231N", "CS231N_VALUES", "MODELS", "PAGES"]


def page_data(page: str) -> dict:
    """The JSON a stepper page carries."""
    import json
    import re

    text = re.search(r'<script type="application/json" id="steps">(.*?)</script>', page, re.S)
    assert text is not None
    return json.loads(text.group(1))


def chain_rule(data: dict) -> list[str]:
    """Every backward step's chain-rule lines as the page's script writes them from its data
    (the Python notation's words), for tests that do not run a browser."""
    from viz.notation import fmt

    def paren(t: str) -> str:
        return f"({t})" if t.startswith("-") else t

    boxes, lines = data["boxes"], []
    for step in data["steps"]:
        if step[1] != "b":
            continue
        for f in step[4]:
            line = (
                f"{boxes[f[1]][1]} {'=' if f[5] is None else '+='} {boxes[step[0]][1]} *"
                f" {paren(f[2])} = {fmt(step[3])} * {paren(fmt(f[3]))} = {fmt(f[4])}"
            )
            lines.append(line if f[5] is None else line + f"  (now {fmt(f[5] + f[4])})")
    return lines
