"""Probe: average the logits of two rerankers on the cached selection set (no product setting yet).

Two rerankers trained on the same four fifths of NCBI train with the same input settings
(0.2.0 on MiniLM-L6 and a 12-layer multilingual-e5-small arm of benchmarks/reranker_e5_gpu.sh)
score the same (mention, candidate) pairs; the probe ranks by the mean of their logits plus the
shared generator prior, and reports acc@1 / acc@5 on the 1,806-mention selection set, guard off and
on, next to each model alone. Each model's pair scores are computed once, on this machine's CPU.

The rule, written before any result: the two-model average is worth building into xlink (and
replacing 0.2.0) only if its selection-set acc@1, guard off, reaches 88.32, the bar of
benchmarks/reranker_e5_gpu.sh (the best kept MiniLM run of 0.2.0's recipe, 87.82, plus 0.5); then
the guard by the selection set, then NCBI test once.

    python benchmarks/reranker_ensemble_probe.py xlink-reranker-minilm runs/rr_e5/e_lr8 runs/cache/fold5/select.jsonl \
        --out benchmarks/results/reranker_e5/ensemble_probe.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from reranker_selection_eval import MEDIC, score  # noqa: E402  (benchmarks/ is the script's folder)

from xlink.linker import read_predictions
from xlink.rerank.cross_encoder import CrossEncoderReranker
from xlink.terminology.loaders import load_terminology


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("first", help="reranker folder or package name")
    parser.add_argument(
        "second", help="reranker folder or package name (same input settings as the first)"
    )
    parser.add_argument("select", type=Path, help="select.jsonl of reranker_selection_set.py")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    terminology = load_terminology(MEDIC)
    linked = read_predictions(args.select)
    models = [
        CrossEncoderReranker.load(m, terminology=terminology) for m in (args.first, args.second)
    ]
    a, b = models
    for field in ("k", "prior_weight", "score_norm", "inputs", "max_length", "nil"):
        if getattr(a.config, field) != getattr(b.config, field):
            raise SystemExit(
                f"the two rerankers differ in {field}: {getattr(a.config, field)!r} vs {getattr(b.config, field)!r}"
            )
    a.config.exact_match_guard = False
    texts: list[tuple[str, str]] = []
    for lm in linked:
        if lm.predictions and not a.would_skip(lm.predictions):
            mention, cands, _ = a.list_texts(lm, terminology)
            texts.extend((mention, c) for c in cands)
    cache: list[dict[tuple[str, str], float]] = []
    seconds = []
    for model in models:
        start = time.perf_counter()
        values = model.score_pairs([m for m, _ in texts], [c for _, c in texts])
        seconds.append(round(time.perf_counter() - start, 1))
        cache.append(dict(zip(texts, values.tolist(), strict=True)))
    result: dict[str, object] = {
        "first": args.first,
        "second": args.second,
        "pairs": len(texts),
        "seconds": seconds,
        "generator": score(linked, None),
    }
    for name, weights in (("first", (1.0, 0.0)), ("second", (0.0, 1.0)), ("mean", (0.5, 0.5))):

        def combined(mentions, candidates, weights=weights):  # noqa: ANN001, ANN202
            return np.array(
                [
                    weights[0] * cache[0][(m, c)] + weights[1] * cache[1][(m, c)]
                    for m, c in zip(mentions, candidates, strict=True)
                ],
                dtype=np.float32,
            )

        a.score_pairs = combined  # type: ignore[method-assign]
        for guard in (False, True):
            a.config.exact_match_guard = guard
            result[f"{name}_guard_{'on' if guard else 'off'}"] = score(
                a.rerank(linked, terminology), None
            )
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
