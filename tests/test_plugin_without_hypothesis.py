"""The pytest plugin from a plain ``pip install stepgrad``: hypothesis comes with the
``testing`` extra, so without it ``gradcheck(f, inputs)`` still works and what needs
hypothesis says so in one line naming the extra."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TESTS = """
import math

def test_a_formula(gradcheck):
    assert gradcheck(lambda x, y: (x * y).tanh(), [0.5, -2.0], order=2)
    assert gradcheck.examples is None

def test_an_op(gradcheck):
    gradcheck.op("tanh", reference=math.tanh)
"""


def run_without_hypothesis(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest in a child process where ``import hypothesis`` fails as if it were not
    installed (a stand-in package first on the path raises ModuleNotFoundError)."""
    blocker = tmp_path / "blocker" / "hypothesis"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'hypothesis'\", name='hypothesis')\n"
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_user.py").write_text(textwrap.dedent(TESTS))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker.parent), str(ROOT)])}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:hypothesispytest", "-p", "no:cacheprovider",
         "-p", "autograd.pytest_plugin", "-q", "-rA", "--rootdir", str(project), *args,
         str(project)],
        capture_output=True, text=True, cwd=project, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_gradcheck_fixture_works_and_op_names_the_testing_extra(tmp_path):
    done = run_without_hypothesis(tmp_path)
    out = done.stdout
    assert "PASSED test_user.py::test_a_formula" in out, out + done.stderr
    assert "1 failed, 1 passed" in out, out
    assert (
        "ImportError: gradcheck.op draws its inputs with hypothesis, which is not installed: "
        "pip install 'stepgrad[testing]'" in out
    ), out


def test_gradcheck_examples_without_hypothesis_is_a_one_line_usage_error(tmp_path):
    done = run_without_hypothesis(tmp_path, "--gradcheck-examples", "5")
    assert done.returncode == 4  # pytest's usage error
    assert (
        "--gradcheck-examples sets hypothesis's example count, and hypothesis is not "
        "installed: pip install 'stepgrad[testing]'" in done.stderr
    ), done.stderr
    assert "Traceback" not in done.stderr


def test_the_testing_extra_brings_hypothesis():
    tomllib = pytest.importorskip("tomllib")

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert [d.split(">")[0] for d in extras["testing"]] == ["hypothesis"]
