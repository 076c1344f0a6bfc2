"""Probe (not built): conformal label sets with an entailment check that falls back to all labels.

The idea: score the conformal set first; when no label in it reaches an entailment logit of
``tau``, score the remaining labels too. A text can then only disagree with the full-label
run when its top label was pruned *and* some kept label reached ``tau``. Counting as an
error every text where a label the base ranks above the top label reaches ``tau`` (a
monotone upper bound of that loss) turns this into an ordinary split-conformal score,
``1 - p(top)`` for those texts and ``-1`` (always safe) for the others, so the >= 1 - alpha
guarantee is kept for any ``tau`` fixed beforehand. ``tau = -inf`` is plain LAC.

It uses zero-shot-labelled *training* texts only, split as ``xlink evaluate-zeroshot``
splits them to pick a base (20% held out, 50% fit, 30% calibration), and reports NLI pairs
per held-out text (set sizes, plus all labels for texts that fall back) and agreement.

    python benchmarks/zeroshot_cascade_probe.py --data runs/zeroshot_data/banking77_train.csv --n 1000 --taus=-inf,-1,0,0.5,1
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from zeroshot_bases import read_training_texts

from xlink.classify.zeroshot import ZeroShotClassifier
from xlink.conformal.base import make_base


def entailment_logits(texts: list[str], labels: list[str], descriptions: list[str] | None, cache: Path) -> np.ndarray:
    """The NLI entailment logit of every (text, label) pair, cached in ``cache``."""
    if cache.exists():
        return np.load(cache, allow_pickle=False)["ent"]
    classifier = ZeroShotClassifier(label_descriptions=dict(zip(labels, descriptions, strict=True)) if descriptions else None)
    tick = time.perf_counter()
    index = {label: j for j, label in enumerate(labels)}
    ent = np.full((len(texts), len(labels)), -np.inf)
    for i, prediction in enumerate(classifier.predict(texts, labels)):
        for label, value in prediction.entailment_logits.items():
            ent[i, index[label]] = value
    print(f"labelled {len(texts)} texts in {time.perf_counter() - tick:.0f} s", flush=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, ent=ent)
    return ent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="CSV with text,label (a training split)")
    parser.add_argument("--label-map", type=Path, default=None)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--base", default="blend")
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--taus", default="-inf,-1,0,0.5,1,1.5,2,2.5,3,4")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    texts, labels, descriptions = read_training_texts(args.data, args.label_map, args.n)
    ent = entailment_logits(texts, labels, descriptions, Path("runs") / f"zeroshot_cascade_{args.data.stem}_{args.n}.npz")
    soft = np.exp(ent - ent.max(axis=1, keepdims=True))
    soft /= soft.sum(axis=1, keepdims=True)
    top = ent.argmax(axis=1)
    results: dict[str, dict[str, list[float]]] = {}
    for seed in range(3):
        perm = np.random.default_rng(seed).permutation(len(texts))
        n_held, n_fit = int(0.2 * len(texts)), int(0.5 * len(texts))
        held, fit, cal = perm[:n_held], perm[n_held:n_held + n_fit], perm[n_held + n_fit:]
        base = make_base(args.base, labels, descriptions, seed=seed)
        base.fit([texts[i] for i in fit], top[fit], soft[fit])
        proba = base.predict_proba(texts)
        above = [proba[i] > proba[i, top[i]] for i in range(len(texts))]
        above_max = np.array([ent[i][m].max() if m.any() else -np.inf for i, m in enumerate(above)])
        for tau in (float(t) for t in args.taus.split(",")):
            scores = np.where(above_max[cal] >= tau, 1 - proba[cal, top[cal]], -1.0)
            rank = int(np.ceil((len(cal) + 1) * (1 - args.alpha)))
            q = np.sort(scores)[rank - 1] if rank <= len(cal) else np.inf
            cost, errors = 0.0, 0
            for i in held:
                kept = (1 - proba[i]) <= q
                kept[proba[i].argmax()] = True
                fallback = ent[i][kept].max() < tau
                cost += len(labels) if fallback else kept.sum()
                got = top[i] if fallback else np.flatnonzero(kept)[ent[i][kept].argmax()]
                errors += int(got != top[i])
            r = results.setdefault(str(tau), {"pairs_per_text": [], "agreement": []})
            r["pairs_per_text"].append(cost / len(held))
            r["agreement"].append(1 - errors / len(held))
    for tau, r in results.items():
        print(f"tau {tau:>5}: NLI pairs per text {np.mean(r['pairs_per_text']):6.2f}, agreement {np.mean(r['agreement']):.3f}")
    if args.out:
        args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "data": str(args.data), "n": args.n,
                                        "base": args.base, "alpha": args.alpha, "results": results}, indent=1))


if __name__ == "__main__":
    main()
