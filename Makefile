# Accord — every command creates .venv on demand.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export ACCORD_DATA_DIR ?= $(CURDIR)/var

.PHONY: install run test test-fast lint bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/accord migrate --no-input
	$(BIN)/accord demo
	$(BIN)/accord run

test: $(STAMP)
	$(BIN)/pytest -n 2

test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -m 'not slow'

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/accord makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
