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
import stat
import tempfile
from pathlib import Path
from typing import Any

from autograd.numbers import count, shown
from nn.module import ACTIVATIONS, MLP, Layer, Module, Neuron, declared_parameters

__all__ = ["FORMAT_VERSION", "MAX_BYTES", "save", "load", "to_torch"]

FORMAT_VERSION = 1

_TYPES: dict[str, type[Module]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}


def _type_name(model: Module) -> str:
    for name, cls in _TYPES.items():
        if type(model) is cls:
            return name
    raise TypeError(f"save: can only save {', '.join(_TYPES)} models, got {type(model).__name__}")


def save(model: Module, path: str | bytes | os.PathLike[str]) -> None:
    """Write ``model`` (architecture and parameters) to ``path`` as JSON, atomically.

    The file is written to a temporary file ``.NAME.XXXXXXXX.tmp`` in the destination's folder
    and then renamed over it (``os.replace``), so a crash never leaves a half-written model
    behind. A symlink is followed: the file it points to is replaced, in that file's folder,
    and the link stays a link. A file that is replaced keeps its mode, owner and group (a file
    whose owner cannot be kept, another user's for a non-root save, is refused and left
    as it was). A hard link cannot survive an atomic replace: the path saved to gets the new
    file, its other names keep the old one. A save removes only its own temporary file (on any
    error or Ctrl-C); one killed by SIGKILL, which nothing can outlive, leaves its
    ``.NAME.XXXXXXXX.tmp`` beside an intact destination, safe to delete.
    """
    kind = _type_name(model)
    where = _path_text(path, "save")
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
    try:
        _replace(Path(where), text.encode("utf-8"))
    except OSError as err:
        raise type(err)(f"save: cannot write {where}: {err.strerror or err}") from None


def _path_text(path: Any, who: str) -> str:
    """A path as text (a bytes path decoded as the file system does), or a one-line TypeError."""
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"{who}: path must be a str, bytes or os.PathLike, got {type(path).__name__}"
        ) from None


