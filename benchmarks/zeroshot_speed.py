"""Pairs per second: xlink's ZeroShotClassifier against the HF ``zero-shot-classification`` pipeline.

Same model, same texts, same labels and template, in one run, before any pruning. Runs
alternate (pipeline, xlink, pipeline, xlink...) and the best of ``--repeats`` is kept for
each configuration, because the machine is shared and its load changes.

    .venv/bin/python benchmarks/zeroshot_speed.py --texts 24 --out benchmarks/zeroshot_results/speed.json
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import time
from pathlib import Path

import torch

logger = logging.getLogger("zeroshot_speed")


def sample_texts(data: Path, n: int, seed: int) -> tuple[list[str], list[str]]:
    """``n`` seeded texts of a ``text,label`` CSV and its sorted labels: the speed benchmarks' workload."""
    with open(data, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["text"] for r in random.Random(seed).sample(rows, n)], sorted({r["label"] for r in rows})


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="NLI model (default: the shipped xlink_nli_minilm)")
    parser.add_argument("--data", type=Path, default=Path("runs/zeroshot_data/banking77_test.csv"))
    parser.add_argument("--texts", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from xlink.classify.nli_model import default_nli_model
    from xlink.classify.zeroshot import DEFAULT_TEMPLATE, ZeroShotClassifier, default_description

    model_path = args.model or default_nli_model()
    texts, labels = sample_texts(args.data, args.texts, args.seed)
    descriptions = [default_description(label) for label in labels]
    n_pairs = len(texts) * len(labels)

    hf = pipeline(
        "zero-shot-classification",
        model=AutoModelForSequenceClassification.from_pretrained(model_path, dtype=torch.float32),
        tokenizer=AutoTokenizer.from_pretrained(model_path),
        device=-1,
    )
    configs = {
        "hf_pipeline_bs1": lambda: hf(texts, candidate_labels=descriptions, hypothesis_template=DEFAULT_TEMPLATE, batch_size=1),
        "hf_pipeline_bs32": lambda: hf(texts, candidate_labels=descriptions, hypothesis_template=DEFAULT_TEMPLATE, batch_size=32),
    }

    def hf_bf16() -> object:  # the pipeline under the same bfloat16 autocast as xlink's bf16 option
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return hf(texts, candidate_labels=descriptions, hypothesis_template=DEFAULT_TEMPLATE, batch_size=32)

    configs["hf_pipeline_bs32_bf16"] = hf_bf16
    variants = {
        "xlink_fp32": ZeroShotClassifier(model_path, batch_size=64),
        "xlink_int8": ZeroShotClassifier(model_path, batch_size=64, int8=True),
        "xlink_bf16": ZeroShotClassifier(model_path, batch_size=64, bf16=True),
        "xlink_int8_len64": ZeroShotClassifier(model_path, batch_size=64, int8=True, max_length=64),
    }
    for name, clf in variants.items():
        configs[name] = lambda clf=clf: clf.predict(texts, descriptions)
    best: dict[str, float] = {}
    for repeat in range(args.repeats):
        for name, run in configs.items():
            start = time.perf_counter()
            run()
            rate = n_pairs / (time.perf_counter() - start)
            best[name] = max(best.get(name, 0.0), rate)
            logger.info("repeat %d %s: %.1f pairs/s", repeat, name, rate)
    # agreement of top labels between the pipeline and xlink (sanity: same model, same scoring)
    hf_top = [r["labels"][0] for r in hf(texts, candidate_labels=descriptions, hypothesis_template=DEFAULT_TEMPLATE, batch_size=32)]
    agreement = {
        name: sum(p.top_label == t for p, t in zip(clf.predict(texts, descriptions), hf_top, strict=True)) / len(texts)
        for name, clf in variants.items()
    }
    pipeline_best = max(best["hf_pipeline_bs1"], best["hf_pipeline_bs32"])  # float32, as shipped
    bf16_ratio = best["xlink_bf16"] / best["hf_pipeline_bs32_bf16"]
    result = {
        "model": str(model_path),
        "texts": len(texts),
        "labels": len(labels),
        "pairs": n_pairs,
        "threads": args.threads,
        "pairs_per_second": best,
        "ratio_vs_pipeline_best": {name: best[name] / pipeline_best for name in variants},
        "top_label_agreement_with_pipeline": agreement,
        "ratio_xlink_bf16_vs_pipeline_bf16": bf16_ratio,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
