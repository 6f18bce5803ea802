"""Neurons, layers and MLPs built only from ``autograd.Value`` ops, with micrograd's semantics.

With the defaults, ``Neuron``, ``Layer`` and ``MLP`` behave exactly like micrograd's: weights
drawn with ``random.uniform(-1, 1)`` from Python's ``random`` module in construction order, bias
0, ReLU hidden layers, a linear last layer, and a layer of one neuron returning a single Value.
Code written for micrograd runs by changing its imports.

>>> import random
>>> random.seed(0)
>>> model = MLP(2, [4, 1])
>>> model
MLP(2 -> 4 relu -> 1 linear; 17 parameters)
>>> out = model([1.0, -2.0])
>>> out.backward()
>>> len(model.parameters()), model.num_parameters()
(17, 17)
"""

from __future__ import annotations

import functools
import math
import random as _random
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import autograd
from autograd import Value
from autograd.numbers import count, finite, shown
from nn.activations import ACTIVATIONS, Activation, check_activation

__all__ = ["ACTIVATIONS", "INITS", "Activation", "Module", "Neuron", "Layer", "MLP"]


INITS = ("micrograd", "xavier", "kaiming")


def _check_init(init: Any) -> str:
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"unknown init {shown(init)}; choose one of: {', '.join(INITS)}")
    return init


