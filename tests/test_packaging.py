"""What a user meets before any graph: the install, the version, the command's help and name,
and the guard against HIPS autograd sharing the import name."""

from __future__ import annotations

import email
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

import autograd
import nn
import viz
from autograd import clash
from viz.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["autograd", "nn", "viz"]


def project_copy(dest: Path) -> Path:
    """The files a build reads, copied so that a build never writes into the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "out")
    for name in ["pyproject.toml", "README.md", "LICENSE", "Makefile"]:
        shutil.copy(ROOT / name, dest / name)
    for name in [*PACKAGES, "tests", "examples"]:
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def setuptools_build(hook: str, project: Path) -> tuple[Path, str]:
    """Run a PEP 517 hook of setuptools in a subprocess; returns the wheel and all it printed."""
    setuptools = pytest.importorskip("setuptools")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip("building needs setuptools >= 77 (pyproject's build-system)")
    code = f"from setuptools import build_meta; print(build_meta.{hook}('dist'))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    assert done.returncode == 0, done.stderr
    wheel = project / "dist" / done.stdout.strip().splitlines()[-1]
    return wheel, done.stdout + done.stderr


# -- first run ----------------------------------------------------------------------------------


def make_commands(target: str, project: Path) -> list[str]:
    """The pip commands `make TARGET` would run in a fresh clone (make -n runs nothing)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", target], cwd=project, capture_output=True, text=True, check=True
    )
    return [line for line in done.stdout.splitlines() if "pip install" in line]


def test_make_demo_installs_the_package_without_extras(tmp_path):
    (tmp_path / "Makefile").write_bytes((ROOT / "Makefile").read_bytes())
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    installs = make_commands("demo", tmp_path)
    assert installs and installs[-1].endswith("-e .")
    assert not any("[" in line for line in installs)  # no .[dev], no .[examples]
    test_installs = make_commands("test", tmp_path)
    assert test_installs[-1].endswith("""-e ".[dev,examples]\"""")


def test_the_package_needs_only_numpy_graphviz_and_tqdm():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0] for d in project["dependencies"]}
    assert names == {"numpy", "graphviz", "tqdm"}
    for extra, deps in project["optional-dependencies"].items():
        assert not names & {re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0] for d in deps}, extra


def test_editable_install_prints_no_setuptools_warning(tmp_path):
    wheel, printed = setuptools_build("build_editable", project_copy(tmp_path))
    assert "same name as your package" not in printed
    assert "Warning" not in printed, printed
    with zipfile.ZipFile(wheel) as whl:
        pth = [n for n in whl.namelist() if n.endswith(".pth")]
        assert len(pth) == 1
        assert Path(whl.read(pth[0]).decode().strip()) == tmp_path.resolve()


