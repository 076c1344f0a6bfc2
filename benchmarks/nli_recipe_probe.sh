#!/usr/bin/env bash
# Does more NLI training move MNLI? Three variants of configs/train_nli_gpu.cfg trained side by side,
# then evaluated on MNLI dev-matched (all 9,815) and ANLI test (all 3,200). Writes one JSON per variant
# to $OUT (benchmarks/zeroshot_results/nli_recipe_probe/). Metrics only: no model from here ships.
# Meant for a GPU (about 7 minutes on one H100, 2026-11-27); on 2 CPU cores each variant is
# capped by max_minutes and sees a fraction of an epoch.
#   bash benchmarks/nli_recipe_probe.sh
#   DATA=.devgpu/nli BASE=.devgpu/base bash benchmarks/nli_recipe_probe.sh   # gzipped copies, fp16 base
set -euo pipefail
PY=${PY:-python3}
DATA=${DATA:-../shared/data/nli}
BASE=${BASE:-}
OUT=${OUT:-benchmarks/zeroshot_results/nli_recipe_probe}
RUNS=${RUNS:-runs/nli_recipe_probe}
MINUTES=${MINUTES:-6.5}
mkdir -p "$OUT" "$RUNS"
mnli=$(ls "$DATA"/mnli_dev_matched/mnli_dev_matched.jsonl* | head -1)
anli=$(ls "$DATA"/anli_test/anli_r1r2r3_test.jsonl* | head -1)
train() {  # name, then --set overrides
  local name=$1; shift
  $PY -m xlink train nli --config configs/train_nli_gpu.cfg --set data.root="$DATA" \
    ${BASE:+--set paths.base_model=$BASE} --set data.eval_path="${mnli#"$DATA"/}" \
    --set training.max_minutes="$MINUTES" "$@" -o "$RUNS/$name" > "$RUNS/$name.log" 2>&1
}
train a_b128 --set training.epochs=8 --set training.batch_size=128 --set training.learning_rate=0.0001 &
train b_b64 --set training.epochs=5 --set training.batch_size=64 --set training.learning_rate=0.00007 &
train c_seed14 --set training.seed=14 &
wait
for r in a_b128 b_b64 c_seed14; do
  $PY -m xlink evaluate-nli "$mnli" -m "$RUNS/$r" --batch-size 256 --json > "$RUNS/${r}_mnli.json"
  $PY -m xlink evaluate-nli "$anli" -m "$RUNS/$r" --batch-size 256 --json > "$RUNS/${r}_anli.json"
  $PY - "$RUNS" "$r" "$OUT" <<'PYEOF'
import json, sys
runs, r, out = sys.argv[1:]
t = json.load(open(f"{runs}/{r}/training_report.json"))
m = json.load(open(f"{runs}/{r}_mnli.json"))
a = json.load(open(f"{runs}/{r}_anli.json"))
keep = ("accuracy", "n", "per_label")
result = {"run": r, "mnli_dev_matched": {k: m[k] for k in keep}, "anli_test": {k: a[k] for k in keep},
          "training": {k: t[k] for k in ("n_train", "planned_steps", "steps", "seconds", "final_loss", "evaluations")},
          "config": {k: t["config"][k] for k in ("epochs", "batch_size", "learning_rate", "seed", "max_minutes", "amp")}}
json.dump(result, open(f"{out}/{r}.json", "w"), indent=1)
print(r, "MNLI", round(100 * m["accuracy"], 2), "ANLI", round(100 * a["accuracy"], 2))
PYEOF
done
