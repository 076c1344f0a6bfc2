"""Probe: is a *fine-tuned* sentence encoder a better label-pruning base than frozen embeddings?

The paper's CP-Distil distils the zero-shot model into a small fine-tuned model. xlink's
``distil`` base instead fits a bilinear scorer over *frozen* all-MiniLM-L6-v2 embeddings. This
probe fine-tunes the whole encoder (mean pooling, a cosine head started at the label
descriptions' embeddings, a learned scale and bias) on the zero-shot model's score
distributions, then calibrates LAC sets exactly as ``xlink evaluate-zeroshot`` compares bases
(per seed: 20% of the texts held out, 50% fit, 30% calibration) and reports the held-out
average set size and coverage of the zero-shot top label. Only zero-shot-labelled *training*
texts are used (the cache written by ``benchmarks/zeroshot_bases.py``); no gold label, no test
text. Compare with the per-seed figures of ``benchmarks/results/zeroshot_bases_<set>.json``.

    python benchmarks/zeroshot_finetune_probe.py --data runs/zeroshot_data/banking77_train.csv \\
        --epochs 10 --lr 2e-4 --seeds 0,1,2 --out benchmarks/results/zeroshot_finetune_probe_banking77.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer
from zeroshot_bases import read_training_texts, scores_cache

from xlink.conformal.base import default_embedding_model, target_distribution


def lac_sets(p_cal: np.ndarray, y_cal: np.ndarray, p_test: np.ndarray, alpha: float) -> np.ndarray:
    """Split-conformal LAC sets (never empty: the base's top label is always kept)."""
    scores = 1.0 - p_cal[np.arange(len(y_cal)), y_cal]
    n = len(scores)
    rank = min(n, int(np.ceil((n + 1) * (1 - alpha))))
    threshold = np.sort(scores)[rank - 1]
    sets = (1.0 - p_test) <= threshold
    sets[np.arange(len(p_test)), p_test.argmax(axis=1)] = True
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="CSV with text,label (a training split)")
    parser.add_argument("--label-map", type=Path, default=None)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=2e-4, help="encoder learning rate (head: 1e-3)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    torch.set_num_threads(2)
    texts, labels, descriptions = read_training_texts(args.data, args.label_map, args.n)
    descriptions = descriptions or [label.replace("_", " ") for label in labels]
    cache = scores_cache(args.data, args.n)
    if not cache.exists():
        raise SystemExit(f"{cache} is missing: run benchmarks/zeroshot_bases.py --data {args.data} --n {args.n} first")
    scores = np.load(cache, allow_pickle=False)["scores"]
    top = scores.argmax(axis=1)
    path = default_embedding_model()
    tokenizer = AutoTokenizer.from_pretrained(path)

    def embed(model: torch.nn.Module, batch: list[str]) -> torch.Tensor:
        enc = tokenizer(batch, padding=True, truncation=True, max_length=128, return_tensors="pt")
        hidden = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    runs = []
    for seed in (int(s) for s in args.seeds.split(",")):
        order = np.random.default_rng(seed).permutation(len(texts))
        n_sel, n_fit = int(round(len(texts) * 0.2)), int(round(len(texts) * 0.5))
        sel, fit, cal = order[:n_sel], order[n_sel : n_sel + n_fit], order[n_sel + n_fit :]
        torch.manual_seed(seed)
        model = AutoModel.from_pretrained(path)
        model.eval()
        with torch.no_grad():
            head = torch.nn.Parameter(embed(model, descriptions).clone())
        bias = torch.nn.Parameter(torch.zeros(len(labels)))
        log_scale = torch.nn.Parameter(torch.tensor(float(np.log(20.0))))

        def logits(e: torch.Tensor) -> torch.Tensor:
            return log_scale.exp() * e @ torch.nn.functional.normalize(head, dim=-1).T + bias  # noqa: B023

        target = torch.tensor(target_distribution(top[fit], scores[fit], len(labels)), dtype=torch.float32)
        optimizer = torch.optim.AdamW(
            [{"params": model.parameters(), "lr": args.lr}, {"params": [head, bias, log_scale], "lr": 1e-3, "weight_decay": 0.0}],
            weight_decay=0.01,
        )
        steps = args.epochs * int(np.ceil(len(fit) / args.batch_size))
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i, steps=steps: min(1.0, (i + 1) / (0.1 * steps)) * max(0.0, (steps - i) / steps))
        rng = np.random.default_rng(seed)
        tick = time.perf_counter()
        model.train()
        for _ in range(args.epochs):
            shuffled = rng.permutation(len(fit))
            for start in range(0, len(fit), args.batch_size):
                idx = shuffled[start : start + args.batch_size]
                batch = [texts[fit[i]] for i in idx]
                loss = -(target[idx] * torch.log_softmax(logits(embed(model, batch)), dim=-1)).sum(-1).mean()
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_([*model.parameters(), head], 1.0)
                optimizer.step()
                schedule.step()
        train_s = time.perf_counter() - tick
        model.eval()

        def proba(ix: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return np.concatenate([
                    torch.softmax(logits(embed(model, [texts[i] for i in ix[b : b + 64]])), dim=-1).numpy()  # noqa: B023
                    for b in range(0, len(ix), 64)
                ])

        sets = lac_sets(proba(cal), top[cal], proba(sel), args.alpha)
        run = {"seed": seed, "avg_set_size": float(sets.sum(1).mean()), "coverage": float(sets[np.arange(len(sel)), top[sel]].mean()), "train_s": round(train_s, 1)}
        print(json.dumps(run), flush=True)
        runs.append(run)
    summary = {"avg_set_size": float(np.mean([r["avg_set_size"] for r in runs])), "coverage": float(np.mean([r["coverage"] for r in runs]))}
    print(json.dumps(summary))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        stamp = {"date": time.strftime("%Y-%m-%d"), "data": str(args.data), "n": args.n, "alpha": args.alpha, "epochs": args.epochs,
                 "lr": args.lr, "batch_size": args.batch_size, "runs": runs, "mean": summary}
        args.out.write_text(json.dumps(stamp, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
