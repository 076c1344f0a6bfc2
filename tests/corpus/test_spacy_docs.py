from __future__ import annotations

import logging
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from xlink.corpus.model import Corpus, Document, Entity, Passage
from xlink.corpus.pubtator import read_pubtator
from xlink.corpus.spacy_docs import GOLD_SPANS_KEY, corpus_to_docs, docs_to_corpus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("en")


def test_entities_become_spans_with_kb_ids(nlp: Language) -> None:
    corpus = read_pubtator(FIXTURES / "ncbi_sample.txt")
    docs = corpus_to_docs(nlp, corpus)
    assert [doc.text for doc in docs] == [d.text for d in corpus]
    first = docs[0]
    assert [s.kb_id_ for s in first.spans[GOLD_SPANS_KEY]] == [
        "D061325",
        "D001943|D010051",
        "D015179",
        "",
    ]
    assert [e.text for e in first.ents] == [e.text[0] for e in corpus.documents[0].entities]
    assert first.ents[1].label_ == "CompositeMention"
    assert first.ents[0].id_ == "1000001_T1"


def test_round_trip_through_docs(nlp: Language) -> None:
    corpus = read_pubtator(FIXTURES / "ncbi_sample.txt")
    back = docs_to_corpus(corpus_to_docs(nlp, corpus), spans_key=GOLD_SPANS_KEY)
    for original, restored in zip(corpus.documents, back.documents, strict=True):
        assert restored.document_id == original.document_id
        assert restored.passages == original.passages
        assert [(e.id, e.offsets, e.type) for e in restored.entities] == [
            (e.id, e.offsets, e.type) for e in original.entities
        ]
        # kb_id_ holds the first alternative only
        assert [e.id_groups for e in restored.entities] == [
            [part[:1] for part in e.id_groups] if len(e.id_groups) == 1 else e.id_groups
            for e in original.entities
        ]


def test_overlapping_entities_stay_in_the_span_group(
    nlp: Language, caplog: pytest.LogCaptureFixture
) -> None:
    text = "Both twins had lung disease."
    doc = Document(
        id="d",
        document_id="d",
        passages=[Passage("d_text", "text", [text], [(0, len(text))])],
        entities=[
            Entity("e1", "Disease", ["lung disease"], [(15, 27)], id_groups=[["D008171"]]),
            Entity("e2", "", ["lung"], [(15, 19)]),
            Entity("e3", "Disease", ["dis"], [(20, 23)]),
        ],
    )
    with caplog.at_level(logging.INFO, logger="xlink.corpus.spacy_docs"):
        (spacy_doc,) = corpus_to_docs(nlp, Corpus([doc]))
    assert [s.text for s in spacy_doc.spans[GOLD_SPANS_KEY]] == ["lung disease", "lung", "disease"]
    assert [e.text for e in spacy_doc.ents] == ["lung disease"]
    assert spacy_doc.spans[GOLD_SPANS_KEY][1].label_ == "ENTITY"
    assert "2 overlapping" in caplog.text
    (from_ents,) = docs_to_corpus([spacy_doc]).documents
    assert [e.id_groups for e in from_ents.entities] == [[["D008171"]]]


def test_unalignable_entity_is_counted_and_left_out(
    nlp: Language, caplog: pytest.LogCaptureFixture
) -> None:
    text = "Gout  flares."
    doc = Document(
        id="d",
        document_id="d",
        passages=[Passage("d_text", "text", [text], [(0, len(text))])],
        entities=[
            Entity("e1", "Disease", [" "], [(5, 6)]),
            Entity("e2", "Disease", ["?"], [(10, 40)]),
            Entity("e3", "Disease", ["Gout"], [(0, 4)]),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="xlink.corpus.spacy_docs"):
        (spacy_doc,) = corpus_to_docs(nlp, Corpus([doc]))
    assert [s.text for s in spacy_doc.spans[GOLD_SPANS_KEY]] == ["Gout"]
    assert caplog.text.count("cannot be aligned") == 2


def test_vocab_only_keeps_exact_text() -> None:
    corpus = read_pubtator(FIXTURES / "bc5cdr_sample.txt")
    text = "  Odd   spacing,\tand\n\nbreaks. "
    corpus.documents.append(
        Document(id="w", document_id="w", passages=[Passage("w", "text", [text], [(0, len(text))])])
    )
    docs = corpus_to_docs(spacy.blank("en").vocab, corpus)
    assert [d.text for d in docs] == [d.text for d in corpus]
    assert [e.text for e in docs[0].ents] == [e.text[0] for e in corpus.documents[0].entities]


def test_plain_docs_get_generated_ids(nlp: Language) -> None:
    doc = nlp.make_doc("Wilson disease is rare.")
    doc.ents = [doc.char_span(0, 14, label="Disease", kb_id="D006527")]
    (document,) = docs_to_corpus([doc]).documents
    assert document.document_id == "doc0"
    assert document.text == "Wilson disease is rare."
    assert document.entities[0].id == "doc0_T1"
    assert document.entities[0].id_groups == [["D006527"]]
