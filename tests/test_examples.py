"""Every example script runs and reproduces the figures it promises (issue: examples).

The scripts are loaded from their files and their ``main()`` is called, with smaller budgets
where the figure does not need the full run; two of them also run as real subprocesses, the
way a learner runs them.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import struct
import subprocess
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = [
    "backprop_basics",
    "numerical_vs_analytic",
    "gradient_descent",
    "learning_slowdown",
    "optimizers",
    "search_strategies",
    "moons",
    "iris",
    "hessian",
    "custom_op",
]


@cache
def load(name: str) -> ModuleType:
    """Import examples/<name>.py as a module (the examples folder is not a package)."""
    if str(EXAMPLES) not in sys.path:  # as when run as a script: its folder is on the path
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    # PYTHONPATH points at the checkout so the script finds the packages even without an install.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


# -- backprop_basics ----------------------------------------------------------------------------


def test_backprop_basics_gives_the_chain_rule_figures():
    fig = load("backprop_basics").main(plot=False)
    assert (fig["q"], fig["f"]) == (3.0, -12.0)
    assert (fig["dq"], fig["dz"], fig["dx"], fig["dy"]) == (-4.0, 3.0, -4.0, -4.0)


def test_backprop_basics_prints_each_backward_step(capsys):
    load("backprop_basics").main(plot=False)
    out = capsys.readouterr().out
    assert "  q = x + y = -2 + 5 = 3\n  f = q * z = 3 * (-4) = -12\n" in out
    assert "  dz = df * q = 1 * 3 = 3\n" in out
    assert "  dx = dq * 1 = -4 * 1 = -4\n" in out
    # Multiplication is `*`, never `x` (there is a variable called x).
    assert not re.search(r"\d x -?\d", out)


def test_backprop_basics_writes_what_python_m_viz_writes(capsys, tmp_path):
    from viz.cli import CLASSIC, main

    assert CLASSIC[0] == "(x + y) * z" and CLASSIC[1] == {"x": -2.0, "y": 5.0, "z": -4.0}
    assert main(["--out", str(tmp_path), "--format", "dot", "--no-html"]) == 0
    cli = capsys.readouterr().out
    load("backprop_basics").main(plot=False)
    example = capsys.readouterr().out
    # The command calls its output `out`; the example labels it f, as in the notes.
    forward = re.findall(r"^  ((?:q|out) = .*)$", cli, re.M)
    chain = re.findall(r"(d\w+ \+?= d\w+ \* .*)$", cli, re.M)
    assert len(forward) == 2 and len(chain) == 4
    for line in forward + chain:
        ours = re.sub(r"\b(d?)out\b", r"\1f", line)
        assert f"  {ours}\n" in example


def test_backprop_basics_reproduces_micrograd_readme_figures(capsys):
    fig = load("backprop_basics").main(plot=False)
    assert f"{fig['g']:.4f}" == "24.7041"
    assert f"{fig['dg_da']:.4f}" == "138.8338"
    assert f"{fig['dg_db']:.4f}" == "645.5773"
    assert "g = 24.7041, dg/da = 138.8338, dg/db = 645.5773" in capsys.readouterr().out


def test_backprop_basics_expression_matches_micrograd_exactly(micrograd):
    from micrograd.engine import Value as MicroValue

    example = load("backprop_basics")
    ours_g, ours_a, ours_b = example.micrograd_expression()
    ours_g.backward()
    # The same expression in micrograd itself, evaluated without our engine.
    g, a, b = example.micrograd_expression(MicroValue)
    g.backward()
    assert ours_g.data == g.data
    # Gradients may differ in the last bit: contributions are added in another order.
    assert (ours_a.grad, ours_b.grad) == pytest.approx((a.grad, b.grad), rel=1e-14, abs=0)


# -- numerical_vs_analytic ----------------------------------------------------------------------


def test_numerical_vs_analytic_reproduces_the_notes_floats_exactly():
    fig = load("numerical_vs_analytic").main(plot=False)
    numeric = [n for n, _ in fig["derivatives"]]
    assert numeric == [6.00000000000378, 7.999999999999119, 0.1999999999990898, 0.2999999999986347]


def test_numerical_vs_analytic_engine_derivatives_are_exact():
    fig = load("numerical_vs_analytic").main(plot=False)
    exact = [e for _, e in fig["derivatives"]]
    # d/dx of x*x at 3 and 4 is 2x; of 0.01x^2 + 0.1x it is 0.02x + 0.1 (in floats).
    assert exact[:2] == [6.0, 8.0]
    assert exact[2:] == [0.02 * 5.0 + 0.1, 0.02 * 10.0 + 0.1]
    for numeric, analytic in fig["derivatives"]:
        assert numeric != analytic
        assert abs(numeric - analytic) < 1e-10


def test_numerical_vs_analytic_gradients_at_the_notes_points():
    fig = load("numerical_vs_analytic").main(plot=False)
    expected = [(6.0, 8.0), (0.0, 4.0), (6.0, 0.0)]
    assert [exact for _, exact in fig["gradients"]] == expected
    for (numeric, _), want in zip(fig["gradients"], expected):
        assert numeric == pytest.approx(want, abs=1e-9)


# -- gradient_descent ---------------------------------------------------------------------------


def test_gradient_descent_ends_where_the_notes_say(capsys):
    fig = load("gradient_descent").main(plot=False)
    x0, x1 = fig["end"]
    assert abs(x0 + 6.1e-10) < 0.05e-10
    assert abs(x1 - 8.1e-10) < 0.05e-10
    # Each step multiplies x by (1 - 2 * lr) = 0.8: the closed form, independent of the engine.
    assert (x0, x1) == pytest.approx((-3.0 * 0.8**100, 4.0 * 0.8**100), rel=1e-9)
    assert "end at (-6.1e-10, 8.1e-10)" in capsys.readouterr().out


def test_gradient_descent_learning_rate_warnings():
    fig = load("gradient_descent").main(plot=False)
    big = fig["too_large"]
    assert abs(big[0]) > 1e100 and abs(big[1]) > 1e100  # lr = 10: each step multiplies by -19
    small = fig["too_small"]
    assert small != (-3.0, 4.0)  # it did move ...
    assert small == pytest.approx((-3.0, 4.0), abs=1e-7)  # ... by less than 1e-7


def test_gradient_descent_steps_argument():
    module = load("gradient_descent")
    assert module.gradient_descent(0.1, 0) == [(-3.0, 4.0)]
    path = module.gradient_descent(0.1, 3)
    assert len(path) == 4
    assert path[1] == pytest.approx((-2.4, 3.2))
    with pytest.raises(ValueError, match="steps must be >= 0"):
        module.gradient_descent(0.1, -1)


# -- learning_slowdown --------------------------------------------------------------------------


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_learning_slowdown_first_gradients_follow_the_formulas():
    fig = load("learning_slowdown").main(plot=False)
    for w, b in [(0.6, 0.9), (2.0, 2.0)]:
        a = _sigmoid(w + b)
        # quadratic: dC/dw = (a - y) sigma'(z) x; cross-entropy: dC/dw = (a - y) x  (x=1, y=0)
        assert fig[("quadratic", (w, b))]["dw"] == pytest.approx(a * a * (1 - a), rel=1e-12)
        assert fig[("cross-entropy", (w, b))]["dw"] == pytest.approx(a, rel=1e-12)


def test_learning_slowdown_quadratic_cost_is_slow_from_a_bad_start():
    fig = load("learning_slowdown").main(plot=False)
    quad_bad = fig[("quadratic", (2.0, 2.0))]
    ce_bad = fig[("cross-entropy", (2.0, 2.0))]
    # After 50 of 300 epochs the quadratic cost has barely moved; cross-entropy has halved.
    assert quad_bad["history"][50] > 0.9 * quad_bad["history"][0]
    assert ce_bad["history"][50] < 0.1 * ce_bad["history"][0]
    # Outputs after 300 epochs (target 0): the classic 0.09 and 0.20 for the quadratic cost.
    assert round(fig[("quadratic", (0.6, 0.9))]["output"], 2) == 0.09
    assert round(quad_bad["output"], 2) == 0.20
    assert ce_bad["output"] < 0.05
    assert fig[("cross-entropy", (0.6, 0.9))]["output"] < 0.05
    assert all(len(fig[k]["history"]) == 300 for k in fig if k != "plot")


# -- optimizers ---------------------------------------------------------------------------------


def test_optimizers_fit_the_six_points():
    fig = load("optimizers").main(steps=200, plot=False)
    assert fig["exact"] == pytest.approx([1.0, 2.0, 3.0])
    start = 0.5 * sum(t * t for t in [6, 8, 9, 8, 10, 13]) / 6  # the loss at theta = 0
    runs = fig["runs"]
    assert set(runs) == {
        "SGD (lr 0.1)",
        "momentum (lr 0.1, 0.9)",
        "AdaGrad (lr 1.0)",
        "RMSProp (lr 0.1)",
        "Adam (lr 0.3)",
    }
    for run in runs.values():
        assert run["history"][0] == pytest.approx(start)
        assert len(run["history"]) == 201
        assert run["loss"] < 1e-2 * start
    # Momentum at the same learning rate as SGD goes much further in the same budget.
    assert runs["momentum (lr 0.1, 0.9)"]["loss"] < 1e-3 * runs["SGD (lr 0.1)"]["loss"]
    assert runs["momentum (lr 0.1, 0.9)"]["theta"] == pytest.approx([1.0, 2.0, 3.0], abs=1e-3)


# -- search_strategies --------------------------------------------------------------------------


def test_search_strategies_gradient_wins_on_the_same_budget():
    fig = load("search_strategies").main(budget=100, plot=False)
    names = ["random search", "random local search", "follow the gradient"]
    assert [fig[n]["evaluations"] for n in names] == [100, 100, 100]
    losses = [fig[n]["loss"] for n in names]
    assert losses[2] < losses[1] < losses[0] < math.log(3) + 0.1
    assert losses[2] < 0.25 * losses[1]
    assert fig["follow the gradient"]["accuracy"] == 1.0


def test_search_strategies_step_size_sweep_falls_then_explodes(capsys):
    fig = load("search_strategies").main(budget=4, plot=False)
    steps = [s for s, _ in fig["sweep"]]
    losses = [loss for _, loss in fig["sweep"]]
    assert steps == pytest.approx([10.0**e for e in range(-10, 0)])
    best = losses.index(min(losses))
    assert 0 < best < len(losses) - 1
    assert all(a > b for a, b in zip(losses[:best], losses[1 : best + 1]))  # falling
    assert all(a < b for a, b in zip(losses[best:], losses[best + 1 :]))  # then rising
    assert losses[0] == pytest.approx(fig["original loss"], abs=1e-5)  # 1e-10 barely moves
    assert losses[-1] > 10 * fig["original loss"]  # 1e-1 explodes
    assert "step size 1e-01: new loss" in capsys.readouterr().out


def test_search_strategies_rejects_a_budget_too_small():
    with pytest.raises(ValueError, match="budget must be >= 2"):
        load("search_strategies").main(budget=1, plot=False)


# -- moons, iris --------------------------------------------------------------------------------


def test_moons_reaches_full_accuracy():
    fig = load("moons").main(steps=100, plot=False, progress=False)
    assert fig["accuracy"] == 1.0
    assert len(fig["loss"]) == 100
    assert fig["loss"][-1] < 0.1 * fig["loss"][0]


def test_iris_reaches_95_percent_on_held_out_flowers():
    fig = load("iris").main(epochs=40, plot=False, progress=False)
    assert fig["test_accuracy"] >= 0.95
    assert fig["train_accuracy"] >= 0.95
    assert fig["loss"][-1] < 0.25 * fig["loss"][0]


# -- hessian ------------------------------------------------------------------------------------


def _rosenbrock_hessian(x: float, y: float) -> list[list[float]]:
    return [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]]


def test_hessian_matches_closed_form_and_numerical():
    fig = load("hessian").main(plot=False)
    assert set(fig["hessians"]) == {(1.0, 1.0), (-1.2, 1.0)}
    for point, (exact, numeric) in fig["hessians"].items():
        want = _rosenbrock_hessian(*point)
        for row, nrow, wrow in zip(exact, numeric, want):
            assert row == pytest.approx(wrow, rel=1e-12)
            assert nrow == pytest.approx(wrow, abs=1e-3)
    assert fig["hessians"][(1.0, 1.0)][0] == ([[802.0, -400.0], [-400.0, 200.0]])
    assert fig["gradcheck"] is True


def test_hessian_tanh_second_derivative():
    fig = load("hessian").main(plot=False)
    assert len(fig["tanh"]) == 25
    for x, (exact, numeric) in fig["tanh"]:
        t = math.tanh(x)
        assert exact == pytest.approx(-2 * t * (1 - t * t), abs=1e-12)
        assert numeric == pytest.approx(exact, abs=1e-6)


# -- plots, command line, README ----------------------------------------------------------------

SMALL = {
    "backprop_basics": {},
    "numerical_vs_analytic": {},
    "gradient_descent": {"steps": 20},
    "learning_slowdown": {"epochs": 20},
    "optimizers": {"steps": 20},
    "search_strategies": {"budget": 5},
    "moons": {"steps": 2, "progress": False},
    "iris": {"epochs": 2, "progress": False},
    "hessian": {},
    "custom_op": {"steps": 20},
}


def png_dpi(path: Path) -> float | None:
    """Dots per inch from a PNG's pHYs chunk (None when it has none)."""
    data = path.read_bytes()
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"pHYs":
            per_metre, _, unit = struct.unpack(">IIB", data[at + 8 : at + 17])
            return per_metre * 0.0254 if unit == 1 else None
        at += 12 + length
    return None


