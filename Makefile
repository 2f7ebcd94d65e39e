# Two commands set everything up on a fresh machine (Python >= 3.10, Node.js >= 18 with npm):
#   make demo   - installs, then runs the MRA network demo on the embedded chain
#   make test   - installs, then runs the test suite
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test compile

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund  # not `npm ci`: npm 11 locks only this platform's anvil binary
	touch $@

demo: setup
	$(BIN)/cadena demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

compile: setup
	$(BIN)/cadena compile
