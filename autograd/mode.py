"""Grad mode: whether ops record their parents. Per thread and per asyncio task (contextvars),
so one thread's ``no_grad()`` never leaks into another's graph, as in torch.

>>> from autograd import Value
>>> with no_grad():
...     y = Value(2.0) * 3
>>> y.parents, is_grad_enabled()
((), True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

__all__ = ["GRAD_MODE", "NUMBER_READS", "enable_grad", "is_grad_enabled", "no_grad"]

# The mode itself; the engine reads it with GRAD_MODE.get() on every op.
GRAD_MODE: ContextVar[bool] = ContextVar("autograd_grad_mode", default=True)
# A watcher of numbers read out of Values (.data, bool(), comparisons, repr, format), called
# with what was read; compile's tracing sets it to refuse reads a replay could not repeat.
NUMBER_READS: ContextVar[Callable[[str], None] | None] = ContextVar(
    "autograd_number_reads", default=None
)


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in this thread or task."""
    return GRAD_MODE.get()


@contextmanager
def _mode(enabled: bool) -> Iterator[None]:
    token = GRAD_MODE.set(enabled)
    try:
        yield
    finally:
        GRAD_MODE.reset(token)


def no_grad() -> AbstractContextManager[None]:
    """Inside this block ops record no parents: results are leaves, nothing to backpropagate."""
    return _mode(False)


def enable_grad() -> AbstractContextManager[None]:
    """Inside this block ops record their parents again, even within ``no_grad()``."""
    return _mode(True)
