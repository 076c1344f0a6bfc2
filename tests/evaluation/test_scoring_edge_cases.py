"""Scoring edge cases that used to give silently wrong figures."""

from __future__ import annotations

import logging

import pytest
import spacy

from xlink.components.chunking import pipe_texts
from xlink.components.pipelines import evaluate_pipeline
from xlink.corpus.model import Corpus, Document, Entity, Passage
from xlink.errors import XlinkError
from xlink.evaluation.end_to_end import evaluate_end_to_end
from xlink.evaluation.linking import gold_coverage
from xlink.terminology.model import Concept, Terminology


def doc(doc_id: str, *entities: tuple[int, int, str], record_id: str | None = None, text: str = "") -> Document:
    ents = []
    for i, (s, e, ids) in enumerate(entities):
        groups = [part.split("+") for part in ids.split("|")] if ids != "-1" else []
        ents.append(Entity(id=str(i), type="Disease", text=[text[s:e] or "x"], offsets=[(s, e)], id_groups=groups))
    passages = [Passage(id="p", type="text", text=[text], offsets=[(0, len(text))])] if text else []
    return Document(id=record_id or doc_id, document_id=doc_id, passages=passages, entities=ents)


def test_loose_counts_alternatives_once_when_their_concepts_are_gold_alone() -> None:
    # gold: D1+D2 (either), D1 alone, D2 alone → the document's concepts are D1 and D2
    gold = [doc("1", (0, 5, "D1+D2"), (6, 9, "D1"), (10, 12, "D2"))]
    perfect = evaluate_end_to_end(gold, gold)
    assert (perfect.loose.tp, perfect.loose.n_predicted, perfect.loose.n_gold) == (2, 2, 2)
    assert perfect.loose.f1 == pytest.approx(1.0)
    # naming both alternatives of a lone D1+D2: two right concepts that find the one gold item
    gold = [doc("1", (0, 5, "D1+D2"))]
    both = [doc("1", (0, 5, "D1"), (6, 9, "D2"))]
    r = evaluate_end_to_end(both, gold)
    assert (r.loose.tp, r.loose.tp_predicted, r.loose.n_predicted, r.loose.n_gold) == (1, 2, 2, 1)
    assert r.loose.precision == r.loose.recall == 1.0
    # an id outside every gold set stays a false positive
    r = evaluate_end_to_end([doc("1", (0, 5, "D1"), (6, 9, "D7"))], gold)
    assert (r.loose.tp, r.loose.n_predicted, r.loose.n_gold) == (1, 2, 1)


def test_documents_are_paired_by_document_id_and_record_id() -> None:
    gold = [doc("9", record_id="a"), doc("9", (0, 4, "D1"), record_id="b")]
    found_in_a = [doc("9", (0, 4, "D1"), record_id="a"), doc("9", record_id="b")]
    r = evaluate_end_to_end(found_in_a, gold)
    assert r.ner.tp == 0 and r.strict.tp == 0  # the span was found in the other record's text
    with pytest.raises(XlinkError, match="give each document its own id"):
        evaluate_end_to_end([], [doc("9", record_id="a"), doc("9", record_id="a")])


def test_gold_coverage_counts_nil_and_ids_outside_the_terminology() -> None:
    terminology = Terminology.from_concepts(
        [Concept("D1", "one", alt_ids=("OMIM:100",)), Concept("D2", "two")], name="t"
    )
    corpus = Corpus([doc("1", (0, 1, "D1"), (2, 3, "MESH:D2"), (4, 5, "100"), (6, 7, "D9"), (8, 9, "D1|D9"), (10, 11, "-1"))])
    coverage = gold_coverage(corpus, terminology)
    assert (coverage.n_mentions, coverage.n_nil, coverage.n_not_in_terminology) == (6, 1, 2)
    assert coverage.examples == ("D9",)  # each missing id once
    assert coverage.ceiling == pytest.approx(60.0)


def test_pipe_texts_refuses_non_positive_sizes() -> None:
    nlp = spacy.blank("en")
    for bad in ({"batch_size": 0}, {"n_process": 0}, {"max_chars": -5}):
        with pytest.raises(XlinkError, match="must be at least 1"):
            list(pipe_texts(nlp, ["text"], **bad))


