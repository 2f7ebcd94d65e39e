# Two commands set everything up on a fresh machine (Python >= 3.10, Node.js >= 20 with npm):
#   make demo   - installs, then runs the MRA network demo on the embedded chain
#   make test   - installs, then runs the whole check: lint, format, types and the test suite
#   make test-fast - the quick tier while you work: lint and the tests not marked slow (about 75 s)
# The tests run in two processes (pytest-xdist: the machines this runs on have two cores); PYTEST_WORKERS=0
# runs them in one.
VENV := .venv
PYTEST_WORKERS ?= 2
BIN := $(VENV)/bin

.PHONY: setup demo test test-fast compile

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund  # exactly the lock, which names every platform's anvil binary: the tree stays clean
	touch $@

demo: setup
	$(BIN)/cadena demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test-fast: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not slow"

compile: setup
	$(BIN)/cadena compile
