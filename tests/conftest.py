"""Shared test set-up: hypothesis profiles, and fixtures for optional tools.

Outside CI a test whose tool is missing (the graphviz ``dot`` binary, Chromium, torch,
micrograd) skips with a reason that says how to install it; with CI=true it fails instead,
so CI can never pass by skipping.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# "ci" keeps property tests quick on a 2-core machine; "dev" lets a developer raise the count:
#   HYPOTHESIS_MAX_EXAMPLES=2000 make test
settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "dev",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "dev"))


def _missing(what: str, how: str) -> None:
    message = f"{what} is not available: {how}"
    if IN_CI:
        pytest.fail(f"CI must run this test, but {message}")
    pytest.skip(message)


@pytest.fixture
def dot() -> str:
    """Path of graphviz's ``dot`` binary."""
    path = shutil.which("dot")
    if path is None:
        _missing(
            "the graphviz `dot` binary",
            "install graphviz (apt-get install graphviz, brew install graphviz, "
            "or https://graphviz.org/download/)",
        )
    return path


@pytest.fixture
def chromium() -> str:
    """Path of a Chromium binary for browser tests."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    _missing("Chromium", "install it (apt-get install chromium chromium-driver)")
    raise AssertionError("unreachable")


def _module(name: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        _missing(f"the {name!r} package", f"pip install -e '.[{extra}]'")
        raise


@pytest.fixture
def torch() -> ModuleType:
    """PyTorch, from the ``torch`` extra."""
    return _module("torch", "torch")


@pytest.fixture
def micrograd() -> ModuleType:
    """micrograd 0.1.0, from the ``bench`` extra."""
    return _module("micrograd", "bench")


@pytest.fixture
def toy_row():
    """``toy_row(Op(...))`` registers a row for one test and takes it out again afterwards."""
    import autograd

    names = []

    def add(op):
        names.append(op.name)
        return autograd.register(op)

    yield add
    for name in names:
        if name in autograd.OPS:
            autograd.unregister(name)


@pytest.fixture
def chain_of():
    """``chain_of(n)``: x * 1.0001 * 1.0001 ... with n multiplications (n + 1 nodes)."""
    from autograd import Value

    def build(n):
        out = Value(0.5, "x")
        for _ in range(n):
            out = out * 1.0001
        return out

    return build
