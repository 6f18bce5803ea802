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


def python_block_after(heading: str) -> str:
    text = README.read_text()
    return text.split(heading, 1)[1].split("```python\n", 1)[1].split("```")[0]


def run_printing(code: str) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {})  # our own README, not user input
    return out.getvalue().splitlines()


def test_readme_taste_trains_with_the_compiled_replay_and_shows_progress(monkeypatch):
    import nn

    calls = []
    fit = nn.fit

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return fit(*args, **kwargs)

    monkeypatch.setattr(nn, "fit", spy)
    run_printing(python_block_after("## A taste"))
    assert [(c.get("compile"), c.get("progress", True)) for c in calls] == [(True, True)]


def test_readme_fit_section_gives_fits_signature():
    import inspect

    import nn

    text = README.read_text().split("## Training with `nn.fit`", 1)[1]
    shown = text.split("```\n", 1)[1].split("```")[0]
    call = " ".join(shown.split())
    written = inspect.signature(nn.fit).replace(return_annotation=inspect.Signature.empty)
    params, star = [], False
    for p in written.parameters.values():
        default = "" if p.default is p.empty else f"={p.default!r}".replace("'", '"')
        if p.kind is p.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        params.append(p.name + default)
    assert call == f"nn.fit({', '.join(params)}) -> nn.History"


def test_readme_fit_example_prints_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it saves iris.json
    code = python_block_after("## Training with `nn.fit`")
    expected = [line.split("# ")[-1] for line in code.splitlines() if line.startswith("print(")]
    assert run_printing(code) == expected
    assert (tmp_path / "iris.json").is_file()


def test_readme_quick_start_says_how_long_the_first_runs_take():
    text = README.read_text().split("## Quick start", 1)[1].split("## A taste")[0]
    assert re.search(r"first `make demo`.*about 20 s of quiet pip", " ".join(text.split()))
    assert re.search(r"`make test`.*a few minutes", " ".join(text.split()))


# Each term the README uses, and the words that explain it at its first use.
TERMS = {
    "replay": "re-run as numpy",
    '`labels="pm1"`': "plus or minus 1",
    "powv": "`x ** y` with a Value",
    "affine": "b + w0*x0",
    "lowers": "translates",
    "kink": "bends",
}


def test_readme_explains_each_term_where_it_first_appears():
    text = " ".join(README.read_text().split())
    for term, explanation in TERMS.items():
        bare = term.strip("`")
        first = re.search(rf"(?<!\w)({re.escape(term)}|{re.escape(bare)})(?!\w)", text).start()
        assert explanation in text[first : first + 250], term


def test_readme_says_what_holds_against_micrograd_and_the_script_prints_it(micrograd):
    import subprocess
    import sys

    text = " ".join(README.read_text().split())
    assert "Bit-for-bit equality with micrograd" not in text
    assert "every step's loss within 1e-14" in text
    script = README.parent / "tests" / "perf" / "parity_micrograd.py"
    assert f"python {script.relative_to(README.parent)}" in text
    done = subprocess.run(
        [sys.executable, str(script), "--steps", "2", "--runs", "2"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    gap = float(re.search(r"over the steps: (\S+)", done.stdout).group(1))
    assert gap < 1e-14
    assert re.search(r"^  ours .*\(1 distinct\)$", done.stdout, re.M)
