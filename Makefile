# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= quotes.db

.PHONY: install demo test lint format clean

install: $(STAMP)

# Re-runs only when the package metadata changes; the package index is the only network used.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: install
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/quotes ingest seeds/ --db $(DB)
	@echo
	@echo '$$ quotes find --speaker Peskov'
	@$(BIN)/quotes find --speaker Peskov --db $(DB)
	@echo
	@echo '$$ quotes contradictions'
	@$(BIN)/quotes contradictions --db $(DB)

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check quotes tests benchmarks
	$(BIN)/ruff format --check quotes tests benchmarks
	$(BIN)/mypy quotes
	$(BIN)/cog --check README.md

format: install
	$(BIN)/ruff format quotes tests benchmarks
	$(BIN)/ruff check --fix quotes tests benchmarks

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
