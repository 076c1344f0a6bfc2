"""Dev-only probe: re-decide each mention's concept with a prior from its own document.

The shipped disease pipeline links each span on its own. A mention whose best candidate is a
sibling of a concept that the same abstract names with confidence elsewhere may be better
linked to that concept. This runs the pipeline once with the NIL threshold at 0, keeps each
span's top candidates, and scores a grid of re-decisions (rule and grid:
``benchmarks/results/pipeline_doc_prior_rule.md``):

- ``D``: the concepts other spans of the document link with score >= ``conf``;
- a span whose best candidate is not in ``D`` takes its best candidate in ``D`` when that
  candidate's score is >= best - ``margin`` and >= ``floor``; every other span keeps its best
  candidate if its score is >= the shipped NIL threshold, else NIL;
- composite ids (``a|b``) keep the pipeline's own decision.

    python benchmarks/pipeline_doc_prior_probe.py --out benchmarks/results/pipeline_dev_doc_prior.json
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import spacy
from spacy.tokens import Doc

from xlink.components.pipelines import equivalent_ids_of, evaluate_pipeline, predicted_corpus
from xlink.corpus.io import load_corpus
from xlink.evaluation.end_to_end import evaluate_end_to_end
from xlink.files import atomic_write_text

Candidates = list[tuple[str, str, float]]


def decide(
    spans: list[tuple[str, Candidates]], threshold: float, conf: float | None, margin: float, floor: float
) -> list[str]:
    """The id of each of one document's spans; ``conf=None`` is the pipeline's own decision."""
    confident = [
        c[0][0] if c and c[0][2] >= (conf if conf is not None else 2.0) and "|" not in c[0][0] else None
        for _, c in spans
    ]
    out = []
    for index, (kb_id, candidates) in enumerate(spans):
        if not candidates or "|" in kb_id:
            out.append(kb_id if candidates and candidates[0][2] >= threshold else "")
            continue
        best = candidates[0]
        chosen = best[0] if best[2] >= threshold else ""
        if conf is not None:
            prior = {cid for j, cid in enumerate(confident) if j != index and cid is not None}
            if best[0] not in prior:
                for cid, _, score in candidates[1:]:
                    if cid in prior and score >= best[2] - margin and score >= floor:
                        chosen = cid
                        break
        out.append(chosen)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt"))
    parser.add_argument("--pipeline", default="xlink_disease_medic")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    nlp = spacy.load(args.pipeline)
    linker = nlp.get_pipe("xlink_linker")
    threshold = float(linker.threshold)
    attr = linker.candidates_attr
    linker.threshold = 0.0
    gold = load_corpus(args.corpus, "pubtator")
    run = evaluate_pipeline(nlp, gold)
    equivalents = equivalent_ids_of(nlp)
    per_doc = [[(ent.kb_id_, list(getattr(ent._, attr) or [])) for ent in doc.ents] for doc in run.docs]

    def score(conf: float | None, margin: float, floor: float) -> dict[str, float]:
        docs: list[Doc] = []
        for doc, spans in zip(run.docs, per_doc, strict=True):
            copy = doc.copy()
            ids = decide(spans, threshold, conf, margin, floor)
            ents = list(copy.ents)
            for ent, kb_id in zip(ents, ids, strict=True):
                ent.kb_id_ = kb_id
            copy.ents = ents
            docs.append(copy)
        report = evaluate_end_to_end(predicted_corpus(docs, gold).documents, gold.documents, equivalents).to_json()
        return {k: round(float(report[k]), 4) for k in ("strict_precision", "strict_recall", "strict_f1", "loose_f1")}

    rows = [{"setting": "baseline", **score(None, 0.0, 0.0)}]
    for conf, margin, floor in itertools.product((0.9, 0.95, 1.0), (0.05, 0.1, 0.2, 0.3), (0.5, 0.6, 0.7, 0.8)):
        rows.append({"conf": conf, "margin": margin, "floor": floor, **score(conf, margin, floor)})
        print(json.dumps(rows[-1]), flush=True)
    best = max(rows[1:], key=lambda r: (r["loose_f1"], r["strict_f1"]))
    result = {"corpus": str(args.corpus), "pipeline": args.pipeline, "threshold": threshold,
              "baseline": rows[0], "best": best, "rows": rows}
    atomic_write_text(args.out, json.dumps(result, indent=1) + "\n")
    print(json.dumps({"baseline": rows[0], "best": best}))


if __name__ == "__main__":
    main()
