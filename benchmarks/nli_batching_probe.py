"""Token-count batching (``NLIModel.logits``) against the character-count batching it replaced.

Same process, same model, the zero-shot speed workload (``zeroshot_speed.py``: seeded
Banking77 test texts x 77 labels), the two alternating; prints pairs/s of each and the
largest logit difference.

    .venv/bin/python benchmarks/nli_batching_probe.py --texts 24 --repeats 3
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from zeroshot_speed import sample_texts

from xlink.classify.zeroshot import ZeroShotClassifier


def char_count_logits(classifier: ZeroShotClassifier, premises: list[str], hypotheses: list[str]) -> np.ndarray:
    """The previous batching: order by characters, pad each batch with the tokenizer."""
    model = classifier.nli
    out = np.zeros((len(premises), model.num_labels), dtype=np.float32)
    order = sorted(range(len(premises)), key=lambda i: len(premises[i]) + len(hypotheses[i]))
    with torch.inference_mode():
        for lo in range(0, len(order), model.batch_size):
            idx = order[lo : lo + model.batch_size]
            enc = model.tokenizer(
                [premises[i] for i in idx], [hypotheses[i] for i in idx],
                truncation=True, max_length=model.max_length, padding=True, return_tensors="pt",
            )
            out[idx] = model.model(**enc).logits.float().numpy()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("runs/zeroshot_data/banking77_test.csv"))
    parser.add_argument("--texts", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    texts, labels = sample_texts(args.data, args.texts, args.seed)
    classifier = ZeroShotClassifier()
    premises = [t for t in texts for _ in labels]
    hypotheses = [classifier.hypothesis(label) for _ in texts for label in labels]
    char_count_logits(classifier, premises[:64], hypotheses[:64])  # warm-up
    classifier.nli.logits(premises[:64], hypotheses[:64])
    for _ in range(args.repeats):
        tick = time.perf_counter()
        old = char_count_logits(classifier, premises, hypotheses)
        t_old = time.perf_counter() - tick
        tick = time.perf_counter()
        new = classifier.nli.logits(premises, hypotheses)
        t_new = time.perf_counter() - tick
        print(f"character-count {len(premises) / t_old:.0f} pairs/s, token-count {len(premises) / t_new:.0f} pairs/s "
              f"(x{t_old / t_new:.2f}), max logit difference {np.abs(old - new).max():.1e}", flush=True)


if __name__ == "__main__":
    main()
