"""Choose the reranker's ``skip_margin`` on dev: accuracy and share of mentions skipped per threshold.

A mention whose generator top-1 leads its top-2 by at least the margin keeps
the generator's order and costs no model call. Reads two prediction files of
the same split, written by ``xlink evaluate-linking --output``: the generator
alone and generator + reranker (no model needed here).

    python benchmarks/reranker_margin.py GENERATOR.jsonl RERANKED.jsonl GOLD_CORPUS
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

THRESHOLDS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)


def main() -> None:
    from xlink.corpus.io import load_corpus
    from xlink.evaluation.linking import evaluate_linking
    from xlink.linker import LinkedMention, read_predictions

    parser = argparse.ArgumentParser()
    parser.add_argument("generator", type=Path)
    parser.add_argument("reranked", type=Path)
    parser.add_argument("gold", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    gold = {m.key: m.gold for m in load_corpus(args.gold).mentions()}
    generator = {lm.mention.key: lm for lm in read_predictions(args.generator)}
    reranked = {lm.mention.key: lm for lm in read_predictions(args.reranked)}
    rows = []
    for t in (None, *THRESHOLDS):
        chosen: list[LinkedMention] = []
        skipped = 0
        for key, g in generator.items():
            preds = g.predictions
            confident = t is not None and len(preds) >= 2 and preds[0].score - preds[1].score >= t
            confident = confident or (t is not None and len(preds) == 1)
            lm = g if confident else reranked[key]
            skipped += confident
            chosen.append(LinkedMention(mention=replace(lm.mention, gold=gold[key]), candidates=g.candidates,
                                        predictions=lm.predictions))
        report = evaluate_linking(chosen, ks=(1, 5))
        rows.append({"skip_margin": t, "acc@1": round(report.acc[1], 2), "acc@5": round(report.acc[5], 2),
                     "skipped_pct": round(100 * skipped / max(1, len(chosen)), 1)})
    print("| skip_margin | acc@1 | acc@5 | mentions skipped % |\n|---|---|---|---|")
    for r in rows:
        print(f"| {r['skip_margin']} | {r['acc@1']} | {r['acc@5']} | {r['skipped_pct']} |")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
