"""Loss functions written in ``autograd.Value`` arithmetic (nn never writes a derivative).

Each takes predictions (Values, or plain numbers) and targets (numbers, or Values, which is
what ``nn.fit(compile=True)`` passes so that a compiled program can be replayed with other
targets) and returns one Value. Formulas below use ``n`` for the number of terms averaged.
A loss checks numbers held by Values through ``autograd.compile.validate`` (never by reading
``.data``), so a compiled program refuses the targets the eager loss refuses, in its words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Value
from autograd.compile import validate
from autograd.numbers import count, finite, nonnegative, real

__all__ = [
    "mse_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "softmax",
    "cross_entropy",
    "hinge_loss",
    "multiclass_svm_loss",
    "l2_penalty",
]


def _value(x: Any, where: str) -> Value:
    if x.__class__ is Value:
        return x
    return Value(real(x, f"{where}: a prediction or target"))


def _is_seq(x: Any) -> bool:
    return not isinstance(x, Value | str) and hasattr(x, "__len__") and hasattr(x, "__getitem__")


def _pairs(preds: Any, targets: Any, where: str) -> list[tuple[Any, Any]]:
    """Match predictions with targets (scalars, or nested rows of equal shape), flattened."""
    if not _is_seq(preds):
        preds = [preds]
        targets = targets if _is_seq(targets) else [targets]
    if not _is_seq(targets):
        raise TypeError(f"{where}: targets must be a list like the predictions, got {targets!r}")
    if len(preds) != len(targets):
        raise ValueError(f"{where}: {len(preds)} predictions but {len(targets)} targets")
    if len(preds) == 0:
        raise ValueError(f"{where}: no predictions (empty input)")
    out: list[tuple[Any, Any]] = []
    for p, t in zip(preds, targets):
        if _is_seq(p):
            out.extend(_pairs(p, t, where))
        else:
            out.append((p, t))
    return out


def _refuse(
    bad: Callable[[np.ndarray], np.ndarray], message: Callable[[int, float], str]
) -> Callable[[np.ndarray], None]:
    """A ``validate`` test: ValueError(message(i, x)) for the first bad number x, at i."""

    def test(xs: np.ndarray) -> None:
        wrong = bad(xs)
        if wrong.any():
            i = int(np.argmax(wrong))
            raise ValueError(message(i, float(xs[i])))

    return test


def _outside_unit(xs: np.ndarray) -> np.ndarray:
    return ~((xs >= 0.0) & (xs <= 1.0))


def _mean(terms: list[Value]) -> Value:
    # sum(...) * (1.0 / n): micrograd's demo averages this way, so our floats match it.
    return autograd.sum(terms) * (1.0 / len(terms))


def _reduce(terms: list[Value], reduction: str, where: str) -> Value:
    if reduction == "mean":
        return _mean(terms)
    if reduction == "sum":
        return autograd.sum(terms)
    if reduction == "half_sum":
        return autograd.sum(terms) * 0.5
    raise ValueError(f"{where}: unknown reduction {reduction!r}; choose mean, sum or half_sum")


def mse_loss(preds: Any, targets: Any, reduction: str = "mean") -> Value:
    """Squared error: mean of (p - t)^2; ``reduction="sum"`` sums it, ``"half_sum"`` is the
    textbook 0.5 * sum((p - t)^2). Rows of several outputs are flattened.

    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    terms = []
    for p, t in _pairs(preds, targets, "mse_loss"):
        d = _value(p, "mse_loss") - _value(t, "mse_loss")
        terms.append(d * d)
    return _reduce(terms, reduction, "mse_loss")


