"""Held-out set size of the `distil` base for a few optimizer settings, on training texts only.

Reads the zero-shot scores cached by ``benchmarks/zeroshot_bases.py`` (same ``--data`` and
``--n``), splits the texts as ``xlink evaluate-zeroshot`` does when it compares bases (200
held out, 500 fit, the rest calibration), calibrates at α = 0.01 and prints the average set
size and coverage of the zero-shot top label on the held-out texts, averaged over seeds.

    python benchmarks/zeroshot_distil_sweep.py --data runs/zeroshot_data/banking77_train.csv
    python benchmarks/zeroshot_distil_sweep.py --data runs/zeroshot_data/atis_train.csv \\
        --label-map runs/zeroshot_data/atis_label_map.json
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from zeroshot_bases import read_training_texts, scores_cache  # beside this script

from xlink.conformal import ConformalLabelPruner
from xlink.conformal.base import DistilledBilinearBase, EmbeddingLogisticBase

GRID = [  # (rank, steps, l2, learning_rate)
    (32, 300, 1e-4, 0.01), (64, 300, 1e-4, 0.01), (32, 600, 1e-4, 0.01), (32, 1000, 1e-4, 0.01),
    (32, 300, 1e-5, 0.01), (32, 300, 1e-3, 0.01), (32, 300, 1e-4, 0.03), (32, 300, 1e-4, 0.05),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--label-map", type=Path, default=None)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    texts, labels, descriptions = read_training_texts(args.data, args.label_map, args.n)
    cache = scores_cache(args.data, args.n)
    if not cache.exists():
        raise SystemExit(f"{cache} is missing: run benchmarks/zeroshot_bases.py --data {args.data} --n {args.n} first")
    scores = np.load(cache, allow_pickle=False)["scores"]
    zero_shot = [labels[j] for j in scores.argmax(axis=1)]
    embedded: dict[str, np.ndarray] = {}
    encode = EmbeddingLogisticBase.encode

    def cached_encode(self: EmbeddingLogisticBase, batch: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(batch) if t not in embedded]
        if missing:
            embedded.update(zip(missing, encode(self, missing), strict=True))
        return np.stack([embedded[t] for t in batch])

    EmbeddingLogisticBase.encode = cached_encode  # type: ignore[method-assign]
    for rank, steps, l2, lr in GRID:
        sizes, covs = [], []
        for seed in (int(s) for s in args.seeds.split(",")):
            order = np.random.default_rng(seed).permutation(len(texts))
            sel, fit, cal = order[:200], order[200:700], order[700:]
            pruner = ConformalLabelPruner(labels, base="distil", alpha=0.01, descriptions=descriptions, seed=seed)
            pruner.base = DistilledBilinearBase(labels, descriptions, rank=rank, steps=steps, l2=l2, learning_rate=lr, seed=seed)
            pruner.fit([texts[i] for i in fit], [zero_shot[i] for i in fit], scores[fit])
            pruner.conformalize([texts[i] for i in cal], [zero_shot[i] for i in cal])
            sets = pruner.predict_set([texts[i] for i in sel])
            sizes.append(np.mean([len(s) for s in sets]))
            covs.append(np.mean([zero_shot[i] in s for i, s in zip(sel, sets, strict=True)]))
        print(f"rank {rank:3d} steps {steps:4d} l2 {l2:g} lr {lr:g}: held-out set {np.mean(sizes):.2f}, "
              f"coverage {np.mean(covs):.3f}", flush=True)


if __name__ == "__main__":
    main()
