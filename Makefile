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

# the long fault runs (docs/faults.md): the API fuzzed with FUZZ_REQUESTS generated requests,
# kill -9 with FAULT_ROUNDS rounds, atheris on each parser for FUZZ_SECONDS
FUZZ_REQUESTS ?= 100000
FAULT_ROUNDS  ?= 10
FUZZ_SECONDS  ?= 300
FUZZ_REPORT   ?= fuzz-report.txt
FUZZERS       := form sigv4 policy jwt saml

.PHONY: run test lint typecheck unit bench clean fuzz faults fuzz-parsers

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rolegate serve --data-dir ./data

lint: $(STAMP)
	$(BIN)/ruff check src tests bench fuzz scripts
	$(BIN)/ruff format --check src tests bench fuzz scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# PYTHONDONTWRITEBYTECODE emptied: the test processes, every `rolegate serve` and CLI process they
# start would otherwise compile rolegate's sources and rewrite the tests' asserts again each time
test: lint typecheck
	rm -f .coverage .coverage.*
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 $(COV) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/policy_eval.py

fuzz: $(STAMP)
	ROLEGATE_FUZZ_REQUESTS=$(FUZZ_REQUESTS) ROLEGATE_FUZZ_REPORT=$(abspath $(FUZZ_REPORT)) \
		$(BIN)/python -m pytest -p no:randomly -p no:cacheprovider -q -s --timeout=0 \
		tests/faults/test_api_fuzz.py -k sqlite

faults: $(STAMP)
	ROLEGATE_FAULT_ROUNDS=$(FAULT_ROUNDS) $(BIN)/python -m pytest -p no:randomly -q --timeout=0 \
		tests/faults/test_kill9.py tests/faults/test_postgres_restart.py tests/faults/test_disk_full.py

# atheris needs its own install: pip install -e '.[fuzz]'; corpora are kept in fuzz/corpus/
fuzz-parsers: $(STAMP)
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[fuzz]'
	for name in $(FUZZERS); do \
		$(BIN)/python fuzz/fuzz_$$name.py fuzz/corpus/$$name -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=fuzz/corpus/$$name- || exit 1; \
	done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
