"""Probe: add exact matches of reliably annotated training mention strings to the NER's spans (a dev probe).

A string the NCBI training split annotates as a disease in at least ``min_ratio`` of its
occurrences (and at least ``min_count`` times, 3 characters or more) is matched in each document;
a match that overlaps no NER span becomes a DISEASE span, and the linker then links every span.
Scored end to end as ``xlink evaluate-pipeline`` scores. Use a dev split.

    python benchmarks/pipeline_train_dictionary_probe.py [--corpus DEV] [--out results.json]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ((1, 0.9), (2, 0.8), (2, 0.9), (3, 0.9))


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(text) + r"(?![\w-])")


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data")) / "el" / "ncbi_disease"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=data / "NCBItrainset_corpus.txt")
    parser.add_argument("--corpus", type=Path, default=data / "NCBIdevelopset_corpus.txt")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from spacy.util import filter_spans

    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import equivalent_ids_of, evaluate_pipeline, predicted_corpus
    from xlink.corpus.io import load_corpus
    from xlink.evaluation.end_to_end import evaluate_end_to_end

    train, gold = load_corpus(args.train), load_corpus(args.corpus)
    annotated = collections.Counter(e.text[0] for d in train.documents for e in d.entities)
    texts = [d.text for d in train.documents]
    occurrences = {s: sum(len(_pattern(s).findall(t)) for t in texts) for s in annotated}
    nlp = load_pipeline(None)
    linker = nlp.get_pipe("xlink_linker")
    base = evaluate_pipeline(nlp, gold)
    scores = {k: v for k, v in base.report.to_json().items() if k.endswith("_f1")}
    runs: list[dict[str, object]] = [{"setting": "shipped pipeline", **scores}]
    print(runs[0], flush=True)
    for min_count, min_ratio in SETTINGS:
        keep = [s for s, n in annotated.items()
                if n >= min_count and occurrences[s] and n / occurrences[s] >= min_ratio and len(s) >= 3]
        patterns = [_pattern(s) for s in keep]
        docs = []
        for doc in base.docs:
            added = []
            for pattern in patterns:
                for match in pattern.finditer(doc.text):
                    span = doc.char_span(match.start(), match.end(), label="DISEASE")
                    if span is not None and not any(span.start < e.end and e.start < span.end for e in doc.ents):
                        added.append(span)
            if added:
                doc = doc.copy()
                doc.ents = filter_spans(list(doc.ents) + added)
                doc = linker(doc)
            docs.append(doc)
        report = evaluate_end_to_end(predicted_corpus(docs, gold).documents, gold.documents, equivalent_ids_of(nlp))
        scores = {k: v for k, v in report.to_json().items() if k.endswith("_f1")}
        runs.append({"setting": f"min_count {min_count}, min_ratio {min_ratio}", "strings": len(keep), **scores})
        print(runs[-1], flush=True)
    if args.out:
        record = {"corpus": str(args.corpus), "date": time.strftime("%Y-%m-%d %H:%M"), "runs": runs}
        args.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