def binary_cross_entropy(probs: Any, targets: Any) -> Value:
    """-mean(t * log(p) + (1 - t) * log(1 - p)) for probabilities p in (0, 1), targets in [0, 1].

    A term whose weight is a plain 0 is skipped, so p = 1 with t = 1 is fine; p = 0 or 1 where
    its log is needed raises ValueError (use ``binary_cross_entropy_with_logits``).

    >>> round(binary_cross_entropy([0.5, 0.9], [1, 1]).data, 6)
    0.399254
    """
    where = "binary_cross_entropy"
    pairs = [(_value(p, where), t) for p, t in _pairs(probs, targets, where)]
    held = [t for _, t in pairs if t.__class__ is Value]
    if held:  # Values (compiled fit): checked now, or at every replay of a traced loss
        validate(held, _refuse(_outside_unit, lambda i, x: f"{where}: target {i} is {x!r}, "
                               "not in [0, 1]"))  # fmt: skip
    terms = []
    for i, (p, t) in enumerate(pairs):
        numeric = t.__class__ is not Value
        if numeric:
            number = real(t, "binary_cross_entropy: a target")
            if not 0.0 <= number <= 1.0:
                raise ValueError(f"{where}: target {i} is {number!r}, not in [0, 1]")
        validate(p, _refuse(_outside_unit, lambda j, x, i=i: f"{where}: probability {i + j} "
                            f"is {x!r}, not in [0, 1]"))  # fmt: skip
        parts = []
        for weight, prob, name in ((t, p, "p"), (1 - t, 1 - p, "1 - p")):
            if numeric and weight == 0:
                continue
            validate(prob, _refuse(lambda xs: xs <= 0.0, lambda j, x, i=i, name=name: (
                f"{where}: log(0) at index {i + j} ({name} = 0); "
                "use binary_cross_entropy_with_logits for saturated outputs")))  # fmt: skip
            parts.append(prob.log() * weight)
        terms.append(-autograd.sum(parts))
    return _mean(terms)


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> Value:
    """binary_cross_entropy(sigmoid(z), t) computed as mean(softplus(z) - t * z).

    softplus(z) = log(1 + e^z) is evaluated stably by the engine, so logits of +-1000 give
    finite losses and gradients (the probability form would take log(0)).

    >>> binary_cross_entropy_with_logits([1000.0, -1000.0], [1, 0]).data
    0.0
    """
    terms = []
    for z, t in _pairs(logits, targets, "binary_cross_entropy_with_logits"):
        z = _value(z, "binary_cross_entropy_with_logits")
        terms.append(z.softplus() - z * t)
    return _mean(terms)


def _logits(logits: Any, where: str) -> list[Value]:
    if not _is_seq(logits):
        raise TypeError(f"{where}: logits must be a list of Values or numbers, got {logits!r}")
    if len(logits) == 0:
        raise ValueError(f"{where}: no logits (empty input)")
    return [_value(z, where) for z in logits]


def _logsumexp(zs: list[Value]) -> Value:
    # log sum_j e^z_j = m + log sum_j e^(z_j - m) with m = max z_j: the largest exponent is
    # e^0 = 1, so nothing overflows and the sum is at least 1 (its log is finite). m is the
    # graph op max (its gradient cancels), so a compiled replay shifts by each input's own max.
    m = autograd.apply("max", *zs)
    return autograd.sum([(z - m).exp() for z in zs]).log() + m


def softmax(logits: Any) -> list[Value]:
    """softmax(z)_i = e^(z_i - m) / sum_j e^(z_j - m), m = max(z): stable for huge logits.

    >>> [round(p.data, 4) for p in softmax([1000.0, 0.0, -1000.0])]
    [1.0, 0.0, 0.0]
    """
    zs = _logits(logits, "softmax")
    m = autograd.apply("max", *zs)  # a graph op, not a constant: see _logsumexp
    es = [(z - m).exp() for z in zs]
    total = autograd.sum(es)
    return [e / total for e in es]


def _class_index(target: Any, k: int, where: str) -> int:
    index = count(target, f"{where}: a target class index", low=0)
    if not index < k:
        raise ValueError(f"{where}: target class {index} is out of range for {k} logits")
    return index


def _indicators(target: Value, k: int, where: str) -> list[Value]:
    """[t == j for j < k] as Values, for a target that is itself a Value holding a class index.

    relu(1 - |t - j|) is exactly 1.0 for j = t and 0.0 otherwise when t is an integer, and it is
    plain arithmetic, so a compiled program replayed with other targets selects other classes.
    """
    return [(1 - (target - j).abs()).relu() for j in range(k)]


def _class_indices(targets: np.ndarray, k: int, where: str) -> None:
    """``_class_index`` for an array of targets: the first bad one, in its words."""
    bad = ~((targets >= 0) & (targets < k) & (targets == np.floor(targets)))
    if bad.any():
        t = float(targets[int(np.argmax(bad))])
        _class_index(int(t) if t.is_integer() else t, k, where)


