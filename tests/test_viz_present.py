"""The stepper as a teacher projects it, in headless Chromium at 1280x800 and 1920x1080: the
current step's box readable from the back row and in view at every step of every page, re-fit
on resize, presenter keys, the address kept in step, the gradient seen flowing (checked
against the engine), collapsed pictures stepping at their own grain, and the Jupyter output
fitted to its cell. The pages are those of tests/viz_pages.py."""

from __future__ import annotations

import re
import time

import pytest
from viz_browser import open_browser
from viz_pages import PAGES

from viz import Stepper
from viz.notation import fmt
from viz.steps import flow_text

# The smallest text the back row reads (font size times the picture's scale), per window.
NEED = {(1280, 800): 20.0, (1920, 1080): 26.0}

# Go to each step of ``arguments[0]`` (the slider, no glide) in picture ``arguments[1]`` and
# measure: [step shown, current id, text px, box wholly inside the picture area, explain px].
WALK = """
var steps = arguments[0], view = arguments[1], out = [];
var b = document.querySelector('#views button[data-view="' + view + '"]');
if (b) b.click();
var slider = document.getElementById('slider');
var v = document.getElementById('viewport').getBoundingClientRect();
steps.forEach(function (k) {
  slider.value = String(k);
  slider.dispatchEvent(new Event('input'));
  var id = document.body.dataset.current, el = id ? document.getElementById(id) : null;
  var s = Number(document.getElementById('stage').dataset.scale), px = null, inside = true;
  if (el) {
    var t = el.querySelector('text'), r = el.getBoundingClientRect();
    px = Number(t.getAttribute('font-size')) * s;
    inside = r.left >= v.left - 0.5 && r.right <= v.right + 0.5 && r.top >= v.top - 0.5 &&
      r.bottom <= v.bottom + 0.5;
  }
  var ex = parseFloat(getComputedStyle(document.getElementById('explain')).fontSize);
  out.push([Number(document.body.dataset.step), id, px, inside, ex]);
});
return out;
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every page, built once: name -> (url, Stepper)."""
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot is needed for the pictures")
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for name, make in PAGES.items():
        root, params, title = make()
        s = Stepper(root, params=params, title=title)
        out[name] = (s.save(folder / f"{name}.html").as_uri(), s)
    return out


@pytest.fixture(scope="module", params=sorted(NEED), ids=lambda s: f"{s[0]}x{s[1]}")
def window(request):
    """A headless Chromium at one window size (one per module and size: it is slow to start)."""
    with open_browser(request.param) as driver:
        yield driver, request.param


def spread(total: int, count: int = 40) -> list[int]:
    """Every step 0..total, or ``count`` of them spread over forward and backward."""
    if total + 1 <= count:
        return list(range(total + 1))
    return sorted({round(k * total / (count - 1)) for k in range(count)})


