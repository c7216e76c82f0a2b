# Two commands do all the set-up: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# the gateway on embedded defaults: SQLite ledger in ./data, hosted SFTP on 2222, HTTP on
# 8080, the SP-API emulator in-process on 8700, demo partner `demo` (see README). The demo's
# emulator settles transactions as Success after 2 s (--emulator-settle success) for a snappy
# demo; Amazon's production, and the emulator's default, leave V1 transactions Processing.
run: $(STAMP)
	$(BIN)/edigw serve --demo --data-dir data --http-port 8080 --sftp-port 2222 \
		--emulator-settle success

# translate the bundled samples and show what the gateway would send and acknowledge
demo: $(STAMP)
	$(BIN)/edigw demo

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check gateway tests benchmarks
	$(BIN)/ruff format --check gateway tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/translate.py
	$(BIN)/python benchmarks/submit.py
	$(BIN)/python benchmarks/service.py
	$(BIN)/python benchmarks/console.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
