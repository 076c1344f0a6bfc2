"""Draw the recall@k curves of BENCHMARKS.md (NCBI Disease test, raw protocol, MEDIC 2012).

    python benchmarks/plot_recall_tfidf.py [-o benchmarks/figures/recall_tfidf_ncbi_test.png]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from xlink.corpus.io import load_corpus
from xlink.evaluation.linking import evaluate_linking
from xlink.evaluation.plots import plot_recall_curve
from xlink.linker import corpus_mentions
from xlink.linking_config import LinkingConfig, build_linker
from xlink.terminology.loaders import load_terminology

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "benchmarks" / "figures" / "recall_tfidf_ncbi_test.png")
    args = parser.parse_args()
    term = load_terminology(DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt")
    test = load_corpus(DATA / "el" / "ncbi_disease" / "NCBItestset_corpus.txt")
    curves = {}
    for name, cfg in (
        ("baseline char-3", ROOT / "configs" / "linking" / "baseline_char3.cfg"),
        ("xlink TF-IDF", ROOT / "configs" / "linking" / "tfidf.cfg"),
        ("xlink TF-IDF + train mentions", None),
    ):
        config = LinkingConfig.from_disk(cfg if cfg else ROOT / "configs" / "linking" / "tfidf.cfg")
        if cfg is None:  # the TF-IDF config (no reranker) plus the training mentions as aliases
            config.train_corpus = str(DATA / "el" / "ncbi_disease" / "NCBItrainset_corpus.txt")
        linker = build_linker(term, config, use_cache=False)
        mentions = corpus_mentions(test, config.abbreviations, config.relaxed_abbreviations)
        curves[name] = evaluate_linking(list(linker.link(mentions))).curve
    plot_recall_curve(curves, args.output, title="NCBI Disease test, raw protocol, MEDIC 2012", ylabel="recall@k (%)")
    print(args.output)


if __name__ == "__main__":
    main()
