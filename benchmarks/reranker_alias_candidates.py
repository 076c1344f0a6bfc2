"""Reranker training candidates from the disease pipeline's own generator, training aliases left out by fold.

The disease pipeline links with TF-IDF over CTD MEDIC 2017 *plus the NCBI training mentions as
aliases*. A reranker trained behind a generator without those aliases learns to overrule the
generator's exact hits, which are mostly right once the aliases are there (benchmarks/pipeline.md).
Linking the training mentions with every training mention as an alias would be the opposite
mistake: each mention would find its own text. So the training split is cut into ``--folds``
document folds, and each fold's mentions are linked against MEDIC plus the aliases of the *other*
folds; dev mentions are linked against MEDIC plus all training aliases, exactly as the pipeline
links. The two files are candidate caches for ``xlink train reranker``
(``paths.train_candidates`` / ``paths.dev_candidates``; no ``.meta.json`` stamp is written, so the
trainer warns that it cannot check them).

    python benchmarks/reranker_alias_candidates.py --out runs/cache/alias [--folds 5] [--k 16]
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=data / "el/ncbi_disease/NCBItrainset_corpus.txt")
    parser.add_argument("--dev", type=Path, default=data / "el/ncbi_disease/NCBIdevelopset_corpus.txt")
    parser.add_argument("--terminology", type=Path, default=data / "terminologies/medic/CTD_diseases_2017.tsv.gz")
    parser.add_argument("--pipeline-config", type=Path, default=ROOT / "configs/pipeline_disease_medic.cfg",
                        help="its [linker] and [linker.generator] are the generator's settings")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--context-chars", type=int, default=256)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    from confection import Config

    from xlink.corpus.io import load_corpus
    from xlink.corpus.model import Corpus
    from xlink.linker import corpus_mentions, write_predictions
    from xlink.linking_config import LinkingConfig, build_linker
    from xlink.terminology.augment import augment_with_mentions
    from xlink.terminology.loaders import load_terminology

    section = Config().from_disk(args.pipeline_config, interpolate=False)["linker"]
    config = LinkingConfig(
        k=args.k,
        abbreviations=bool(section["abbreviations"]),
        relaxed_abbreviations=bool(section["relaxed_abbreviations"]),
        split_composites=bool(section["split_composites"]),
        composite_threshold=float(section["composite_threshold"]),
        generator=dict(section["generator"]),
        reranker={},
    )
    terminology = load_terminology(args.terminology, "ctd")
    train = load_corpus(args.train)
    documents = sorted(train.documents, key=lambda d: (d.document_id, d.id))

    def mentions_of(docs: list) -> list:  # type: ignore[type-arg]
        return corpus_mentions(Corpus(documents=docs, name=train.name), expand_abbreviations=config.abbreviations,
                               relaxed_abbreviations=config.relaxed_abbreviations, context_chars=args.context_chars)

    linked_train = []
    for fold in range(args.folds):
        held = [d for i, d in enumerate(documents) if i % args.folds == fold]
        rest = [d for i, d in enumerate(documents) if i % args.folds != fold]
        linker = build_linker(augment_with_mentions(terminology, Corpus(documents=rest, name="rest").mentions()),
                              config, use_cache=False)
        linked = list(linker.link(mentions_of(held)))
        logging.info("fold %d: %d documents, %d mentions linked against %d aliased documents",
                     fold, len(held), len(linked), len(rest))
        linked_train.extend(linked)
    dev_linker = build_linker(augment_with_mentions(terminology, train.mentions()), config, use_cache=False)
    dev = load_corpus(args.dev)
    linked_dev = list(dev_linker.link(corpus_mentions(dev, expand_abbreviations=config.abbreviations,
                                                      relaxed_abbreviations=config.relaxed_abbreviations,
                                                      context_chars=args.context_chars)))
    args.out.mkdir(parents=True, exist_ok=True)
    write_predictions(linked_train, args.out / "train.jsonl")
    write_predictions(linked_dev, args.out / "dev.jsonl")
    logging.info("wrote %d training and %d dev mentions to %s", len(linked_train), len(linked_dev), args.out)


if __name__ == "__main__":
    main()
