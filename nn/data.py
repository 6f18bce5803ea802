"""Small classic data sets as plain Python lists, ready for Value code (no numpy, no download).

Every function returns ``(X, y)``: ``X`` a list of rows (each a list of floats), ``y`` a list of
ints, class indices 0..k-1 unless stated otherwise. Generators take ``seed`` (None draws a
fresh random state) and never touch Python's global ``random``.

>>> X, y = make_moons(6, noise=0.0, seed=0)
>>> len(X), len(X[0]), sorted(set(y))
(6, 2, [0, 1])
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from importlib import resources
from typing import Any

from autograd.numbers import count, finite, nonnegative

__all__ = [
    "make_moons",
    "make_blobs",
    "make_spiral",
    "make_xor",
    "load_iris",
    "split",
    "standardize",
    "IRIS_FEATURES",
    "IRIS_CLASSES",
]

Data = tuple[list[list[float]], list[int]]

IRIS_FEATURES = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def _noise(noise: Any, what: str = "noise") -> float:
    return 0.0 if noise is None else nonnegative(noise, what)


def _labels(y: list[int], labels: str) -> list[int]:
    if labels == "index":
        return y
    if labels == "pm1":
        return [2 * c - 1 for c in y]
    raise ValueError(f"labels must be 'index' (0/1) or 'pm1' (-1/+1), got {labels!r}")


def _start(
    n: Any, noise: Any, seed: int | None
) -> tuple[float, random.Random, list[list[float]], list[int]]:
    """A generator's checked size and noise, its random source and empty X and y."""
    count(n, "n")
    return _noise(noise), random.Random(seed), [], []


def _shuffled(X: list[list[float]], y: list[int], rng: random.Random) -> Data:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _linspace(a: float, b: float, n: int) -> list[float]:
    if n == 1:
        return [a]
    return [a + (b - a) * i / (n - 1) for i in range(n)]


def make_moons(
    n: int = 100, noise: float | None = 0.1, seed: int | None = None, labels: str = "index"
) -> Data:
    """Two interleaving half circles (scikit-learn's ``make_moons`` construction), shuffled.

    ``n`` points in 2-D, ``n // 2`` in the upper moon (class 0) and the rest in the lower one
    (class 1), plus Gaussian noise of standard deviation ``noise``. ``labels="pm1"`` gives
    -1/+1 instead of 0/1, the targets of ``hinge_loss`` (micrograd's demo).
    """
    count(n, "n", low=2)
    sigma = _noise(noise)
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_in)]
    y = [0] * n_out + [1] * n_in
    if sigma:
        X = [[a + rng.gauss(0.0, sigma), b + rng.gauss(0.0, sigma)] for a, b in X]
    X, y = _shuffled(X, y, rng)
    return X, _labels(y, labels)


def make_blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 1.0,
    dim: int = 2,
    seed: int | None = None,
) -> Data:
    """Gaussian clusters: ``n`` points split evenly over ``centers`` (a count, with centers
    drawn uniformly in [-10, 10]^dim, or a list of center points), shuffled. Class i is
    the points around center i.
    """
    count(n, "n")
    rng = random.Random(seed)
    if isinstance(centers, int) and not isinstance(centers, bool):
        count(centers, "centers")
        count(dim, "dim")
        points = [[rng.uniform(-10.0, 10.0) for _ in range(dim)] for _ in range(centers)]
    else:
        points = [[float(c) for c in p] for p in centers]
        if not points or len({len(p) for p in points}) != 1:
            raise ValueError("centers must be a count or a non-empty list of equal-length points")
    sd = _noise(std, "std")
    X: list[list[float]] = []
    y: list[int] = []
    for i in range(n):
        k = i % len(points)
        X.append([c + rng.gauss(0.0, sd) for c in points[k]])
        y.append(k)
    return _shuffled(X, y, rng)