def _replace(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside the file ``target`` names (through symlinks)
    and rename it over that file, keeping its mode, owner and group."""
    real = Path(os.path.realpath(target))
    try:
        old: os.stat_result | None = real.stat()
    except FileNotFoundError:
        old = None  # a new file (or a dangling link's target): made with the umask's mode
    fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=_temp_prefix(real), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if old is None:
                os.fchmod(f.fileno(), 0o666 & ~_umask())
            else:
                _keep_owner(f.fileno(), old)
                # The mode after the owner: chown clears the set-id bits.
                os.fchmod(f.fileno(), stat.S_IMODE(old.st_mode))
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _keep_owner(fd: int, old: os.stat_result) -> None:
    """Give the new file the owner and group of the one it replaces, or refuse the save."""
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (old.st_uid, old.st_gid):
        return
    try:
        os.fchown(fd, old.st_uid, old.st_gid)
    except PermissionError:
        raise PermissionError(
            f"it belongs to uid {old.st_uid}, gid {old.st_gid}, which this process cannot give "
            f"the new file; not replacing it"
        ) from None


def _temp_prefix(real: Path) -> str:
    """``.NAME.``, with NAME shortened so the temporary name fits the file system's limit."""
    try:
        limit = os.pathconf(real.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    name = real.name
    while len(os.fsencode(f".{name}.XXXXXXXX.tmp")) > max(limit, 32):
        name = name[:-1]
    return f".{name}."


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it (os.umask sets it,
    for a moment, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (json would keep the last silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"key {shown(key)} appears twice")
            seen.add(key)
    return obj


MAX_BYTES = 256 * 2**20  # nn.load reads at most this much unless told more (max_bytes=)

_KINDS = {  # what a path that is no regular file is, for the message
    stat.S_ISDIR: "a directory",
    stat.S_ISFIFO: "a FIFO",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
}


def _read_bytes(where: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``: a FIFO, a device or a socket is
    refused without reading from it (O_NONBLOCK: opening a FIFO with no writer never hangs)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(where, flags)
        try:
            st = os.fstat(fd)
            mode, size = st.st_mode, st.st_size
            regular = stat.S_ISREG(mode)
            raw = b""
            if regular and size <= max_bytes:
                with open(fd, "rb", closefd=False) as f:
                    raw = f.read(max_bytes + 1)
        finally:
            os.close(fd)
    except OSError as err:
        raise type(err)(f"load: cannot read {where}: {err.strerror or err}") from None
    if stat.S_ISDIR(mode):  # an OSError, as open() gives
        raise IsADirectoryError(f"load: cannot read {where}: Is a directory")
    if not regular:
        what = next((name for test, name in _KINDS.items() if test(mode)), "no regular file")
        raise ValueError(f"load: {where} is {what}, not a regular file: not reading it")
    if size > max_bytes or len(raw) > max_bytes:  # len: it grew while being read
        raise ValueError(
            f"load: {where} is larger than {max_bytes:,} bytes, more than a model file should "
            f"be (pass max_bytes= to read it)"
        )
    return raw


def _read(where: str, max_bytes: int) -> dict[str, Any]:
    """The checked top level of a model file; every problem is one line naming the file."""
    raw = _read_bytes(where, max_bytes)
    try:
        text = raw.decode("utf-8-sig")  # a BOM some editors add is harmless
    except UnicodeDecodeError:
        raise ValueError(f"load: {where} is not a model file (not UTF-8 text)") from None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_object)
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


def _check_declared(where: str, kind: str, config: dict[str, Any], params: dict) -> None:
    """The file's parameters are exactly those its architecture declares, by count and then by
    name, checked from the sizes alone before any model is built."""
    expected = _config_keys(kind)
    if set(config) != expected:
        wrong = sorted(set(config) ^ expected)[0]
        side = "unexpected" if wrong in config else "missing"
        raise ValueError(f"load: {where} has an invalid architecture ({side} {shown(wrong)})")
    try:
        total, names = declared_parameters(kind, config)
    except ValueError as err:
        raise ValueError(f"load: {where} has an invalid architecture ({err})") from None
    if total != len(params):
        raise ValueError(
            f"load: {where} declares {shown(total)} parameters but holds {len(params):,}"
        )
    missing = next((name for name in names if name not in params), None)
    if missing is not None:  # then some name is unexpected too: the counts are equal
        declared = set(declared_parameters(kind, config)[1])
        odd = next(name for name in params if name not in declared)
        raise ValueError(
            f"load: {where} does not hold the parameters its architecture declares (missing "
            f"{shown(missing)}; unexpected {shown(odd)})"
        )


def load(
    path: str | bytes | os.PathLike[str], model: Module | None = None, *, max_bytes: int = MAX_BYTES
) -> Module:
    """Read a model saved by :func:`save`: rebuild it from the file alone and return it.

    With ``model`` given, load the parameters into it instead. A file that is missing or
    unreadable raises OSError, one that is corrupt, hostile or of another architecture raises
    ValueError, each in one line naming the file; ``model`` is then left untouched. Only a
    regular file of at most ``max_bytes`` (256 MiB) is read: a FIFO or a device is refused.
    The parameter names and their count are checked against the declared architecture before
    any model is built, and a JSON key given twice is refused.
    """
    where = _path_text(path, "load")
    count(max_bytes, "load: max_bytes")
    doc = _read(where, max_bytes)
    kind = doc["type"]
    config = doc["architecture"]
    params = doc["parameters"]
    _check_declared(where, kind, config, params)
    if model is not None:
        try:
            current = {"type": type(model).__name__, **getattr(model, "config", dict)()}
        except ValueError as err:  # a model that has no one config (layers mixed by hand)
            raise ValueError(f"load: cannot load {where} into {model!r}: {err}") from None
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
