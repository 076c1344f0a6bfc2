"""One pipeline chooses the concept, the shipped pipeline's TF-IDF score decides NIL (a dev probe).

The ensemble linker (TF-IDF + bi-encoder) picks the right concept more often than TF-IDF alone, but
its fused score is a worse NIL score than the TF-IDF score (benchmarks/pipeline.md). This probe runs
the shipped pipeline (TF-IDF, NIL threshold 0) and ``--picker`` (a pipeline folder with the same NER,
e.g. built from configs/pipeline_disease_medic_ensemble.cfg, at threshold 0) on the same texts: a
span is linked to the picker's first concept when the shipped linker's best TF-IDF score is at least
``--nil-threshold`` (the shipped 0.8), and left unlinked otherwise. Scored end to end as
``xlink evaluate-pipeline`` scores (equivalent ids count). A probe, not a component setting. Use a
dev split.

    python benchmarks/pipeline_picker_nil_probe.py --picker runs/pipe_ens/pkg/xlink_disease_medic_ensemble/en_xlink_disease_medic_ensemble-0.1.0 \\
        [--nil-threshold 0.8] [--corpus ../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt] [--out results.json]
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
    parser.add_argument("--picker", required=True, help="pipeline folder or package that chooses the concept")
    parser.add_argument("--nil-threshold", type=float, default=0.8)
    parser.add_argument("--corpus", type=Path, default=data / "el" / "ncbi_disease" / "NCBIdevelopset_corpus.txt")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from spacy.tokens import Span

    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import equivalent_ids_of, evaluate_pipeline, predicted_corpus
    from xlink.corpus.io import detect_corpus_format, load_corpus
    from xlink.evaluation.end_to_end import evaluate_end_to_end

    gold = load_corpus(args.corpus, detect_corpus_format(args.corpus))
    shipped = load_pipeline(None)
    shipped.get_pipe("xlink_linker").threshold = 0.0
    plain = evaluate_pipeline(shipped, gold)
    picker = load_pipeline(args.picker)
    picker.get_pipe("xlink_linker").threshold = 0.0
    picked = evaluate_pipeline(picker, gold)
    docs = []
    for doc_plain, doc_pick in zip(plain.docs, picked.docs, strict=True):
        spans = []
        for a, b in zip(doc_plain.ents, doc_pick.ents, strict=True):
            if (a.start, a.end) != (b.start, b.end):
                raise SystemExit("the two pipelines found different spans; give the picker the shipped NER")
            candidates = a._.xlink_candidates
            keep = bool(candidates) and candidates[0][2] >= args.nil_threshold
            spans.append(Span(doc_pick, b.start, b.end, label=b.label, kb_id=b.kb_id_ if keep else ""))
        doc = doc_pick.copy()
        doc.ents = spans
        docs.append(doc)
    report = evaluate_end_to_end(predicted_corpus(docs, gold).documents, gold.documents, equivalent_ids_of(shipped))
    result = {
        "picker": args.picker,
        "nil_threshold": args.nil_threshold,
        "corpus": str(args.corpus),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        **report.to_json(),
    }
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(f"picker's concept, TF-IDF >= {args.nil_threshold:g} decides NIL: strict F1 {result['strict_f1']}, "
          f"loose F1 {result['loose_f1']}")


if __name__ == "__main__":
    main()
