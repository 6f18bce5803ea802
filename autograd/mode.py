"""Grad mode: whether ops record their parents. Per thread and per asyncio task (contextvars),
so one thread's ``no_grad()`` never leaks into another's graph, as in torch.

>>> from autograd import Value
>>> with no_grad():
...     y = Value(2.0) * 3
>>> y.parents, is_grad_enabled()
((), True)

``no_grad()`` and ``enable_grad()`` are also decorators. On a generator, a coroutine or an
async generator function the mode holds while its body runs, each time it is resumed, and not
in the caller between two resumptions (torch's rule):

>>> @no_grad()
... def squares(x):
...     while True:
...         x = x * x
...         yield x
>>> x = Value(2.0)
>>> next(squares(x)).parents, (x * x).parents == (x, x)
((), True)
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["GRAD_MODE", "NUMBER_READS", "GradMode", "enable_grad", "is_grad_enabled", "no_grad"]

# The mode itself; the engine reads it with GRAD_MODE.get() on every op.
GRAD_MODE: ContextVar[bool] = ContextVar("autograd_grad_mode", default=True)
# A watcher of numbers read out of Values (.data, bool(), comparisons, repr, format), called
# with what was read; compile's tracing sets it to refuse reads a replay could not repeat.
NUMBER_READS: ContextVar[Callable[[str], None] | None] = ContextVar(
    "autograd_number_reads", default=None
)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in this thread or task."""
    return GRAD_MODE.get()


class GradMode:
    """Sets the grad mode to ``enabled`` inside a ``with`` block or a decorated function.

    One object may be entered again, after or inside itself: each entry remembers the mode it
    replaced (per thread) and its exit restores that one. Exits set the mode back rather than
    reset a ContextVar token, so a block in an async generator may end in another task than
    it began in.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._saved = threading.local()

    def __enter__(self) -> None:
        stack = self._saved.__dict__.setdefault("stack", [])
        stack.append(GRAD_MODE.get())
        GRAD_MODE.set(self.enabled)

    def __exit__(self, *exc: object) -> None:
        GRAD_MODE.set(self._saved.stack.pop())

    def _run(self, step: Callable[[], T]) -> T:
        """``step()`` under this mode; the previous mode is kept in a local, not the stack."""
        before = GRAD_MODE.get()
        GRAD_MODE.set(self.enabled)
        try:
            return step()
        finally:
            GRAD_MODE.set(before)

    async def _await(self, step: Awaitable[T]) -> T:
        before = GRAD_MODE.get()
        GRAD_MODE.set(self.enabled)
        try:
            return await step
        finally:
            GRAD_MODE.set(before)

    def __call__(self, fn: F) -> F:
        """Decorate ``fn``: its body runs under this mode (see the module's docstring)."""
        if inspect.isasyncgenfunction(fn):
            wrapper: Callable[..., Any] = self._async_generator(fn)
        elif inspect.isgeneratorfunction(fn):
            wrapper = self._generator(fn)
        elif inspect.iscoroutinefunction(fn):

            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                return await self._await(fn(*args, **kwargs))

        else:

            def wrapper(*args: Any, **kwargs: Any) -> Any:
                return self._run(lambda: fn(*args, **kwargs))

        return functools.wraps(fn)(wrapper)  # type: ignore[return-value]

    def _generator(self, fn: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            gen = self._run(lambda: fn(*args, **kwargs))
            send: Callable[[], Any] = functools.partial(gen.send, None)
            while True:
                try:
                    request = self._run(send)
                except StopIteration as stop:
                    return stop.value
                try:
                    response = yield request
                except GeneratorExit:
                    self._run(gen.close)
                    raise
                except BaseException as exc:
                    send = functools.partial(gen.throw, exc)
                else:
                    send = functools.partial(gen.send, response)

        return wrapper

    def _async_generator(self, fn: Callable[..., AsyncGenerator[Any, Any]]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
            agen = self._run(lambda: fn(*args, **kwargs))
            step: Callable[[], Awaitable[Any]] = functools.partial(agen.asend, None)
            while True:
                try:
                    request = await self._await(step())
                except StopAsyncIteration:
                    return
                try:
                    response = yield request
                except GeneratorExit:
                    await self._await(agen.aclose())
                    raise
                except BaseException as exc:
                    step = functools.partial(agen.athrow, exc)
                else:
                    step = functools.partial(agen.asend, response)

        return wrapper


def no_grad() -> GradMode:
    """Inside this block (or decorated function) ops record no parents: results are leaves,
    nothing to backpropagate."""
    return GradMode(False)


def enable_grad() -> GradMode:
    """Inside this block (or decorated function) ops record their parents again, even within
    ``no_grad()``."""
    return GradMode(True)
