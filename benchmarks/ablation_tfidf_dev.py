"""The dev-split ablation behind xlink's TF-IDF defaults (BENCHMARKS.md).

Each row adds one setting to the previous one, on NCBI Disease *dev* (raw
protocol) against MEDIC 2012 (BioSyn's copy). Only dev is used here: these are
the choices, and test is reported once, with the final settings.

    python benchmarks/ablation_tfidf_dev.py
"""

from __future__ import annotations

import os
from pathlib import Path

from xlink.corpus.io import load_corpus
from xlink.evaluation.linking import evaluate_linking
from xlink.linker import corpus_mentions
from xlink.linking_config import LinkingConfig, build_linker
from xlink.terminology.loaders import load_terminology

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
PLAIN = {"kind": "tfidf", "analyzer": "char", "ngram_min": 3, "ngram_max": 3, "sublinear_tf": False, "tie_break": "order"}
WB = {"kind": "tfidf", "analyzer": "char_wb", "ngram_min": 2, "ngram_max": 3, "sublinear_tf": True, "tie_break": "order"}
STEPS = [
    ("plain char 3-grams", dict(abbreviations=False, relaxed_abbreviations=False, split_composites=False, generator=PLAIN)),
    ("char_wb 2-3-grams, sublinear tf", dict(abbreviations=False, relaxed_abbreviations=False, split_composites=False, generator=WB)),
    ("+ Schwartz-Hearst abbreviations", dict(abbreviations=True, relaxed_abbreviations=False, split_composites=False, generator=WB)),
    ("+ ties to the concept with more names", dict(abbreviations=True, relaxed_abbreviations=False, split_composites=False, generator={**WB, "tie_break": "names"})),
    ("+ composite splitting (threshold 0.9)", dict(abbreviations=True, relaxed_abbreviations=False, split_composites=True, generator={**WB, "tie_break": "names"})),
    ("+ permuted-initials abbreviations (= default)", dict(abbreviations=True, relaxed_abbreviations=True, split_composites=True, generator={**WB, "tie_break": "names"})),
    ("+ NCBI train mentions as aliases", dict(abbreviations=True, relaxed_abbreviations=True, split_composites=True, generator={**WB, "tie_break": "names"},
                                              train_corpus=str(DATA / "el" / "ncbi_disease" / "NCBItrainset_corpus.txt"))),
]


def main() -> None:
    term = load_terminology(DATA / "terminologies" / "medic" / "medic_06Jul2012_BioSyn.txt")
    dev = load_corpus(DATA / "el" / "ncbi_disease" / "NCBIdevelopset_corpus.txt")
    print("| setting (cumulative) | acc@1 | acc@5 | recall@64 |")
    print("|---|---|---|---|")
    for name, options in STEPS:
        config = LinkingConfig(**options, reranker={})  # type: ignore[arg-type]  # the generator alone
        linker = build_linker(term, config, use_cache=False)
        mentions = corpus_mentions(dev, config.abbreviations, config.relaxed_abbreviations)
        report = evaluate_linking(list(linker.link(mentions)))
        print(f"| {name} | {report.acc[1]:.1f} | {report.acc[5]:.1f} | {report.recall[64]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
