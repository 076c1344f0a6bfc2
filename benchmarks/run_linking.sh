#!/usr/bin/env bash
# `make benchmarks`: rerun the gold-mention linking figures of BENCHMARKS.md §1, §3 and §6
# (about 30-40 minutes on 2 CPU cores), then rebuild BENCHMARKS.md's copied sections.
# The data folder is $XLINK_DATA or ../shared/data. Slower figures (training, the 1M-name
# scale table, the end-to-end pipeline, zero-shot) have their own commands in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export XLINK_DATA=${XLINK_DATA:-../shared/data}
[ -d "$XLINK_DATA" ] || { echo "no benchmark data at $XLINK_DATA (set XLINK_DATA)"; exit 1; }
$PY benchmarks/linking_tfidf.py
$PY benchmarks/reranker.py --split test
$PY benchmarks/conformal_candidates.py --alphas 0.01,0.05,0.1
$PY benchmarks/merge_benchmarks.py
