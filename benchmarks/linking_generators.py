"""Compare candidate generators on NCBI Disease dev and test (raw protocol, MEDIC 2012).

For TF-IDF, the untrained all-MiniLM-L6-v2, xlink's trained bi-encoder and
their ensembles: recall@1/5/64 and acc@1, strict rule, the linker's defaults
(abbreviation expansion, composite splitting). The ensemble's fusion rule and
weights are chosen on dev only (by the mean of acc@1 and recall@64), then
reported on test. Each generator's candidates are computed once per split and
memoized, so the fusion grid costs no re-encoding.

    python benchmarks/linking_generators.py --trained xlink-biencoder-minilm

Writes benchmarks/results/linking_generators.json and
benchmarks/figures/recall_generators.png. Indexes are cached under
$XLINK_CACHE (or ~/.cache/xlink), so a rerun does not re-encode MEDIC.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from xlink.candidates.base import Candidate, CandidateGenerator
from xlink.candidates.ensemble import EnsembleGenerator
from xlink.corpus.io import load_corpus
from xlink.evaluation.linking import evaluate_linking
from xlink.evaluation.plots import plot_recall_curve
from xlink.linker import Linker, corpus_mentions
from xlink.linking_config import LinkingConfig, build_generator
from xlink.terminology.loaders import load_terminology

logger = logging.getLogger("benchmarks.linking_generators")
ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
SPLITS = {
    "dev": "el/ncbi_disease/NCBIdevelopset_corpus.txt",
    "test": "el/ncbi_disease/NCBItestset_corpus.txt",
}
MEDIC = "terminologies/medic/medic_06Jul2012_BioSyn.txt"
FUSIONS = [("max", w) for w in (0.8, 1.0, 1.2)] + [("sum", w) for w in (0.5, 1.0)] + [
    ("rrf", w) for w in (0.5, 1.0, 2.0)
]


class Memo:
    """A generator wrapper that remembers each mention's longest candidate list."""

    def __init__(self, generator: CandidateGenerator) -> None:
        self.generator = generator
        self.cache: dict[str, list[Candidate]] = {}
        self.k: dict[str, int] = {}

    def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
        todo = list(dict.fromkeys(m for m in mentions if self.k.get(m, -1) < k))
        if todo:
            for m, found in zip(todo, self.generator.generate(todo, k), strict=True):
                self.cache[m], self.k[m] = found, k
        return [self.cache[m][:k] for m in mentions]


def evaluate(terminology, generator: CandidateGenerator, mentions) -> dict[str, object]:  # type: ignore[no-untyped-def]
    defaults = LinkingConfig()
    linker = Linker(
        terminology, generator, k=64, use_abbreviations=defaults.abbreviations,
        split_composites=defaults.split_composites, composite_threshold=defaults.composite_threshold,
    )
    start = time.perf_counter()
    linked = list(linker.link(mentions))
    seconds = time.perf_counter() - start
    report = evaluate_linking(linked, ks=(1, 5, 10, 64))
    return {
        "recall@1": round(report.recall[1], 2), "recall@5": round(report.recall[5], 2),
        "recall@64": round(report.recall[64], 2), "acc@1": round(report.acc[1], 2),
        "n_mentions": report.n_evaluated, "link_s": round(seconds, 2), "curve": [round(x, 2) for x in report.curve],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trained", default="xlink-biencoder-minilm", help="trained bi-encoder: name, folder or hub id")
    parser.add_argument("--base", default="all-MiniLM-L6-v2")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/linking_generators.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "benchmarks/figures/recall_generators.png")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    terminology = load_terminology(DATA / MEDIC)
    mentions = {
        split: corpus_mentions(load_corpus(DATA / path), relaxed_abbreviations=LinkingConfig().relaxed_abbreviations)
        for split, path in SPLITS.items()
    }
    builds: dict[str, dict[str, object]] = {}

    def make(name: str, options: dict[str, object]) -> Memo:
        start = time.perf_counter()
        generator = build_generator(terminology, options, cache_dir=args.cache_dir)
        info: dict[str, object] = {"options": options, "seconds": round(time.perf_counter() - start, 1)}
        if hasattr(generator, "build_seconds") and getattr(generator, "build_seconds", 0):
            info["index_build_s"] = round(generator.build_seconds, 1)  # type: ignore[attr-defined]
            info["encode_names_per_s"] = round(generator.encode_names_per_s, 1)  # type: ignore[attr-defined]
            info["n_names"] = len(generator._name_texts)  # type: ignore[attr-defined]
        builds[name] = info
        logger.info("%s ready: %s", name, info)
        return Memo(generator)

    members = {
        "TF-IDF": make("TF-IDF", dict(LinkingConfig().generator)),
        "base MiniLM": make("base MiniLM", {"kind": "dense", "model": args.base}),
        "trained bi-encoder": make("trained bi-encoder", {"kind": "dense", "model": args.trained}),
    }
    results: dict[str, dict[str, dict[str, object]]] = {}
    for split in SPLITS:
        for name, memo in members.items():
            results.setdefault(name, {})[split] = evaluate(terminology, memo, mentions[split])
            logger.info("%s %s: %s", name, split, {k: v for k, v in results[name][split].items() if k != "curve"})

    # Fusion of TF-IDF with each dense model, chosen on dev.
    selection: dict[str, object] = {}
    for dense in ("base MiniLM", "trained bi-encoder"):
        grid = {}
        for fusion, weight in FUSIONS:
            ens = EnsembleGenerator([members["TF-IDF"], members[dense]], [1.0, weight], fusion=fusion, k_per_generator=64)
            dev = evaluate(terminology, ens, mentions["dev"])
            grid[f"{fusion} w={weight}"] = {k: v for k, v in dev.items() if k != "curve"}
            logger.info("ensemble TF-IDF + %s, %s w=%s, dev: %s", dense, fusion, weight, grid[f"{fusion} w={weight}"])
        best = max(grid, key=lambda key: (grid[key]["acc@1"] + grid[key]["recall@64"]) / 2)  # type: ignore[operator]
        fusion, weight = best.split(" w=")
        selection[dense] = {"chosen": best, "dev_grid": grid}
        name = f"ensemble (TF-IDF + {dense}, {best})"
        ens = EnsembleGenerator([members["TF-IDF"], members[dense]], [1.0, float(weight)], fusion=fusion, k_per_generator=64)
        results[name] = {split: evaluate(terminology, ens, mentions[split]) for split in SPLITS}

    payload = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "terminology": MEDIC,
        "splits": SPLITS,
        "builds": builds,
        "results": results,
        "fusion_selection": selection,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    for split in SPLITS:
        plot_recall_curve(
            {name: r[split]["curve"] for name, r in results.items()},  # type: ignore[misc]
            args.plot.with_name(f"{args.plot.stem}_{split}{args.plot.suffix}"),
            title=f"NCBI Disease {split}, raw protocol, MEDIC 2012",
            ylabel="recall@k (%)",
        )
    print("| generator | split | recall@1 | recall@5 | recall@64 | acc@1 |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        for split in SPLITS:
            m = r[split]
            print(f"| {name} | {split} | {m['recall@1']} | {m['recall@5']} | {m['recall@64']} | {m['acc@1']} |")


if __name__ == "__main__":
    main()
