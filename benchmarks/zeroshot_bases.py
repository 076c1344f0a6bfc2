"""Compare the label-pruning base classifiers on zero-shot-labelled *training* texts only.

The zero-shot model labels ``--n`` seeded training texts once (cached in ``--cache``); then,
for each seed, the texts are split as ``xlink evaluate-zeroshot`` splits them when it picks a
base (20% held out, 50% fit, 30% calibration) and every base is fitted, calibrated at
``--alpha`` and measured on the held-out texts: average set size and coverage of the
zero-shot top label. No test text and no gold label is used, so the choice this informs is
a development choice.

    python benchmarks/zeroshot_bases.py --data runs/zeroshot_data/banking77_train.csv --n 1000 \\
        --seeds 0,1,2 --out benchmarks/results/zeroshot_bases_banking77.json
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np

from xlink.classify.evaluate_zeroshot import compare_bases, score_matrix
from xlink.classify.zeroshot import ZeroShotClassifier
from xlink.conformal.base import BASES


def read_training_texts(data: Path, label_map: Path | None, n: int) -> tuple[list[str], list[str], list[str] | None]:
    """A seeded sample of ``n`` texts of a text,label CSV, its sorted labels and their descriptions."""
    with open(data, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = sorted({r["label"] for r in rows})
    descriptions = None
    if label_map:
        mapping = json.loads(label_map.read_text(encoding="utf-8"))
        descriptions = [mapping.get(label, label.replace("_", " ")) for label in labels]
    pick = np.random.default_rng(0).permutation(len(rows))[:n]
    return [rows[i]["text"] for i in pick], labels, descriptions


def scores_cache(data: Path, n: int) -> Path:
    """Where the zero-shot scores of that sample are cached."""
    return Path("runs") / f"zeroshot_bases_{data.stem}_{n}.npz"


def cached_prefix(data: Path, n: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Scores cached for the same data with another sample size: the smallest larger one, the largest smaller one."""
    sizes = []
    for path in Path("runs").glob(f"zeroshot_bases_{data.stem}_*.npz"):
        tail = path.stem.rsplit("_", 1)[-1]
        if tail.isdigit() and int(tail) != n:
            sizes.append(int(tail))
    larger = min((m for m in sizes if m > n), default=None)
    smaller = max((m for m in sizes if m < n), default=None)

    def load(m: int | None) -> np.ndarray | None:
        return None if m is None else np.load(scores_cache(data, m), allow_pickle=False)["scores"]

    return load(larger), load(smaller)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="CSV with text,label (a training split)")
    parser.add_argument("--label-map", type=Path, default=None, help="JSON label -> description")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--bases", default=",".join(BASES))
    parser.add_argument("--cache", type=Path, default=None, help="npz of the zero-shot scores (written once)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    texts, labels, descriptions = read_training_texts(args.data, args.label_map, args.n)
    cache = args.cache or scores_cache(args.data, args.n)
    if cache.exists():
        scores = np.load(cache, allow_pickle=False)["scores"]
    else:
        # The sample of n texts is the first n of one seeded permutation, so a cache for
        # another n is a prefix of this sample (or has this sample as its prefix).
        larger, smaller = cached_prefix(args.data, args.n)
        if larger is not None:
            scores = larger[: args.n]
        else:
            done = smaller if smaller is not None else np.zeros((0, len(labels)))
            classifier = ZeroShotClassifier(label_descriptions=dict(zip(labels, descriptions, strict=True)) if descriptions else None)
            tick = time.perf_counter()
            rest = score_matrix(classifier.predict(texts[len(done):], labels), labels)
            print(f"labelled {len(rest)} texts x {len(labels)} labels in {time.perf_counter() - tick:.0f} s "
                  f"({len(done)} taken from a smaller cache)", flush=True)
            scores = np.concatenate([done, rest])
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(cache.stem + ".partial.npz")
        np.savez_compressed(partial, scores=scores)
        partial.replace(cache)
    zero_shot = [labels[j] for j in scores.argmax(axis=1)]
    results: dict[str, dict[str, list[float]]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        # all n texts, seeded: 20% held out, 50% fit, 30% calibration, as choose_pruner compares by default
        choices = compare_bases(
            texts, zero_shot, labels, np.random.default_rng(seed).permutation(len(texts)), args.bases.split(","),
            alpha=args.alpha, conformity_score="lac", descriptions=descriptions, seed=seed, zero_shot_scores=scores,
        )
        for choice in choices:
            if choice.base not in args.bases.split(","):
                continue
            r = results.setdefault(choice.base, {"avg_set_size": [], "coverage": [], "ms_per_text": []})
            r["avg_set_size"].append(choice.avg_set_size)
            r["coverage"].append(choice.coverage)
            r["ms_per_text"].append(choice.base_ms_per_text)
        print(f"seed {seed}: " + ", ".join(f"{c.base} {c.avg_set_size:.1f} ({100 * c.coverage:.0f}%)" for c in choices), flush=True)
    summary = {
        kind: {key: round(float(np.mean(values)), 3) for key, values in r.items()} for kind, r in results.items()
    }
    print(json.dumps(summary, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        stamp = {"date": time.strftime("%Y-%m-%d"), "data": str(args.data), "n": args.n, "alpha": args.alpha,
                 "seeds": args.seeds, "model": "xlink-nli-minilm (shipped)", "per_base_mean": summary,
                 "per_base_runs": results}
        args.out.write_text(json.dumps(stamp, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
