"""Changing numbers in the stepper page, in headless Chromium, against the Python engine.

For the pages of tests/viz_pages.py ((x + y) * z, CS231n's neuron, a 3-input tanh neuron,
MLP(2, [4, 1]) and micrograd's lecture net over its 4 samples), every number the page lets one
change is set to a random value through ``window.stepgrad.set``, and every box's value and
gradient (``window.stepgrad.read()``), its names, formulas, chain-rule lines and the start
and done texts are compared with the Python engine's graph built again at those values. A
number outside an op's domain shows the engine's own message and marks the op's box; nudges
are compared with ``autograd.numerical_diff``; 20 gradient steps with ``nn.SGD``.
"""

from __future__ import annotations

import math
import random
import re
import shutil

import pytest
from viz_browser import open_browser
from viz_pages import CS231N, CS231N_VALUES, MODELS, PAGES, chain_rule

import nn
from autograd import Value, apply, no_grad, numerical_diff, reverse
from viz import Stepper
from viz.expr import parse
from viz.live import changeable
from viz.names import Names, graph_nodes, short_name
from viz.steps import page_data
from viz.trace import trace

CHECKED = ["demo", "cs231n", "tanh_neuron", "mlp_4_1", "lecture_net"]
SET = "return window.stepgrad.set(arguments[0], arguments[1])"
READ = "return window.stepgrad.read()"


