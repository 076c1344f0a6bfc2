"""Score a reranker on a cached selection set (benchmarks/reranker_selection_set.py), per part.

Reads ``select.jsonl`` (NCBI dev plus the held-out fifth of train, generator candidates
cached), reranks it with the exact-match guard off and on, and prints acc@1 / acc@5 (strict
rule) of the generator alone and of generator + reranker on dev, on the held-out fifth and on
both. Used to decide the guard on the selection set before test is read.

    python benchmarks/reranker_selection_eval.py runs/rr_fold/n_l01_skip runs/cache/fold5/select.jsonl \
        --out benchmarks/results/reranker_fold_selection.json
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from xlink.evaluation.linking import evaluate_linking
from xlink.linker import read_predictions
from xlink.rerank.cross_encoder import CrossEncoderReranker
from xlink.terminology.loaders import load_terminology

DATA = Path(os.environ.get("XLINK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
MEDIC = DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt"


def score(linked: list, ids: set[str] | None) -> dict[str, float]:
    part = [lm for lm in linked if ids is None or lm.mention.document_id in ids]
    report = evaluate_linking(part, ks=(1, 5), rule="strict")
    return {"n": len(part), "acc@1": round(report.acc[1], 2), "acc@5": round(report.acc[5], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", help="reranker folder")
    parser.add_argument("select", type=Path, help="select.jsonl of reranker_selection_set.py")
    parser.add_argument("--dev", type=Path, default=Path("runs/cache/ncbi_dev_ensemble_k16.jsonl"),
                        help="the dev part's cache, to tell dev mentions from held-out training ones")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    terminology = load_terminology(MEDIC)
    linked = read_predictions(args.select)
    dev_ids = {lm.mention.document_id for lm in read_predictions(args.dev)}
    held_ids = {lm.mention.document_id for lm in linked} - dev_ids
    parts = {"dev": dev_ids, "held_out_train": held_ids, "both": None}
    result: dict[str, object] = {"model": args.model, "generator": {p: score(linked, ids) for p, ids in parts.items()}}
    reranker = CrossEncoderReranker.load(args.model, terminology=terminology)
    for guard in (False, True):
        reranker.config.exact_match_guard = guard
        reranked = reranker.rerank(linked, terminology)
        result[f"reranker_guard_{'on' if guard else 'off'}"] = {p: score(reranked, ids) for p, ids in parts.items()}
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
