"""The HTML stepper in a real browser: Debian's headless Chromium driven by selenium.

The browser comes from tests/viz_browser.py: outside CI a missing chromedriver skips, in CI
(CI=true) it fails; Selenium Manager is never asked to download anything.
"""

from __future__ import annotations

import pytest
from viz_browser import open_browser

from autograd import Value, backward_steps
from viz import stepper_html
from viz.notation import Names, chain_lines


@pytest.fixture
def browser():
    with open_browser((1280, 800)) as driver:
        yield driver


@pytest.fixture
def page(dot, tmp_path):
    """A stepper for tanh((x + y) * z) * x: 4 forward and 4 backward steps, so 0..8."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    out = ((x + y) * z).tanh() * x
    path = stepper_html(out, tmp_path / "stepper.html")
    names, seen = Names(out), {}
    texts = [chain_lines(step, names, seen) for step in backward_steps(out)]
    return path.as_uri(), texts


def text(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


BOXES = """return Array.from(document.querySelectorAll('#picture g.node')).map(function (g) {
  var b = g.getBBox(); return [g.id, b.x, b.y, b.width, b.height]; });"""


def test_next_steps_forward_and_updates_the_fragment(browser, page):
    from selenium.webdriver.common.by import By

    url, texts = page
    browser.get(url)
    assert text(browser, "step-label") == "Step 0 of 8: not yet computed"
    assert "not yet computed" in text(browser, "explain")
    assert browser.find_element(By.ID, "prev").get_attribute("disabled") is not None
    browser.find_element(By.ID, "next").click()
    assert text(browser, "step-label").startswith("Step 1 of 8: forward")
    assert browser.current_url.endswith("#step=1")
    browser.get(url + "#step=5")
    assert text(browser, "step-label").startswith("Step 5 of 8: backward")
    explain = text(browser, "explain")
    assert all(line in explain for line in texts[0])


def test_fragment_opens_that_step_and_values_fill_in(browser, page):
    from selenium.webdriver.common.by import By

    url, texts = page
    browser.get(url + "#step=7")
    assert text(browser, "step-label").startswith("Step 7 of 8")
    assert browser.find_element(By.ID, "slider").get_attribute("value") == "7"
    assert all(line in text(browser, "explain") for line in texts[2])
    assert browser.find_elements(By.CSS_SELECTOR, '#picture polygon[fill="#ffe34d"]')
    svg = browser.find_element(By.CSS_SELECTOR, "#picture svg").get_attribute("textContent")
    assert "grad 1" in svg and "data ?" not in svg
    browser.get(url + "#step=0")
    browser.refresh()
    svg = browser.find_element(By.CSS_SELECTOR, "#picture svg").get_attribute("textContent")
    assert "data ?" in svg and "grad ?" in svg and "data -2" in svg


def test_every_box_keeps_its_place_at_every_step(browser, page):
    url, _ = page
    seen = []
    for step in (0, 1, 4, 8):
        browser.get(url + f"#step={step}")
        browser.refresh()
        seen.append(browser.execute_script(BOXES))
    assert len(seen[0]) > 5 and all(boxes == seen[0] for boxes in seen)


def test_arrow_keys_and_slider_step(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, _ = page
    browser.get(url + "#step=2")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert text(browser, "step-label").startswith("Step 3 of 8")
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    assert text(browser, "step-label").startswith("Step 1 of 8")
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = '8';"
        "s.dispatchEvent(new Event('input'));"
    )
    assert text(browser, "step-label").startswith("Step 8 of 8")
    assert "dx =" in text(browser, "explain") and "Done" in text(browser, "explain")
    assert browser.current_url.endswith("#step=8")


def test_zoom_buttons_change_the_scale(browser, page):
    from selenium.webdriver.common.by import By

    url, _ = page
    browser.get(url)

    def scale() -> float:
        return float(browser.find_element(By.ID, "stage").get_attribute("data-scale"))

    before = scale()
    browser.find_element(By.ID, "zoom-in").click()
    assert scale() == pytest.approx(before * 1.25)
    for _ in range(5):  # zooming out stops at the size the back row reads
        browser.find_element(By.ID, "zoom-out").click()
    readable = scale()
    assert readable * 11 >= 20 and readable <= before
    browser.find_element(By.ID, "fit").click()  # the whole picture may be smaller
    assert 0 < scale() <= readable


def test_play_advances_by_itself(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = page
    browser.get(url + "#step=7")
    browser.find_element(By.ID, "play").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("#step=8"))
    WebDriverWait(browser, 5).until(lambda d: text(d, "play") == "Play")  # stops at the end


def test_the_3_input_neuron_is_readable_at_1280x800(browser, dot, tmp_path):
    xs = [Value(v, f"x{i + 1}") for i, v in enumerate([2.0, -1.0, 0.5])]
    ws = [Value(v, f"w{i + 1}") for i, v in enumerate([-3.0, 1.0, 0.7])]
    b = Value(6.8813735870195432, "b")
    out = (ws[0] * xs[0] + ws[1] * xs[1] + ws[2] * xs[2] + b).tanh()
    browser.get(stepper_html(out, tmp_path / "n.html").as_uri() + "#step=5")
    heights = browser.execute_script(
        "return Array.from(document.querySelectorAll('#picture g.node text'))"
        ".map(function (t) { return t.getBoundingClientRect().height; });"
    )
    assert heights and min(heights) >= 11


def test_injected_labels_stay_text(browser, dot, tmp_path):
    from selenium.webdriver.common.by import By

    bad = ["</script><script>window.pwned=1</script>", '"><img src=x onerror="window.pwned=1">']
    out = Value(1.0, bad[0]) * Value(2.0, bad[1])
    browser.get(stepper_html(out, tmp_path / "x.html", title=bad[1]).as_uri() + "#step=2")
    assert browser.execute_script("return window.pwned") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "img")
    assert "<img" in text(browser, "title")


VISIBLE_BOXES = """return Array.from(document.querySelectorAll(
  '#picture .view:not([hidden]) g.node')).map(function (g) {
  var b = g.getBBox(); return [g.id, b.x, b.y, b.width, b.height]; });"""


def go_to(driver, step: int) -> None:
    driver.execute_script(
        "const s = document.getElementById('slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input'));",
        str(step),
    )


@pytest.fixture
def mlp_page(dot, tmp_path):
    import nn

    model = nn.MLP(2, [4, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    return stepper_html(loss, tmp_path / "mlp.html", params=model).as_uri()


def test_each_picture_keeps_its_boxes_fixed_when_switching_and_stepping(browser, mlp_page):
    from selenium.webdriver.common.by import By

    browser.get(mlp_page)
    last = int(browser.find_element(By.ID, "slider").get_attribute("max"))

    def view(k: int) -> None:
        browser.find_element(By.CSS_SELECTOR, f'#views button[data-view="{k}"]').click()

    def boxes_at_steps() -> list:
        seen = []
        for step in (0, 1, last // 2, last):
            go_to(browser, step)
            seen.append(browser.execute_script(VISIBLE_BOXES))
        return seen

    full = boxes_at_steps()
    view(1)
    assert browser.find_element(By.ID, "stage").get_attribute("data-view") == "neurons"
    neurons = boxes_at_steps()
    view(0)
    full_again = boxes_at_steps()
    view(2)
    layers = boxes_at_steps()
    view(1)
    neurons_again = boxes_at_steps()
    for seen in (full, neurons, layers):
        assert len(seen[0]) > 2 and all(boxes == seen[0] for boxes in seen)
    assert full_again == full and neurons_again == neurons
    ids = [{b[0] for b in seen[0]} for seen in (full, neurons, layers)]
    assert len(ids[0]) > len(ids[1]) > len(ids[2])  # collapsing makes fewer boxes
    # step 1 computes inside neuron L0.N0: the neurons picture lights that neuron's box
    go_to(browser, 1)
    lit = browser.execute_script(
        "var d = JSON.parse(document.getElementById('steps').textContent);"
        "var box = d.views[1].owner[d.steps[1][0]];"
        "return [d.views[1].boxes[box], document.getElementById(box + '-bg').getAttribute('fill')];"
    )
    assert lit == ["L0.N0", "#ffe34d"]
    assert "L0.N0" in text(browser, "explain")  # the step's arithmetic is still explained


def test_a_click_on_a_neurons_box_shows_it_among_every_value(browser, mlp_page):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(mlp_page + "#step=3")
    browser.find_element(By.CSS_SELECTOR, '#views button[data-view="1"]').click()
    box = browser.execute_script(
        "var d = JSON.parse(document.getElementById('steps').textContent);"
        "return Object.keys(d.views[1].boxes).find(function (b) {"
        "  return d.views[1].boxes[b] === 'L0.N1'; });"
    )
    ActionChains(browser).move_to_element(browser.find_element(By.ID, box)).click().perform()
    assert browser.find_element(By.ID, "stage").get_attribute("data-view") == "full"
    inside = browser.execute_script(
        "var r = document.getElementById('c:L0.N1').getBoundingClientRect();"
        "var v = document.getElementById('viewport').getBoundingClientRect();"
        "var x = r.left + r.width / 2, y = r.top + r.height / 2;"
        "return x > v.left && x < v.right && y > v.top && y < v.bottom;"
    )
    assert inside  # centred on the neuron that was clicked


@pytest.mark.parametrize("which", ["demo", "mlp"])
def test_toolbar_buttons_cover_no_node_at_step_0(browser, page, mlp_page, which):
    url = page[0] if which == "demo" else mlp_page
    browser.get(url + "#step=0")
    overlaps = browser.execute_script(
        """
        var v = document.getElementById('viewport').getBoundingClientRect();
        var buttons = Array.from(document.querySelectorAll('#picture button'))
          .map(function (b) { return b.getBoundingClientRect(); });
        var nodes = Array.from(document.querySelectorAll(
          '#picture .view:not([hidden]) g.node'));
        var hits = [];
        nodes.forEach(function (g) {
          var r = g.getBoundingClientRect();
          // the part of the node that can be seen (the viewport clips the rest)
          var left = Math.max(r.left, v.left), right = Math.min(r.right, v.right);
          var top = Math.max(r.top, v.top), bottom = Math.min(r.bottom, v.bottom);
          if (left >= right || top >= bottom) return;
          buttons.forEach(function (b) {
            if (left < b.right && b.left < right && top < b.bottom && b.top < bottom)
              hits.push(g.id);
          });
        });
        return [hits, nodes.length, buttons.length];
        """
    )
    hits, count, buttons = overlaps
    assert count > 2 and buttons >= 3 and hits == []
