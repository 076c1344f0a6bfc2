#!/usr/bin/env bash
# Zero-shot benchmarks of benchmarks/zeroshot.md: NLI accuracy, then full vs pruned per data set.
# Subsamples are fixed by --seed/--limit so each run takes minutes on 2 shared CPU cores;
# full and pruned classification are timed REPEATS (3) times each, alternating, fastest kept.
# Calibration texts come from train splits (AG News has none: a disjoint half of test).
#   bash benchmarks/zeroshot_run.sh            # uses the shipped xlink_nli_minilm
#   MODEL=runs/nli_minilm EXTRA=--int8 bash benchmarks/zeroshot_run.sh
set -euo pipefail
XL=${XL:-.venv/bin/xlink}
DATA=${XLINK_DATA:-../shared/data}
OUT=${OUT:-benchmarks/zeroshot_results}
DET=${DET:-runs/zeroshot}
MODEL_ARG=${MODEL:+--model $MODEL}
EXTRA=${EXTRA:-}
ONLY=${ONLY:-nli banking77 snips atis ag_news}
mkdir -p "$OUT" "$DET"
.venv/bin/python benchmarks/zeroshot_prepare.py --data "$DATA/classification" --out runs/zeroshot_data

for what in $ONLY; do
  case $what in
  nli)
    $XL evaluate-nli "$DATA/nli/mnli_dev_matched/mnli_dev_matched.jsonl" ${NLI_LIMIT:+--limit $NLI_LIMIT} $MODEL_ARG $EXTRA --json > "$OUT/nli_mnli_dev_matched.json"
    $XL evaluate-nli "$DATA/nli/anli_test/anli_r1r2r3_test.jsonl" ${NLI_LIMIT:+--limit $NLI_LIMIT} $MODEL_ARG $EXTRA --json > "$OUT/nli_anli_test.json"
    ;;
  banking77)
    $XL evaluate-zeroshot --data runs/zeroshot_data/banking77_test.csv --text-column text --label-column label \
      --calibration runs/zeroshot_data/banking77_train.csv --calibration-limit ${B77_CAL:-4000} --limit ${B77_N:-300} \
      --alpha 0.01 --seed ${SEED:-0} --repeats ${REPEATS:-3} $MODEL_ARG $EXTRA --details "$DET/banking77_details.npz" --json > "$OUT/banking77.json"
    ;;
  snips)
    $XL evaluate-zeroshot --data runs/zeroshot_data/snips_validate.csv --text-column text --label-column label \
      --label-map runs/zeroshot_data/snips_label_map.json \
      --calibration runs/zeroshot_data/snips_train.csv --calibration-limit ${CAL:-4000} --limit ${N:-300} \
      --alpha 0.01 --seed ${SEED:-0} --repeats ${REPEATS:-3} $MODEL_ARG $EXTRA --details "$DET/snips_details.npz" --json > "$OUT/snips.json"
    ;;
  atis)
    $XL evaluate-zeroshot --data runs/zeroshot_data/atis_test.csv --text-column text --label-column label \
      --label-map runs/zeroshot_data/atis_label_map.json \
      --calibration runs/zeroshot_data/atis_train.csv --calibration-limit ${CAL:-4000} --limit ${N:-300} \
      --alpha 0.01 --seed ${SEED:-0} --repeats ${REPEATS:-3} $MODEL_ARG $EXTRA --details "$DET/atis_details.npz" --json > "$OUT/atis.json"
    ;;
  ag_news)
    $XL evaluate-zeroshot --data runs/zeroshot_data/ag_news_test.csv --text-column text --label-column label \
      --label-map runs/zeroshot_data/ag_news_label_map.json \
      --calibration-fraction 0.5 --calibration-limit ${CAL:-4000} --limit ${N:-300} \
      --alpha 0.01 --seed ${SEED:-0} --repeats ${REPEATS:-3} $MODEL_ARG $EXTRA --details "$DET/ag_news_details.npz" --json > "$OUT/ag_news.json"
    ;;
  esac
done
