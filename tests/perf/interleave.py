"""Interleaved timing: engines run round by round (A B A B ...), compared round by round.

A *unit* is a callable that does its own untimed setup and returns the seconds of its timed
part, so a unit may time a whole build + backward + free, or ``backward()`` alone. Running the
engines in turn within each round means a slow spell of a shared machine lands on both, and the
ratio of one round's two times cancels it; the median of those ratios, with their min..max, is
the figure to quote.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

Unit = Callable[[], float]


@dataclass
class Spread:
    """Median and range of a list of numbers."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, xs: list[float]) -> Spread:
        return cls(statistics.median(xs), min(xs), max(xs))

    def show(self, scale: float = 1.0, fmt: str = ".1f", unit: str = "") -> str:
        m, lo, hi = (format(x * scale, fmt) for x in (self.median, self.low, self.high))
        return f"{m}{unit} ({lo}..{hi})"


def timed(step: Callable[[], object], collect: bool = True) -> Unit:
    """A unit timing ``step()`` and, with ``collect``, the ``gc.collect()`` that frees what it
    left behind (so each engine pays for its own garbage; without it the collection runs after
    the clock stops, so the next unit does not pay for it either).

    ``step`` must drop its graph before returning (return nothing that holds it).
    """

    def unit() -> float:
        t0 = time.perf_counter()
        step()
        if collect:
            gc.collect()
        elapsed = time.perf_counter() - t0
        if not collect:
            gc.collect()
        return elapsed

    return unit


def settle() -> None:
    """Collect, then freeze what survives, so setup objects are never scanned while timing."""
    gc.collect()
    gc.freeze()


def interleave(units: list[Unit], rounds: int, warmup: int = 1) -> list[list[float]]:
    """Times per unit: each round runs every unit once, in the order given (A B A B ...).

    ``warmup`` untimed rounds come first (caches, lazy imports, first allocations).
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds!r}")
    for _ in range(warmup):
        for unit in units:
            unit()
    settle()
    times: list[list[float]] = [[] for _ in units]
    for _ in range(rounds):
        for unit, ts in zip(units, times):
            ts.append(unit())
    return times


def ratios(theirs: list[float], ours: list[float]) -> list[float]:
    """Same-round ratios theirs / ours (> 1 means ours is faster)."""
    return [t / o for t, o in zip(theirs, ours)]
