"""nn: neurons, layers, MLPs, losses, optimizers and a training loop, built from Value ops.

micrograd code runs by changing its imports (``from nn import MLP``); beyond micrograd there
are activations, initializations, losses, PyTorch's optimizers, ``fit``, saving and
``to_torch``. Data sets live in ``nn.data``.

>>> import random, nn
>>> random.seed(1337)
>>> model = nn.MLP(2, [16, 16, 1])  # micrograd's moons model
>>> model.num_parameters()
337
"""

from __future__ import annotations

from autograd.version import __version__ as __version__  # one for all three
from nn import data
from nn.io import FORMAT_VERSION, load, save, to_torch
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
    multiclass_svm_loss,
    softmax,
)
from nn.module import ACTIVATIONS, INITS, MLP, Layer, Module, Neuron
from nn.optim import SGD, AdaGrad, Adam, Optimizer, RMSProp
from nn.training import DivergenceError, History, accuracy, fit

__all__ = [
    "ACTIVATIONS",
    "FORMAT_VERSION",
    "INITS",
    "MLP",
    "SGD",
    "AdaGrad",
    "Adam",
    "DivergenceError",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "RMSProp",
    "accuracy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "data",
    "fit",
    "hinge_loss",
    "l2_penalty",
    "load",
    "mse_loss",
    "multiclass_svm_loss",
    "save",
    "softmax",
    "to_torch",
]