def settle(driver) -> None:  # noqa: ANN001
    """Wait until the camera has stopped gliding."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 5).until(
        lambda d: d.execute_script("return !document.body.dataset.moving")
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_the_current_box_is_readable_and_in_view_at_every_step(window, pages, name):
    driver, size = window
    url, s = pages[name]
    driver.get(url)
    views = len(s.views) + 1 if s.views else 1
    for view in range(views):
        seen = driver.execute_script(WALK, spread(s.total), view)
        for step, current, px, inside, explain in seen:
            if step == 0:
                assert current == ""  # nothing computed yet: no current box
                continue
            assert current and px >= NEED[size], (view, step, current, px)
            assert inside, (view, step, current)
            assert explain >= 18
        assert [row[0] for row in seen] == spread(s.total)


def test_the_explanation_grows_with_the_window(window, pages):
    driver, size = window
    driver.get(pages["demo"][0])
    px = driver.execute_script(
        "return parseFloat(getComputedStyle(document.getElementById('explain')).fontSize)"
    )
    assert px >= (18 if size[1] == 800 else 21)


def test_a_resize_refits_and_keeps_the_current_step_readable(window, pages):
    driver, size = window
    url, s = pages["mlp_4_1"]
    driver.get(url + "#step=10")
    try:
        for other in ((1920, 1080), (1280, 800), (1024, 768)):
            driver.set_window_size(*other)
            time.sleep(0.3)
            ((step, current, px, inside, _),) = driver.execute_script(WALK, [10], 0)
            need = NEED.get(other, 20.0)
            assert step == 10 and current and px >= need and inside, (other, px, inside)
    finally:
        driver.set_window_size(*size)


def keys(driver, *sent: str) -> None:  # noqa: ANN001
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in sent:
        chain.send_keys(key)
    chain.perform()


def state(driver) -> tuple[int, str]:  # noqa: ANN001
    step, where = driver.execute_script(
        "return [Number(document.body.dataset.step), window.location.hash]"
    )
    return step, where


def test_presenter_keys(window, pages):
    from selenium.webdriver.common.keys import Keys

    driver, _ = window
    url, s = pages["cs231n"]
    driver.get(url)
    entries = driver.execute_script("return history.length")
    first_back = len(s.trace.forward) + 1
    for sent, want in [
        (Keys.ARROW_RIGHT, 1),
        (" ", 2),
        (Keys.PAGE_DOWN, 3),
        (Keys.ARROW_LEFT, 2),
        (Keys.PAGE_UP, 1),
        (Keys.END, s.total),
        (Keys.HOME, 0),
        ("b", first_back),
    ]:
        keys(driver, sent)
        assert state(driver) == (want, f"#step={want}"), sent
    assert driver.execute_script("return history.length") == entries  # no entry per step
    keys(driver, "?")
    assert driver.execute_script("return !document.getElementById('help').hidden")
    listed = driver.find_element("id", "help").text
    for word in ("Space", "Page Down", "Page Up", "Home", "End", "b", "f", "?"):
        assert word in listed
    keys(driver, Keys.ESCAPE)
    assert driver.execute_script("return document.getElementById('help').hidden")
    keys(driver, "f")
    time.sleep(0.3)
    assert driver.execute_script("return !!document.fullscreenElement")
    keys(driver, "f")
    time.sleep(0.3)
    assert driver.execute_script("return !document.fullscreenElement")
    settle(driver)
    ((step, current, px, inside, _),) = driver.execute_script(WALK, [first_back], 0)
    assert inside and px >= 20


def test_the_address_keeps_up_however_fast_one_steps(window, pages):
    from selenium.webdriver.support.ui import WebDriverWait

    driver, _ = window
    url, s = pages["lecture_net"]
    driver.get(url)
    # 3 times through every step, as fast as a script can press keys: past what browsers let
    # a page change its address in 10 s
    driver.execute_script(
        "for (var r = 0; r < 3; r++) for (var k = 0; k < arguments[0]; k++)"
        "  document.dispatchEvent(new KeyboardEvent('keydown', {key: r % 2 ? 'ArrowLeft' :"
        " 'ArrowRight', bubbles: true}));",
        s.total,
    )
    step = driver.execute_script("return Number(document.body.dataset.step)")
    assert step in (s.total, 0) or 0 < step < s.total
    WebDriverWait(driver, 15).until(lambda d: state(d) == (step, f"#step={step}"))


@pytest.mark.parametrize("name", ["demo", "cs231n", "tanh_neuron", "mlp_4_1"])
def test_backward_steps_show_what_each_edge_carries(window, pages, name):
    driver, _ = window
    url, s = pages[name]
    driver.get(url)
    t, forward = s.trace, len(s.trace.forward)
    for j, flows in enumerate(t.flows):
        driver.execute_script(WALK, [forward + 1 + j], 0)
        got = driver.execute_script(
            "return Array.from(document.querySelectorAll('#view-full text.flow'))"
            ".map(function (t) { return t.textContent; })"
        )
        assert sorted(got) == sorted(flow_text(f) for f in flows), j
        back = driver.execute_script(
            "return document.querySelectorAll('#view-full g.edge.back').length"
        )
        assert back == len(flows) + 1  # each input's edge and the op's, pointing back
        marked = driver.execute_script(
            "return Array.from(document.querySelectorAll('#view-full text.got'))"
            ".map(function (t) { return t.textContent; })"
        )
        for f in flows:  # the boxes that just received a contribution, partial sums said so
            assert f"grad {fmt(f.total)}{'' if f.final else ' so far'}" in marked
    driver.execute_script(WALK, [forward], 0)  # a forward step: nothing flows back
    assert not driver.execute_script("return document.querySelectorAll('.flow, .back').length")


def test_the_explanation_is_written_from_the_engines_steps(window, pages):
    driver, _ = window
    url, s = pages["cs231n"]
    driver.get(url)
    forward = len(s.trace.forward)
    for j, lines in enumerate(s.trace.lines):
        driver.execute_script(WALK, [forward + 1 + j], 0)
        text = driver.find_element("id", "explain").text
        assert all(line in text for line in lines), (j, lines, text)


def test_collapsed_pictures_step_at_their_own_grain(window, pages):
    from selenium.webdriver.common.keys import Keys

    driver, _ = window
    url, s = pages["mlp_16_16_1"]
    for view, key in ((1, "neurons"), (2, "layers")):
        driver.get(url + "#step=0")
        driver.find_element("css selector", f'#views button[data-view="{view}"]').click()
        seen = []
        while True:
            keys(driver, Keys.ARROW_RIGHT)
            step, current, lit = driver.execute_script(
                "var id = document.body.dataset.current, el = document.getElementById(id);"
                "return [Number(document.body.dataset.step), id, el && el.classList.contains("
                "'row') ? Array.from(el.querySelectorAll('polygon')).every(function (p) {"
                " return p.getAttribute('fill') === '#ffe34d'; }) : null];"
            )
            if seen and step == seen[-1][0]:
                break
            seen.append((step, current, lit))
        phases = ["f" if k <= len(s.trace.forward) else "b" for k, _, _ in seen]
        runs = list(zip(phases, [c for _, c, _ in seen]))
        assert all(a != b for a, b in zip(runs, runs[1:]))  # each Next changes what is lit
        neurons = sum(1 for g in s.trace.names.group.values() if g) and 33  # 16 + 16 + 1
        assert len(seen) < s.total and len(seen) >= 2 * neurons
        if key == "layers":  # the current neuron's row is lit, not its whole layer
            rows = [lit for _, current, lit in seen if re.search(r"-row\d+$", current)]
            assert rows and all(rows)


def test_the_jupyter_output_fits_its_cell(window, pages, tmp_path):
    driver, _ = window
    _, s = pages["cs231n"]
    page = tmp_path / "notebook.html"
    page.write_text(
        '<!doctype html><html><body style="margin:0"><div style="width:860px;margin:20px">'
        f"{s._repr_html_()}</div></body></html>",
        encoding="utf-8",
    )
    driver.get(page.as_uri())
    driver.switch_to.frame(driver.find_element("tag name", "iframe"))
    try:
        wide = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert wide[0] <= wide[1]  # no horizontal scrollbar, nothing cropped
        for step, current, px, inside, _ in driver.execute_script(WALK, spread(s.total), 0):
            assert step == 0 or (current and px >= 20 and inside), (step, px, inside)
    finally:
        driver.switch_to.default_content()


def test_ctrl_wheel_zooms_in_and_the_next_step_keeps_it(window, pages):
    from selenium.webdriver.common.keys import Keys

    driver, _ = window
    url, _ = pages["mlp_4_1"]
    driver.get(url + "#step=3")
    before = float(driver.find_element("id", "stage").get_attribute("data-scale"))
    driver.execute_script(
        "var v = document.getElementById('viewport').getBoundingClientRect();"
        "document.getElementById('viewport').dispatchEvent(new WheelEvent('wheel', {deltaY: -300,"
        " ctrlKey: true, clientX: v.left + 100, clientY: v.top + 100, bubbles: true,"
        " cancelable: true}));"
    )
    zoomed = float(driver.find_element("id", "stage").get_attribute("data-scale"))
    assert zoomed > before
    keys(driver, Keys.ARROW_RIGHT)
    settle(driver)
    assert float(driver.find_element("id", "stage").get_attribute("data-scale")) >= zoomed
    keys(driver, "0")  # the whole picture, one key away
    whole = float(driver.find_element("id", "stage").get_attribute("data-scale"))
    assert whole < before
    keys(driver, Keys.ARROW_RIGHT)  # and the next step is readable again
    settle(driver)
    assert float(driver.find_element("id", "stage").get_attribute("data-scale")) >= before
