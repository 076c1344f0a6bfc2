#!/bin/bash
# Reranker arms trained on four fifths of NCBI train and selected on dev + the held-out fifth
# (benchmarks/reranker_selection_set.py), all at once on one GPU. The selection rule is fixed
# here, before any result: the (arm, evaluation) with the highest acc@1 on the selection set;
# ties go to the earlier arm in ARMS. Only the selected model is packed into $OUT.
#
#   DEV=.devgpu bash benchmarks/reranker_fold_gpu.sh     # $DEV holds base/ (the base model),
#                                                        # el/{train_fold,select}.jsonl.gz, el/medic.txt.gz
# On a CPU the same arms run one at a time with ARMS_PARALLEL=1 (hours).
set -u
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
DEV=${DEV:-.devgpu}; OUT=${OUT:-runs/rr_fold}; W=${W:-/tmp/rrfold}; MAXMIN=${MAXMIN:-6.5}; EXTRA=${EXTRA:-}
if [ -d "$DEV/whl" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $DEV/whl/*.whl || exit 3
  export PYTHONPATH=/tmp/site:$PWD
fi
PY=${PY:-python3}
mkdir -p $W/cache $W/runs $W/logs $OUT
gunzip -c $DEV/el/train_fold.jsonl.gz > $W/cache/train_fold.jsonl
gunzip -c $DEV/el/select.jsonl.gz > $W/cache/select.jsonl
gunzip -c $DEV/el/medic.txt.gz > $W/medic.txt
BASE=$DEV/base; [ -d "$BASE" ] || BASE=null
T0=$(date +%s)
# name | overrides
ARMS=(
  "d_l01|--set training.dedupe=true --set training.epochs=4 --set training.eval_every=0"
  "n_l01|"
  "n_l03|--set training.lam=0.3"
  "n_l003|--set training.lam=0.03"
  "n_l01_skip|--set training.missing_gold=skip"
  "n_l01_c0|--set model.context_words=0"
  "n_plain_l1|--set training.lam=1 --set training.prior_weight=0"
  "n_l01_lr4|--set training.learning_rate=0.00004"
)
for arm in "${ARMS[@]}"; do
  name=${arm%%|*}; over=${arm#*|}
  $PY -m xlink train reranker --config configs/train_reranker_gpu.cfg --set paths.base_model=$BASE \
    --set paths.terminology=$W/medic.txt --set paths.train_candidates=$W/cache/train_fold.jsonl \
    --set paths.dev_candidates=$W/cache/select.jsonl --set training.dedupe=false --set training.epochs=3 \
    --set training.eval_every=258 --set training.max_minutes=$MAXMIN $over $EXTRA -o $W/runs/$name > $W/logs/$name.log 2>&1 &
  [ "${ARMS_PARALLEL:-8}" = 1 ] && wait
done
wait
echo "training done after $(( $(date +%s) - T0 )) s"
$PY - "$W" "$OUT" <<'PYEOF'
import json, shutil, sys
from pathlib import Path
w, out = Path(sys.argv[1]), Path(sys.argv[2])
rows = []
for f in sorted((w / "runs").glob("*/xlink_training.json")):
    r = json.loads(f.read_text())
    rows.append({"arm": f.parent.name, "best": r["best_dev_acc1"], "step": r["best_step"],
                 "generator": r["generator_dev"], "seconds": r["seconds"], "lists": r["train_lists"],
                 "evaluations": [(e["step"], e["acc@1"], e["acc@5"]) for e in r["evaluations"]]})
    shutil.copy(f, out / f"{f.parent.name}_training.json")
order = ["d_l01", "n_l01", "n_l03", "n_l003", "n_l01_skip", "n_l01_c0", "n_plain_l1", "n_l01_lr4"]
rows.sort(key=lambda r: order.index(r["arm"]) if r["arm"] in order else 99)
for r in rows:
    print(r["arm"], r["best"], r["step"], r["seconds"], r["evaluations"])
best = max(rows, key=lambda r: (r["best"], -rows.index(r)))
print("generator alone on the selection set:", rows[0]["generator"] if rows else None)
print("selected:", best["arm"], best["best"])
(out / "selection.json").write_text(json.dumps({"selected": best["arm"], "arms": rows}, indent=1) + "\n")
(out / "selected.txt").write_text(best["arm"] + "\n")
PYEOF
SEL=$(cat $OUT/selected.txt)
tar cf $W/selected.tar -C $W/runs $SEL && split -b 15M $W/selected.tar $OUT/selected.tar.part_
tar czf $OUT/logs.tgz -C $W logs
echo "done after $(( $(date +%s) - T0 )) s"; ls -la $OUT