@pytest.mark.parametrize("name", [s for s in SCRIPTS if s != "backprop_basics"])
def test_example_saves_a_png_for_a_slide(name, tmp_path):
    pytest.importorskip("matplotlib")
    plotting = load("plotting")
    fig = load(name).main(plot=True, out=tmp_path, **SMALL[name])
    path = Path(fig["plot"])
    assert path == tmp_path / f"{name}.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 150 <= plotting.DPI <= 200
    assert png_dpi(path) == pytest.approx(plotting.DPI, abs=0.5)


def test_backprop_basics_picture_is_viz_own_at_slide_resolution(tmp_path, dot):
    import viz

    module = load("backprop_basics")
    fig = module.main(plot=True, out=tmp_path)
    path = Path(fig["plot"])
    assert path == tmp_path / "backprop_basics.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width_px = struct.unpack(">I", data[16:20])[0]
    # The same picture as SVG says its size in points (1/72 inch): pixels per inch follow.
    svg = viz.render(module.simple_graph()["f"], tmp_path / "same", format="svg").read_text()
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width_px / (width_pt / 72) == pytest.approx(load("plotting").DPI, rel=0.03)


def layout_faults(fig) -> list[str]:
    """What overlaps in a drawn figure: a legend on plotted points, the figure's title on an
    axes or its title."""
    faults = []
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            box = legend.get_window_extent(renderer)
            xys = [line.get_transform().transform(line.get_xydata()) for line in ax.get_lines()]
            xys += [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections]
            covered = sum(int(box.contains(x, y)) for xy in xys for x, y in xy)
            if covered:
                faults.append(f"the legend of {ax.get_title()!r} covers {covered} points")
    title = fig._suptitle
    if title is not None:
        top = title.get_window_extent(renderer)
        for ax in fig.axes:
            boxes = [ax.get_window_extent(renderer)]
            if ax.get_title():
                boxes.append(ax.title.get_window_extent(renderer))
            if any(top.overlaps(box) for box in boxes):
                faults.append(f"the figure title touches the axes {ax.get_title()!r}")
    return faults