def test_wheel_ships_the_packages_their_data_and_metadata(tmp_path):
    wheel, _ = setuptools_build("build_wheel", project_copy(tmp_path))
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(whl.read(meta_name))
        entry_points = whl.read(meta_name.replace("METADATA", "entry_points.txt")).decode()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == set(PACKAGES)  # never tests/ or examples/
    for package in PACKAGES:
        assert f"{package}/py.typed" in names
    assert any(re.fullmatch(r"nn/datasets/.+\.csv", n) for n in names)
    # every module of every package and subpackage ships (autograd.compile, autograd.rows)
    sources = {
        p.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sources <= set(names), sorted(sources - set(names))
    assert meta["Version"] == autograd.__version__
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Source", "Issues", "Documentation"}
    assert all(u.startswith("https://") for u in urls.values())
    assert re.search(r"^stepgrad = viz\.__main__:main$", entry_points, re.M)


# -- version ------------------------------------------------------------------------------------


def test_every_package_has_the_one_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", autograd.__version__)
    assert nn.__version__ == viz.__version__ == autograd.__version__
    assert "__version__" in autograd.__all__


def test_version_option_prints_it(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"stepgrad {autograd.__version__}\n"


# -- help ---------------------------------------------------------------------------------------


def help_text(capsys, monkeypatch, argv0: str) -> str:
    monkeypatch.setattr(sys, "argv", [argv0])
    assert main(["--help"]) == 0
    return capsys.readouterr().out


def test_help_lists_one_example_per_line(capsys, monkeypatch):
    text = help_text(capsys, monkeypatch, str(ROOT / "viz" / "__main__.py"))
    block = text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(block) >= 3
    for line in block:
        assert line.startswith("  python -m viz")
        assert " | " not in line
    assert "  python -m viz 'tanh(a * b + c)' a=0.5 b=-1 c=2  " in block[2]


def test_help_lists_every_function_with_its_arguments(capsys, monkeypatch):
    from viz.expr import FUNCTIONS

    text = help_text(capsys, monkeypatch, "python -m viz")
    block = text.split("\nfunctions", 1)[1].split("\n\n", 1)[0]
    for f in FUNCTIONS.values():
        assert f.signature in block
    assert max(len(line) for line in text.split("\nexamples:\n", 1)[1].splitlines()) <= 80


def test_usage_names_stepgrad_when_run_as_stepgrad(capsys, monkeypatch):
    text = help_text(capsys, monkeypatch, "/home/me/.venv/bin/stepgrad")
    assert text.startswith("usage: stepgrad [EXPR]")
    assert "python -m viz" not in text
    assert "\n  stepgrad 'tanh(a * b + c)' a=0.5 b=-1 c=2" in text


def test_installed_stepgrad_script_says_stepgrad(tmp_path):
    script = Path(sys.executable).with_name("stepgrad")
    if not script.exists():
        pytest.skip("the stepgrad console script is not installed here (pip install -e .)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: stepgrad ")


# -- name clash with HIPS autograd --------------------------------------------------------------


def fake_distribution(folder: Path, name: str = "autograd", version: str = "1.7.0") -> Path:
    """A minimal installed distribution: NAME-VERSION.dist-info/METADATA, as pip writes it."""
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return folder


@pytest.fixture
def fresh_guard(monkeypatch):
    monkeypatch.setattr(clash, "_warned", False)


def test_hips_autograd_installed_warns_once_in_one_line(tmp_path, monkeypatch, fresh_guard):
    monkeypatch.syspath_prepend(str(fake_distribution(tmp_path)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = clash.check_name_clash()
        again = clash.check_name_clash()
    assert dist is not None and dist.version == "1.7.0" and again is not None
    assert len(caught) == 1
    warning = caught[0]
    assert issubclass(warning.category, clash.NameClashWarning)
    assert issubclass(warning.category, UserWarning)
    message = str(warning.message)
    assert "\n" not in message
    assert "HIPS autograd 1.7.0" in message and "virtual environment" in message
    assert "uninstall" in message  # what breaks


def test_other_distributions_do_not_warn(tmp_path, monkeypatch, fresh_guard):
    fake_distribution(tmp_path, "autograd_extras", "0.3")
    fake_distribution(tmp_path, "stepgrad", "0.1.0")
    monkeypatch.syspath_prepend(str(tmp_path))
    if importlib.util.find_spec("autograd") and clash._metadata_on_path():
        pytest.skip("a real autograd distribution is installed in this environment")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clash.check_name_clash() is None


def test_import_autograd_warns_when_hips_is_installed(tmp_path):
    site = fake_distribution(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)])}
    code = "import autograd, nn, viz"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "NameClashWarning" in line]
    assert len(lines) == 1, done.stderr
    assert "HIPS autograd 1.7.0 is installed" in lines[0]


def test_import_autograd_is_silent_without_hips(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import autograd"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    if clash._metadata_on_path():
        pytest.skip("a real autograd distribution is installed in this environment")
    assert done.returncode == 0 and done.stderr == "", done.stderr
