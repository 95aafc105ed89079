# Two commands do all set-up on a fresh machine:
#   make demo   - create the virtualenv, install, run Bastion's main job on embedded defaults
#   make test   - create the virtualenv, install, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck bench serve model clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bastion demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The fast tier alone: in-process tests, no PostgreSQL, Redis, servers, subprocesses or browser
# (the `integration` marker is set in tests/conftest.py). `make test` runs both tiers.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not integration"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools training
	$(BIN)/mypy

# Retrain the guard (torch is a training-only extra, a large download), then ship design $(SHIP):
# copy its int8 ONNX model, tokenizer and description into src/bastion/guard/model/.
SHIP ?= minilm6
model: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,train]'
	$(BIN)/python -m training.guard.decontaminate
	$(BIN)/python -m training.guard.train --out var/guard-models
	$(BIN)/python -m training.guard.ship var/guard-models/guard-$(SHIP).json

serve: $(STAMP)
	$(BIN)/bastion serve

bench: $(STAMP)
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
