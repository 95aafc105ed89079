# Two commands do all set-up on a fresh machine:
#   make demo   - create the virtualenv, install, run Bastion's main job on embedded defaults
#   make test   - create the virtualenv, install, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench serve model clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bastion demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy

model: $(STAMP)
	$(BIN)/python -m bastion.guard.train

serve: $(STAMP)
	$(BIN)/bastion serve

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,semantic]'
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
