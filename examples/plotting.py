"""Plot helpers shared by the example scripts (not an example itself).

Plots are optional: without matplotlib (``pip install -e '.[examples]'``) the scripts still
print their figures. Every plot is saved at ``DPI`` dots per inch, sharp enough for a slide,
and laid out by matplotlib's constrained layout, so titles, labels and legends never overlap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DPI = 160  # for every PNG the examples write, viz's graph picture in backprop_basics too


def pyplot() -> Any:
    """matplotlib.pyplot on the file-only Agg backend, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed, so no plot (pip install -e '.[examples]')")
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def subplots(plt: Any, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """``plt.subplots`` with constrained layout: a figure title never touches the axes' titles."""
    return plt.subplots(*args, layout="constrained", **kwargs)


def save(fig: Any, plt: Any, path: Path) -> str:
    """Write ``fig`` to ``path`` at ``DPI`` (creating its folder), close it, say where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    print(f"plot saved to {path}")
    return str(path)
