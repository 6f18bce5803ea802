"""A guard against HIPS autograd: the other distribution that installs an `autograd` package.

stepgrad's engine is imported as ``autograd``, and so is HIPS autograd (``pip install
autograd``). Installed into one environment, the two write into the same folder: installing
one silently overwrites the other's files, and uninstalling one deletes files the other needs.
At import we look for that other distribution and, if it is there, say so once.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import Distribution

__all__ = ["NameClashWarning", "check_name_clash"]

# The folder names installers write for a distribution called autograd: autograd-1.7.0.dist-info,
# autograd-1.3-py3.8.egg-info, or autograd.egg-info for a legacy develop install.
_METADATA_DIR = re.compile(r"autograd(-[^-]+.*)?\.(dist|egg)-info", re.IGNORECASE)

_warned = False


class NameClashWarning(UserWarning):
    """HIPS autograd is installed in the same environment as stepgrad."""


def _metadata_on_path() -> bool:
    """True if some sys.path folder holds metadata of a distribution named autograd."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, or a folder that does not exist
            continue
        if any(_METADATA_DIR.fullmatch(n) for n in names):
            return True
    return False


def check_name_clash() -> Distribution | None:
    """Warn (once per process) if the HIPS ``autograd`` distribution is installed here.

    Returns that ``importlib.metadata.Distribution``, or None when there is none. Ours is
    named ``stepgrad``, so a distribution named ``autograd`` is always the other project.
    """
    global _warned
    # importlib.metadata costs ~20 ms to import, a quarter of importing autograd; listing the
    # sys.path folders first costs well under 1 ms and answers "no" for nearly everyone.
    if not _metadata_on_path():
        return None
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution("autograd")
    except importlib.metadata.PackageNotFoundError:
        return None
    if not _warned:
        _warned = True
        warnings.warn(
            f"HIPS autograd {dist.version} is installed in this environment and, like stepgrad,"
            " installs the package `autograd`: installing either one overwrites the other's"
            " files and uninstalling either one breaks the other; use a separate virtual"
            " environment for stepgrad (python -m venv)",
            NameClashWarning,
            stacklevel=3,
        )
    return dist