def test_evaluate_pipeline_refuses_or_warns_where_scores_would_mean_nothing(caplog: pytest.LogCaptureFixture) -> None:
    text = "Wilson disease is rare."
    gold = Corpus([doc("1", (0, 14, "D006527"), text=text)], name="gold")
    with pytest.raises(XlinkError, match="no components"):
        evaluate_pipeline(spacy.blank("en"), gold)
    with pytest.raises(XlinkError, match="no documents"):
        evaluate_pipeline(spacy.blank("en"), Corpus([], name="empty"))
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "DISEASE", "pattern": "Wilson disease"}])
    with caplog.at_level(logging.WARNING):
        result = evaluate_pipeline(nlp, gold)
    assert result.report.ner.tp == 1 and result.report.strict.tp == 0
    assert result.to_json()["equivalent_ids"] is False  # no component holds a terminology
    assert "none of the 1 predicted spans has a kb_id" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        evaluate_pipeline(nlp, gold, spans_key="nope")
    assert "left doc.spans['nope'] empty" in caplog.text


def test_a_prediction_matches_gold_through_its_concepts_equivalent_ids() -> None:
    # CTD lists OMIM:312080 among the AltDiseaseIDs of MESH:D020371; the gold names the OMIM id
    gold = [doc("1", (0, 5, "OMIM:312080"), (6, 9, "D7"))]
    predicted = [doc("1", (0, 5, "MESH:D020371"), (6, 9, "D8"))]
    alt = {"MESH:D020371": ("OMIM:312080", "DO:DOID:3210")}
    without = evaluate_end_to_end(predicted, gold)
    assert (without.strict.tp, without.loose.tp, without.loose.n_predicted) == (0, 0, 2)
    with_alt = evaluate_end_to_end(predicted, gold, lambda i: alt.get(i, ()))
    assert (with_alt.strict.tp, with_alt.strict.n_predicted) == (1, 2)
    assert (with_alt.loose.tp, with_alt.loose.n_predicted, with_alt.loose.n_gold) == (1, 2, 2)  # D8 stays wrong


def test_evaluate_pipeline_credits_the_linkers_alt_ids(tmp_path) -> None:  # type: ignore[no-untyped-def]
    terminology = Terminology.from_concepts(
        [Concept("MESH:D020371", "Pelizaeus-Merzbacher disease", alt_ids=("OMIM:312080",)), Concept("D2", "gout")],
        name="t",
    )
    path = tmp_path / "t.jsonl"
    terminology.to_jsonl(path)
    text = "Pelizaeus-Merzbacher disease and gout."
    gold = Corpus([doc("1", (0, 28, "OMIM:312080"), (33, 37, "D2"), text=text)], name="gold")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "DISEASE", "pattern": "Pelizaeus-Merzbacher disease"}, {"label": "DISEASE", "pattern": "gout"}])
    nlp.add_pipe("xlink_linker", config={"terminology": str(path), "cache_dir": str(tmp_path / "cache")})
    result = evaluate_pipeline(nlp, gold)
    assert [e.kb_id_ for e in result.docs[0].ents] == ["MESH:D020371", "D2"]  # kb_id stays the concept id
    assert (result.report.strict.tp, result.report.loose.tp, result.report.loose.n_gold) == (2, 2, 2)
    assert result.to_json()["equivalent_ids"] is True


def test_evaluate_pipeline_sorts_the_missed_document_concepts_by_cause(tmp_path) -> None:  # type: ignore[no-untyped-def]
    terminology = Terminology.from_concepts(
        [Concept("A", "gout"), Concept("B", "gouty arthritis"), Concept("C", "cystic fibrosis"),
         Concept("D", "wilson disease"), Concept("E", "qqq zzz")],
        name="t",
    )
    path = tmp_path / "t.jsonl"
    terminology.to_jsonl(path)
    texts = ["Gout and cystic fibrosis.", "Wilsons illness is rare.", "Wilson disease is rare.", "Gout again."]
    gold = Corpus(
        [
            doc("1", (0, 4, "B"), (9, 24, "C"), text=texts[0]),  # linked to A with B among the candidates; C never found
            doc("2", (0, 15, "D"), text=texts[1]),  # D is the best candidate but under the threshold
            doc("3", (0, 14, "D"), text=texts[2]),  # found
            doc("4", (0, 4, "E"), text=texts[3]),  # linked to A, E not among the candidates
        ],
        name="gold",
    )
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "DISEASE", "pattern": p} for p in ("Gout", "Wilsons illness", "Wilson disease")])
    nlp.add_pipe("xlink_linker", config={"terminology": str(path), "cache_dir": str(tmp_path / "cache"), "threshold": 0.99})
    result = evaluate_pipeline(nlp, gold)
    assert result.misses is not None
    counts = {k: v for k, v in result.to_json().items() if k.startswith(("miss_", "loose_found"))}
    assert counts == {
        "loose_found": 1,
        "miss_ner": 1,
        "miss_under_threshold": 1,
        "miss_wrong_link_in_candidates": 1,
        "miss_wrong_link_not_in_candidates": 1,
    }
    assert result.report.loose.n_gold == 5


