from __future__ import annotations

import pytest

from xlink.corpus.model import Document, Entity
from xlink.evaluation.end_to_end import evaluate_end_to_end


def doc(doc_id: str, *entities: tuple[int, int, str]) -> Document:
    ents = []
    for i, (s, e, ids) in enumerate(entities):
        groups = [part.split("+") for part in ids.split("|")] if ids != "-1" else []
        ents.append(Entity(id=str(i), type="Disease", text=["x"], offsets=[(s, e)], id_groups=groups))
    return Document(id=doc_id, document_id=doc_id, entities=ents)


def test_hand_computed_prf() -> None:
    gold = [doc("1", (0, 5, "D1"), (10, 15, "D2"), (20, 25, "D1")), doc("2", (0, 3, "D3|D4"))]
    pred = [
        doc("1", (0, 5, "MESH:D1"), (10, 15, "D9"), (30, 35, "D2")),
        doc("2", (0, 3, "D3")),
    ]
    r = evaluate_end_to_end(pred, gold)
    # NER: spans (1,0,5), (1,10,15), (2,0,3) match; (1,30,35) does not → tp 3 of 4 predicted, 4 gold
    assert (r.ner.tp, r.ner.n_predicted, r.ner.n_gold) == (3, 4, 4)
    # strict: (1,0,5,D1) and (2,0,3,D3) → tp 2; gold items: D1, D2, D1, D3, D4 = 5
    assert (r.strict.tp, r.strict.n_predicted, r.strict.n_gold) == (2, 4, 5)
    assert r.strict.precision == pytest.approx(0.5)
    assert r.strict.recall == pytest.approx(0.4)
    # loose: doc 1 gold {D1, D2}, predicted {D1, D9, D2} → tp 2; doc 2 gold {D3, D4}, predicted {D3} → tp 1
    assert (r.loose.tp, r.loose.n_predicted, r.loose.n_gold) == (3, 4, 4)
    assert r.loose.f1 == pytest.approx(0.75)
    js = r.to_json()
    assert {"ner_strict_f1", "strict_precision", "strict_recall", "strict_f1", "loose_f1"} <= set(js)


def test_alternatives_and_nil() -> None:
    gold = [doc("1", (0, 5, "D1+D7"), (6, 8, "-1"))]
    pred = [doc("1", (0, 5, "D7"), (6, 8, "-1"))]
    r = evaluate_end_to_end(pred, gold)
    assert r.strict.tp == 1 and r.strict.n_gold == 1
    assert r.ner.tp == 2


def test_empty() -> None:
    r = evaluate_end_to_end([], [])
    assert r.strict.f1 == 0.0 and r.ner.precision == 0.0
