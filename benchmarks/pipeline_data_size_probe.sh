#!/usr/bin/env bash
# Probe (NCBI dev only): how much does the disease pipeline lose with one fifth fewer annotated
# abstracts? The answer says whether training the final NER and the linker's aliases on more
# abstracts (train+dev) is expected to help. The shipped recipe (configs/ner_ncbi_disease_sm.cfg)
# is trained on four fifths of NCBI train (every 5th abstract in document-id order held out, as in
# benchmarks/reranker_selection_set.py), seeds 0 and 1, and the pipeline is built with aliases from
# the same four fifths; each is scored end to end on dev with `xlink evaluate-pipeline`.
#
#   bash benchmarks/pipeline_data_size_probe.sh          # about 25 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${XLINK_DATA:-../shared/data}
OUT=${OUT:-runs/ner_fold}
SEEDS=${SEEDS:-"0 1"}
PY=${PY:-.venv/bin/python}
XLINK=${XLINK:-.venv/bin/xlink}
mkdir -p "$OUT"
"$PY" benchmarks/corpus_fold.py "$DATA/el/ncbi_disease/NCBItrainset_corpus.txt" --every 5 --out "$OUT/train_fold.txt"
"$XLINK" prepare-ner --train "$OUT/train_fold.txt" -o "$OUT"
for s in $SEEDS; do  # one thread each, side by side
  [ -d "$OUT/model_s$s/model-best" ] || OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" -m spacy train \
    configs/ner_ncbi_disease_sm.cfg --output "$OUT/model_s$s" --paths.train "$OUT/train.spacy" \
    --paths.dev "$OUT/dev.spacy" --system.seed "$s" > "$OUT/train_s$s.log" 2>&1 &
done
wait
sed -e "s#^train_corpus = .*#train_corpus = \"$(realpath "$OUT/train_fold.txt")\"#" \
    -e "s#^data = .*#data = \"$(realpath "$DATA")\"#" configs/pipeline_disease_medic.cfg > "$OUT/pipeline_fold.cfg"
for s in $SEEDS; do
  "$XLINK" build-pipeline --config "$OUT/pipeline_fold.cfg" --ner-model "$OUT/model_s$s/model-best" -o "$OUT/pkg_s$s"
  "$XLINK" evaluate-pipeline "$DATA/el/ncbi_disease/NCBIdevelopset_corpus.txt" \
    --pipeline "$(ls -d "$OUT"/pkg_s$s/xlink_disease_medic/en_xlink_disease_medic-*)" --json > "$OUT/dev_s$s.json"
done
