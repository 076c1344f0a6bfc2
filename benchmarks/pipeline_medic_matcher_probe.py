"""Dev-only probe: the MEDIC dictionary matcher beside the disease pipeline's NER.

Adds ``xlink_terminology_matcher`` (CTD MEDIC 2017, ``overwrite = false``) after the shipped
pipeline's NER for a grid of ``min_length`` and ``inverted_names``, and scores each pipeline end
to end on NCBI dev against the shipped one in the same run (rule:
``benchmarks/results/pipeline_medic_matcher_rule.md``).

    python benchmarks/pipeline_medic_matcher_probe.py --out benchmarks/results/pipeline_dev_medic_matcher.json
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import spacy

from xlink.components.pipelines import evaluate_pipeline
from xlink.corpus.io import load_corpus
from xlink.files import atomic_write_text

KEYS = ("ner_strict_precision", "ner_strict_recall", "ner_strict_f1", "strict_f1", "loose_f1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt"))
    parser.add_argument("--terminology", type=Path,
                        default=Path("../shared/data/terminologies/medic/CTD_diseases_2017.tsv.gz"))
    parser.add_argument("--pipeline", default="xlink_disease_medic")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    gold = load_corpus(args.corpus, "pubtator")
    rows = []
    settings: list[dict[str, object] | None] = [None]
    settings += [{"min_length": n, "inverted_names": inv} for n, inv in itertools.product((4, 6, 8), ("uninvert", "skip"))]
    for setting in settings:
        nlp = spacy.load(args.pipeline)
        if setting is not None:
            config = {"terminology": str(args.terminology), "terminology_format": "ctd", "label": "DISEASE", **setting}
            nlp.add_pipe("xlink_terminology_matcher", after="ner", config=config)
        record = evaluate_pipeline(nlp, gold).to_json()
        rows.append({"matcher": setting, **{k: round(float(record[k]), 4) for k in KEYS}})
        print(json.dumps(rows[-1]), flush=True)
    best = max(rows[1:], key=lambda r: (r["loose_f1"], r["strict_f1"]))
    result = {"corpus": str(args.corpus), "pipeline": args.pipeline, "shipped": rows[0], "best": best, "rows": rows}
    atomic_write_text(args.out, json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
