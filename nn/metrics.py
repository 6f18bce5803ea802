"""Metrics ``fit`` records per epoch: ``accuracy``, or any ``f(predictions, targets)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import Value
from autograd.numbers import shown

__all__ = ["METRICS", "accuracy", "metric_functions"]


def _float(x: Any) -> float:
    return x.data if x.__class__ is Value else float(x)


def accuracy(preds: Sequence[Any], targets: Sequence[Any], threshold: float = 0.0) -> float:
    """Share of correct predictions, for the two usual shapes of output:

    - one score per sample: correct when ``score > threshold`` agrees with ``target > 0``
      (targets +-1, or 0/1; use ``threshold=0.5`` for probabilities);
    - a list of scores per sample: correct when the argmax is the target class index (or the
      argmax of a one-hot target vector).

    Numpy arrays (as compiled ``fit`` has them) are counted in one pass.

    >>> accuracy([2.0, -0.5, 0.3], [1, -1, -1])
    0.6666666666666666
    >>> accuracy([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1]], [1, 2])
    0.5
    """
    if len(preds) != len(targets):
        raise ValueError(f"accuracy: {len(preds)} predictions but {len(targets)} targets")
    if len(preds) == 0:
        raise ValueError("accuracy: no predictions (empty input)")
    if isinstance(preds, np.ndarray) and isinstance(targets, np.ndarray):
        return _accuracy_of_arrays(preds, targets, threshold)
    correct = 0
    for p, t in zip(preds, targets):
        if isinstance(p, list | tuple):
            scores = [_float(s) for s in p]
            if isinstance(t, list | tuple):  # a one-hot (or score) vector: compare argmaxes
                ts = [_float(v) for v in t]
                correct += scores.index(max(scores)) == ts.index(max(ts))
            else:
                target = _float(t)
                if not target.is_integer():
                    raise ValueError(f"accuracy: target class {shown(t)} is not an integer")
                correct += scores.index(max(scores)) == int(target)
        else:
            correct += (_float(p) > threshold) == (_float(t) > 0)
    return correct / len(preds)


def _accuracy_of_arrays(preds: np.ndarray, targets: np.ndarray, threshold: float) -> float:
    if preds.ndim == 1:
        return float(np.count_nonzero((preds > threshold) == (targets > 0))) / len(preds)
    if targets.ndim == 2:
        return float(np.count_nonzero(preds.argmax(1) == targets.argmax(1))) / len(preds)
    whole = targets == np.floor(targets)
    if not whole.all():
        bad = targets[int(np.argmin(whole))]
        raise ValueError(f"accuracy: target class {shown(float(bad))} is not an integer")
    return float(np.count_nonzero(preds.argmax(1) == targets)) / len(preds)


METRICS: dict[str, Callable[[Sequence[Any], Sequence[Any]], float]] = {"accuracy": accuracy}


def metric_functions(metrics: Any) -> dict[str, Callable[[Sequence[Any], Sequence[Any]], float]]:
    if metrics is None:
        return {}
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; choose {', '.join(METRICS)} or a function")
            out[m] = METRICS[m]
        elif callable(m):
            out[getattr(m, "__name__", "metric")] = m
        else:
            raise TypeError(f"a metric is a name or a function(preds, targets), got {m!r}")
    return out
