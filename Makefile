# The two commands of the README: `make demo` and `make test`.
# Each creates .venv and installs what it needs on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.py | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit install clean test-photos

$(STAMP): setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[all]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/viblio-pipeline demo

lint: $(STAMP)
	$(BIN)/ruff check viblio_pipeline tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy viblio_pipeline

test-photos: $(STAMP)
	$(BIN)/python tests/faces/fetch_photos.py || echo "warning: could not fetch the face test photos; those tests will be skipped"

unit: $(STAMP) test-photos
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
