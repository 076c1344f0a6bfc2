# xlink: set-up, tests and the demo. Every target is idempotent.
#
#   make demo   install what is needed, then link and classify the bundled sample text
#   make test   install what is needed, then run the test suite
#
# torch is installed first, pinned to the CPU wheel, so that the package's own
# torch requirement is already satisfied and pip pulls no CUDA build.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TORCH_VERSION ?= 2.13.0
STAMP := $(VENV)/.xlink-installed
PIPELINE_PKGS := $(wildcard pipelines/*/pyproject.toml)
# The benchmark data; the disease pipeline's MEDIC index is built from it.
XLINK_DATA ?= ../shared/data

.PHONY: install demo test test-all lint benchmarks reranker-model clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): $(PY) pyproject.toml $(PIPELINE_PKGS)
	$(PIP) install -q "torch==$(TORCH_VERSION)"
	$(PIP) install -q -e ".[dev]"
	@if [ -d "$(XLINK_DATA)" ]; then \
	  $(VENV)/bin/xlink build-pipeline --config configs/pipeline_disease_medic.cfg --data "$(XLINK_DATA)" \
	    || echo "warning: the disease pipeline could not be built; 'make demo' will skip it"; \
	else echo "note: $(XLINK_DATA) not found; the disease pipeline (MEDIC index) is not built"; fi
	@for p in $(dir $(PIPELINE_PKGS)); do $(PIP) install -q "./$$p" || exit 1; done
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/xlink demo

test: install
	$(PY) -m pytest -q -m "not slow" tests

test-all: install
	$(PY) -m pytest -q tests

lint: install
	$(VENV)/bin/ruff check xlink tests
	$(VENV)/bin/mypy xlink

benchmarks: install
	bash benchmarks/run_linking.sh

# The shipped reranker (xlink-reranker-minilm 0.2.0) from configs/train_reranker_fold.cfg: ensemble
# candidates of NCBI train/dev (cached), a document-level fifth of train held out for selection, then
# training. Minutes on a GPU, hours on 2 CPU cores. Copy runs/reranker_fold/* into
# pipelines/xlink_reranker_minilm/xlink_reranker_minilm/model/ to package it.
reranker-model: install
	$(VENV)/bin/xlink train reranker --config configs/train_reranker_gpu.cfg --set training.max_steps=1 -o runs/rr_cache_probe
	$(PY) benchmarks/reranker_selection_set.py runs/cache/ncbi_train_ensemble_k16.jsonl \
	  runs/cache/ncbi_dev_ensemble_k16.jsonl --out runs/cache/fold5
	$(VENV)/bin/xlink train reranker --config configs/train_reranker_fold.cfg

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
