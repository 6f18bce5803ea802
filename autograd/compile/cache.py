"""Programs kept between calls: on a model, say, so that a second ``fit`` traces nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from autograd.value import Value

__all__ = ["ProgramCache"]


class ProgramCache:
    """Compiled programs kept between calls (on a model, say), rebuilt when what they read
    changes: an entry is reused only while the parameter Values it was built for are the
    same objects, in the same order and number (a layer added or replaced rebuilds it).

    >>> from autograd import Value, compile
    >>> w = Value(3.0)
    >>> cache = ProgramCache()
    >>> build = lambda: compile(lambda x: w * x, 0.0, batch=True)
    >>> p1 = cache.get("loss", [w], build)
    >>> cache.get("loss", [w], build) is p1
    True
    >>> cache.get("loss", [w, Value(1.0)], build) is p1  # other parameters: a new program
    False
    """

    def __init__(self) -> None:
        self._entries: dict[Any, tuple[tuple[Value, ...], Any]] = {}
        self._lock = threading.RLock()  # two threads asking at once build once

    def get(self, key: Any, params: Any, build: Callable[[], Any]) -> Any:
        """The program stored under ``key`` for exactly these ``params``, else ``build()``'s
        (stored). ``key`` names everything else the program depends on (loss, shapes, l2)."""
        ps = tuple(params)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and len(entry[0]) == len(ps) and entry[0] == ps:
                return entry[1]
            prog = build()
            self._entries[key] = (ps, prog)
            return prog

    def clear(self) -> None:
        """Forget every program (the next ``get`` traces and compiles again)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