FULL = {  # the runs the examples' README shows
    "hessian": {},
    "search_strategies": {"budget": 100},
    "optimizers": {"steps": 200},
    "learning_slowdown": {"epochs": 300},
    "numerical_vs_analytic": {},
    "gradient_descent": {"steps": 100},
    "iris": {"epochs": 40, "progress": False},
    "custom_op": {},
}


@pytest.mark.parametrize("name", sorted(FULL))
def test_legends_cover_no_curve_and_titles_do_not_touch(name, monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    module = load(name)
    faults = []
    save = module.save

    def check_then_save(fig, plt, path):
        fig.canvas.draw()  # lays the figure out as saving will (constrained layout)
        faults.extend(layout_faults(fig))
        return save(fig, plt, path)

    monkeypatch.setattr(module, "save", check_then_save)
    assert module.main(plot=True, out=tmp_path, **FULL[name])["plot"]
    assert faults == []


def test_moons_plot_has_axis_labels_and_the_score_zero_contour(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    module = load("moons")
    axes = []
    save = module.save

    def keep(fig, plt, path):
        axes.extend(fig.axes)
        return save(fig, plt, path)

    monkeypatch.setattr(module, "save", keep)
    module.main(steps=2, plot=True, out=tmp_path, progress=False)
    (ax,) = axes
    assert ax.get_xlabel() and ax.get_ylabel()
    # The boundary is the contour score = 0 of the score itself (interpolated between grid
    # points, so smooth), not the edge of a 0/1 image of its sign (blocky).
    lines = [c for c in ax.collections if hasattr(c, "levels") and not c.filled]
    assert [list(c.levels) for c in lines] == [[0.0]]
    (filled,) = [c for c in ax.collections if hasattr(c, "levels") and c.filled]
    assert len(filled.levels) == 3 and filled.levels[1] == 0.0  # two colours, split at 0


def test_examples_lay_out_their_figures_with_the_shared_helper():
    for path in EXAMPLES.glob("*.py"):
        assert "plt.subplots(" not in path.read_text() or path.stem == "plotting", path.name


def test_plots_are_optional_without_matplotlib(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    fig = load("gradient_descent").main(steps=5, plot=True, out=tmp_path)
    assert fig["plot"] is None
    assert list(tmp_path.iterdir()) == []
    assert "matplotlib is not installed" in capsys.readouterr().out


def test_gradient_descent_runs_as_a_script():
    done = run_script("gradient_descent", "--no-plot")
    assert done.returncode == 0, done.stderr
    assert "lr = 0.1, 100 steps from (-3.0, 4.0): end at (-6.1e-10, 8.1e-10)" in done.stdout


def test_iris_runs_as_a_script_with_a_progress_bar(tmp_path):
    done = run_script("iris", "--epochs", "3", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "after 3 epochs" in done.stdout
    assert "3/3" in done.stderr  # tqdm's bar, on stderr
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "iris.png").is_file()


def test_examples_readme_lists_every_script():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    listed = SCRIPTS
    assert sorted(p.stem for p in EXAMPLES.glob("*.py") if p.stem != "plotting") == sorted(listed)
    for name in listed:
        assert f"python examples/{name}.py" in readme
    assert "pip install -e '.[examples]'" in readme


# -- what each plot must show, and the moons script's one report --------------------------------


def drawn(monkeypatch, name: str, check=None, **kwargs):
    """Run an example with its plot and return the figure it saved; ``check(fig, renderer)``
    runs on the figure laid out as saved, before saving closes it."""
    pytest.importorskip("matplotlib")
    module = load(name)
    figures = []
    save = module.save

    def keep(fig, plt, path):
        fig.canvas.draw()
        if check is not None:
            check(fig, fig.canvas.get_renderer())
        figures.append(fig)
        return save(fig, plt, path)

    monkeypatch.setattr(module, "save", keep)
    result = module.main(plot=True, **kwargs)
    (fig,) = figures
    return fig, result


@pytest.mark.parametrize("name", [s for s in SCRIPTS if s != "backprop_basics"])
def test_every_plot_labels_its_axes_and_keeps_legends_inside_them(name, monkeypatch, tmp_path):
    def check(fig, renderer):
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel(), (name, ax.get_title())
            legend = ax.get_legend()
            if legend is not None:  # inside its axes: nothing sticks out to be clipped
                box, frame = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
                assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (name, ax.get_title())
                assert frame.y0 <= box.y0 and box.y1 <= frame.y1, (name, ax.get_title())

    drawn(monkeypatch, name, check=check, out=tmp_path, **SMALL[name])


def test_learning_slowdown_gives_each_cost_its_own_axis(monkeypatch, tmp_path):
    fig, result = drawn(monkeypatch, "learning_slowdown", epochs=300, out=tmp_path)
    assert len(fig.axes) == 2
    for ax, cost in zip(fig.axes, ["quadratic", "cross-entropy"]):
        assert cost in ax.get_ylabel()
        highest = max(max(result[(cost, start)]["history"]) for start in [(0.6, 0.9), (2.0, 2.0)])
        low, high = ax.get_ylim()
        assert low == 0 and highest < high < 2 * highest  # scaled to this cost alone


def test_hessian_plot_shows_the_hessians_it_computes(monkeypatch, tmp_path):
    fig, _ = drawn(monkeypatch, "hessian", out=tmp_path)
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    for entry in ["[[802, -400]", "[-400, 200]]", "[[1330, 480]", "[480, 200]]"]:
        assert entry in texts
    assert all(ax.get_ylabel() for ax in fig.axes)


def test_gradient_descent_plot_draws_all_three_learning_rates(monkeypatch, tmp_path):
    fig, _ = drawn(monkeypatch, "gradient_descent", steps=100, out=tmp_path)
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.get_lines()]
        for lr in ["0.1", "10", "1e-10"]:
            assert any(label.startswith(f"lr = {lr}") for label in labels), (lr, labels)


def test_iris_plot_shows_the_test_accuracy(monkeypatch, tmp_path):
    fig, result = drawn(monkeypatch, "iris", epochs=5, progress=False, out=tmp_path)
    shown = f"{result['test_accuracy']:.1%}"
    assert shown in fig._suptitle.get_text()
    labels = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert any("test" in label and shown in label for label in labels)


def test_numerical_vs_analytic_table_writes_the_functions_as_math(capsys):
    load("numerical_vs_analytic").main(plot=False)
    out = capsys.readouterr().out
    assert "x0² + 4² at x0 = 3" in out and "3² + x1² at x1 = 4" in out
    assert "**" not in out and "4.0" not in out.split("gradient")[0]


def test_custom_op_plot_shows_the_new_ops_and_the_trained_model(monkeypatch, tmp_path):
    fig, result = drawn(monkeypatch, "custom_op", steps=20, out=tmp_path)
    assert result["plot"] == str(tmp_path / "custom_op.png")
    assert len(result["loss"]) == 21 and result["loss"][-1] < result["loss"][0]
    labels = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert {"gelu", "swish", "sin(x)", "1-8-1 gelu model"} <= set(labels)


def test_moons_learning_rate_schedule_stretches_to_any_number_of_steps(monkeypatch):
    module = load("moons")
    seen = {}
    fit = module.nn.fit

    def spy(*args, **kwargs):
        seen["schedule"] = kwargs["lr_schedule"]
        return fit(*args, **kwargs)

    monkeypatch.setattr(module.nn, "fit", spy)
    fig = module.main(steps=120, plot=False, progress=False)  # past step 112, where lr was < 0
    assert len(fig["loss"]) == 120 and fig["accuracy"] == 1.0
    lrs = [seen["schedule"](k) for k in range(120)]
    assert lrs[0] == 1.0 and lrs[-1] == pytest.approx(0.1 + 0.9 / 120)
    assert all(a > b > 0 for a, b in zip(lrs, lrs[1:]))
    with pytest.raises(ValueError, match="steps must be >= 1"):
        module.main(steps=0, plot=False, progress=False)


def test_moons_script_reports_progress_once():
    done = run_script("moons", "--steps", "20", "--no-plot")
    assert done.returncode == 0, done.stderr
    # The progress is fit's own (plain lines, stderr being a pipe), epochs counted from 1 ...
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("fit: epoch 2/20 loss=") and lines[-1].startswith("fit: epoch 20/20")
    # ... and the script adds no second report, only the accuracy after the last step.
    model, final = done.stdout.splitlines()
    assert model == "MLP(2 -> 16 relu -> 16 relu -> 1 linear; 337 parameters)"
    assert re.fullmatch(r"after 20 steps \(one per epoch\): accuracy=(1|0\.\d+)", final)
