"""Reranker inference speed: torch fp32 against ONNX Runtime (fp32 and dynamic int8), one process.

Links NCBI Disease test mentions with the built-in generator once (no reranker), then
reranks the same lists with each backend, interleaved, ``--repeats`` times,
and reports the median pairs/s and mentions/s and the acc@1 of each backend
(int8 changes scores slightly). Results go to benchmarks/results/reranker_speed.json.

    python benchmarks/reranker_speed.py --reranker runs/reranker_l1 [--k 8] [--repeats 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reranker", default="xlink-reranker-minilm")
    parser.add_argument("--corpus", type=Path, default=DATA / "el" / "ncbi_disease" / "NCBItestset_corpus.txt")
    parser.add_argument("--terminology", type=Path, default=DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt")
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="first N mentions only")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "reranker_speed.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    import torch

    from xlink.corpus.io import load_corpus
    from xlink.evaluation.linking import evaluate_linking
    from xlink.linker import corpus_mentions
    from xlink.linking_config import LinkingConfig, build_linker
    from xlink.rerank.cross_encoder import CrossEncoderReranker
    from xlink.rerank.onnx import OnnxRunner, export_onnx
    from xlink.terminology.loaders import load_terminology

    torch.set_num_threads(args.threads)
    term = load_terminology(args.terminology)
    linker = build_linker(term, LinkingConfig(reranker={}))
    mentions = corpus_mentions(load_corpus(args.corpus))
    if args.limit:
        mentions = mentions[: args.limit]
    linked = list(linker.link(mentions))
    reranker = CrossEncoderReranker.load(args.reranker, terminology=term, device="cpu")
    if args.k:
        reranker.config.k = args.k
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        int8_path = export_onnx(reranker, tmp, quantize=True)
        export_s = time.perf_counter() - start
        runners = {"torch fp32": None, "onnxruntime fp32": OnnxRunner(Path(tmp) / "model.onnx", args.threads),
                   "onnxruntime int8": OnnxRunner(int8_path, args.threads)}
        sizes = {"onnxruntime fp32": (Path(tmp) / "model.onnx").stat().st_size / 1e6,
                 "onnxruntime int8": int8_path.stat().st_size / 1e6}
        times: dict[str, list[float]] = {name: [] for name in runners}
        acc: dict[str, float] = {}
        pairs = mentions_scored = 0
        for _ in range(args.repeats):
            for name, runner in runners.items():
                reranker.runner = runner
                t0 = time.perf_counter()
                out = reranker.rerank(linked)
                times[name].append(time.perf_counter() - t0)
                pairs, mentions_scored = reranker.stats.pairs, reranker.stats.mentions
                acc[name] = round(evaluate_linking(out, ks=(1,)).acc[1], 2)
                logging.info("%s: %.1f s", name, times[name][-1])
    rows = []
    for name in runners:
        seconds = statistics.median(times[name])
        rows.append({"backend": name, "seconds": round(seconds, 2), "pairs_per_s": round(pairs / seconds, 1),
                     "mentions_per_s": round(len(linked) / seconds, 1), "acc@1": acc[name],
                     "model_mb": round(sizes.get(name, 0.0), 1) or None})
    result = {"date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(), "threads": args.threads,
              "load_avg": os.getloadavg(), "reranker": args.reranker, "k": reranker.config.k,
              "mentions": len(linked), "mentions_reranked": mentions_scored, "pairs": pairs,
              "repeats": args.repeats, "onnx_export_s": round(export_s, 1), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print("| backend | pairs/s | mentions/s | acc@1 | s |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['pairs_per_s']} | {r['mentions_per_s']} | {r['acc@1']} | {r['seconds']} |")


if __name__ == "__main__":
    main()
