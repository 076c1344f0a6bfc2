"""Full-k against conformally pruned reranking on NCBI Disease test, in one run (benchmarks/conformal_candidates.md).

For each protocol (raw: NCBI PubTator against MEDIC 2012; biosyn: BioSyn's queries against its
test dictionary):

1. the generator (configs/linking/tfidf_rerank.cfg without its reranker) makes each mention's
   candidates once, for the dev and the test split;
2. the reranker scores the full top-k of every *dev* mention; its own top choices calibrate a
   candidate pruner (xlink.conformal.candidates; no gold labels used), saved under --out-dir;
3. on *test*, the same candidate lists are reranked in full and then pruned at each alpha, in
   the same process, one after the other (after a warm-up), and both are scored against gold.

Reported per alpha: acc@1 (full, pruned), top-1 agreement, average set size, reranker pairs and
wall time (the pruned time includes the slot scorer and the conformal sets).

    python benchmarks/conformal_candidates.py [--alphas 0.01,0.05] [--protocols raw,biosyn]

The equivalent CLI steps for one protocol (they rerank test twice in separate processes):

    xlink calibrate-linker --corpus $DATA/el/ncbi_disease/NCBIdevelopset_corpus.txt \\
        -t $DATA/terminologies/medic/medic_06Jul2012_BioSyn.txt --config configs/linking/tfidf_rerank.cfg -o runs/cal
    xlink evaluate-linking --corpus $DATA/el/ncbi_disease/NCBItestset_corpus.txt \\
        -t $DATA/terminologies/medic/medic_06Jul2012_BioSyn.txt --config configs/linking/tfidf_rerank.cfg \\
        --conformal-alpha 0.01 --calibration runs/cal --json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
NCBI = DATA / "el" / "ncbi_disease"
BIOSYN = DATA / "el" / "ncbi_disease_biosyn"
MEDIC = DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt"
PROTOCOLS = {
    "raw": {
        "terminology": MEDIC,
        "dev": NCBI / "NCBIdevelopset_corpus.txt",
        "test": NCBI / "NCBItestset_corpus.txt",
        "format": "pubtator",
        "rule": "strict",
    },
    "biosyn": {
        "terminology": BIOSYN / "test_dictionary.txt",
        "dev": BIOSYN / "dev_queries.txt",
        "test": BIOSYN / "test_queries.txt",
        "format": "biosyn-queries",
        "rule": "any",
    },
}
CONFIG = ROOT / "configs" / "linking" / "tfidf_rerank.cfg"


def generate(linker, path: Path, fmt: str, config) -> list:
    from xlink.corpus.io import load_corpus
    from xlink.linker import corpus_mentions

    mentions = corpus_mentions(
        load_corpus(path, fmt), expand_abbreviations=config.abbreviations, relaxed_abbreviations=config.relaxed_abbreviations
    )
    return list(linker.link(mentions))


def _correct(lm, rule: str) -> bool:
    from xlink.evaluation.linking import first_correct_rank

    rank = first_correct_rank(lm.mention.gold, lm.predictions[:1], rule)
    return rank is not None and rank <= 1


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def run_protocol(
    name: str, spec: dict, alphas: list[float], reranker_name: str, out_dir: Path, limit: int | None = None
) -> dict:
    from xlink.conformal.candidates import (
        ConformalCandidatePruner,
        ConformalReranker,
        linker_fingerprints,
        reference_slots,
    )
    from xlink.evaluation.linking import evaluate_linking
    from xlink.linking_config import LinkingConfig, build_linker
    from xlink.rerank.cross_encoder import load_reranker
    from xlink.terminology.loaders import load_terminology

    config = LinkingConfig.from_disk(CONFIG)
    reranker_options = {**config.reranker, "model": reranker_name}
    config.reranker = {}
    term = load_terminology(spec["terminology"])
    linker = build_linker(term, config)
    dev = generate(linker, spec["dev"], spec["format"], config)
    test = generate(linker, spec["test"], spec["format"], config)
    if limit:  # smoke runs only; the reported figures use every mention
        dev, test = dev[:limit], test[:limit]
    reranker = load_reranker(reranker_options, term)
    linker.reranker = reranker
    k = reranker.config.k

    reranker.rerank(test[:20])  # warm-up
    dev_full, dev_s = timed(reranker.rerank, dev)
    lists, slots, nil = reference_slots(dev_full, k, reranker)
    pruner = ConformalCandidatePruner(k, alphas[0], "lac", seed=0, fingerprints=linker_fingerprints(linker))
    pruner.fit_conformalize(lists, slots)
    pruner.save(out_dir / f"calibration_{name}")

    before = reranker.totals.pairs
    full, full_s = timed(reranker.rerank, test)
    full_pairs = reranker.totals.pairs - before
    full_report = evaluate_linking(full, ks=(1, 5), rule=spec["rule"])
    generator_report = evaluate_linking(test, ks=(1, 5), rule=spec["rule"])
    rows = []
    for alpha in alphas:
        wrapped = ConformalReranker(reranker, pruner.with_alpha(alpha))
        before = reranker.totals.pairs
        pruned, pruned_s = timed(wrapped.rerank, test)
        pruned_pairs = reranker.totals.pairs - before
        report = evaluate_linking(pruned, ks=(1, 5), rule=spec["rule"])
        reranked = [(a, b) for a, b in zip(full, pruned, strict=True) if b.set_size is not None]
        agree = np.mean([a.predictions[0].concept_id == b.predictions[0].concept_id for a, b in reranked])
        full_right = {lm.mention.key for lm in full if _correct(lm, spec["rule"])}
        pruned_right = {lm.mention.key for lm in pruned if _correct(lm, spec["rule"])}
        rows.append({
            "alpha": alpha,
            "acc@1_full": round(full_report.acc[1], 2),
            "acc@1_pruned": round(report.acc[1], 2),
            "acc@5_full": round(full_report.acc[5], 2),
            "acc@5_pruned": round(report.acc[5], 2),
            "agreement": round(100 * float(agree), 2),
            "only_full_right": len(full_right - pruned_right),
            "only_pruned_right": len(pruned_right - full_right),
            "n_reranked": len(reranked),
            "avg_set_size": round(wrapped.stats.avg_set_size, 3),
            "avg_full_size": round(wrapped.stats.avg_full_size, 3),
            "pairs_full": full_pairs,
            "pairs_pruned": pruned_pairs,
            "pairs_saved": round(1 - pruned_pairs / max(full_pairs, 1), 4),
            "time_full_s": round(full_s, 2),
            "time_pruned_s": round(pruned_s, 2),
            "time_saved": round(1 - pruned_s / max(full_s, 1e-9), 4),
        })
    return {
        "protocol": name,
        "terminology": str(spec["terminology"]).replace(str(DATA), "$DATA"),
        "calibration_split": str(spec["dev"]).replace(str(DATA), "$DATA"),
        "test_split": str(spec["test"]).replace(str(DATA), "$DATA"),
        "rule": spec["rule"],
        "k": k,
        "reranker": reranker.source,
        "n_test": len(test),
        "generator_acc@1": round(generator_report.acc[1], 2),
        "n_calibration_mentions": pruner.n_calibration,
        "n_fit_mentions": pruner.n_fit,
        "calibration_nil": nil,
        "calibration_reference_slots": np.bincount(np.asarray(slots), minlength=k).tolist(),
        "dev_full_rerank_s": round(dev_s, 1),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alphas", default="0.01,0.05,0.1")
    parser.add_argument("--protocols", default="raw,biosyn")
    parser.add_argument("--reranker", default="xlink-reranker-minilm")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="first N dev and test mentions (smoke runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "conformal_candidates.json")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "runs" / "conformal_candidates")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if not DATA.exists():
        raise SystemExit(f"{DATA} not found; set XLINK_DATA")
    alphas = [float(a) for a in args.alphas.split(",")]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, torch threads {args.threads}",
        "command": "python benchmarks/conformal_candidates.py " + f"--alphas {args.alphas} --protocols {args.protocols}",
        "protocols": [],
    }
    for name in args.protocols.split(","):
        result = run_protocol(name, PROTOCOLS[name], alphas, args.reranker, args.out_dir, args.limit)
        results["protocols"].append(result)
        print(json.dumps(result, indent=1), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print("| protocol | α | acc@1 full | acc@1 pruned | agreement | avg set (of k) | pairs full → pruned | saved | time full → pruned (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for p in results["protocols"]:
        for r in p["rows"]:
            print(f"| {p['protocol']} | {r['alpha']} | {r['acc@1_full']} | {r['acc@1_pruned']} | {r['agreement']} | "
                  f"{r['avg_set_size']} (of {r['avg_full_size']}) | {r['pairs_full']} → {r['pairs_pruned']} | "
                  f"{100 * r['pairs_saved']:.1f}% | {r['time_full_s']} → {r['time_pruned_s']} |")


if __name__ == "__main__":
    main()