def _one_sample(logits: Any, target: Any, where: str, loss: Any) -> Value:
    zs = _logits(logits, where)
    if target.__class__ is Value:
        validate(target, lambda ts: _class_indices(ts, len(zs), where))
        return loss(zs, None, _indicators(target, len(zs), where))
    return loss(zs, _class_index(target, len(zs), where), None)


def _per_sample(logits: Any, target: Any, where: str, loss: Any) -> Value:
    if _is_seq(logits) and len(logits) and _is_seq(logits[0]):  # a batch: mean over samples
        if not _is_seq(target):
            raise TypeError(f"{where}: a batch of logits needs a list of targets, got {target!r}")
        if len(logits) != len(target):
            raise ValueError(f"{where}: {len(logits)} samples but {len(target)} targets")
        return _mean([_one_sample(z, t, where, loss) for z, t in zip(logits, target)])
    return _one_sample(logits, target, where, loss)


def _ce(zs: list[Value], y: int | None, ind: list[Value] | None) -> Value:
    picked = zs[y] if ind is None else autograd.sum([i * z for i, z in zip(ind, zs)])
    return _logsumexp(zs) - picked


def cross_entropy(logits: Any, target: Any) -> Value:
    """-log softmax(z)[y] = logsumexp(z) - z_y, for one sample (logits, class index y), or the
    mean over a batch (a list of logit lists and a list of class indices).

    Computed with log-sum-exp, so logits like [1000, 0, -1000] give exact, finite results.

    >>> cross_entropy([1000.0, 0.0, -1000.0], 0).data
    0.0
    >>> round(cross_entropy([[0.0, 0.0], [1000.0, 0.0]], [0, 1]).data, 6)  # (log 2 + 1000) / 2
    500.346574
    """
    return _per_sample(logits, target, "cross_entropy", _ce)


_HINGE_TARGETS = _refuse(
    lambda ts: (ts != 1.0) & (ts != -1.0),
    lambda i, x: f"hinge_loss: targets must be +1 or -1, got {x!r}",
)


def hinge_loss(scores: Any, targets: Any) -> Value:
    """Binary max-margin loss: mean(relu(1 - t * s)) with targets t = +-1.

    The same floats as micrograd's demo, ``(1 + -yi*scorei).relu()`` averaged.

    >>> hinge_loss([Value(2.0), Value(0.5), Value(0.5)], [1, 1, -1]).data
    0.6666666666666666
    """
    terms = []
    for s, t in _pairs(scores, targets, "hinge_loss"):
        if t.__class__ is Value:
            validate(t, _HINGE_TARGETS)
        elif t not in (1, -1):
            raise ValueError(f"hinge_loss: targets must be +1 or -1, got {t!r}")
        terms.append((1 + _value(s, "hinge_loss") * -t).relu())
    return _mean(terms)


def _make_svm(delta: float) -> Any:
    def svm(zs: list[Value], y: int | None, ind: list[Value] | None) -> Value:
        if ind is None:
            margins = [(z - zs[y] + delta).relu() for j, z in enumerate(zs) if j != y]
            return autograd.sum(margins)
        picked = autograd.sum([i * z for i, z in zip(ind, zs)])
        return autograd.sum([(1 - i) * (z - picked + delta).relu() for i, z in zip(ind, zs)])

    return svm


def multiclass_svm_loss(scores: Any, target_index: Any, delta: float = 1.0) -> Value:
    """Multiclass SVM (Weston-Watkins) loss: sum over j != y of max(0, s_j - s_y + delta), for
    one sample, or its mean over a batch like ``cross_entropy``.

    >>> multiclass_svm_loss([3.2, 5.1, -1.7], 0).data
    2.8999999999999995
    """
    margin = nonnegative(delta, "multiclass_svm_loss: delta")
    return _per_sample(scores, target_index, "multiclass_svm_loss", _make_svm(margin))


def l2_penalty(params: Sequence[Value], alpha: float) -> Value:
    """alpha * sum(p^2): weight decay as a loss term (micrograd's demo uses alpha = 1e-4).

    >>> l2_penalty([Value(1.0), Value(-2.0)], 0.5).data
    2.5
    """
    alpha = finite(alpha, "l2_penalty: alpha")
    params = list(params)
    if not params:
        raise ValueError("l2_penalty: no parameters (empty input)")
    for p in params:
        if p.__class__ is not Value:
            raise TypeError(f"l2_penalty: params must be Values, got {type(p).__name__}")
    return autograd.sum([p * p for p in params]) * alpha
