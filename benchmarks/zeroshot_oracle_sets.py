"""How small can a base classifier's sets get? The set size at an *exactly known* threshold.

Fits each base on half of the cached zero-shot-labelled training texts (see
``benchmarks/zeroshot_bases.py``) and, on the other half, takes the threshold that keeps the
zero-shot top label on exactly ``cov`` of the texts: the set size a calibration set of
unlimited size would give. Split conformal with a few hundred calibration texts can only be
larger (its quantile is estimated, and rounded up). Training texts only; no test text.

    python benchmarks/zeroshot_oracle_sets.py --data runs/zeroshot_data/banking77_train.csv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from zeroshot_bases import read_training_texts, scores_cache

from xlink.conformal.base import make_base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--label-map", type=Path, default=None)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--bases", default="embedding,distil,blend")
    parser.add_argument("--coverages", default="0.95,0.98,0.99")
    args = parser.parse_args()
    texts, labels, descriptions = read_training_texts(args.data, args.label_map, args.n)
    cache = scores_cache(args.data, args.n)
    if not cache.exists():
        raise SystemExit(f"{cache}: run benchmarks/zeroshot_bases.py with the same --data and --n first")
    scores = np.load(cache, allow_pickle=False)["scores"]
    top = scores.argmax(axis=1)
    order = np.random.default_rng(0).permutation(len(texts))
    fit, rest = order[: len(texts) // 2], order[len(texts) // 2 :]
    out: dict[str, dict[str, float]] = {}
    for kind in args.bases.split(","):
        base = make_base(kind, labels, descriptions, seed=0)
        base.fit([texts[i] for i in fit], top[fit], scores[fit])
        probs = base.predict_proba([texts[i] for i in rest])
        truth = probs[np.arange(len(rest)), top[rest]]
        rank = (probs > truth[:, None]).sum(axis=1)  # 0 = the zero-shot label is the base's top
        row: dict[str, float] = {"rank_p99": float(np.quantile(rank, 0.99, method="higher")), "rank_max": float(rank.max())}
        for cov in (float(c) for c in args.coverages.split(",")):
            threshold = np.quantile(1 - truth, cov, method="higher")
            row[f"set_size_at_{cov}"] = round(float(((1 - probs) <= threshold).sum(axis=1).mean()), 2)
        out[kind] = row
        print(kind, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
