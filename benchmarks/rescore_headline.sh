#!/usr/bin/env bash
# Re-measures the headline linking and pipeline figures after the scoring fixes of 2026-11-28
# (strict acc@k and composite predictions, BioSyn dictionary entries, loose F1). One figure per
# command, each command as BENCHMARKS.md gives it; results in benchmarks/results/rescored/ (or $OUT).
#   bash benchmarks/rescore_headline.sh
set -euo pipefail
DATA=${XLINK_DATA:-../shared/data}
OUT=${OUT:-benchmarks/results/rescored}
mkdir -p "$OUT"
X=".venv/bin/xlink"
PY=".venv/bin/python"
NCBI=$DATA/el/ncbi_disease
BIOSYN=$DATA/el/ncbi_disease_biosyn
MEDIC12=$DATA/terminologies/medic/medic_06Jul2012_BioSyn.txt
# raw protocol: the built-in default (ensemble + reranker 0.2.0, exact-match guard), dev and test
$X evaluate-linking --corpus $NCBI/NCBIdevelopset_corpus.txt -t $MEDIC12 --json > $OUT/default_linking_dev.json
$X evaluate-linking --corpus $NCBI/NCBItestset_corpus.txt -t $MEDIC12 --json > $OUT/default_linking_test.json
# raw protocol: TF-IDF alone, test
$X evaluate-linking --corpus $NCBI/NCBItestset_corpus.txt -t $MEDIC12 --config configs/linking/tfidf.cfg --json > $OUT/tfidf_raw_test.json
# BioSyn protocol: TF-IDF alone, then the trained bi-encoder alone
$X evaluate-linking --corpus $BIOSYN/test_queries.txt --corpus-format biosyn-queries -t $BIOSYN/test_dictionary.txt \
    --config configs/linking/tfidf.cfg --json > $OUT/tfidf_biosyn_test.json
$X evaluate-linking --corpus $BIOSYN/test_queries.txt --corpus-format biosyn-queries -t $BIOSYN/test_dictionary.txt \
    --config configs/linking/dense.cfg --json > $OUT/biencoder_biosyn_test.json
# the reranker table: ensemble alone and + reranker 0.2.0 (guard on), three protocols, test
$PY benchmarks/reranker.py --reranker xlink-reranker-minilm --generator ensemble --split test \
    --protocols raw,raw+train,biosyn --exact-match-guard on --out $OUT/reranker_test.json
# the disease pipeline end to end, dev and test
$X evaluate-pipeline $NCBI/NCBIdevelopset_corpus.txt --json > $OUT/pipeline_e2e_dev.json
$X evaluate-pipeline $NCBI/NCBItestset_corpus.txt --json > $OUT/pipeline_e2e_test.json
echo done
