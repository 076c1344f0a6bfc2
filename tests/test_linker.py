from __future__ import annotations

from pathlib import Path

import pytest

from xlink.candidates.tfidf import TfidfGenerator
from xlink.corpus.model import Corpus, Document, Entity, Mention, Passage
from xlink.linker import LinkedMention, Linker, corpus_mentions, read_predictions, write_predictions
from xlink.terminology.augment import augment_with_mentions
from xlink.terminology.model import Terminology
from xlink.text.composites import split_composite

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def term() -> Terminology:
    return Terminology.from_jsonl(FIXTURES / "linking" / "mini_medic.jsonl")


@pytest.fixture(scope="module")
def linker(term: Terminology) -> Linker:
    return Linker(term, TfidfGenerator(term).build(), k=5)


def doc(text: str, *spans: tuple[str, str]) -> Document:
    entities = []
    cursor = 0
    for i, (surface, ids) in enumerate(spans):
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        groups = [p.split("+") for p in ids.split("|")] if ids != "-1" else []
        entities.append(Entity(str(i), "Disease", [surface], [(start, cursor)], id_groups=groups))
    return Document("d1", "d1", [Passage("p", "abstract", [text], [(0, len(text))])], entities)


def test_abbreviation_is_linked_through_its_long_form(term: Terminology, linker: Linker) -> None:
    corpus = Corpus([doc("Patients with Wilson disease (WD). WD is rare.", ("Wilson disease", "D006527"), ("WD", "D006527"), ("WD", "D006527"))])
    mentions = corpus_mentions(corpus)
    assert [m.expansion for m in mentions] == [None, "Wilson disease", "Wilson disease"]
    linked = list(linker.link(mentions))
    assert [lm.predictions[0].concept_id for lm in linked] == ["D006527"] * 3
    without = list(linker.link(corpus_mentions(corpus, expand_abbreviations=False)))
    # without expansion "WD" only shares a few character n-grams with the names
    assert without[1].predictions[0].score < 0.5 < linked[1].predictions[0].score


def test_abbreviations_stay_within_their_document_when_two_share_a_pmid() -> None:
    """PubTator files repeat PMIDs (NCBI train repeats 8528200): each document keeps its own definitions."""
    first = doc("In this family, as in other, WD was seen.", ("WD", "D006527"))  # WD at 29, as in the second
    second = doc("Wilson disease (WD) is rare. WD again.", ("Wilson disease", "D006527"), ("WD", "D006527"))
    second.id = "d1_2"  # the reader's id for the second document of a repeated PMID; document_id stays "d1"
    mentions = corpus_mentions(Corpus([first, second]))
    assert [m.expansion for m in mentions] == [None, None, "Wilson disease"]  # the first WD used to read "Wilson disease"


def test_permuted_initials_abbreviation(linker: Linker) -> None:
    corpus = Corpus([doc("Families with myotonic dystrophy (DM). In DM the", ("myotonic dystrophy", "D009223"), ("DM", "D009223"), ("DM", "D009223"))])
    strict = corpus_mentions(corpus, relaxed_abbreviations=False)
    assert strict[1].expansion is None
    relaxed = corpus_mentions(corpus, relaxed_abbreviations=True)
    assert relaxed[1].expansion == relaxed[2].expansion == "myotonic dystrophy"
    assert [lm.predictions[0].concept_id for lm in linker.link(relaxed)] == ["D009223"] * 3


def test_composite_mention_gets_a_composite_prediction(linker: Linker) -> None:
    (lm,) = linker.link([Mention("d", "1", "breast and ovarian cancer", gold=(("D001943",), ("D010051",)))])
    top = lm.predictions[0]
    assert top.concept_id == "D001943|D010051"
    assert set(top.ids) >= {"D001943", "D010051"}
    assert [part[0] for part in top.part_ids] == ["D001943", "D010051"]  # each part with its own ids


def test_whole_string_wins_over_split_when_it_matches(linker: Linker) -> None:
    (lm,) = linker.link([Mention("d", "1", "hereditary breast and ovarian cancer")])
    assert lm.predictions[0].concept_id == "D061325"


@pytest.mark.parametrize("fusion", ["rrf", "sum", "max"])
def test_an_ensemble_keeps_a_whole_string_match_whole(term: Terminology, fusion: str) -> None:
    """A fused score (a reciprocal rank never passes 1/61) is no similarity: the composite test reads
    the members' best similarity, so an ensemble splits exactly what its members would split."""
    from xlink.candidates.ensemble import EnsembleGenerator

    tfidf = TfidfGenerator(term).build()
    ensemble = EnsembleGenerator([tfidf, tfidf], weights=[1.0, 2.0], fusion=fusion)
    linker = Linker(term, ensemble, k=5)
    (whole,) = linker.link([Mention("d", "1", "hereditary breast and ovarian cancer")])
    assert whole.predictions[0].concept_id == "D061325"
    assert whole.predictions[0].source != "composite"
    (split,) = linker.link([Mention("d", "1", "breast and ovarian cancer")])
    assert split.predictions[0].concept_id == "D001943|D010051"  # a weak whole-string match still splits
    (best,) = ensemble.generate(["hereditary breast and ovarian cancer"], 1)
    assert best[0].match == pytest.approx(tfidf.generate(["hereditary breast and ovarian cancer"], 1)[0][0].score)


