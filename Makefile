# Two commands do all the set-up: `make demo` runs the main job, `make test` the whole suite.
# Each installs only what it needs into .venv: the demo, the package with its three
# dependencies (numpy, graphviz, tqdm); the tests, the dev and examples extras as well.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
DEMO_DEPS := $(VENV)/.installed-demo
TEST_DEPS := $(VENV)/.installed-test

.PHONY: demo test lint format bench clean

# pip >= 21.3 installs a pyproject.toml project in editable mode; a venv's own pip is
# usually newer, and then this is a no-op that never touches the network.
$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) "pip>=21.3"

$(DEMO_DEPS): pyproject.toml | $(PY)
	$(PIP) -e .
	touch $@

$(TEST_DEPS): pyproject.toml | $(PY)
	$(PIP) -e ".[dev,examples]"
	touch $@ $(DEMO_DEPS)

demo: $(DEMO_DEPS)
	$(PY) -m viz

test: $(TEST_DEPS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q

lint: $(TEST_DEPS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: $(TEST_DEPS)
	$(PIP) -e ".[bench]"
	$(PY) tests/perf/bench_engine.py
	$(PY) tests/perf/bench_train.py
	$(PY) tests/perf/bench_viz.py
	$(PY) tests/perf/bench_io.py

format: $(TEST_DEPS)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis viz-out
