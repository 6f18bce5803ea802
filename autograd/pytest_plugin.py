"""pytest plugin (entry point ``pytest11``): a ``gradcheck`` fixture and ``--gradcheck-examples``.

``--gradcheck-examples N`` sets hypothesis's ``max_examples`` to N for every property test that
does not pin its own count, and for :func:`autograd.testing.check_op`; raise it for a long
hunt, lower it for a quick run. The ``gradcheck`` fixture checks a function (``gradcheck(f,
inputs)``) or a registered op (``gradcheck.op("sin", reference=math.sin)``).

Active once the package is installed; load it by hand with ``pytest -p autograd.pytest_plugin``.
``gradcheck(f, inputs)`` works with the package alone; ``gradcheck.op`` and
``--gradcheck-examples`` draw their inputs with hypothesis, from the ``testing`` extra
(``pip install 'stepgrad[testing]'``), and without it say so in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

PROFILE = "gradcheck-examples"
EXTRA = "pip install 'stepgrad[testing]'"


def _without_hypothesis(err: ImportError) -> bool:
    return (err.name or "").partition(".")[0] == "hypothesis"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck", "gradient checks (autograd.testing)")
    group.addoption(
        "--gradcheck-examples",
        type=int,
        default=None,
        metavar="N",
        help="hypothesis max_examples for every property test and check_op",
    )


def pytest_configure(config: pytest.Config) -> None:
    n = config.getoption("gradcheck_examples")
    if n is None:
        return
    if n < 1:
        raise pytest.UsageError(f"--gradcheck-examples must be >= 1, got {n}")
    try:
        from hypothesis import settings
    except ImportError as err:
        if not _without_hypothesis(err):
            raise
        raise pytest.UsageError(
            f"--gradcheck-examples sets hypothesis's example count, and hypothesis is not "
            f"installed: {EXTRA}"
        ) from None

    # Built on the profile loaded so far (conftest's, or hypothesis's default), count replaced.
    settings.register_profile(PROFILE, parent=settings.default, max_examples=n)
    settings.load_profile(PROFILE)


class Gradcheck:
    """What the ``gradcheck`` fixture gives: call it like :func:`autograd.gradcheck`, or use
    :meth:`op` for :func:`autograd.testing.check_op`; ``examples`` is the budget in force
    (None without hypothesis)."""

    def __init__(self, examples: int | None) -> None:
        self.examples = examples

    def __call__(self, f: Callable[..., Any], inputs: Sequence[float], **options: Any) -> bool:
        from autograd.check import gradcheck

        return gradcheck(f, inputs, **options)

    def op(self, name: str, **options: Any) -> None:
        try:
            from autograd.testing import check_op
        except ImportError as err:
            if not _without_hypothesis(err):
                raise
            raise ImportError(
                f"gradcheck.op draws its inputs with hypothesis, which is not installed: {EXTRA}"
            ) from None
        if self.examples is not None:
            options.setdefault("max_examples", self.examples)
        check_op(name, **options)


@pytest.fixture
def gradcheck() -> Gradcheck:
    """Check gradients in a test: ``gradcheck(f, [0.5, 2.0], order=2)``,
    ``gradcheck.op("sin", reference=math.sin)``."""
    try:
        from hypothesis import settings
    except ImportError as err:
        if not _without_hypothesis(err):
            raise
        return Gradcheck(None)
    return Gradcheck(settings.default.max_examples)