def make_spiral(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> Data:
    """Interleaved spiral arms in 2-D (the CS231n toy problem), one arm per class, shuffled.

    Arm j has radius r from 0 to 1 at angle 4 j + 4 r (radians) plus Gaussian noise of
    standard deviation ``noise`` on the angle; ``n`` points are split evenly over the arms.
    """
    count(classes, "classes")
    sigma, rng, X, y = _start(n, noise, seed)
    for j in range(classes):
        m = n // classes + (1 if j < n % classes else 0)
        for r in _linspace(0.0, 1.0, m) if m else []:
            t = 4.0 * j + 4.0 * r + (rng.gauss(0.0, sigma) if sigma else 0.0)
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(j)
    return _shuffled(X, y, rng)


def make_xor(
    n: int = 100, noise: float | None = 0.0, seed: int | None = None, labels: str = "index"
) -> Data:
    """Points uniform in [-1, 1]^2, class 1 where x0 and x1 have opposite signs (XOR), else 0;
    then Gaussian noise of standard deviation ``noise`` on the positions. ``labels="pm1"``
    gives -1/+1.
    """
    sigma, rng, X, y = _start(n, noise, seed)
    for _ in range(n):
        a, b = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        y.append(int((a > 0) != (b > 0)))
        if sigma:
            a, b = a + rng.gauss(0.0, sigma), b + rng.gauss(0.0, sigma)
        X.append([a, b])
    return X, _labels(y, labels)


def load_iris() -> Data:
    """Fisher's iris data (150 rows, 50 per class), read from a CSV shipped in the package.

    Columns of ``X``: ``IRIS_FEATURES`` (centimetres); ``y``: 0 setosa, 1 versicolor,
    2 virginica (``IRIS_CLASSES``). Rows are in the file's order, sorted by class.

    >>> X, y = load_iris()
    >>> len(X), X[0], y[0], y[-1]
    (150, [5.1, 3.5, 1.4, 0.2], 0, 2)
    """
    text = resources.files("nn").joinpath("datasets", "iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    if tuple(rows[0]) != IRIS_FEATURES + ("species",):
        raise ValueError(f"iris.csv: unexpected header {rows[0]!r}")
    X = [[float(v) for v in r[:4]] for r in rows[1:]]
    y = [IRIS_CLASSES.index(r[4]) for r in rows[1:]]
    return X, y


def split(
    X: Sequence[Any], y: Sequence[Any], test_fraction: float = 0.25, seed: int | None = None
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Shuffle and split into ``(X_train, y_train, X_test, y_test)``, holding out a share of
    each class (stratified), so a held-out accuracy is fair for sorted data such as iris.

    >>> Xtr, ytr, Xte, yte = split([[0.0]] * 8, [0, 0, 0, 0, 1, 1, 1, 1], 0.25, seed=0)
    >>> len(Xtr), len(Xte), sorted(yte)
    (6, 2, [0, 1])
    """
    if len(X) != len(y):
        raise ValueError(f"split: {len(X)} rows but {len(y)} labels")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"split: test_fraction must be in (0, 1), got {test_fraction!r}")
    rng = random.Random(seed)
    by_class: dict[Any, list[int]] = {}
    for i, label in enumerate(y):
        by_class.setdefault(label, []).append(i)
    train: list[int] = []
    test: list[int] = []
    for indices in by_class.values():
        rng.shuffle(indices)
        k = round(len(indices) * test_fraction)
        test += indices[:k]
        train += indices[k:]
    rng.shuffle(train)
    rng.shuffle(test)
    return [X[i] for i in train], [y[i] for i in train], [X[i] for i in test], [y[i] for i in test]


def standardize(
    X: Sequence[Sequence[float]], *others: Sequence[Sequence[float]]
) -> list[list[list[float]]]:
    """Scale each column to mean 0 and standard deviation 1 using the statistics of ``X``;
    apply the same scaling to ``others`` (e.g. a test set). Returns ``[X', *others']``.

    >>> standardize([[1.0], [3.0]], [[5.0]])
    [[[-1.0], [1.0]], [[3.0]]]
    """
    if not X:
        raise ValueError("standardize: X is empty")
    cols = len(X[0])
    for which, data in enumerate((X, *others)):
        name = "X" if which == 0 else f"data set {which + 1}"
        for i, row in enumerate(data):
            if len(row) != cols:
                raise ValueError(
                    f"standardize: row {i} of {name} has {len(row)} columns, X[0] has {cols}"
                )
            for v in row:
                finite(v, f"standardize: a value in row {i} of {name}")
    n = len(X)
    mean = [sum(row[j] for row in X) / n for j in range(cols)]
    std = [math.sqrt(sum((row[j] - mean[j]) ** 2 for row in X) / n) or 1.0 for j in range(cols)]
    return [
        [[(row[j] - mean[j]) / std[j] for j in range(cols)] for row in data]
        for data in (X, *others)
    ]
