"""Training lists: gold slots, missing gold counted (injected, NIL or skipped), NIL gold, duplicates."""

from __future__ import annotations

import pytest

from xlink.corpus.model import Mention
from xlink.linker import LinkedMention, PredictedConcept
from xlink.rerank.data import build_training_lists
from xlink.rerank.inputs import InputFormat
from xlink.terminology.model import Terminology


def _lm(term: Terminology, text: str, ids: list[str], gold: tuple[tuple[str, ...], ...]) -> LinkedMention:
    preds = [PredictedConcept(i, term[i].canonical_name, 0.9 - 0.1 * n, (i,), "") for n, i in enumerate(ids)]
    return LinkedMention(mention=Mention("d", text, text, gold=gold), candidates=preds)


def test_gold_in_list_is_labelled(tiny_terminology: Terminology) -> None:
    lists, stats = build_training_lists(
        [_lm(tiny_terminology, "colon cancer", ["D015179", "D003110"], (("D003110",),))],
        tiny_terminology, InputFormat(), k=4,
    )
    assert lists[0].labels == [False, True]
    assert lists[0].scores == pytest.approx([0.9, 0.8])
    assert stats.n_gold_in_list == 1 and stats.n_gold_missing == 0


def test_missing_gold_is_injected_and_counted(tiny_terminology: Terminology) -> None:
    linked = [
        _lm(tiny_terminology, "WD", ["D001943", "D010051", "D003110"], (("MESH:D006527",),)),  # missing, full list
        _lm(tiny_terminology, "CF", ["D001943"], (("D003550",),)),  # missing, short list
        _lm(tiny_terminology, "unknown", ["D001943"], (("D999999",),)),  # gold not in the terminology
        _lm(tiny_terminology, "nothing", [], (("D000544",),)),  # no candidates at all
    ]
    lists, stats = build_training_lists(linked, tiny_terminology, InputFormat(), k=3)
    assert stats.n_gold_missing == 4 and stats.n_gold_injected == 3
    assert stats.n_gold_not_in_terminology == 1 and stats.n_no_candidates == 1
    wd, cf, nothing = lists
    assert len(wd.candidate_texts) == 3 and wd.labels == [False, False, True]
    assert wd.candidate_texts[-1].startswith("Hepatolenticular Degeneration")
    assert wd.scores[-1] == pytest.approx(0.7)  # the lowest score of the list
    assert cf.labels == [False, True]
    assert nothing.labels == [True] and nothing.scores == [0.0]


def test_missing_gold_skip_and_nil(tiny_terminology: Terminology) -> None:
    linked = [_lm(tiny_terminology, "WD", ["D001943"], (("D006527",),)), _lm(tiny_terminology, "x", ["D001943"], ())]
    lists, stats = build_training_lists(linked, tiny_terminology, InputFormat(), k=3, missing_gold="skip")
    assert lists == [] and stats.n_gold_missing_skipped == 1 and stats.n_nil_gold_skipped == 1
    lists, stats = build_training_lists(linked, tiny_terminology, InputFormat(), k=3, missing_gold="nil", nil=True)
    assert stats.n_gold_missing_to_nil == 1 and stats.n_nil_gold == 1
    for x in lists:
        assert x.nil_slot and x.labels == [False, True]  # NIL is the target, and the last slot
        assert x.candidate_texts[-1] == InputFormat().nil_text
    with pytest.raises(ValueError, match="NIL slot"):
        build_training_lists(linked, tiny_terminology, InputFormat(), k=3, missing_gold="nil")


def test_composite_gold_falls_back_to_partial_matches(tiny_terminology: Terminology) -> None:
    lm = _lm(tiny_terminology, "breast and ovarian cancer", ["D001943", "D003110", "D010051"],
             (("D001943",), ("D010051",)))
    lists, stats = build_training_lists([lm], tiny_terminology, InputFormat(), k=3)
    assert lists[0].labels == [True, False, True] and stats.n_gold_partial == 1


def test_duplicates_are_dropped(tiny_terminology: Terminology) -> None:
    same = [_lm(tiny_terminology, "Colon cancer", ["D003110"], (("D003110",),)) for _ in range(3)]
    lists, stats = build_training_lists(same, tiny_terminology, InputFormat(), k=3)
    assert len(lists) == 1 and stats.n_duplicates_dropped == 2
    lists, _ = build_training_lists(same, tiny_terminology, InputFormat(), k=3, dedupe=False)
    assert len(lists) == 3
