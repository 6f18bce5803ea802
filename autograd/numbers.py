"""Checks for numbers handed in as settings: one place for "must be a finite number" and kin.

Each function takes the value and ``what`` (the name the user knows it by, e.g. ``"lr"``),
returns the value as a plain ``float`` or ``int``, and otherwise raises ``ValueError`` with one
line naming ``what`` and the value. ``bool`` is refused everywhere (``True`` is not a learning
rate), as are complex numbers, strings and ``None``.

>>> positive(0.1, "lr")
0.1
>>> count(3, "epochs", low=0)
3
>>> finite(float("nan"), "l2")
Traceback (most recent call last):
    ...
ValueError: l2 must be a finite number, got nan
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["TooLarge", "real", "finite", "positive", "nonnegative", "interval", "count", "shown"]


class TooLarge(OverflowError, ValueError):
    """A number too large for a float: an overflow, and a bad value for a setting."""


def shown(x: Any, limit: int = 40) -> str:
    """``repr(x)`` cut to ``limit`` characters, so a 400-digit number keeps a message one line."""
    text = repr(x).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def real(x: Any, what: str, error: type[Exception] = ValueError) -> float:
    """``x`` as a float if it is a real number (int, float, numpy scalar, Fraction); NaN and
    infinities pass. Refuses bool, complex, str, None (raising ``error``: Value() raises a
    TypeError, as Python does for a wrong type) and ints too large for a float."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or hasattr(x, "parents"):
        raise error(f"{what} must be a number, got {type(x).__name__} {shown(x)}")
    try:
        return float(x)
    except OverflowError:
        raise TooLarge(
            f"{what} must be a finite number, got {shown(x, 30)} (too large for a float)"
        ) from None


def finite(x: Any, what: str) -> float:
    """``x`` as a float if it is a real number that is neither NaN nor infinite."""
    value = real(x, what)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {shown(x)}")
    return value


def positive(x: Any, what: str) -> float:
    """``x`` as a float if it is finite and > 0 (a learning rate, an epsilon)."""
    value = finite(x, what)
    if not value > 0.0:
        raise ValueError(f"{what} must be a finite number > 0, got {shown(x)}")
    return value


def nonnegative(x: Any, what: str) -> float:
    """``x`` as a float if it is finite and >= 0 (a weight decay, a noise level)."""
    value = finite(x, what)
    if not value >= 0.0:
        raise ValueError(f"{what} must be a finite number >= 0, got {shown(x)}")
    return value


def interval(x: Any, what: str, low: float = 0.0, high: float = 1.0) -> float:
    """``x`` as a float if ``low <= x < high`` (a momentum or a beta: in [0, 1))."""
    value = finite(x, what)
    if not low <= value < high:
        raise ValueError(f"{what} must be in [{low:g}, {high:g}), got {shown(x)}")
    return value


def count(x: Any, what: str, low: int = 1) -> int:
    """``x`` as an int if it is an integer (not a float, not a bool) and ``>= low``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{what} must be an int >= {low}, got {shown(x)}")
    value = int(x)
    if value < low:
        raise ValueError(f"{what} must be an int >= {low}, got {shown(x)}")
    return value
