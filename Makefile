# distillguard: the two commands a newcomer runs are `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data
DEMO ?= demo-output
SCALE ?= small

.PHONY: demo test install install-test install-redis bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

## Install, then run the main job on built-in sample data.
demo: install
	bash scripts/demo.sh "$(BIN)" "$(DATA)" "$(DEMO)" $(SCALE)

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser).
install-browser: install-test
	bash scripts/install_browser.sh $(BIN)/python

# Debian's redis-server for the serve tests (they start it themselves on a free port).
install-redis:
	bash scripts/install_redis.sh

## Install the test dependencies and run the whole suite (unit, property, e2e in a real browser).

# Debian's PostgreSQL server for the LiteLLM spend-log adapter test (tests/ingest/adapters).
install-postgres:
	bash scripts/install_postgres.sh

## Install the test dependencies and run the whole suite (unit, property, e2e in a real browser).
test: install-browser install-redis install-postgres
	$(BIN)/python -m pytest -n 2 -q -m "" tests

bench: install-test
	$(BIN)/python benchmarks/ingest.py --n 1000000

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
