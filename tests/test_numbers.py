"""autograd.numbers: the one place settings are checked as numbers."""

import math
from fractions import Fraction

import numpy as np
import pytest

from autograd import numbers


@pytest.mark.parametrize("bad", [True, False, None, "1", 1j, [1.0]])
@pytest.mark.parametrize(
    "check", [numbers.real, numbers.finite, numbers.positive, numbers.nonnegative]
)
def test_non_numbers_and_bools_are_refused_naming_the_setting(check, bad):
    with pytest.raises(ValueError, match=r"^lr must be a (finite )?number"):
        check(bad, "lr")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400])
def test_finite_refuses_nan_inf_and_huge_ints_in_one_line(bad):
    with pytest.raises(ValueError) as e:
        numbers.finite(bad, "l2")
    message = str(e.value)
    assert message.startswith("l2 must be a finite number, got ")
    assert "\n" not in message and len(message) < 90


def test_real_numbers_of_other_types_are_accepted_as_floats():
    assert numbers.finite(np.float32(0.5), "x") == 0.5
    assert numbers.positive(Fraction(1, 4), "x") == 0.25
    assert numbers.real(math.inf, "x") == math.inf
    assert type(numbers.finite(3, "x")) is float


def test_ranges():
    assert numbers.nonnegative(0, "l2") == 0.0
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0"):
        numbers.positive(0, "lr")
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0, got -1"):
        numbers.nonnegative(-1, "l2")
    assert numbers.interval(0.0, "momentum") == 0.0
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.0"):
        numbers.interval(1.0, "momentum")


def test_count_takes_only_integers():
    assert numbers.count(np.int64(3), "epochs") == 3
    assert numbers.count(0, "epochs", low=0) == 0
    for bad in (True, 2.0, "2", None, 0):
        with pytest.raises(ValueError, match="epochs must be an int >= 1"):
            numbers.count(bad, "epochs")