def test_invisible_characters_inside_a_mention_do_not_change_its_link(linker: Linker) -> None:
    plain = next(iter(linker.link([Mention("d", "1", "Wilson disease")]))).predictions[0]
    for text in ("Wil\u00adson disease", "Wil\u200dson\u200bdisease", "\u200fWilson disease\u200e"):
        top = next(iter(linker.link([Mention("d", "1", text)]))).predictions[0]
        assert (top.concept_id, top.score) == (plain.concept_id, plain.score), text


def test_split_composite_rules() -> None:
    assert split_composite("brain, breast, and prostate cancer") == ["brain cancer", "breast cancer", "prostate cancer"]
    assert split_composite("colorectal cancer and melanoma") == ["colorectal cancer", "melanoma"]
    assert split_composite("breast/ovarian cancer") == ["breast cancer", "ovarian cancer"]
    assert split_composite("Wilson disease") is None
    assert split_composite("") is None


def test_predictions_carry_alternative_ids(linker: Linker) -> None:
    (lm,) = linker.link([Mention("d", "1", "copper toxicosis")])
    assert lm.predictions[0].concept_id == "C562548"
    assert "OMIM:215600" in lm.predictions[0].ids


def test_empty_mention_list_and_empty_text(linker: Linker) -> None:
    assert list(linker.link([])) == []
    (lm,) = linker.link([Mention("d", "1", "  ")])
    assert lm.predictions == []


def test_predictions_round_trip(linker: Linker, tmp_path: Path) -> None:
    linked = list(linker.link([Mention("d", "1", "Wilson disease", 3, 17, "Disease", (("D006527",),))]))
    path = tmp_path / "pred.jsonl"
    assert write_predictions(linked, path) == 1
    back = read_predictions(path)
    assert back[0].mention == linked[0].mention
    assert [p.concept_id for p in back[0].predictions] == [p.concept_id for p in linked[0].predictions]
    assert isinstance(back[0], LinkedMention)


def test_bad_predictions_file_names_the_line(tmp_path: Path) -> None:
    from xlink.errors import FormatError

    path = tmp_path / "pred.jsonl"
    path.write_text('{"document_id": "d", "mention_id": "1", "predictions": []}\nnot json\n')
    with pytest.raises(FormatError, match=r"pred.jsonl:2"):
        read_predictions(path)


def test_augment_with_training_mentions(term: Terminology) -> None:
    mentions = [
        Mention("d", "1", "WND", gold=(("D006527",),)),
        Mention("d", "2", "HBOC", gold=(("MESH:D061325",),)),  # prefix normalized
        Mention("d", "3", "both", gold=(("D001943",), ("D010051",))),  # composite: skipped
        Mention("d", "4", "unknown", gold=(("D999999",),)),  # not in terminology: skipped
        Mention("d", "5", "Steinert's disease", gold=(("OMIM:277900",),)),  # through an alt id
    ]
    augmented = augment_with_mentions(term, mentions)
    assert "WND" in augmented["D006527"].aliases
    assert "HBOC" in augmented["D061325"].aliases
    assert "Steinert's disease" in augmented["D006527"].aliases
    assert "both" not in {a for c in augmented for a in c.aliases}
    assert len(augmented) == len(term)
    assert augmented.fingerprint != term.fingerprint


def test_augment_warns_when_no_training_id_is_in_the_terminology(
    term: Terminology, caplog: pytest.LogCaptureFixture
) -> None:
    """A training corpus labelled with another terminology's ids (MeSH mentions for HPO) adds nothing: say so."""
    foreign = [Mention("d", str(i), f"m{i}", gold=(("HP:0001250",),)) for i in range(3)]
    with caplog.at_level("WARNING", logger="xlink.terminology.augment"):
        augmented = augment_with_mentions(term, foreign)
    assert augmented.fingerprint == augment_with_mentions(term, []).fingerprint
    assert any("none of the 3 training mentions" in r.getMessage() for r in caplog.records)


def test_nil_and_set_size_survive_the_predictions_round_trip(tmp_path: Path) -> None:
    from xlink.linker import PredictedConcept

    candidates = [PredictedConcept("D1", "Breast Neoplasms", 0.9, ("D1",), "breast cancer", source="tfidf")]
    nil = LinkedMention(Mention("d", "1", "xyz"), candidates=candidates, predictions=[], set_size=1)
    same = LinkedMention(Mention("d", "2", "breast cancer"), candidates=candidates)
    write_predictions([nil, same], tmp_path / "p.jsonl")
    back = read_predictions(tmp_path / "p.jsonl")
    assert back[0].predictions == [] and back[0].candidates == candidates and back[0].set_size == 1
    assert back[1].predictions == candidates and back[1].set_size is None
    assert back[1].predictions[0].source == "tfidf"


def test_mention_context_survives_the_predictions_round_trip(tmp_path: Path) -> None:
    """A reranker reads the words around a mention, so saved candidates keep them."""
    mention = Mention("d", "1", "AS", 10, 12, gold=(("D1",),), left_context="patients with", right_context="had pain")
    write_predictions([LinkedMention(mention, candidates=[])], tmp_path / "p.jsonl")
    (back,) = read_predictions(tmp_path / "p.jsonl")
    assert back.mention == mention
    bare = Mention("d", "2", "x")
    write_predictions([LinkedMention(bare, candidates=[])], tmp_path / "q.jsonl")
    assert "left_context" not in (tmp_path / "q.jsonl").read_text()
