"""The README's promises: its code runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
pytest_plugins = ["pytester"]


def test_readme_taste_prints_what_it_says():
    text = README.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    expected = [line.split("# ")[-1] for line in code.splitlines() if line.startswith("print(")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {})  # our own README, not user input
    assert out.getvalue().split("\n")[: len(expected)] == expected


def test_readme_quick_start_has_exactly_two_commands():
    text = README.read_text()
    block = text.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_readme_plugin_example_passes_as_a_test_file(pytester):
    text = README.read_text()
    block = text.split("## Test your own op", 1)[1].split("```python\n", 1)[1].split("```")[0]
    assert "def test_" in block
    pytester.makepyfile(block)
    pytester.runpytest("-p", "autograd.pytest_plugin").assert_outcomes(passed=2)
