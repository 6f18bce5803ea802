"""nn.data: shapes, labels, reproducibility, geometry of each generator, the shipped iris CSV."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from nn import data


def test_make_moons_shape_labels_and_geometry():
    X, y = data.make_moons(101, noise=0.0, seed=0)
    assert len(X) == len(y) == 101 and all(len(row) == 2 for row in X)
    assert Counter(y) == {0: 50, 1: 51}
    for (a, b), c in zip(X, y):
        if c == 0:  # upper moon: unit circle centred at (0, 0), upper half
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: unit circle centred at (1, 0.5), lower half
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_make_moons_is_shuffled_and_pm1_labels():
    X, y = data.make_moons(100, seed=3)
    assert y[:50] != [0] * 50
    X2, y2 = data.make_moons(100, seed=3, labels="pm1")
    assert X2 == X and y2 == [2 * c - 1 for c in y]
    assert set(y2) == {-1, 1}


def test_make_moons_noise_has_the_requested_spread():
    X1, _ = data.make_moons(2000, noise=0.1, seed=1)
    radial = []
    for a, b in X1:
        r_upper = abs(math.hypot(a, b) - 1.0)
        r_lower = abs(math.hypot(a - 1.0, b - 0.5) - 1.0)
        radial.append(min(r_upper, r_lower))
    assert 0.03 < sum(radial) / len(radial) < 0.12  # mean |N(0, 0.1)| radial offset ~ 0.08


@pytest.mark.parametrize(
    "make",
    [
        lambda s: data.make_moons(50, seed=s),
        lambda s: data.make_blobs(50, seed=s),
        lambda s: data.make_spiral(60, seed=s),
        lambda s: data.make_xor(50, noise=0.1, seed=s),
    ],
)
def test_generators_are_reproducible_with_a_seed_and_leave_global_random_alone(make):
    random.seed(5)
    before = random.random()
    random.seed(5)
    a = make(1)
    assert random.random() == before
    assert make(1) == a
    assert make(2) != a


def test_make_blobs_points_sit_around_their_centers():
    centers = [[-5.0, 0.0], [5.0, 0.0], [0.0, 8.0]]
    X, y = data.make_blobs(300, centers=centers, std=0.5, seed=0)
    assert Counter(y) == {0: 100, 1: 100, 2: 100}
    for k, c in enumerate(centers):
        pts = [x for x, label in zip(X, y) if label == k]
        mean = [sum(p[j] for p in pts) / len(pts) for j in range(2)]
        assert mean == pytest.approx(c, abs=0.15)
        assert max(math.dist(p, c) for p in pts) < 3.0


def test_make_blobs_random_centers_and_dimension():
    X, y = data.make_blobs(40, centers=4, dim=3, seed=0)
    assert len(X) == 40 and all(len(r) == 3 for r in X) and set(y) == {0, 1, 2, 3}


def test_make_spiral_arms():
    X, y = data.make_spiral(300, classes=3, noise=0.0, seed=0)
    assert Counter(y) == {0: 100, 1: 100, 2: 100}
    assert all(math.hypot(a, b) <= 1.0 + 1e-12 for a, b in X)
    # without noise each point lies on its arm: angle = 4 j + 4 r (mod 2 pi)
    for (a, b), j in zip(X, y):
        r = math.hypot(a, b)
        if r > 1e-9:
            t = math.atan2(a, b)  # x = r sin t, y = r cos t
            diff = (t - (4 * j + 4 * r)) % (2 * math.pi)
            assert min(diff, 2 * math.pi - diff) < 1e-9


def test_make_xor_labels_follow_the_quadrants():
    X, y = data.make_xor(200, seed=0)
    assert all(c == int((a > 0) != (b > 0)) for (a, b), c in zip(X, y))
    assert all(-1 <= v <= 1 for row in X for v in row)
    assert 60 < sum(y) < 140
    _, ypm = data.make_xor(200, seed=0, labels="pm1")
    assert ypm == [2 * c - 1 for c in y]


def test_load_iris():
    X, y = data.load_iris()
    assert len(X) == len(y) == 150 and all(len(r) == 4 for r in X)
    assert Counter(y) == {0: 50, 1: 50, 2: 50}
    # Fisher's table: column means and the first and last rows
    means = [sum(r[j] for r in X) / 150 for j in range(4)]
    assert means == pytest.approx([5.8433, 3.0573, 3.758, 1.1993], abs=1e-3)
    assert X[0] == [5.1, 3.5, 1.4, 0.2] and X[-1] == [5.9, 3.0, 5.1, 1.8]
    # setosa is separable by petal length alone
    assert max(r[2] for r, c in zip(X, y) if c == 0) < min(r[2] for r, c in zip(X, y) if c > 0)


def test_split_is_stratified_and_disjoint():
    X, y = data.load_iris()
    Xtr, ytr, Xte, yte = data.split(X, y, test_fraction=0.2, seed=0)
    assert Counter(yte) == {0: 10, 1: 10, 2: 10}
    assert len(Xtr) == 120
    rows = Counter(map(tuple, Xtr)) + Counter(map(tuple, Xte))
    assert rows == Counter(map(tuple, X))
    assert data.split(X, y, 0.2, seed=0) == (Xtr, ytr, Xte, yte)


def test_standardize_uses_training_statistics():
    train, test = data.standardize([[1.0, 10.0], [3.0, 10.0]], [[2.0, 12.0]])
    assert train == [[-1.0, 0.0], [1.0, 0.0]]  # a constant column is only centred
    assert test == [[0.0, 2.0]]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: data.make_moons(1), "n must be an int >= 2"),
        (lambda: data.make_moons(10, noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: data.make_moons(10, labels="01"), "labels must be 'index'"),
        (lambda: data.make_blobs(10, centers=[]), "centers must be"),
        (lambda: data.make_spiral(10, classes=0), "classes must be an int >= 1"),
        (lambda: data.split([[1.0]], [0, 1]), "1 rows but 2 labels"),
        (lambda: data.split([[1.0]], [0], test_fraction=1.0), "test_fraction"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    "X, others, match",
    [
        ([[1, 2], [3, 4]], ([[1, 2, 99]],), "row 0 of data set 2 has 3 columns, X\\[0\\] has 2"),
        ([[1, 2], [3]], (), "row 1 of X has 1 columns, X\\[0\\] has 2"),
        ([[1, 2], [3, float("nan")]], (), "a value in row 1 of X must be a finite number"),
        ([[1, 2], [3, "4"]], (), "a value in row 1 of X must be a number"),
    ],
)
def test_standardize_refuses_ragged_or_non_numeric_rows(X, others, match):
    with pytest.raises(ValueError, match=match):
        data.standardize(X, *others)
