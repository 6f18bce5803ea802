"""What ``fit`` shows while it trains: a tqdm bar on a terminal or in Jupyter (where it also
leaves a final plain line, which a saved notebook keeps), and about ten plain lines in a log."""

from __future__ import annotations

import math
import sys
from typing import Any

__all__ = ["PROGRESS_LINES", "progress"]

PROGRESS_LINES = 10  # about this many lines per run when stderr is not a terminal


class _NoBar:
    shows = False  # no one reads the loss and metrics: fit need not format them

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _line(done: int, epochs: int, shown: dict[str, str]) -> str:
    values = " ".join(f"{k}={v}" for k, v in shown.items())
    return f"fit: epoch {done}/{epochs} {values}"


class _Lines:
    """Progress for a log file or a pipe: one plain line every ``every`` epochs and one for the
    last epoch, instead of a bar's carriage-return frames."""

    shows = True

    def __init__(self, epochs: int, stream: Any) -> None:
        self.epochs = epochs
        self.every = max(1, math.ceil(epochs / PROGRESS_LINES))
        self.stream = stream
        self.done = 0
        self.shown: dict[str, str] = {}

    def set_postfix(self, shown: dict[str, str], refresh: bool = False) -> None:
        self.shown = shown

    def update(self, n: int) -> None:
        self.done += n
        if self.done % self.every == 0 or self.done == self.epochs:
            print(_line(self.done, self.epochs, self.shown), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class _Notebook:
    """tqdm's widget bar, and one plain line when it closes: a saved notebook (and its HTML
    export) keeps only the widget's first text, ``fit: 0%|``, but keeps printed lines."""

    shows = True

    def __init__(self, bar: Any, epochs: int, stream: Any) -> None:
        self.bar = bar
        self.epochs = epochs
        self.stream = stream
        self.done = 0
        self.shown: dict[str, str] = {}

    def set_postfix(self, shown: dict[str, str], refresh: bool = False) -> None:
        self.shown = shown
        self.bar.set_postfix(shown, refresh=refresh)

    def update(self, n: int) -> None:
        self.done += n
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()
        print(_line(self.done, self.epochs, self.shown), file=self.stream, flush=True)


def progress(epochs: int, show: bool) -> Any:
    """A tqdm bar (a widget in Jupyter) when someone watches; plain lines in a log."""
    if not show:
        return _NoBar()
    from tqdm import auto

    # In Jupyter tqdm.auto's class derives from tqdm.notebook's widget bar (stderr is no tty).
    notebook = any(c.__module__ == "tqdm.notebook" for c in auto.tqdm.__mro__)
    stream = sys.stderr
    if notebook:
        return _Notebook(auto.tqdm(total=epochs, desc="fit", unit="epoch"), epochs, stream)
    if stream is not None and stream.isatty():
        bar = auto.tqdm(total=epochs, desc="fit", unit="epoch")
        bar.shows = True
        return bar
    return _Lines(epochs, stream)
