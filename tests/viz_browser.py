"""A headless Chromium for the browser tests of the stepper page (Debian's chromium and
chromedriver, driven by selenium; Selenium Manager never downloads anything). Outside CI a
missing browser skips, in CI (CI=true) it fails."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

DRIVER = "/usr/bin/chromedriver"


@contextmanager
def open_browser(size: tuple[int, int] = (1280, 800)) -> Iterator[object]:
    """A headless Chromium with a window of ``size`` CSS pixels, quit on exit."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not os.path.exists(DRIVER) or browser is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must run the browser tests: install chromium chromium-driver")
        pytest.skip("chromium and chromedriver are needed (apt-get install chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run",
                 f"--window-size={size[0]},{size[1]}"):  # fmt: skip
        options.add_argument(flag)
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        options.binary_location = browser
        driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()
