"""``python -m viz``: the main command (see :mod:`viz.cli`); ``stepgrad`` runs the same."""

from __future__ import annotations

import sys

from viz.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
