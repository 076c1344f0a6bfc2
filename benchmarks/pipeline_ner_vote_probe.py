"""Probe: a majority vote of several NER models in front of the disease pipeline's linker (a dev probe).

Each NER (spaCy pipeline folders; the shipped pipeline's own NER first) tags the raw text; a span
kept by at least ``--min-votes`` of them, with the same character offsets, becomes an entity
(overlaps resolved longest first, as spaCy's ``filter_spans`` does), and the shipped pipeline's
abbreviation and linker components then link them. Scored end to end as ``xlink evaluate-pipeline``
scores. Use a dev split.

    python benchmarks/pipeline_ner_vote_probe.py --ner MODEL [--ner MODEL ...] [--min-votes 2] [--out results.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data")) / "el" / "ncbi_disease"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=data / "NCBIdevelopset_corpus.txt")
    parser.add_argument("--ner", type=Path, action="append", default=[], help="more NER pipeline folders")
    parser.add_argument("--min-votes", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import spacy
    from spacy.util import filter_spans

    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import equivalent_ids_of, predicted_corpus
    from xlink.corpus.io import load_corpus
    from xlink.evaluation.end_to_end import evaluate_end_to_end

    gold = load_corpus(args.corpus)
    nlp = load_pipeline(None)
    texts = [d.text for d in gold.documents]
    models = [None, *(spacy.load(p) for p in args.ner)]  # None: the pipeline's own NER
    spans_per_model = []
    for model in models:
        if model is None:
            with nlp.select_pipes(enable=["tok2vec", "ner"]):
                docs = list(nlp.pipe(texts))
        else:
            docs = list(model.pipe(texts))
        spans_per_model.append([{(e.start_char, e.end_char) for e in d.ents} for d in docs])

    def linked(span_sets: list[set[tuple[int, int]]]) -> dict[str, float]:
        docs = []
        for text, spans in zip(texts, span_sets, strict=True):
            doc = nlp.make_doc(text)
            ents = [doc.char_span(s, e, label="DISEASE") for s, e in sorted(spans)]
            doc.ents = filter_spans([s for s in ents if s is not None])
            for name in ("xlink_abbreviations", "xlink_linker"):
                doc = nlp.get_pipe(name)(doc)
            docs.append(doc)
        report = evaluate_end_to_end(predicted_corpus(docs, gold).documents, gold.documents, equivalent_ids_of(nlp))
        return {k: v for k, v in report.to_json().items() if k.endswith("_f1") or k.endswith("_precision") or k.endswith("_recall")}

    runs = []
    names = ["shipped", *(str(p) for p in args.ner)]
    for name, span_sets in zip(names, spans_per_model, strict=True):
        runs.append({"setting": f"NER {name} alone", **linked(span_sets)})
        print({k: runs[-1][k] for k in ("setting", "ner_strict_f1", "strict_f1", "loose_f1")}, flush=True)
    voted = []
    for per_doc in zip(*spans_per_model, strict=True):
        counts = collections.Counter(span for spans in per_doc for span in spans)
        voted.append({span for span, n in counts.items() if n >= args.min_votes})
    runs.append({"setting": f"vote, at least {args.min_votes} of {len(models)}", **linked(voted)})
    print({k: runs[-1][k] for k in ("setting", "ner_strict_f1", "ner_strict_precision", "ner_strict_recall", "strict_f1", "loose_f1")}, flush=True)
    if args.out:
        record = {"corpus": str(args.corpus), "date": time.strftime("%Y-%m-%d %H:%M"), "runs": runs}
        args.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
