"""The activation table: every nonlinearity a neuron can apply, one row each.

Neuron, reprs, configs, validation and ``nn.to_torch`` all read ``ACTIVATIONS``; adding an
activation is adding a row (a test adds one and builds a model with it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd import Value
from autograd.numbers import shown

__all__ = ["ACTIVATIONS", "Activation", "check_activation"]


def _prelu(z: Value, slope: Value | None) -> Value:
    # prelu(z) = z for z > 0, slope * z otherwise, written as relu(z) + slope * (z - relu(z))
    # so the engine's relu rule gives every derivative (slope included); nn writes none. At
    # z = 0 this form gives what torch's PReLU gives: d/dz = slope (relu'(0) = 0) and
    # d/dslope = min(z, 0) = 0.
    assert slope is not None  # a prelu neuron always has its slope parameter
    r = z.relu()
    return r + slope * (z - r)


def _torch_prelu(tnn: Any, slopes: list[float]) -> Any:
    # torch's PReLU takes channels from dim 1, so a single unbatched row (dim 0 only) fails
    # with several slopes; this one adds the batch dimension around it.
    import torch

    class PReLU(tnn.PReLU):  # type: ignore[misc, name-defined]
        def forward(self, x: Any) -> Any:
            return (
                super().forward(x.unsqueeze(0)).squeeze(0) if x.dim() == 1 else super().forward(x)
            )

    act = PReLU(len(slopes), dtype=torch.float64)
    with torch.no_grad():
        act.weight.copy_(torch.tensor(slopes, dtype=torch.float64))
    return act


@dataclass(frozen=True)
class Activation:
    """One row of the activation table: everything nn knows about an activation.

    ``apply(z, slope)`` maps a neuron's weighted sum to its output (``slope`` is the neuron's
    trainable parameter, None unless ``slope_init`` is set); ``display`` names it in reprs
    (micrograd prints ``ReLUNeuron(2)``); ``torch(torch.nn, slopes)`` builds the matching
    PyTorch module for ``to_torch`` (None: nothing to add).
    """

    apply: Callable[[Value, Value | None], Value]
    display: str
    torch: Callable[[Any, list[float]], Any] | None
    slope_init: float | None = None


# name -> how a neuron applies it. The only list of activations: Neuron, reprs, configs,
# validation and to_torch all read it.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(lambda z, _: z.relu(), "ReLU", lambda tnn, _: tnn.ReLU()),
    "tanh": Activation(lambda z, _: z.tanh(), "Tanh", lambda tnn, _: tnn.Tanh()),
    "sigmoid": Activation(lambda z, _: z.sigmoid(), "Sigmoid", lambda tnn, _: tnn.Sigmoid()),
    "leaky_relu": Activation(  # slope 0.01
        lambda z, _: z.leaky_relu(), "LeakyReLU", lambda tnn, _: tnn.LeakyReLU(0.01)
    ),
    "elu": Activation(lambda z, _: z.elu(), "ELU", lambda tnn, _: tnn.ELU(1.0)),  # alpha 1.0
    # torch's Softplus returns x itself above `threshold` (default 20, off by e^-20 ~ 2e-9);
    # at 40 the gap e^-40 is below a float's resolution, so outputs agree to the last bits.
    "softplus": Activation(
        lambda z, _: z.softplus(), "Softplus", lambda tnn, _: tnn.Softplus(threshold=40.0)
    ),
    "linear": Activation(lambda z, _: z, "Linear", None),
    # PyTorch's default initial slope for PReLU is 0.25.
    "prelu": Activation(_prelu, "PReLU", _torch_prelu, slope_init=0.25),
}


def check_activation(activation: Any) -> str:
    """``activation`` if it names a row of ``ACTIVATIONS``, else a one-line ValueError."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        choices = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {shown(activation)}; choose one of: {choices}")
    return activation
