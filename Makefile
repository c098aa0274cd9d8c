# The whole set-up is `make demo` or `make test`; both create .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
EXTRAS := prowler,sandbox,test
STAMP  := $(VENV)/.installed

.PHONY: demo test lint regenerate bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependency files change; constraints.txt pins the whole tree.
$(STAMP): $(BIN)/python setup.cfg pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rootguard demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/lint_imports.py
	$(BIN)/python tools/regenerate.py --check

# Rewrite every generated file (checks/, setup.cfg's generated blocks, the ASFF schema, deploy policies)
# after changing a check's spec, the mappings or a deploy template; `make install` picks up new entry points.
regenerate: $(STAMP)
	$(BIN)/python tools/regenerate.py

# Two workers (TEST_WORKERS=0 runs in one process); tests/conftest.py says how the files are spread.
TEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
