"""The lesson notebook (examples/lesson.ipynb) runs from top to bottom, offline, in a real
kernel (nbclient), and each of its three steppers is a working, editable page: opened in
headless Chromium as Jupyter shows it (in an iframe), a number changed there recomputes
without the kernel."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest
from viz_browser import open_browser

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "lesson.ipynb"


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the notebook, but {what}")
    pytest.skip(what)


def _need(name: str):  # noqa: ANN202
    try:
        return importlib.import_module(name)
    except ImportError:
        _missing(f"{name} is missing (pip install -e '.[dev]')")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    import shutil

    if shutil.which("dot") is None:
        _missing("graphviz's dot is missing (apt-get install graphviz)")
    nbformat = _need("nbformat")
    nbclient = _need("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    run = tmp_path_factory.mktemp("lesson")
    nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(run)}}
    ).execute()
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def test_the_lesson_runs_and_shows_three_steppers(outputs):
    assert not [o for o in outputs if o.get("output_type") == "error"]
    pages = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert len(pages) == 3
    assert all("<iframe srcdoc=" in p and "window.stepgrad" in p for p in pages)
    assert all("https://" not in p for p in pages)  # nothing to fetch: it works offline


def test_every_stepper_in_the_lesson_is_editable_without_the_kernel(outputs, tmp_path):
    pages = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    with open_browser((1280, 800)) as browser:
        for k, (page, (leaf, value)) in enumerate(
            zip(pages, [("z", 2), ("w0", 1), ("L0.N0.b", 0.5)])
        ):
            path = tmp_path / f"output{k}.html"
            path.write_text(f"<!doctype html><html><body>{page}</body></html>", "utf-8")
            browser.get(path.as_uri())
            browser.switch_to.frame(browser.find_element("tag name", "iframe"))
            try:
                assert browser.execute_script("return window.stepgrad.editable"), k
                before = browser.execute_script("return window.stepgrad.read()")
                err = browser.execute_script(
                    "return window.stepgrad.set(arguments[0], arguments[1])", leaf, value
                )
                assert err is None
                after = browser.execute_script("return window.stepgrad.read()")
                assert after[leaf][0] == value and after != before, json.dumps(after)
            finally:
                browser.switch_to.default_content()
