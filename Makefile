# Two commands do all the set-up: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

COMPILED := build/compiled
# why the mypyc build cannot be made here (no C compiler / Python headers), empty when it can
NO_COMPILER = $(shell $(BIN)/python -c 'import setup; print(setup.compiler_ready() or "")')

.PHONY: run demo test lint typecheck unit compiled unit-compiled bench clean

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

test: $(STAMP) lint typecheck unit unit-compiled

lint: $(STAMP)
	$(BIN)/ruff check gateway tests benchmarks setup.py
	$(BIN)/ruff format --check gateway tests benchmarks setup.py

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# optional (issue 11): the translation hot path compiled with mypyc (setup.py; the modules
# are listed in pyproject's [tool.edigw.mypyc]) into build/compiled, beside the pure
# modules and with the checkout's mappings/; skipped, saying why, without a C compiler or
# the Python headers. The editable install in .venv stays pure.
compiled: $(STAMP)
	$(if $(NO_COMPILER),@echo "make compiled skipped: $(NO_COMPILER)",\
	EDIGW_MYPYC=1 $(BIN)/python setup.py --quiet build_py --build-lib $(COMPILED) \
		build_ext --build-lib $(COMPILED) --build-temp build/temp --parallel 2 \
	&& ln -sfn ../../mappings $(COMPILED)/mappings)

# the unit tests again, against the compiled modules (build/compiled first on the path;
# `-p gateway` imports the package from there before pytest puts the checkout on sys.path;
# PYTHONSAFEPATH keeps `python -m gateway` / `-c` in a test's subprocess, run from the
# checkout, from putting the pure modules first): tests/test_compiled_build.py fails the run
# if it, or such a subprocess, did not import them
unit-compiled: compiled
	$(if $(NO_COMPILER),@echo "make unit-compiled skipped: $(NO_COMPILER)",\
	EDIGW_EXPECT_COMPILED=1 PYTHONSAFEPATH=1 PYTHONPATH=$(CURDIR)/$(COMPILED) \
		$(BIN)/pytest -p gateway tests --ignore=tests/integration)

# (the mypyc rows against a build of the current sources: translate.py skips a stale one)
# (and pyx12, the peer in the 214 rows: the bench extra)
bench: $(STAMP) compiled
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/translate.py
	$(BIN)/python benchmarks/translate_instructions.py
	$(BIN)/python benchmarks/edifact_worst.py
	$(BIN)/python benchmarks/x12_worst.py
	$(BIN)/python benchmarks/translate_shapes.py
	$(BIN)/python benchmarks/submit.py
	$(BIN)/python benchmarks/service.py
	$(BIN)/python benchmarks/console.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build
