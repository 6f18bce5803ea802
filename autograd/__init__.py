"""autograd: a scalar autograd engine you can read in one sitting.

``Value`` records every op in a graph; ``backward()`` applies the chain rule over it.
The op table (``autograd.OPS``) holds one row per primitive: its forward and derivative rules,
numpy kernel, domain, the names it backs and the words used to draw it. Every row with a
method is also a function here: ``autograd.sin(x)``, ``autograd.max(a, b, c)``.
"""

from __future__ import annotations

from typing import Any

from autograd.check import GradcheckError, gradcheck, numerical_diff, numerical_grad
from autograd.clash import NameClashWarning, check_name_clash
from autograd.compile import BatchProgram, Program, ProgramCache, TraceError, compile
from autograd.functional import grad, hessian, jacobian, jvp, value_and_grad
from autograd.graph import Step, backward, backward_steps, reverse, toposort, zero_grad
from autograd.mode import enable_grad, is_grad_enabled, no_grad
from autograd.ops import OPS, Limit, Op
from autograd.registry import FUNCTIONS, affine, register, sum, unregister
from autograd.value import Value, apply
from autograd.version import __version__

check_name_clash()  # warns once if HIPS autograd shares this environment

__all__ = [
    "OPS",
    "BatchProgram",
    "GradcheckError",
    "Limit",
    "NameClashWarning",
    "Op",
    "Program",
    "ProgramCache",
    "Step",
    "TraceError",
    "Value",
    "affine",
    "apply",
    "backward",
    "backward_steps",
    "compile",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "no_grad",
    "numerical_diff",
    "numerical_grad",
    "register",
    "reverse",
    "sum",
    "toposort",
    "unregister",
    "value_and_grad",
    "zero_grad",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # strategies and testing need hypothesis (a test dependency), so they load on first use.
    if name in ("strategies", "testing"):
        import importlib

        return importlib.import_module(f"autograd.{name}")
    # autograd.sin, autograd.max, ...: one function per row with a method, made from the row
    function = FUNCTIONS.get(name)
    if function is not None:
        return function
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