def test_loose_lets_one_predicted_concept_find_every_gold_item_it_names() -> None:
    # the gold names one concept by two ids on two spans; the terminology knows they are the same
    gold = [doc("1", (0, 5, "D010661"), (6, 9, "261600"))]
    predicted = [doc("1", (0, 5, "MESH:D010661"), (6, 9, "MESH:D010661"))]
    same = {"MESH:D010661": ("MESH:D010661", "OMIM:261600")}
    r = evaluate_end_to_end(predicted, gold, lambda i: same.get(i, (i,)))
    assert r.strict.recall == 1.0
    assert (r.loose.tp, r.loose.n_gold, r.loose.recall, r.loose.precision) == (2, 2, 1.0, 1.0)
    # a predicted concept outside the gold is still wrong; a gold concept never named is still missed
    r = evaluate_end_to_end([doc("1", (0, 5, "D7"))], gold)
    assert (r.loose.tp, r.loose.precision, r.loose.recall) == (0, 0.0, 0.0)


def test_ner_overlap_matches_each_gold_span_once_across_repeated_documents() -> None:
    from xlink.components.pipelines import ner_overlap

    gold = Corpus([doc("1", (0, 5, "D1"))])
    twice = Corpus([doc("1", (0, 5, "D1")), doc("1", (0, 5, "D1"))])
    assert ner_overlap(twice, gold).recall == 1.0


def test_bigbio_icd10cm_ids_match_the_bare_codes_of_the_terminology(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # BigBIO's {"db_name": "ICD10-CM", "db_id": "N44.8"} reads as ICD10-CM:N44.8; the ICD-10-CM
    # terminology's id is N44.8: the gold counted as missing from it and never as right
    import json

    from xlink.corpus.bigbio import read_bigbio_jsonl
    from xlink.evaluation.linking import correct_at
    from xlink.linker import PredictedConcept

    record = {"id": "d1", "document_id": "d1", "passages": [{"id": "p", "type": "text", "text": ["Hydrocele."],
              "offsets": [[0, 10]]}], "entities": [{"id": "e1", "type": "Disease", "text": ["Hydrocele"],
              "offsets": [[0, 9]], "normalized": [{"db_name": "ICD10-CM", "db_id": "N44.8"}]}]}
    path = tmp_path / "icd.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    corpus = read_bigbio_jsonl(path)
    terminology = Terminology.from_concepts([Concept("N44.8", "Other noninflammatory disorders of the testis")], name="t")
    assert gold_coverage(corpus, terminology).n_not_in_terminology == 0
    gold = corpus.mentions()[0].gold
    assert correct_at(gold, [PredictedConcept(concept_id="N44.8", name="x", score=1.0, ids=("N44.8",))], 1)
    assert not correct_at(gold, [PredictedConcept(concept_id="N44.9", name="x", score=1.0, ids=("N44.9",))], 1)


def test_gold_coverage_counts_per_entity_type() -> None:
    # the warning of evaluate-linking names the types the terminology lacks, and --gold-types auto keeps the others
    from dataclasses import replace

    terminology = Terminology.from_concepts([Concept("D1", "one"), Concept("D2", "two")], name="t")
    gold = doc("1", (0, 1, "D1"), (2, 3, "D2"), (4, 5, "D9"), (6, 7, "C1"), (8, 9, "C2"), (10, 11, "-1"))
    types = ["Disease", "Disease", "Disease", "Chemical", "Chemical", "Gene"]
    gold.entities = [replace(e, type=t) for e, t in zip(gold.entities, types, strict=True)]
    coverage = gold_coverage(Corpus([gold]), terminology)
    assert [(t.type, t.n_with_ids, t.n_not_in_terminology) for t in coverage.by_type] == [
        ("Chemical", 2, 2), ("Disease", 3, 1)
    ]
    assert [t.type for t in coverage.types_not_in_terminology] == ["Chemical", "Disease"]
    assert coverage.held_types == {"Disease"}
