"""Saving and leaving: models as JSON files, and a hand-over to PyTorch.

A saved file is one JSON object::

    {"format_version": 1, "type": "MLP",
     "architecture": {"nin": 2, "nouts": [16, 16, 1], "activation": "relu", ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.52, ...}}

Floats are written with ``repr`` precision, so a model round-trips to the last bit.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from nn.module import ACTIVATIONS, MLP, Layer, Module, Neuron

__all__ = ["FORMAT_VERSION", "save", "load", "to_torch"]

FORMAT_VERSION = 1

_TYPES: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


def _type_name(model: Module) -> str:
    for name, cls in _TYPES.items():
        if type(model) is cls:
            return name
    raise TypeError(f"save: can only save {', '.join(_TYPES)} models, got {type(model).__name__}")


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write ``model`` (architecture and parameters) to ``path`` as JSON, atomically.

    The file is written to a temporary file in the same directory and then renamed over
    ``path`` (``os.replace``), so a crash never leaves a half-written model behind.
    """
    kind = _type_name(model)
    state = model.state_dict()
    bad = [name for name, v in state.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"save: parameter {bad[0]!r} is {state[bad[0]]!r}; not saving")
    doc = {
        "format_version": FORMAT_VERSION,
        "type": kind,
        "architecture": model.config(),  # type: ignore[attr-defined]
        "parameters": state,
    }
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _read(path: str | os.PathLike[str]) -> dict[str, Any]:
    where = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"load: {where} is not a model file (not UTF-8 text)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"load: {where} is corrupt (invalid JSON: {err})") from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise ValueError(f"load: {where} is not a model file (no format_version)")
    version = doc["format_version"]
    if version != FORMAT_VERSION:
        raise ValueError(
            f"load: {where} has format_version {version!r}; this version reads {FORMAT_VERSION}"
        )
    for key in ("type", "architecture", "parameters"):
        if key not in doc:
            raise ValueError(f"load: {where} is corrupt (missing {key!r})")
    if doc["type"] not in _TYPES:
        raise ValueError(f"load: {where} holds an unknown model type {doc['type']!r}")
    if not isinstance(doc["architecture"], dict) or not isinstance(doc["parameters"], dict):
        raise ValueError(f"load: {where} is corrupt (architecture and parameters must be objects)")
    return doc


def load(path: str | os.PathLike[str], model: Module | None = None) -> Module:
    """Read a model saved by :func:`save`: rebuild it from the file alone and return it.

    With ``model`` given, load the parameters into it instead; a file of another architecture
    (or a corrupt one) raises ValueError and leaves ``model`` untouched.
    """
    doc = _read(path)
    where = os.fspath(path)
    cls = _TYPES[doc["type"]]
    config = doc["architecture"]
    if model is not None:
        current = {"type": type(model).__name__, **getattr(model, "config", dict)()}
        stored = {"type": doc["type"], **config}
        if current != stored:
            raise ValueError(
                f"load: {where} holds {_describe(stored)}, which does not fit {_describe(current)}"
            )
        target = model
    else:
        try:
            # Any generator will do: every parameter is overwritten just below. A private one
            # keeps the global random state untouched.
            target = cls(**config, rng=random.Random(0))
        except (TypeError, ValueError) as err:
            raise ValueError(f"load: {where} has an invalid architecture: {err}") from None
    try:
        target.load_state_dict(doc["parameters"])
    except ValueError as err:
        raise ValueError(f"load: {where}: {err}") from None
    return target


def _describe(config: dict[str, Any]) -> str:
    rest = ", ".join(f"{k}={v!r}" for k, v in config.items() if k != "type")
    return f"{config['type']}({rest})"


def to_torch(mlp: MLP) -> Any:
    """A ``torch.nn.Sequential`` in float64 with the same weights and activations as ``mlp``.

    For users who outgrow a scalar engine; needs the optional ``torch`` extra.
    """
    try:
        import torch
    except ImportError:
        raise ImportError(
            "nn.to_torch needs PyTorch, which is optional: pip install 'stepgrad[torch]'"
        ) from None
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch: expected an nn.MLP, got {type(mlp).__name__}")
    modules: list[Any] = []
    for layer in mlp.layers:
        nin, nout = len(layer.neurons[0].w), len(layer.neurons)
        linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        row = ACTIVATIONS[layer.neurons[0].kind]
        if row.torch is not None:
            slopes = [n.a.data for n in layer.neurons if n.a is not None]
            modules.append(row.torch(torch.nn, slopes))
    return torch.nn.Sequential(*modules)
