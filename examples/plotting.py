"""Plot helpers shared by the example scripts (not an example itself).

Plots are optional: without matplotlib (``pip install -e '.[examples]'``) the scripts still
print their figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


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


def save(fig: Any, plt: Any, path: Path) -> str:
    """Write ``fig`` to ``path`` (creating its folder), close it, and say where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"plot saved to {path}")
    return str(path)
