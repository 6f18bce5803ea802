"""Screenshots of the stepper pages a teacher projects, and the size of their text on screen.

    python tests/perf/stepper_screens.py [OUT_DIR]   (default: stepper-screens/)

For each page of tests/viz_pages.py, at 1280x800 and 1920x1080 (headless Chromium, default
zoom), writes PNGs at the start, mid-forward, the first backward step and the last step, and
of the lab (a number changed, a nudge, and 8 gradient steps on a page with parameters), then
steps through every step (at most 40 spread over the page) in every picture of the page (All
values, Neurons, Layers) and prints the smallest on-screen size of the current box's text
(font size times the picture's scale), whether that box was wholly inside the picture area
every time, the explanation's font size, and the page's build time and size. Needs chromium
and chromedriver (apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1]), str(HERE.parent)]

from viz_pages import PAGES  # noqa: E402

from viz import Stepper  # noqa: E402

SIZES = ((1280, 800), (1920, 1080))

# The current box's text size (its text's font-size times the stage's scale) and whether the
# box lies wholly inside the picture area; run once the camera has settled.
MEASURE = """
var id = document.body.dataset.current, el = id ? document.getElementById(id) : null;
var stage = document.getElementById('stage'), s = Number(stage.dataset.scale);
var v = document.getElementById('viewport').getBoundingClientRect();
var ex = parseFloat(getComputedStyle(document.getElementById('explain')).fontSize);
if (!el) return [null, true, ex, Number(document.body.dataset.step)];
var t = el.querySelector('text'), r = el.getBoundingClientRect();
var inside = r.left >= v.left - 0.5 && r.right <= v.right + 0.5 && r.top >= v.top - 0.5 &&
  r.bottom <= v.bottom + 0.5;
return [Number(t.getAttribute('font-size')) * s, inside, ex, Number(document.body.dataset.step)];
"""


def browser(width: int, height: int):  # noqa: ANN201 - selenium's driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def go(driver, step: int) -> None:  # noqa: ANN001
    driver.execute_script(
        "var s = document.getElementById('slider'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input'));",
        str(step),
    )
    time.sleep(0.05)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "stepper-screens")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pages = {}
        for name, make in PAGES.items():
            root, params, title = make()
            t0 = time.perf_counter()
            s = Stepper(root, params=params, title=title)
            path = s.save(Path(tmp) / f"{name}.html")
            took = time.perf_counter() - t0
            pages[name] = (path, s)
            print(f"{name}: {len(s.trace.shown)} boxes, {s.total} steps, built in {took:.2f} s,"
                  f" {path.stat().st_size / 1e6:.3f} MB")  # fmt: skip
        print("| page | window | smallest current text px | always inside | explanation px |")
        print("|---|---|---|---|---|")
        for width, height in SIZES:
            driver = browser(width, height)
            try:
                for name, (path, s) in pages.items():
                    shoot_and_measure(driver, name, path, s, out, width, height)
            finally:
                driver.quit()


def shoot_and_measure(driver, name, path, s, out, width, height) -> None:  # noqa: ANN001
    forward = len(s.trace.forward)
    driver.get(path.as_uri())
    time.sleep(0.3)
    marks = {"start": 0, "mid-forward": max(1, forward // 2), "first-backward": forward + 1,
             "last": s.total}  # fmt: skip
    for what, step in marks.items():
        go(driver, min(step, s.total))
        time.sleep(0.2)
        driver.save_screenshot(str(out / f"{name}-{width}x{height}-{what}.png"))
    lab(driver, name, s, out, width, height)
    driver.get(path.as_uri())
    time.sleep(0.3)
    every = range(1, s.total + 1)
    if len(every) > 40:
        every = sorted({round(1 + k * (s.total - 1) / 39) for k in range(40)})
    sizes, inside, explain = [], True, 0.0
    for view in range(len(s.views) + 1 if s.views else 1):  # every picture of the page
        driver.execute_script(
            "var b = document.querySelector('#views button[data-view=\"' + arguments[0] +"
            " '\"]'); if (b) b.click();",
            view,
        )
        for step in every:
            go(driver, step)
            px, ok, explain, _ = driver.execute_script(MEASURE)
            if px is not None:
                sizes.append(px)
            inside = inside and ok
    print(f"| {name} | {width}x{height} | {min(sizes):.1f} | {inside} | {explain:.1f} |")


def lab(driver, name, s, out, width, height) -> None:  # noqa: ANN001
    """The lab's controls in use: the first number changed, then nudged, then (with
    parameters) 8 gradient steps, at the first backward step."""
    go(driver, min(len(s.trace.forward) + 1, s.total))
    first = driver.execute_script("return window.stepgrad.leaves()[0]")
    driver.execute_script("window.stepgrad.set(arguments[0], 0.7)", first)
    driver.execute_script("window.stepgrad.nudge(arguments[0], 1e-4)", first)
    time.sleep(0.3)
    driver.save_screenshot(str(out / f"{name}-{width}x{height}-nudge.png"))
    if s.trace.parameters():
        for _ in range(8):
            driver.execute_script("window.stepgrad.sgd(0.05)")
        time.sleep(0.3)
        driver.save_screenshot(str(out / f"{name}-{width}x{height}-steps.png"))


if __name__ == "__main__":
    main()
