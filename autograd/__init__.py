"""autograd: a scalar autograd engine you can read in one sitting.

``Value`` records every op in a graph; ``backward()`` applies the chain rule over it.
The op table (``autograd.OPS``) holds every primitive's forward and derivative rule.
"""

from __future__ import annotations

from typing import Any

from autograd.check import GradcheckError, gradcheck, numerical_diff, numerical_grad
from autograd.clash import NameClashWarning, check_name_clash
from autograd.compile import Program, compile
from autograd.graph import Step, backward_steps, grad, toposort, zero_grad
from autograd.ops import OPS, Op, register
from autograd.value import Value, affine, apply, is_grad_enabled, no_grad, sum
from autograd.version import __version__

check_name_clash()  # warns once if HIPS autograd shares this environment

__all__ = [
    "OPS",
    "GradcheckError",
    "NameClashWarning",
    "Op",
    "Step",
    "Value",
    "Program",
    "affine",
    "apply",
    "backward_steps",
    "compile",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "numerical_diff",
    "numerical_grad",
    "register",
    "sum",
    "toposort",
    "zero_grad",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # strategies needs hypothesis (a test dependency), so it loads on first use only.
    if name == "strategies":
        import importlib

        return importlib.import_module("autograd.strategies")
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