@pytest.fixture(scope="module")
def browser():
    with open_browser((1280, 800)) as driver:
        yield driver


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every checked page, built once: name -> (url, root, params, Stepper)."""
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot is needed for the pictures")
    folder = tmp_path_factory.mktemp("live")
    out = {}
    for name in CHECKED:
        root, params, title = PAGES[name]()
        s = Stepper(root, params=params, title=title)
        out[name] = (s.save(folder / f"{name}.html").as_uri(), root, params, s)
    return out


def rebuild(root: Value, leaves: dict[Value, float | Value]) -> dict[Value, Value]:
    """The graph of ``root`` built again by the engine, leaf by leaf and op by op (each node
    through its row's builder, with its constant), with the given leaves' new values: old
    node -> new node."""
    new: dict[Value, Value] = {}
    for n in graph_nodes(root):
        if n.parents:
            new[n] = apply(n.op, *[new[p] for p in n.parents], arg=n.arg)
        else:
            v = leaves.get(n, n.data)
            new[n] = v if isinstance(v, Value) else Value(v, n.label)
    return new


def _params(params: object, new: dict[Value, Value]) -> object:
    if params is None:
        return None
    if hasattr(params, "named_parameters"):
        return {short_name(k): new[v] for k, v in params.named_parameters() if v in new}
    return {k: new[v] for k, v in params.items()}


def engine(root: Value, params: object, leaves: dict[Value, float]) -> tuple[Value, Names]:
    """The rebuilt graph's output and names, as a page of it would name its boxes."""
    new = rebuild(root, leaves)
    out = new[root]
    return out, Names(out, params=_params(params, new))


def engine_page(names: Names) -> dict:
    """The data of a page made by the engine on the rebuilt graph (``names``'s)."""
    return page_data(trace(names.root, names=names), _ids(names))


def engine_read(root: Value, names: Names) -> dict[str, tuple[float, float]]:
    final = reverse(root)
    return {names[n]: (n.data, final.get(n, 0.0)) for n in names.nodes if names.shown(n)}


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return a == b or (a != a and b != b) or abs(a - b) <= rel * max(abs(a), abs(b))


def randomize(driver, s: Stepper, rng: random.Random) -> dict[Value, float]:
    """Set every number the page lets one change to a random value through the hook (one
    name at a time: numbers that share a name change together); returns leaf -> value."""
    names = s.trace.names
    by_name: dict[str, list[Value]] = {}
    for n in changeable(s.trace):
        by_name.setdefault(names[n], []).append(n)
    driver.execute_script("window.stepgrad.reset()")  # constants named by their numbers again
    assert sorted(driver.execute_script("return window.stepgrad.leaves()")) == sorted(by_name)
    values: dict[Value, float] = {}
    for name, ns in by_name.items():
        n = ns[0]
        named = n.label or n in names.params
        x = rng.uniform(-2.0, 2.0) if named else n.data + rng.uniform(-0.4, 0.4)
        assert driver.execute_script(SET, name, x) is None, name
        values.update((m, x) for m in ns)
    return values


@pytest.mark.parametrize("name", CHECKED)
def test_every_value_and_gradient_is_the_engines_at_new_values(browser, pages, name):
    url, root, params, s = pages[name]
    browser.get(url)
    assert browser.execute_script("return window.stepgrad.editable")
    rng = random.Random(name)
    for _ in range(3):
        values = randomize(browser, s, rng)
        out, names = engine(root, params, values)
        want = engine_read(out, names)
        got = browser.execute_script(READ)
        assert set(got) == set(want)
        for key, (data, grad) in want.items():
            assert close(got[key][0], data), (key, got[key][0], data)
            assert close(got[key][1], grad), (key, got[key][1], grad)
        # the words too: names, formulas, chain-rule lines, the start and done texts
        page = browser.execute_script("return window.stepgrad.page()")
        py = engine_page(names)
        assert [b[:4] for b in page["boxes"]] == [b[:4] for b in py["boxes"]]
        assert chain_rule(page) == chain_rule(py)
        assert page["start"] == py["start"] and page["done"] == py["done"]


def _ids(names: Names) -> dict[Value, int]:
    return {n: i for i, n in enumerate(n for n in names.nodes if names.shown(n))}


def test_reset_restores_the_engines_page(browser, pages):
    url, root, params, s = pages["mlp_4_1"]
    browser.get(url)
    before = browser.execute_script("return [window.stepgrad.read(), window.stepgrad.page()]")
    randomize(browser, s, random.Random(1))
    assert browser.execute_script(READ) != before[0]
    browser.execute_script("window.stepgrad.reset()")
    assert browser.execute_script("return [window.stepgrad.read(), window.stepgrad.page()]") == (
        before
    )


def test_a_number_outside_a_domain_shows_the_engines_message(browser, tmp_path):
    x, y, z = Value(2.0, "x"), Value(3.0, "y"), Value(-4.0, "z")
    root = (x + y).log() * z
    url = Stepper(root).save(tmp_path / "log.html").as_uri()
    browser.get(url + "#step=3")
    message = browser.execute_script(SET, "y", -10)
    with pytest.raises(ValueError) as err:
        engine(root, None, {y: -10.0})
    assert message == str(err.value) == "log(-8.0): input must be > 0"
    shown = browser.execute_script(
        "return [document.body.dataset.error, document.getElementById('lab-out').innerText,"
        " document.getElementById('explain').innerText,"
        " Array.from(document.querySelectorAll('.refused')).map(function (e) { return e.id; }),"
        " Array.from(document.querySelectorAll('#stage text')).map(function (t) {"
        "   return t.textContent; }), document.getElementById('next').disabled]"
    )
    error, lab, explain, refused, texts, stuck = shown
    assert error == message and message in lab and message in explain
    log_box = Stepper(root).ids[root.parents[0]]
    assert refused == [f"v{log_box}"]  # the log's box is marked
    assert "data error" in texts and not any("nan" in t for t in texts)  # never a silent NaN
    assert "data -8" in texts  # what was computed before the refusal
    assert stuck  # no stepping through numbers that do not exist
    read = browser.execute_script(READ)
    assert read["q"] == [-8, None] and read["out"] == [None, None]
    assert browser.execute_script(SET, "y", 5) is None  # back inside: everything again
    assert not browser.execute_script("return document.querySelectorAll('.refused').length")
    want = engine_read(*engine(root, None, {y: 5.0}))
    assert browser.execute_script(READ) == {k: list(v) for k, v in want.items()}
    assert browser.execute_script("return Number(document.body.dataset.step)") == 3


@pytest.mark.parametrize("name", CHECKED)
def test_nudges_match_numerical_diff(browser, pages, name):
    url, root, params, s = pages[name]
    browser.get(url)
    names = s.trace.names
    by_name: dict[str, list[Value]] = {}
    for n in changeable(s.trace):
        by_name.setdefault(names[n], []).append(n)
    final = reverse(root)
    for key in sorted(by_name)[:6]:
        ns = by_name[key]
        for h in (1e-4, 1e-3):
            got = browser.execute_script(
                "return window.stepgrad.nudge(arguments[0], arguments[1])", key, h
            )

            def f(v: Value, ns: list[Value] = ns) -> Value:
                return rebuild(root, dict.fromkeys(ns, v))[root]

            x = ns[0].data
            with no_grad():
                up = f(Value(x + h)).data
            central = numerical_diff(f, x, h)
            scale = max(1.0, abs(root.data))  # a few ulps of the output, divided by 2h
            assert abs(got["central"] - central) <= 1e-13 * scale / h, (key, h)
            assert abs(got["delta"] - (up - root.data)) <= 1e-12 * scale, (key, h)
            assert close(got["slope"], got["delta"] / h)
            assert close(got["grad"], sum(final.get(n, 0.0) for n in ns)), key


@pytest.mark.parametrize("name", ["cs231n", "mlp_4_1", "lecture_net"])
def test_twenty_gradient_steps_match_nn_sgd(browser, pages, name):
    url, *_ = pages[name]
    browser.get(url)
    lr = 0.05
    got = [
        browser.execute_script("return window.stepgrad.sgd(arguments[0])", lr) for _ in range(20)
    ]
    if name in MODELS:
        make, loss_of = MODELS[name]
        model = make()
        opt = nn.SGD(model.parameters(), lr=lr)

        def loss() -> Value:
            return loss_of(model)
    else:
        expression = parse(CS231N)
        leaves = {k: Value(v, k) for k, v in CS231N_VALUES.items()}
        opt = nn.SGD([leaves[k] for k in ("w0", "w1", "w2")], lr=lr)

        def loss() -> Value:
            return expression.apply(leaves)

    want = []
    for _ in range(20):
        opt.zero_grad()
        loss().backward()
        opt.step()
        want.append(loss().data)
    assert all(close(a, b, 1e-9) for a, b in zip(got, want)), (got, want)
    assert want[-1] < want[0]  # it trains
    curve = browser.execute_script(
        "return document.getElementById('curve').getAttribute('aria-label')"
    )
    assert curve.count(",") == 20  # the loss before the first step and after each of 20


def test_changing_a_number_where_it_is_drawn(browser, pages):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    url, root, params, s = pages["demo"]
    browser.get(url + "#step=1")
    x = root.parents[0].parents[0]
    cell = browser.find_element("id", f"v{s.ids[x]}-1")
    assert "editable" in cell.get_attribute("class")
    ActionChains(browser).move_to_element(cell).click().perform()
    field = browser.find_element("id", "inplace")
    assert field.is_displayed() and field.get_attribute("value") == "-2.0"
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("3", Keys.ENTER)
    assert not field.is_displayed()
    read = browser.execute_script(READ)
    assert read["x"] == [3, -4] and read["out"] == [-32, 1] and read["z"] == [-4, 8]
    assert "q = x + y = 3 + 5 = 8" in browser.find_element("id", "explain").text  # step 1
    assert cell.get_attribute("textContent") == "data 3"
    ActionChains(browser).move_to_element(cell).click().perform()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("two", Keys.ENTER)  # not a number: said, and nothing changes
    assert "'two' is not a number" in browser.find_element("id", "lab-out").text
    field.send_keys(Keys.ESCAPE)
    assert not field.is_displayed() and browser.execute_script(READ)["x"] == [3, -4]
    browser.execute_script("window.location.hash = '#step=3'")  # backward at out
    assert "dz = dout * q = 1 * 8 = 8" in browser.find_element("id", "explain").text


def test_the_panel_changes_nudges_and_steps(browser, pages):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    url, *_ = pages["cs231n"]
    browser.get(url)
    Select(browser.find_element("id", "leaf")).select_by_visible_text("x0")
    field = browser.find_element("id", "value")
    assert field.get_attribute("value") == "-1.0"
    field.clear()
    field.send_keys("1.5", Keys.ENTER)
    assert browser.execute_script(READ)["x0"][0] == 1.5
    browser.find_element("id", "nudge").click()
    text = browser.find_element("id", "lab-out").text
    assert "one-sided" in text and "central" in text and "backward" in text
    browser.find_element("id", "sgd").click()
    assert re.fullmatch(
        r"Step 1 \(lr 0.05\): out [0-9.]+ → [0-9.]+", browser.find_element("id", "loss").text
    )
    browser.find_element("id", "reset").click()
    assert browser.execute_script(READ)["x0"][0] == -1.0


def test_a_page_with_an_op_without_browser_rules_works_but_cannot_be_edited(
    browser, tmp_path, toy_row
):
    import numpy as np

    from autograd import Op

    name = "cube_no_js"
    toy_row(Op(name, 1, lambda xs, a: xs[0] ** 3, lambda o, xs, a: (3 * xs[0] ** 2,),
               lambda xs, a: np.power(xs[0], 3), "a cubed", method=True))  # fmt: skip
    x = Value(2.0, "x")
    root = apply(name, x * 3.0) + x
    url = Stepper(root).save(tmp_path / "custom.html").as_uri()
    browser.get(url + "#step=6")
    editable, note = browser.execute_script(
        "return [window.stepgrad.editable, window.stepgrad.note]"
    )
    assert not editable
    assert (
        note == f"This page cannot be edited: op '{name}' has no browser rules (the js of its row)."
    )
    assert "\n" not in note and browser.find_element("id", "lab-note").text == note
    assert browser.execute_script("return Number(document.body.dataset.step)") == 6  # it steps
    read = browser.execute_script(READ)
    assert read["x"] == [2.0, 1 + 3 * 3 * 36.0]
    with pytest.raises(Exception, match="cannot be edited"):
        browser.execute_script(SET, "x", 1)


def test_the_command_and_jupyter_pages_are_editable(browser, tmp_path):
    from viz.cli import main

    assert main(["log(x) * y", "x=2", "y=3", "--out", str(tmp_path), "--params", "y"]) == 0
    browser.get((tmp_path / "stepper.html").as_uri())
    assert browser.execute_script(SET, "x", 4) is None
    assert browser.execute_script(READ)["out"][0] == pytest.approx(math.log(4) * 3)
    assert browser.execute_script("return window.stepgrad.sgd(0.1)") == pytest.approx(
        math.log(4) * (3 - 0.1 * math.log(4))
    )
    s = Stepper(Value(2.0, "a") * Value(5.0, "b"))
    page = tmp_path / "notebook.html"
    page.write_text(f"<!doctype html><html><body>{s._repr_html_()}</body></html>", "utf-8")
    browser.get(page.as_uri())
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:  # inside the notebook's output, no kernel: the page's own script recomputes
        assert browser.execute_script(SET, "a", -1) is None
        assert browser.execute_script(READ)["out"] == [-5, 1]
    finally:
        browser.switch_to.default_content()


def test_rules_that_do_not_give_the_engines_numbers_turn_editing_off(browser, tmp_path, toy_row):
    import numpy as np

    from autograd import Op

    toy_row(
        Op(
            "cube_wrong",
            1,
            lambda xs, a: xs[0] ** 3,
            lambda o, xs, a: (3 * xs[0] ** 2,),
            lambda xs, a: np.power(xs[0], 3),
            "a cubed",
            method=True,
            js=("{0} * {0} * {0}", "2 * {0} * {0}"),
        )
    )
    x = Value(2.0, "x")
    browser.get(Stepper(apply("cube_wrong", x) * 2.0).save(tmp_path / "wrong.html").as_uri())
    assert browser.execute_script("return window.stepgrad.note") == (
        "This page cannot be edited: op 'cube_wrong': the browser rules do not give the page's"
        " numbers at cube_wrong(2.0)."
    )


def test_a_page_without_parameters_takes_no_gradient_step(browser, pages):
    url, *_ = pages["demo"]
    browser.get(url)
    assert not browser.find_element("id", "sgd-row").is_displayed()
    with pytest.raises(Exception, match="the page has no parameters"):
        browser.execute_script("return window.stepgrad.sgd(0.1)")
    with pytest.raises(Exception, match="lr must be a finite number > 0, got -1.0"):
        browser.get(pages["mlp_4_1"][0])
        browser.execute_script("return window.stepgrad.sgd(-1)")
    with pytest.raises(Exception, match="no number named 'q' can be changed: it is computed"):
        browser.get(url)
        browser.execute_script("return window.stepgrad.set('q', 1)")


def test_a_longer_number_than_its_box_has_room_for_is_drawn_narrower_in_the_box(browser, pages):
    # boxes keep room for a usual number (-0.123457); an edit may bring a longer one
    url, *_ = pages["demo"]
    browser.get(url)
    assert browser.execute_script(SET, "x", -1.23456789e-05) is None
    cell = browser.execute_script(
        "var b = Array.from(document.querySelectorAll('text[data-room]')).find("
        "  t => t.textContent.indexOf('-1.23457e-05') >= 0);"
        "return b ? [b.textContent, Number(b.dataset.room), b.getAttribute('textLength'),"
        "  b.getBBox().width, b.parentNode.querySelector('polygon').getBBox().width] : null"
    )
    assert cell is not None
    text, room, narrowed, width, box = cell
    assert len(text) > room and narrowed is not None and width <= box
    browser.execute_script("window.stepgrad.reset()")
    back = browser.execute_script(
        "return Array.from(document.querySelectorAll('text[textLength][data-room]')).length"
    )
    assert back == 0
