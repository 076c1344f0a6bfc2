"""The disease pipeline with a reranker choosing the concept and the TF-IDF score deciding NIL (a dev probe).

With a reranker, ``xlink_linker``'s ``threshold`` applies to the reranker's probability over the
candidates, which is a poor NIL score (benchmarks/pipeline.md). This probe runs the pipeline twice on
the same texts (the NER is the same, so the spans are too): once without a reranker, keeping each
span's best TF-IDF score, and once with ``--reranker`` at threshold 0. A span is then linked to the
reranker's first concept when its TF-IDF score is at least ``gen`` and the reranker's probability at
least ``rr``, and left unlinked otherwise; every (gen, rr) pair is scored end to end as
``xlink evaluate-pipeline`` scores (equivalent ids count). Not a component setting: a probe, to see
whether one is worth building. Use a dev split.

    python benchmarks/pipeline_hybrid_nil_probe.py --reranker runs/rr_alias \\
        [--corpus ../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reranker", required=True, help="package name, folder or HF id")
    parser.add_argument("--corpus", type=Path, default=data / "el" / "ncbi_disease" / "NCBIdevelopset_corpus.txt")
    parser.add_argument("--gen", default="0.7,0.75,0.8,0.85")
    parser.add_argument("--rr", default="0,0.3,0.5")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from spacy.tokens import Span

    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import equivalent_ids_of, evaluate_pipeline, predicted_corpus
    from xlink.corpus.io import detect_corpus_format, load_corpus
    from xlink.evaluation.end_to_end import evaluate_end_to_end

    gold = load_corpus(args.corpus, detect_corpus_format(args.corpus))
    nlp = load_pipeline(None)
    linker = nlp.get_pipe("xlink_linker")
    linker.threshold = 0.0
    plain = evaluate_pipeline(nlp, gold)
    linker.set_reranker({"model": args.reranker})
    reranked = evaluate_pipeline(nlp, gold)
    equivalents = equivalent_ids_of(nlp)
    runs = []
    for gen in (float(x) for x in args.gen.split(",")):
        for rr in (float(x) for x in args.rr.split(",")):
            docs = []
            for doc_plain, doc_rr in zip(plain.docs, reranked.docs, strict=True):
                spans = []
                for a, b in zip(doc_plain.ents, doc_rr.ents, strict=True):
                    if (a.start, a.end) != (b.start, b.end):
                        raise SystemExit("the two runs found different spans; the probe needs a deterministic NER")
                    ca, cb = a._.xlink_candidates, b._.xlink_candidates
                    keep = bool(ca) and ca[0][2] >= gen and bool(cb) and cb[0][2] >= rr
                    spans.append(Span(doc_rr, b.start, b.end, label=b.label, kb_id=b.kb_id_ if keep else ""))
                doc = doc_rr.copy()
                doc.ents = spans
                docs.append(doc)
            report = evaluate_end_to_end(predicted_corpus(docs, gold).documents, gold.documents, equivalents).to_json()
            runs.append({"tfidf_threshold": gen, "reranker_threshold": rr, **report})
            print(f"tfidf >= {gen:g}, reranker >= {rr:g}: strict F1 {report['strict_f1']}, loose F1 {report['loose_f1']}",
                  flush=True)
    result = {"reranker": args.reranker, "corpus": str(args.corpus), "date": time.strftime("%Y-%m-%d %H:%M"),
              "without_reranker_tfidf_0.8": None, "runs": runs}
    linker.set_reranker(None)
    linker.threshold = 0.8
    result["without_reranker_tfidf_0.8"] = {
        k: v for k, v in evaluate_pipeline(nlp, gold).to_json().items() if k.endswith("_f1")
    }
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(json.dumps(result["without_reranker_tfidf_0.8"]))


if __name__ == "__main__":
    main()
