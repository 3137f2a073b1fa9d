# hypergensim: every install step lives here, so a clean checkout needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
DEMO   := demo

.PHONY: help setup setup-core wordnet demo test test-all bench lint example fuzz clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Two install levels. The core (what `make demo` needs) is hypergensim and its required packages. The full
# level adds the dev, dask and keras extras for the tests and the Keras example; torch is pinned first so pip
# takes the local CPU build (2.13.0) and the `keras` extra's open range installs nothing more (an unpinned torch
# would pull several GB of CUDA packages).
TORCH  ?= torch==2.13.0
CORE   := $(VENV)/.installed-core

$(CORE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(CORE)

$(STAMP): $(CORE)
	$(BIN)/pip install --quiet '$(TORCH)'
	$(BIN)/pip install --quiet -e '.[dev,dask,keras]'
	touch $(STAMP)

setup-core: $(CORE) wordnet  ## .venv with hypergensim alone (what the demo needs), WordNet provisioned

setup: $(STAMP) wordnet  ## .venv with hypergensim[dev,dask,keras] for the tests and examples, WordNet provisioned

wordnet: $(CORE)  ## make `from nltk.corpus import wordnet` work offline
	@if [ ! -f /usr/share/wordnet/data.noun ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's wordnet-base and wordnet-sense-index"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base wordnet-sense-index >/dev/null; \
	fi
	$(BIN)/hypergensim data wordnet

demo: setup-core  ## build the mammal closure, train, evaluate, write demo/report.md and a Poincaré-disk PNG
	$(BIN)/hypergensim demo --out $(DEMO)

test: setup  ## run the test suite (without the slow cases), Keras on the torch backend
	KERAS_BACKEND=torch $(BIN)/pytest -q -m "not slow"

test-all: setup  ## run every test, including the slow ones
	KERAS_BACKEND=torch $(BIN)/pytest -q

bench: setup-core  ## measure speed and memory; JSON under evaluation/results/
	$(PY) -m hypergensim.bench --out evaluation/results

lint: setup  ## ruff
	$(BIN)/ruff check hypergensim tests examples

example: setup  ## the Keras downstream example (torch backend)
	KERAS_BACKEND=torch $(PY) examples/keras_downstream.py

FUZZ_SECONDS ?= 60
fuzz: setup  ## atheris on the file parsers, FUZZ_SECONDS each (not in CI)
	$(BIN)/pip install --quiet atheris
	@for t in edges csv json obo icd10cm paths codes vectors spec; do \
		echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
		$(PY) tests/fuzz_parsers.py $$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 || exit 1; \
	done

clean:  ## remove the venv and build artefacts
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