def _make_rng(rng: _random.Random | None, seed: int | None) -> Any:
    """The source of initial weights: ``rng``, a new Random(seed), or the global ``random``."""
    if rng is not None and seed is not None:
        raise ValueError("pass either rng or seed, not both")
    if rng is not None:
        if not isinstance(rng, _random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        return rng
    if seed is not None:
        return _random.Random(seed)
    return _random  # micrograd draws from the module-level generator


class Module:
    """Base class: a subclass names its trainable Values in ``named_parameters()``; everything
    else (``parameters``, ``zero_grad``, ``state_dict``, ...) is derived from that one list."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs in a fixed order; names key the ``state_dict``.

        A module that defines only ``parameters()`` (as micrograd's do) gets names "0", "1", ...
        """
        if type(self).parameters is Module.parameters:
            return []
        return [(str(i), p) for i, p in enumerate(self.parameters())]

    def parameters(self) -> list[Value]:
        """The trainable Values, in ``named_parameters()`` order (micrograd's order for
        Neuron/Layer/MLP)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set ``.grad`` of every parameter to 0 (call before each ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalar parameters the model has."""
        return len(self.parameters())

    def __call__(self, x: Sequence[Value | float]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def predict(self, X: Sequence[Sequence[float]]) -> list[Any]:
        """Outputs for each row of ``X`` as floats (a list of floats per row for several outputs).

        Runs under ``autograd.no_grad()``: no graph is recorded.
        """
        out: list[Any] = []
        with autograd.no_grad():
            for row in X:
                y = self(row)
                out.append([v.data for v in y] if isinstance(y, list) else y.data)
        return out

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name, a plain dict of floats (JSON-ready)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set parameters from ``state``; on any mismatch raise ValueError and change nothing.

        Linear in the number of parameters: one pass over the names, one over the keys.
        """
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict, got {type(state).__name__}")
        named = self.named_parameters()
        names = {n for n, _ in named}
        missing = [n for n, _ in named if n not in state]
        unexpected = [k for k in state if k not in names]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {_few(missing)}")
            if unexpected:
                parts.append(f"unexpected {_few(unexpected)}")
            raise ValueError(f"state_dict does not fit {self!r}: {'; '.join(parts)}")
        values = []
        for name, _ in named:  # the message is made only for a bad entry
            v = state[name]
            ok = type(v) is float and math.isfinite(v)
            values.append(v if ok else finite(v, f"state_dict entry {name!r}"))
        for (_, p), v in zip(named, values):
            p.data = v


def _few(names: list[str]) -> str:
    first = ", ".join(shown(n) for n in names[:3])
    return first + (f" and {len(names) - 3} more" if len(names) > 3 else "")


@functools.lru_cache(maxsize=256)
def _neuron_names(nin: int, slope: bool) -> tuple[str, ...]:
    return (*(f"w.{i}" for i in range(nin)), "b", *(("a",) if slope else ()))


def _slope(nonlin: Any, activation: Any) -> bool:
    """Whether a neuron built with these settings has a slope parameter (ValueError if bad)."""
    if not isinstance(nonlin, bool):
        raise ValueError(f"nonlin must be True or False, got {shown(nonlin)}")
    activation = check_activation(activation)
    return ACTIVATIONS[activation if nonlin else "linear"].slope_init is not None


def declared_parameters(kind: str, config: Mapping[str, Any]) -> tuple[int, Iterator[str]]:
    """How many parameters a saved architecture (``type`` and ``config()``) declares, and
    their names in ``named_parameters()`` order, from the sizes alone: ``nn.load`` checks a
    file against them before building anything. ValueError for settings no model has."""
    if kind == "MLP":
        nouts = config["nouts"]
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {shown(nouts)}")
        sizes = [count(n, "every layer size") for n in [config["nin"], *nouts]]
        last = config["output_activation"]
        slopes = [_slope(True, config["activation"])] * (len(nouts) - 1)
        slopes.append(_slope(last != "linear", last))
        prefixes = [f"layers.{i}.neurons." for i in range(len(nouts))]
    else:  # a Layer, or a Neuron: a layer of one without the "neurons.0." prefix
        nout = count(config["nout"], "nout") if kind == "Layer" else 1
        sizes = [count(config["nin"], "nin"), nout]
        slopes = [_slope(config["nonlin"], config["activation"])]
        prefixes = ["neurons." if kind == "Layer" else ""]
    total = sum(b * (a + 1 + s) for a, b, s in zip(sizes, sizes[1:], slopes))

    def names() -> Iterator[str]:  # made only once the count fits: sizes could be huge
        for nin, nout, slope, prefix in zip(sizes, sizes[1:], slopes, prefixes):
            own = _neuron_names(nin, slope)
            for j in range(nout):  # the cached tuples the model's named_parameters() reuses
                yield from _prefixed(f"{prefix}{j}.", own) if prefix else own

    return total, names()


@functools.lru_cache(maxsize=4096)
def _prefixed(prefix: str, names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple([prefix + name for name in names])


def _nested(field: str, children: Sequence[Module]) -> list[tuple[str, Value]]:
    """``(f"{field}.{i}.{name}", p)`` over the children's named parameters. The joined names
    are cached per (prefix, names), since ``parameters()`` and ``zero_grad()`` run every step."""
    out: list[tuple[str, Value]] = []
    for i, child in enumerate(children):
        pairs = child.named_parameters()
        if pairs:
            names, values = zip(*pairs)
            out += zip(_prefixed(f"{field}.{i}.", names), values)
    return out


def _check_row(x: Any) -> None:
    """Refuse what has a length but is no row of inputs: a Value, a str, a dict, a set."""
    if x.__class__ is list or x.__class__ is tuple:
        return  # the usual rows, at once
    if isinstance(x, Value | str | bytes | Mapping | AbstractSet) or not hasattr(x, "__len__"):
        raise TypeError(
            f"a model's input must be a sequence of numbers or Values, got "
            f"{type(x).__name__}: {shown(x)}"
        )


def _as_values(x: Sequence[Value | float]) -> list[Value]:
    """Turn an input row into Values once, so the neurons of a layer share the same leaves."""
    _check_row(x)
    return [v if v.__class__ is Value else Value(v) for v in x]


class Neuron(Module):
    """One neuron: ``activation(b + w0*x0 + w1*x1 + ...)``, micrograd's ``Neuron`` by default.

    ``nonlin=False`` makes it linear (micrograd's flag); ``activation`` names the nonlinearity
    used when ``nonlin`` is True. ``init`` draws the weights ("micrograd": uniform(-1, 1);
    "xavier": uniform(+-sqrt(6 / (nin + fan_out))); "kaiming": uniform(+-sqrt(6 / nin))) from
    ``rng``, from ``random.Random(seed)``, or else from Python's global ``random`` like micrograd.
    ``fan_out`` is the width of the neuron's layer (``Layer`` passes it; only xavier uses it).
    The bias starts at 0; a "prelu" neuron also has a trainable slope ``a`` starting at 0.25.

    >>> n = Neuron(2, seed=1)
    >>> n.w[0].data = 2.0; n.w[1].data = -1.0
    >>> n([3.0, 1.0]).data, n([0.0, 1.0]).data
    (5.0, 0.0)
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str = "relu",
        init: str = "micrograd",
        rng: _random.Random | None = None,
        seed: int | None = None,
        fan_out: int = 1,
    ) -> None:
        count(nin, "nin")
        count(fan_out, "fan_out")
        self.a: Value | None = None
        self._set_kind(nonlin, activation)
        self.init = _check_init(init)
        source = _make_rng(rng, seed)
        if init == "micrograd":
            bound = 1.0
        elif init == "xavier":  # Glorot & Bengio 2010, uniform form
            bound = math.sqrt(6.0 / (nin + fan_out))
        else:  # He et al. 2015 for ReLU, uniform form (PyTorch's kaiming_uniform_, gain sqrt 2)
            bound = math.sqrt(6.0 / nin)
        self.w = [Value(source.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0)

    def _set_kind(self, nonlin: Any, activation: Any) -> None:
        """Check and apply ``nonlin`` and ``activation``: what the neuron computes, its slope
        parameter ``a`` (added or dropped as the function needs it), repr and config change
        together, so a model saved after an assignment loads to the same outputs."""
        if not isinstance(nonlin, bool):
            raise ValueError(f"nonlin must be True or False, got {shown(nonlin)}")
        activation = check_activation(activation)
        row = ACTIVATIONS[activation if nonlin else "linear"]
        if row.slope_init is None:
            self.a = None
        elif self.a is None:
            self.a = Value(row.slope_init)
        self._nonlin, self._activation, self._apply = nonlin, activation, row.apply

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: apply ``activation`` (True) or stay linear; assigning applies it."""
        return self._nonlin

    @nonlin.setter
    def nonlin(self, nonlin: bool) -> None:
        self._set_kind(nonlin, self._activation)

    @property
    def activation(self) -> str:
        """The nonlinearity used when ``nonlin`` is True; assigning checks and applies it."""
        return self._activation

    @activation.setter
    def activation(self, activation: str) -> None:
        self._set_kind(self._nonlin, activation)

    @property
    def kind(self) -> str:
        """The function actually applied: ``activation`` if ``nonlin`` else "linear"."""
        return self._activation if self._nonlin else "linear"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        _check_row(x)
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}")
        return self._forward(x)

    def _forward(self, x: Sequence[Value | float]) -> Value:
        """The neuron on a row already checked (its layer checks it once for all neurons)."""
        # One fused node, float-identical to micrograd's sum((wi*xi ...), self.b).
        return self._apply(autograd.affine(self.b, self.w, x), self.a)

    def named_parameters(self) -> list[tuple[str, Value]]:
        values = [*self.w, self.b] if self.a is None else [*self.w, self.b, self.a]
        return list(zip(_neuron_names(len(self.w), self.a is not None), values))

    def config(self) -> dict[str, Any]:
        """The architecture (what ``nn.save`` records to rebuild the model)."""
        return {"nin": len(self.w), "nonlin": self.nonlin, "activation": self.activation}

    def __repr__(self) -> str:
        return f"{ACTIVATIONS[self.kind].display}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons on the same inputs; a layer of one neuron returns a single Value
    (micrograd's), which ``MLP`` passes on to the next layer as a row of one.

    Keyword arguments go to each ``Neuron`` (``nonlin``, ``activation``, ``init``, ``rng``).
    """

    def __init__(self, nin: int, nout: int, *, seed: int | None = None, **kwargs: Any) -> None:
        count(nout, "nout")
        if seed is not None:  # one generator for the whole layer, not one per neuron
            kwargs["rng"] = _make_rng(kwargs.get("rng"), seed)
        kwargs.setdefault("fan_out", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        x = _as_values(x)
        first = self.neurons[0]
        if len(first.w) != len(x):  # a neuron put in by hand with another size: affine says so
            raise ValueError(f"{first!r} takes {len(first.w)} inputs, got {len(x)}")
        out = [n._forward(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _nested("neurons", self.neurons)

    @property
    def kind(self) -> str:
        """The function every neuron applies ("relu", "linear", ...). A layer whose neurons
        were changed one by one to different functions has none: ValueError, since a config
        (and so a saved file or ``to_torch``) describes a layer by one function."""
        kinds = _kinds(self)
        if len(kinds) > 1:
            raise ValueError(
                f"{self!r}: its neurons apply different functions ({', '.join(kinds)}); a "
                f"layer is saved and converted with one (set every neuron's nonlin/activation)"
            )
        return kinds[0]

    def config(self) -> dict[str, Any]:
        """The architecture (what ``nn.save`` records to rebuild the model)."""
        first = self.neurons[0]
        _ = self.kind  # refuses a layer whose neurons no config describes
        return {
            "nin": len(first.w),
            "nout": len(self.neurons),
            "nonlin": first.nonlin,
            "activation": first.activation,
        }

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)} {'/'.join(_kinds(self))})"


def _kinds(layer: Layer) -> list[str]:
    """The functions a layer's neurons apply, each once, in neuron order."""
    return list(dict.fromkeys(n.kind for n in layer.neurons))


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one layer per entry of ``nouts``.

    Hidden layers use ``activation`` (ReLU by default); the last layer is linear unless
    ``output_activation`` names another. ``init``, ``rng`` and ``seed`` choose the initial
    weights (see ``Neuron``); ``seed`` makes one generator for the whole model.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        output_activation: str = "linear",
        init: str = "micrograd",
        rng: _random.Random | None = None,
        seed: int | None = None,
    ) -> None:
        count(nin, "nin")
        if isinstance(nouts, int | str) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        nouts = list(nouts)
        for n in nouts:
            count(n, "every layer size in nouts")
        check_activation(activation)
        check_activation(output_activation)
        source = _make_rng(rng, seed)
        kwargs: dict[str, Any] = {"init": init}
        if source is not _random:
            kwargs["rng"] = source
        sz = [nin] + nouts
        last = len(nouts) - 1
        self._activation = activation  # what a model without hidden layers was built with
        self.layers = [
            Layer(
                sz[i],
                sz[i + 1],
                nonlin=i != last or output_activation != "linear",
                activation=activation if i != last else output_activation,
                **kwargs,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out: Any = x
        for layer in self.layers:
            # A hidden layer of one neuron returns a single Value (micrograd's Layer); the next
            # layer takes it as a row of one input.
            out = layer([out] if out.__class__ is Value else out)
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _nested("layers", self.layers)

    @property
    def activation(self) -> str:
        """What the hidden layers apply, read from their neurons (ValueError if they differ)."""
        kinds = list(dict.fromkeys(layer.kind for layer in self.layers[:-1]))
        if len(kinds) > 1:
            raise ValueError(
                f"{self!r}: its hidden layers apply different functions ({', '.join(kinds)}); "
                f"an MLP is saved and converted with one"
            )
        return kinds[0] if kinds else self._activation

    @property
    def output_activation(self) -> str:
        """What the last layer applies, read from its neurons."""
        return self.layers[-1].kind

    def config(self) -> dict[str, Any]:
        """The architecture (what ``nn.save`` records to rebuild the model), read from the
        neurons, so it describes what the model computes even after a neuron was changed."""
        return {
            "nin": len(self.layers[0].neurons[0].w),
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def __repr__(self) -> str:
        parts = [str(len(self.layers[0].neurons[0].w))] + [
            f"{len(layer.neurons)} {'/'.join(_kinds(layer))}" for layer in self.layers
        ]
        return f"MLP({' -> '.join(parts)}; {self.num_parameters()} parameters)"
