"""Encoding throughput (names/s) of the dense generator's encoder, variants measured in one run.

The machine is shared, so absolute names/s vary from run to run; the ratios
between the variants of one run are what to compare. The variants: padded
batches in terminology order (the naive way), xlink's length-sorted batches
with dynamic padding at max_length 25 and 64, one vs two torch threads, and
int8 dynamic quantization of the linear layers (with its cosine to fp32).

    python benchmarks/linking_generators_throughput.py --n 4000
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import time
from pathlib import Path

import numpy as np

from xlink.candidates.encoder import TextEncoder
from xlink.terminology.loaders import load_terminology
from xlink.text.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))


def padded(encoder: TextEncoder, texts: list[str], batch_size: int) -> float:
    """names/s with every batch padded to max_length, in input order (no length sorting)."""
    import torch

    start = time.perf_counter()
    with torch.inference_mode():
        for lo in range(0, len(texts), batch_size):
            batch = encoder.tokenizer(texts[lo : lo + batch_size], padding="max_length", truncation=True,
                                      max_length=encoder.max_length, return_tensors="pt")
            encoder.embed(batch["input_ids"], batch["attention_mask"])
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="xlink-biencoder-minilm")
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/linking_generators_throughput.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    terminology = load_terminology(DATA / "terminologies/medic/medic_06Jul2012_BioSyn.txt")
    names = list(dict.fromkeys(normalize_text(n) for c in terminology for n in c.names))
    texts = random.Random(0).sample(names, args.n)
    rows: dict[str, float] = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        enc = TextEncoder(args.model, max_length=25)
        enc.encode(texts[:256])  # warm-up
        rows[f"padded to 25, input order, batch 256, {threads} thread(s)"] = padded(enc, texts, 256)
        ref = enc.encode(texts, 256)
        rows[f"length-sorted, dynamic padding, max 25, batch 256, {threads} thread(s)"] = enc.stats.texts_per_s
        enc64 = TextEncoder(args.model, max_length=64)
        enc64.encode(texts, 256)
        rows[f"length-sorted, dynamic padding, max 64, batch 256, {threads} thread(s)"] = enc64.stats.texts_per_s
    torch.set_num_threads(1)
    quantized = TextEncoder(args.model, max_length=25)
    quantized.model = torch.ao.quantization.quantize_dynamic(quantized.model, {torch.nn.Linear}, dtype=torch.qint8)
    q = quantized.encode(texts, 256)
    rows["int8 dynamic quantization, length-sorted, max 25, 1 thread"] = quantized.stats.texts_per_s
    cosine = (ref * q).sum(1)
    payload = {
        "date": time.strftime("%Y-%m-%d"), "model": args.model, "n_names": len(texts),
        "load_average_at_end": os.getloadavg()[0],
        "names_per_s": {k: round(v, 1) for k, v in rows.items()},
        "int8_cosine_to_fp32": {"mean": round(float(cosine.mean()), 4), "min": round(float(np.min(cosine)), 4)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    print(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
