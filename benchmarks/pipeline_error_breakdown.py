"""Where the shipped pipeline's document-level (loose) misses come from, on one split.

Each gold (document, concept) is put in one bucket: found; its spans were found but linked
to another concept, with the right one among the span's candidates or not; the right concept
was first but under the NIL threshold; or no predicted span overlaps any of its mentions
(NER miss). Wrong predicted ids are split into those on a span that overlaps a gold span
(a wrong link) and those on a span that overlaps none (a spurious span). A concept's
equivalent ids count, as in xlink evaluate-pipeline. The buckets count each distinct gold id
set of a document (not the minimal sets of the loose score), so their total can exceed
loose_n_gold by a few.

    python benchmarks/pipeline_error_breakdown.py ../shared/data/el/ncbi_disease/NCBIdevelopset_corpus.txt [THRESHOLD]
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from xlink.cli.pipeline import load_pipeline
from xlink.components.pipelines import evaluate_pipeline
from xlink.corpus.io import detect_corpus_format, load_corpus
from xlink.evaluation.ids import normalize_concept_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="a PubTator or BigBIO corpus with gold mentions and ids")
    parser.add_argument("threshold", type=float, nargs="?", help="the linker's NIL threshold (default: the pipeline's)")
    args = parser.parse_args()
    corpus = args.corpus
    gold = load_corpus(corpus, detect_corpus_format(corpus))
    nlp = load_pipeline(None)
    linker = nlp.get_pipe("xlink_linker")
    if args.threshold is not None:
        linker.threshold = args.threshold
    result = evaluate_pipeline(nlp, gold)
    terminology = linker.terminology

    def ids_of(concept_id: str) -> set[str]:
        concept = terminology.get(concept_id)
        return {normalize_concept_id(i) for i in (concept.ids if concept else (concept_id,))}

    def predicted_ids(kb_id: str) -> set[str]:
        ids: set[str] = set()
        for part in kb_id.split("|"):
            for alternative in part.split("+"):
                if alternative and alternative != linker.nil_id:
                    ids |= ids_of(alternative)
        return ids

    misses: collections.Counter[str] = collections.Counter()
    wrong: collections.Counter[str] = collections.Counter()
    examples: dict[str, list] = collections.defaultdict(list)
    for doc, reference in zip(result.docs, gold.documents, strict=True):
        spans = list(doc.ents)
        found = set().union(*(predicted_ids(s.kb_id_) for s in spans)) if spans else set()
        concepts: dict[frozenset[str], list] = collections.defaultdict(list)
        for entity in reference.entities:
            for group in entity.id_groups:
                concepts[frozenset(normalize_concept_id(i) for i in group)].append(entity)
        for alternatives, entities in concepts.items():
            if alternatives & found:
                misses["found"] += 1
                continue
            over = [s for s in spans for e in entities if s.start_char < e.end and e.start < s.end_char]
            if not over:
                misses["ner_miss"] += 1
                examples["ner_miss"].append(entities[0].text[0])
                continue
            tops = [s._.xlink_candidates[0] for s in over if s._.xlink_candidates]
            candidates = [c for s in over for c in s._.xlink_candidates]
            if any(ids_of(t[0]) & alternatives for t in tops):
                misses["right_but_under_nil_threshold"] += 1
            elif any(ids_of(c[0]) & alternatives for c in candidates):
                misses["wrong_link_right_one_in_candidates"] += 1
                examples["in_candidates"].append((entities[0].text[0], tops[0][1] if tops else None))
            else:
                misses["wrong_link_right_one_not_in_candidates"] += 1
                examples["not_in_candidates"].append((entities[0].text[0], tops[0][1] if tops else None))
        gold_ids = set().union(*concepts) if concepts else set()
        gold_spans = [(e.start, e.end) for e in reference.entities]
        seen: set[str] = set()
        for span in spans:
            for concept_id in (a for part in span.kb_id_.split("|") for a in part.split("+")):
                if not concept_id or concept_id == linker.nil_id or concept_id in seen or ids_of(concept_id) & gold_ids:
                    continue
                seen.add(concept_id)
                overlaps = any(span.start_char < e and b < span.end_char for b, e in gold_spans)
                wrong["on_a_gold_span" if overlaps else "on_a_spurious_span"] += 1
    report = {
        "corpus": str(corpus),
        "threshold": linker.threshold,
        "scores": {k: v for k, v in result.to_json().items() if k.endswith("_f1")},
        "gold_concepts": dict(misses),
        "wrong_predicted_ids": dict(wrong),
        "examples": {k: v[:20] for k, v in examples.items()},
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
