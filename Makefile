# Two entry points: `make demo` (install and run the demo MPP) and `make test` (install and
# run the whole suite). Everything lands in .venv and mpp/static/vendor.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-test system-deps demo test lint bench

$(BIN)/python:
	PYTHON=$(PYTHON) scripts/system-deps.sh base
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	scripts/vendor.sh

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	scripts/vendor.sh

system-deps:
	scripts/system-deps.sh

demo: install
	$(BIN)/mpp run

test: system-deps install-test
	scripts/test.sh

lint:
	$(BIN)/ruff check .
