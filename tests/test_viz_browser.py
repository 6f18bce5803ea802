"""The HTML stepper in a real browser: Debian's headless Chromium driven by selenium.

Like conftest's fixtures: outside CI a missing chromedriver skips, in CI (CI=true) it fails.
Selenium Manager is never asked to download anything: the driver and browser paths are given.
"""

from __future__ import annotations

import os
import shutil

import pytest

from autograd import Value, backward_steps
from viz import stepper_html
from viz.notation import Names, chain_lines

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def chromedriver() -> str:
    """Path of Debian's chromedriver (package chromium-driver)."""
    for path in ("/usr/bin/chromedriver", shutil.which("chromedriver")):
        if path and os.path.exists(path):
            return path
    message = "chromedriver is not available: install it (apt-get install chromium-driver)"
    if IN_CI:
        pytest.fail(f"CI must run this test, but {message}")
    pytest.skip(message)
    raise AssertionError("unreachable")


@pytest.fixture
def browser(chromium, chromedriver, tmp_path, monkeypatch):
    webdriver = pytest.importorskip("selenium.webdriver")
    monkeypatch.setenv("SE_OFFLINE", "true")  # belt and braces: Selenium Manager never downloads
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1200,800",
    ):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.binary_location = chromium
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(dot, tmp_path):
    """A stepper for tanh((x + y) * z) * x: 4 backward steps, so frames 0..4."""
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    out = ((x + y) * z).tanh() * x
    path = stepper_html(out, tmp_path / "stepper.html")
    names, seen = Names(out), {}
    texts = [chain_lines(step, names, seen) for step in backward_steps(out)]
    return path.as_uri(), texts


def text(driver, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id).text


def test_next_steps_forward_and_updates_the_fragment(browser, page):
    from selenium.webdriver.common.by import By

    url, texts = page
    browser.get(url)
    assert text(browser, "step-label") == "Step 0 of 4: forward pass"
    assert browser.find_element(By.ID, "prev").get_attribute("disabled") is not None
    assert browser.find_elements(By.CSS_SELECTOR, "#picture svg")
    browser.find_element(By.ID, "next").click()
    assert text(browser, "step-label").startswith("Step 1 of 4")
    assert browser.current_url.endswith("#step=1")
    explain = text(browser, "explain")
    assert all(line in explain for line in texts[0])
    browser.find_element(By.ID, "next").click()
    assert text(browser, "step-label").startswith("Step 2 of 4")
    assert browser.current_url.endswith("#step=2")
    browser.find_element(By.ID, "prev").click()
    assert browser.current_url.endswith("#step=1")


def test_fragment_opens_that_step(browser, page):
    from selenium.webdriver.common.by import By

    url, texts = page
    browser.get(url + "#step=3")
    assert text(browser, "step-label").startswith("Step 3 of 4")
    assert browser.find_element(By.ID, "slider").get_attribute("value") == "3"
    explain = text(browser, "explain")
    assert all(line in explain for line in texts[2])
    # the highlighted box in the picture is the node of step 3
    assert browser.find_elements(By.CSS_SELECTOR, '#picture svg polygon[fill="#ffe34d"]')


def test_arrow_keys_and_slider_step(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, _ = page
    browser.get(url + "#step=2")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    assert text(browser, "step-label").startswith("Step 3 of 4")
    body.send_keys(Keys.ARROW_LEFT)
    body.send_keys(Keys.ARROW_LEFT)
    assert text(browser, "step-label").startswith("Step 1 of 4")
    assert browser.current_url.endswith("#step=1")
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = '4';"
        "s.dispatchEvent(new Event('input'));"
    )
    assert text(browser, "step-label").startswith("Step 4 of 4")
    assert "Done: dx =" in text(browser, "explain")
    assert browser.current_url.endswith("#step=4")


def test_play_advances_by_itself(browser, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = page
    browser.get(url + "#step=3")
    browser.find_element(By.ID, "play").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("#step=4"))
    WebDriverWait(browser, 5).until(lambda d: text(d, "play") == "Play")  # stops at the end
