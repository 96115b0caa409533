# rolegate: two commands on a fresh machine.
#   make run   - create .venv, install rolegate, start the server on SQLite under ./data
#   make test  - create .venv, install rolegate with its test tools, lint, type-check, run every
#                test with line and branch coverage (COV= to leave coverage out, e.g. for a subset)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# coverage of the whole run, the server processes and the CLI included ([tool.coverage] in
# pyproject.toml); below its fail_under the run fails
COV    ?= --cov --cov-report=term

.PHONY: run test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rolegate serve --data-dir ./data

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	rm -f .coverage .coverage.*
	$(BIN)/python -m pytest -n 2 $(COV) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/policy_eval.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
