"""python -m viz: the main command's output, refusals, evaluation errors and files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from viz_pages import chain_rule, page_data

from autograd import Value
from viz.__main__ import main
from viz.notation import fmt

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def gradients(out: str) -> dict[str, str]:
    """The `dNAME = value` lines under `gradients:`."""
    block = out.split("\ngradients:\n", 1)[1].split("\n\n", 1)[0]
    pairs = [line.strip().split(" = ") for line in block.splitlines() if " = " in line]
    return {name: value for name, value in pairs}


def test_classic_example_with_no_arguments(capsys, tmp_path, dot):
    code, out, err = run(capsys, "--out", str(tmp_path))
    assert code == 0 and err == ""
    assert "value: out = -12" in out
    assert gradients(out) == {"dx": "-4", "dy": "-4", "dz": "3"}
    for line in (
        "q = x + y = -2 + 5 = 3",
        "dq = dout * z = 1 * (-4) = -4",
        "dz = dout * q = 1 * 3 = 3",
        "dx = dq * 1 = -4 * 1 = -4",
        "dy = dq * 1 = -4 * 1 = -4",
    ):
        assert line in out
    assert f"wrote {tmp_path / 'graph.svg'}" in out
    assert f"wrote {tmp_path / 'stepper.html'}" in out
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")
    data = page_data((tmp_path / "stepper.html").read_text())
    assert "dq = dout * z = 1 * (-4) = -4" in chain_rule(data)


def test_default_out_dir_is_viz_out_in_the_current_directory(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "--format", "dot", "--no-html")
    assert code == 0 and (tmp_path / "viz-out" / "graph.dot").exists()
    assert "wrote viz-out/graph.dot" in out.replace(os.sep, "/")


def test_table_has_one_row_per_step(capsys, tmp_path):
    code, out, _ = run(capsys, "--out", str(tmp_path), "--format", "dot", "--no-html")
    table = out.split("backward pass", 1)[1].split("\ngradients:")[0]
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    assert [r[:3] for r in rows if r[0].isdigit()] == [["1", "out", "1"], ["2", "q", "-4"]]


def test_names_alone_change_the_classic_inputs(capsys, tmp_path):
    code, out, _ = run(capsys, "x=1", "z=2", "--out", str(tmp_path), "--format", "dot")
    assert code == 0
    assert "value: out = 12" in out
    assert gradients(out) == {"dx": "2", "dy": "2", "dz": "6"}


def test_an_expression_with_values(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "tanh(a * b + c)",
        "a=0.5",
        "b=-1",
        "c=2",
        "--out",
        str(tmp_path),
        "--no-html",
        "--format",
        "dot",
    )
    a, b, c = Value(0.5, "a"), Value(-1.0, "b"), Value(2.0, "c")
    f = (a * b + c).tanh()
    f.backward()
    assert code == 0
    assert f"value: out = {fmt(f.data)}" in out
    assert gradients(out) == {"da": fmt(a.grad), "db": fmt(b.grad), "dc": fmt(c.grad)}


def test_an_expression_starting_with_minus_is_not_an_option(capsys, tmp_path):
    code, out, _ = run(capsys, "-x * y", "x=3", "y=2", "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and "value: out = -6" in out
    assert gradients(out) == {"dx": "-2", "dy": "-3"}


def test_options_may_come_between_values(capsys, tmp_path):
    code, out, _ = run(capsys, "x * y", "--out", str(tmp_path), "x=3", "--no-html", "y=2")
    assert code == 0 and "value: out = 6" in out


def test_a_repeated_name_is_one_input(capsys, tmp_path):
    code, out, _ = run(capsys, "x * x * x", "x=2", "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and gradients(out) == {"dx": "12"}
    assert "(now" in out  # the second contribution to dx is shown as +=


def test_constants_only(capsys, tmp_path):
    code, out, _ = run(capsys, "2 * 3 + 1", "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and "value: out = 7" in out and "no named inputs" in out


def test_a_bare_input(capsys, tmp_path):
    code, out, _ = run(capsys, "x", "x=4", "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and "value: x = 4" in out and gradients(out) == {"dx": "1"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["x.real", "x=1"], "attribute access not allowed (col 1: 'x.real')"),
        (["x + y[0]", "x=1", "y=1"], "subscripts not allowed (col 5: 'y[0]')"),
        (["(lambda: 1)()"], "only calls of a function by name"),
        (["[a for a in b]"], "comprehensions"),
        (["x + 's'", "x=1"], "strings are not allowed (col 5"),
        (["open(x)", "x=1"], "unknown function 'open'"),
        (["__import__('os')"], "unknown function '__import__'"),
        (["x + tanh", "x=1"], "tanh is a function"),
        (["x // 2", "x=1"], "the operator // is not allowed"),
        (["x ^ 2", "x=1"], "the operator ^ is not allowed (for a power, write **)"),
        (["x // 2", "x=1"], "the operator // is not allowed"),
        (["not x", "x=1"], "the operator not is not allowed"),
        (["x < 2", "x=1"], "comparisons"),
        (["True * 2"], "True is a boolean"),
        (["1j * 2"], "complex numbers"),
        (["x * y", "x=1"], "no value given for y (add y=VALUE)"),
        (["x * y * z"], "no value given for x, y, z"),
        (["x * 2", "x=1", "w=3"], "w given a value but not in the expression"),
        (["x * 2", "x=abc"], "x=abc: 'abc' is not a number"),
        (["x * 2", "x=nan"], "x=nan: the value must be a finite number"),
        (["x * 2", "x=1", "x=2"], "x is given twice"),
        (["x * 2", "x"], "expected NAME=VALUE, got 'x'"),
        (["x * 2", "1x=2"], "not a valid name"),
        (["x * 2", "exp=2"], "exp is a function"),
        (["x +", "x=1"], "syntax error"),
        (["(x", "x=1"], "syntax error at col 1: '(' was never closed"),
        (["x\0"], "syntax error"),
        (["1e999 * 2"], "number is not finite (col 1: '1e999')"),
        (["1" + "0" * 400 + " * 2"], "number too large"),
        (["--x", "x=1"], "unrecognized arguments: --x"),
        (["leaky_relu(x, x)", "x=1"], "the slope of leaky_relu() must be a number"),
        (["elu(x, alpha=2)", "x=1"], "keyword arguments are not allowed in elu()"),
        (["tanh(x, 2)", "x=1"], "tanh() takes one argument, got 2"),
        (["(" * 300 + "x" + ")" * 300, "x=1"], "nesting too deep"),
        (["-" * 100_000 + "x", "x=1"], "nesting too deep"),
        (["   "], "the expression is empty"),
        (["--format", "gif"], "invalid choice: 'gif'"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_refusals_are_one_line_with_status_2(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("viz: ") and "Traceback" not in err
    assert needle in err
    assert out == ""


def test_refusal_points_at_the_offending_part_on_a_later_line(capsys):
    code, _, err = run(capsys, "(x +\n  y.z)", "x=1", "y=2")
    assert code == 2 and "attribute access not allowed (line 2 col 3: 'y.z')" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["log(x)", "x=-1"], "log(-1.0): input must be > 0"),
        (["1 / (x - x)", "x=1"], "division by zero"),
        (["exp(x)", "x=1000"], "exp(1000.0): result overflows"),
        (["x ** 0.5", "x=-4"], "pow(-4.0, 0.5): result is not a real number"),
        (["sqrt(x)", "x=0"], "sqrt(0.0): input must be > 0"),
    ],
)
def test_evaluation_errors_name_the_op_with_status_1(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("viz: cannot evaluate: ")
    assert needle in err


def test_check_prints_the_table_and_passes(capsys, tmp_path):
    code, out, err = run(
        capsys,
        "tanh(x * y) + x ** 3",
        "x=0.5",
        "y=-2",
        "--check",
        "--out",
        str(tmp_path),
        "--format",
        "dot",
        "--no-html",
    )
    assert code == 0 and err == ""
    check = out.split("gradient check", 1)[1]
    assert "analytic" in check and "numerical" in check and "gradcheck passed" in check
    x, y = Value(0.5), Value(-2.0)
    f = (x * y).tanh() + x**3
    f.backward()
    row = [line.split() for line in check.splitlines() if line.strip().startswith("x ")][0]
    assert row[1] == fmt(x.grad) and abs(float(row[2]) - x.grad) < 1e-5


@pytest.mark.parametrize("expr", ["relu(x)", "abs(x) * 2", "relu(x - 1)"])
def test_check_at_a_kink_says_so_in_one_line(capsys, tmp_path, expr):
    # a kink is no computing error (status 1): the check is not made, and the note says why
    value = "x=1" if "- 1" in expr else "x=0"
    code, out, err = run(capsys, expr, value, "--check", "--out", str(tmp_path), "--no-html")
    assert code == 0 and err == ""
    assert "analytic" not in out and "mismatch" not in out  # no tables
    (note,) = [line for line in out.splitlines() if "gradient check not made" in line]
    assert "derivative is not defined" in note and "takes 0 there" in note
    assert "one-sided" not in note


def test_dpi_sets_the_png_resolution(capsys, tmp_path, dot):
    import struct

    def width(path: Path) -> int:
        return struct.unpack(">I", path.read_bytes()[16:20])[0]

    run(capsys, "--out", str(tmp_path / "a"), "--format", "png", "--no-html")
    run(capsys, "--out", str(tmp_path / "b"), "--format", "png", "--no-html", "--dpi", "72")
    default, low = width(tmp_path / "a" / "graph.png"), width(tmp_path / "b" / "graph.png")
    assert default > 2 * low and default >= 600


def test_fullwidth_names_are_the_names_python_reads(capsys, tmp_path):
    code, out, err = run(capsys, "\uff58 * 2", "\uff58=3", "--out", str(tmp_path), "--no-html")
    assert code == 0, err
    assert gradients(out) == {"dx": "2"}


@pytest.mark.parametrize("argv", [["--out", ""], ["--out", "  "], ["--dpi", "0", "--dpi", "-5"]])
def test_empty_out_and_bad_dpi_are_refused(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and out == ""
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("size", [20_000, 100_000])
def test_a_huge_name_is_shortened_not_an_error(capsys, tmp_path, dot, size):
    name = "v" * size
    code, out, err = run(capsys, f"{name} * 2", f"{name}=3", "--out", str(tmp_path))
    assert code == 0 and err == ""
    assert (tmp_path / "graph.svg").exists() and (tmp_path / "stepper.html").exists()
    assert max(len(line) for line in out.splitlines()) < 400


def test_without_dot_the_source_is_written_and_one_line_says_how_to_install(
    capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("PATH", "")
    code, out, err = run(capsys, "--out", str(tmp_path))
    assert code == 0 and err == ""
    assert (tmp_path / "graph.dot").exists() and not (tmp_path / "graph.svg").exists()
    hints = [line for line in out.splitlines() if "apt-get install graphviz" in line]
    assert len(hints) == 1 and "brew install graphviz" in hints[0]
    data = page_data((tmp_path / "stepper.html").read_text())
    assert "dq = dout * z = 1 * (-4) = -4" in chain_rule(data)


def test_png_and_no_html(capsys, tmp_path, dot):
    code, out, _ = run(capsys, "--out", str(tmp_path), "--format", "png", "--no-html")
    assert code == 0
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "stepper.html").exists()


def test_a_graph_too_big_to_draw_is_computed_and_printed(capsys, tmp_path):
    expr = " + ".join(["x"] * 2500)
    code, out, _ = run(capsys, expr, "x=1", "--out", str(tmp_path))
    assert code == 0
    assert "value: out = 2500" in out and gradients(out) == {"dx": "2500"}
    assert "too many to draw" in out and not list(tmp_path.iterdir())


def test_long_edges_skip_the_picture(capsys, tmp_path):
    expr = " + ".join(f"tanh(x * {i})" for i in range(1, 201))
    code, out, _ = run(capsys, expr, "x=0.01", "--out", str(tmp_path))
    assert code == 0 and "too slow to draw" in out and not list(tmp_path.iterdir())


def test_a_big_graph_gets_a_stepper_and_a_note(capsys, tmp_path):
    expr = "x" + " * 1.01" * 200  # 201 boxes: laid out once, more than can be read at once
    code, out, _ = run(capsys, expr, "x=1", "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and "can be read at once" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.dot", "stepper.html"]


def test_unwritable_out_dir_is_one_line(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(capsys, "--out", str(blocker / "sub"), "--format", "dot")
    assert code == 1 and err.startswith("viz: cannot write") and err.count("\n") == 1


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "NAME=VALUE" in out


def python_m_viz(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "viz", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_python_m_viz_runs_the_main_job(tmp_path):
    done = python_m_viz("--format", "dot", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "value: out = -12" in done.stdout and "dz = 3" in done.stdout
    assert (tmp_path / "viz-out" / "graph.dot").exists()
    assert (tmp_path / "viz-out" / "stepper.html").exists()


def test_python_m_viz_refusal_has_no_traceback(tmp_path):
    done = python_m_viz("__import__('os').system('echo hi')", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "hi" not in done.stdout


def test_one_trace_one_name_table_one_reverse_pass(capsys, tmp_path, dot, monkeypatch):
    import viz.names
    import viz.trace

    calls = {"names": 0, "reverse": 0}
    make_names, reverse = viz.names.Names.__init__, viz.trace.reverse

    def counted_names(self, *a, **k):
        calls["names"] += 1
        make_names(self, *a, **k)

    def counted_reverse(*a, **k):
        calls["reverse"] += 1
        return reverse(*a, **k)

    monkeypatch.setattr(viz.names.Names, "__init__", counted_names)
    monkeypatch.setattr(viz.trace, "reverse", counted_reverse)
    code, _, _ = run(capsys, "--out", str(tmp_path), "--frames")
    assert code == 0 and calls == {"names": 1, "reverse": 1}


def test_a_long_chain_of_times_one_is_drawn_by_its_boxes(capsys, tmp_path):
    expr = "x" + " * 1.0001" * 1000  # 1,001 boxes (the constants are on their ops)
    code, out, _ = run(capsys, expr, "x=1", "--out", str(tmp_path), "--format", "dot")
    assert code == 0 and "skipped" not in out and (tmp_path / "stepper.html").exists()


def test_params_are_coloured_and_listed(capsys, tmp_path, dot):
    expr = "1/(1+exp(-(w0*x0 + w1*x1 + w2)))"
    values = ["w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]
    code, out, _ = run(capsys, expr, *values, "--params", "w0,w1,w2", "--out", str(tmp_path))
    assert code == 0
    page = (tmp_path / "stepper.html").read_text()
    done = "\n".join(b[1] for b in page_data(page)["done"])
    assert "Gradients of the parameters:\ndw0 = -0.196612\ndw1 = -0.393224\ndw2 = 0.196612" in (
        done.replace("Done. ", "")
    )
    assert "dx0 = 0.393224" in done and "#fdd49e" in page  # inputs listed; parameter colour
    assert f"<title>{expr}</title>" in page  # titled with the expression as typed
    code, _, err = run(capsys, expr, *values, "--params", "w0,nope", "--out", str(tmp_path))
    assert code == 2 and "nope" in err and "\n" not in err.strip()


def test_frames_for_slides(capsys, tmp_path, dot):
    code, out, _ = run(capsys, "--out", str(tmp_path), "--frames")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        f"step-{k}.svg" for k in range(5)
    ]
    code, out, _ = run(capsys, "--out", str(tmp_path / "p"), "--frames", "--format", "pdf")
    assert code == 0 and (tmp_path / "p" / "frames" / "steps.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "p" / "graph.pdf").exists()
    code, _, err = run(capsys, "--out", str(tmp_path), "--frames", "--format", "dot")
    assert code == 2 and "--frames" in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--dpi", "0", "--format", "png"], "--dpi must be from 1 to 1200, got 0"),
        (["--dpi", "-5", "--format", "png"], "--dpi must be from 1 to 1200, got -5"),
        (["--dpi", "90"], "--dpi sets the resolution of PNG pictures: add --format png"),
    ],
)
def test_dpi_is_checked_and_needs_png(capsys, tmp_path, args, says):
    code, _, err = run(capsys, "--out", str(tmp_path), *args)
    assert code == 2 and says in err and not list(tmp_path.iterdir())


def test_usage_lists_every_option(capsys):
    code, out, _ = run(capsys, "--help")
    usage = out.split("\n\n", 1)[0]
    for option in ("--check", "--params", "--out", "--format", "--dpi", "--frames", "--no-html"):
        assert option in usage


@pytest.mark.parametrize(("expr", "col"), [("x +", 4), ("x ** ", 5), ("(x + y", 1), ("x y", 3)])
def test_a_syntax_error_says_where(capsys, tmp_path, expr, col):
    code, _, err = run(capsys, expr, "x=1", "y=2", "--out", str(tmp_path))
    assert code == 2 and f"syntax error at col {col}" in err


def test_the_check_says_its_error_is_absolute(capsys, tmp_path):
    code, out, _ = run(capsys, "log(x) * y", "x=2", "y=3", "--check", "--no-html",
                       "--format", "dot", "--out", str(tmp_path))  # fmt: skip
    assert code == 0 and "abs error" in out and "|analytic - numerical|" in out
