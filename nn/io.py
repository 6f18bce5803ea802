"""Saving and leaving: models as JSON files, and a hand-over to PyTorch.

A saved file is one JSON object::

    {"format_version": 1, "type": "MLP",
     "architecture": {"nin": 2, "nouts": [16, 16, 1], "activation": "relu", ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.52, ...}}

Floats are written with ``repr`` precision, so a model round-trips to the last bit.
"""

from __future__ import annotations

import glob
import json
import math
import os
import random
import stat
import tempfile
from pathlib import Path
from typing import Any

from autograd.numbers import count, shown
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

    The file is written to a temporary file ``.NAME.PID.XXXX.tmp`` in the same directory and
    then renamed over ``path`` (``os.replace``), so a crash never leaves a half-written model
    behind. A file that is replaced keeps its permissions; temporary files left by saves
    that were killed (their process is gone) are removed by the next save to that path.
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
    _remove_stale_temp_files(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    prefix = f".{target.name}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_stale_temp_files(target: Path) -> None:
    """Delete ``.NAME.PID.*.tmp`` files beside ``target`` whose saving process is gone."""
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = tmp.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                tmp.unlink()
            except OSError:
                pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # perhaps another thread's save in progress
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked top level of a model file; every problem is one line naming the file."""
    where = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as err:
        raise type(err)(f"load: cannot read {where}: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM some editors add is harmless
    except UnicodeDecodeError:
        raise ValueError(f"load: {where} is not a model file (not UTF-8 text)") from None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise ValueError(f"load: {where} is corrupt (invalid JSON: {err})") from None
    except ValueError as err:
        raise ValueError(f"load: {where} is corrupt ({err})") from None
    except RecursionError:
        raise ValueError(f"load: {where} is corrupt (JSON nested too deeply)") from None
    if not isinstance(doc, dict) or "format_version" not in doc:
        raise ValueError(f"load: {where} is not a model file (no format_version)")
    version = doc["format_version"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise ValueError(
            f"load: {where} has format_version {shown(version)}; this version reads "
            f"{FORMAT_VERSION}"
        )
    keys = {"format_version", "type", "architecture", "parameters"}
    missing = sorted(keys - doc.keys())
    if missing:
        raise ValueError(f"load: {where} is corrupt (missing {missing[0]!r})")
    extra = sorted(doc.keys() - keys)
    if extra:
        raise ValueError(f"load: {where} is corrupt (unexpected key {shown(extra[0])})")
    if not isinstance(doc["type"], str) or doc["type"] not in _TYPES:
        raise ValueError(f"load: {where} holds an unknown model type {shown(doc['type'])}")
    if not isinstance(doc["architecture"], dict) or not isinstance(doc["parameters"], dict):
        raise ValueError(f"load: {where} is corrupt (architecture and parameters must be objects)")
    return doc


def _config_keys(kind: str) -> set[str]:
    """The keys a saved architecture of this type has: those of a tiny model's config()."""
    tiny: dict[str, Module] = {
        "MLP": MLP(1, [1], rng=random.Random(0)),
        "Layer": Layer(1, 1, rng=random.Random(0)),
        "Neuron": Neuron(1, rng=random.Random(0)),
    }
    return set(tiny[kind].config())  # type: ignore[attr-defined]


def _least_parameters(config: dict[str, Any]) -> int:
    """A lower bound on the parameter count the architecture declares (each neuron has its
    inputs' weights and a bias), from the sizes alone: checked before building anything."""
    sizes = [config["nin"]]
    sizes += config["nouts"] if "nouts" in config else [config.get("nout", 1)]
    for n in sizes:
        count(n, "every size")
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def load(path: str | os.PathLike[str], model: Module | None = None) -> Module:
    """Read a model saved by :func:`save`: rebuild it from the file alone and return it.

    With ``model`` given, load the parameters into it instead. A file that is missing or
    unreadable raises OSError, one that is corrupt, hostile or of another architecture raises
    ValueError, each in one line naming the file; ``model`` is then left untouched.
    """
    doc = _read(path)
    where = os.fspath(path)
    kind = doc["type"]
    config = doc["architecture"]
    params = doc["parameters"]
    expected = _config_keys(kind)
    if set(config) != expected:
        wrong = sorted(set(config) ^ expected)[0]
        side = "unexpected" if wrong in config else "missing"
        raise ValueError(f"load: {where} has an invalid architecture ({side} {shown(wrong)})")
    if "nouts" in config and (not isinstance(config["nouts"], list) or not config["nouts"]):
        raise ValueError(f"load: {where} has an invalid architecture (nouts must be a list)")
    try:
        least = _least_parameters(config)
    except ValueError as err:
        raise ValueError(f"load: {where} has an invalid architecture ({err})") from None
    if least > len(params):
        raise ValueError(
            f"load: {where} declares at least {shown(least)} parameters but holds {len(params)}"
        )
    if model is not None:
        current = {"type": type(model).__name__, **getattr(model, "config", dict)()}
        stored = {"type": kind, **config}
        if current != stored:
            raise ValueError(
                f"load: {where} holds {_describe(stored)}, which does not fit {_describe(current)}"
            )
        target = model
    else:
        try:
            # Any generator will do: every parameter is overwritten just below. A private one
            # keeps the global random state untouched.
            target = _TYPES[kind](**config, rng=random.Random(0))
        except (TypeError, ValueError) as err:
            raise ValueError(f"load: {where} has an invalid architecture: {err}") from None
    try:
        target.load_state_dict(params)
    except ValueError as err:
        raise ValueError(f"load: {where}: {err}") from None
    return target


def _describe(config: dict[str, Any]) -> str:
    rest = ", ".join(f"{k}={shown(v)}" for k, v in config.items() if k != "type")
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
        row = ACTIVATIONS[layer.kind]  # one function per layer, or ValueError
        if row.torch is not None:
            slopes = [n.a.data for n in layer.neurons if n.a is not None]
            modules.append(row.torch(torch.nn, slopes))
    return torch.nn.Sequential(*modules)
