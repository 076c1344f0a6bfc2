"""Probe: extend NER spans leftwards over a coordination of one-word conjuncts (a dev probe).

The NER often tags only the last conjunct of "brain, breast, and prostate cancer" ("prostate
cancer"), which NCBI Disease annotates whole, with one id per conjunct. Here a span with two or
more tokens that follows "w1, w2, and " (one-word conjuncts; "and", "or", "and/or") is extended over
them when every distributed string ("brain cancer", "breast cancer") links, with the pipeline's own
generator, at a score of at least ``--min-score`` to a concept other than the span's; the linker then
links the extended span, splitting the composite as it does for any span. Scored end to end as
``xlink evaluate-pipeline`` scores. Use a dev split.

    python benchmarks/pipeline_coordination_probe.py [--corpus DEV] [--min-score 0.9 ...] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: "w1, w2, and " / "w1 or " right before a span: one-word conjuncts only.
_COORDINATION = re.compile(r"((?:[^\W\d_][\w-]*\s*,\s*)*[^\W\d_][\w-]*\s*,?\s+(?:and\s*/\s*or|and|or)\s+)$")


def main() -> None:
    data = Path(os.environ.get("XLINK_DATA", ROOT.parent / "shared" / "data")) / "el" / "ncbi_disease"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=data / "NCBIdevelopset_corpus.txt")
    parser.add_argument("--min-score", type=float, nargs="+", default=[0.9])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from spacy.tokens import Span

    from xlink.cli.pipeline import load_pipeline
    from xlink.components.pipelines import equivalent_ids_of, evaluate_pipeline, predicted_corpus
    from xlink.corpus.io import load_corpus
    from xlink.corpus.model import Mention
    from xlink.evaluation.end_to_end import evaluate_end_to_end

    gold = load_corpus(args.corpus)
    nlp = load_pipeline(None)
    component = nlp.get_pipe("xlink_linker")
    linker = component._require_linker()
    base = evaluate_pipeline(nlp, gold)
    runs: list[dict[str, object]] = [
        {"setting": "shipped pipeline", **{k: v for k, v in base.report.to_json().items() if k.endswith("_f1")}}
    ]
    print(runs[0], flush=True)

    def top(text: str) -> tuple[str, float]:
        (item,) = list(linker.link([Mention("d", "m", text)]))
        best = item.predictions[0] if item.predictions else None
        return (best.concept_id, float(best.score)) if best else ("", 0.0)

    for min_score in args.min_score:
        docs, extended = [], []
        for doc in base.docs:
            new_ents, changed = [], False
            for ent in doc.ents:
                match = _COORDINATION.search(doc.text[max(0, ent.start_char - 80) : ent.start_char])
                words = ent.text.split()
                if match is None or len(words) < 2:
                    new_ents.append(ent)
                    continue
                conjuncts = [w for w in re.split(r"\s*,\s*|\s+(?:and\s*/\s*or|and|or)\s*", match.group(1)) if w.strip()]
                head = " ".join(words[1:])
                own = top(ent.text)[0]
                links = [top(f"{w.strip()} {head}") for w in conjuncts]
                start = ent.start_char - len(match.group(1))
                span = doc.char_span(start, ent.end_char, label=ent.label_)
                overlaps = any(e.end > (span.start if span else 0) and e.start < ent.start for e in new_ents)
                if span is None or overlaps or not all(s >= min_score and c != own for c, s in links):
                    new_ents.append(ent)
                    continue
                new_ents.append(Span(doc, span.start, span.end, label=ent.label_))
                extended.append(span.text)
                changed = True
            if changed:
                doc = doc.copy()
                doc.ents = new_ents
                doc = component(doc)
            docs.append(doc)
        report = evaluate_end_to_end(predicted_corpus(docs, gold).documents, gold.documents, equivalent_ids_of(nlp))
        scores = {k: v for k, v in report.to_json().items() if k.endswith("_f1")}
        runs.append({"setting": f"min_score {min_score}", "extended": extended, **scores})
        print({k: v for k, v in runs[-1].items()}, flush=True)
    if args.out:
        record = {"corpus": str(args.corpus), "date": time.strftime("%Y-%m-%d %H:%M"), "runs": runs}
        args.out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
