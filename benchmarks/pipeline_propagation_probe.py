"""Dev-only probe: tag every other occurrence, in the same document, of a string the NER found.

NER systems for NCBI Disease often miss a repeated mention ("FAP" the fifth time) that they
tagged elsewhere in the abstract. This adds, after the NER of the shipped pipeline, each
exact further occurrence of an entity's text (case-sensitive for short or upper-case
strings, word-bounded) that overlaps no entity, and scores the pipeline on a split.

    python benchmarks/pipeline_propagation_probe.py --mode none
    python benchmarks/pipeline_propagation_probe.py --mode propagate
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from xlink.components.pipelines import evaluate_pipeline
from xlink.corpus.io import load_corpus


@Language.component("xlink_probe_propagate")
def propagate(doc: Doc) -> Doc:
    ents = list(doc.ents)
    forms: dict[str, str] = {}
    for ent in ents:
        text = ent.text
        if len(text) >= 3:
            forms.setdefault(text if (text.isupper() or len(text) <= 4) else text.lower(), ent.label_)
    lower = doc.text.lower()
    taken = {i for ent in ents for i in range(ent.start, ent.end)}
    found: list[Span] = []
    for form, label in forms.items():
        haystack = doc.text if form != form.lower() or len(form) <= 4 else lower
        for match in re.finditer(r"(?<![\w-])" + re.escape(form) + r"(?![\w-])", haystack):
            span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="strict")
            if span is not None and not any(i in taken for i in range(span.start, span.end)):
                found.append(span)
    doc.ents = ents + filter_spans(found)
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["none", "propagate"], default="propagate")
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt"))
    parser.add_argument("--pipeline", default="xlink_disease_medic")
    args = parser.parse_args()
    nlp = spacy.load(args.pipeline)
    if args.mode == "propagate":
        nlp.add_pipe("xlink_probe_propagate", after="ner")
    record = evaluate_pipeline(nlp, load_corpus(args.corpus, "pubtator")).to_json()
    keys = ("ner_strict_precision", "ner_strict_recall", "ner_strict_f1", "strict_f1", "loose_f1", "ner_loose_f1")
    print(json.dumps({"mode": args.mode, "corpus": str(args.corpus), **{k: record[k] for k in keys}}))


if __name__ == "__main__":
    main()
