from __future__ import annotations

import json

import pytest

from xlink.corpus.model import Mention
from xlink.evaluation.ids import normalize_concept_id
from xlink.evaluation.linking import correct_at, evaluate_linking
from xlink.linker import LinkedMention, PredictedConcept


def p(*ids: str) -> PredictedConcept:
    return PredictedConcept(concept_id=ids[0], name=ids[0], score=1.0, ids=ids)


def lm(gold: list[list[str]], preds: list[PredictedConcept], mid: str = "m") -> LinkedMention:
    return LinkedMention(mention=Mention("d", mid, "x", gold=tuple(tuple(g) for g in gold)), candidates=preds)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("MESH:D001943", "D001943"), ("D001943", "D001943"), ("OMIM:613097", "613097"), ("HP:0000118", "HP:0000118"),
     ("UMLS:C0011849", "C0011849")],
)
def test_namespace_normalization(raw: str, expected: str) -> None:
    assert normalize_concept_id(raw) == expected


def test_single_part() -> None:
    preds = [p("MESH:D1"), p("D2")]
    assert not correct_at([["D2"]], preds, 1)
    assert correct_at([["D2"]], preds, 2)


def test_alternative_ids_of_a_concept_match() -> None:
    # a CTD concept whose AltDiseaseIDs hold the gold OMIM id
    assert correct_at([["OMIM:215600"]], [p("MESH:C1", "OMIM:215600")], 1)


def test_plus_alternatives_count_as_one() -> None:
    assert correct_at([["D1", "D2"]], [p("D2")], 1)


def test_composite_strict_needs_every_part() -> None:
    gold = [["D001943"], ["D010051"]]
    preds = [p("D001943"), p("D010051")]
    assert not correct_at(gold, preds, 1, "strict")
    assert correct_at(gold, preds, 2, "strict")
    assert correct_at(gold, [p("D001943", "D010051")], 1, "strict")  # a composite prediction
    assert correct_at(gold, preds, 1, "any")  # BioSyn's check_label


def test_report_hand_computed() -> None:
    linked = [
        lm([["A"]], [p("A"), p("B")], "1"),  # rank 1
        lm([["B"]], [p("A"), p("B")], "2"),  # rank 2
        lm([["C"]], [p("A"), p("B")], "3"),  # miss
        lm([["A"], ["B"]], [p("A"), p("B")], "4"),  # composite, rank 2 strict
        lm([], [p("A")], "5"),  # NIL gold: excluded
    ]
    report = evaluate_linking(linked, ks=(1, 2, 64))
    assert report.n_mentions == 5
    assert report.n_evaluated == 4
    assert report.n_nil_gold == 1
    assert report.n_composite == 1
    assert report.acc[1] == pytest.approx(25.0)
    assert report.acc[2] == pytest.approx(75.0)
    assert report.recall[64] == pytest.approx(75.0)
    lenient = evaluate_linking(linked, ks=(1,), rule="any")
    assert lenient.acc[1] == pytest.approx(50.0)
    assert lenient.strict_acc[1] == pytest.approx(25.0)
    js = report.to_json()
    assert js["acc@1"] == 25.0 and js["recall@64"] == 75.0


def test_recall_uses_candidates_and_acc_uses_predictions() -> None:
    m = LinkedMention(
        mention=Mention("d", "1", "x", gold=(("B",),)),
        candidates=[p("A"), p("B")],
        predictions=[p("B"), p("A")],
    )
    report = evaluate_linking([m], ks=(1,))
    assert report.acc[1] == 100.0
    assert report.recall[1] == 0.0


def test_no_prediction_and_empty() -> None:
    report = evaluate_linking([lm([["A"]], [])], ks=(1,))
    assert report.acc[1] == 0.0 and report.n_no_prediction == 1
    assert evaluate_linking([], ks=(1,)).acc[1] == 0.0


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="unknown rule"):
        evaluate_linking([], rule="loose")


def composite(*parts: str) -> PredictedConcept:
    """A joined composite prediction, as the linker writes it."""
    return PredictedConcept(concept_id="|".join(parts), name="", score=1.0, ids=parts, source="composite")


def test_strict_refuses_a_composite_prediction_with_a_wrong_part() -> None:
    assert not correct_at([["D1"]], [composite("D1", "D3")], 1)  # it names D3 too
    assert correct_at([["D1"]], [composite("D1", "D3"), p("D1")], 2)  # the second prediction is right
    assert correct_at([["D1"], ["D3"]], [composite("D1", "D3")], 1)
    assert not correct_at([["D1"], ["D2"]], [composite("D1", "D3"), p("D2")], 2)
    assert correct_at([["D1"]], [composite("D1", "D3")], 1, rule="any")  # BioSyn's check_label: any overlap


def test_a_joined_concept_id_read_back_without_ids_is_split() -> None:
    read_back = PredictedConcept.from_json({"concept_id": "D1|D2", "name": "", "score": 1.0})
    assert correct_at([["D1"], ["D2"]], [read_back], 1)
    assert correct_at([["D2"]], [read_back], 1, rule="any")


def test_nil_predicted_is_reported() -> None:
    nil_gold = LinkedMention(mention=Mention("d", "n", "x", gold=()), candidates=[])
    report = evaluate_linking([nil_gold, lm([["D1"]], [p("D1")])])
    assert report.to_json()["nil_predicted"] == 1


def test_a_composite_part_matches_through_its_own_equivalent_ids() -> None:
    # "breast and ovarian cancer" linked to OMIM-first concepts whose MeSH ids are equivalents
    joined = PredictedConcept(
        concept_id="114480|167000", name="", score=1.0, ids=("114480", "D001943", "167000", "D010051"),
        source="composite", part_ids=(("114480", "D001943"), ("167000", "D010051")),
    )
    assert correct_at([["D001943"], ["D010051"]], [joined], 1)
    assert not correct_at([["D001943"]], [joined], 1)  # it also names ovarian cancer
    back = PredictedConcept.from_json(json.loads(json.dumps(joined.to_json())))
    assert back == joined
