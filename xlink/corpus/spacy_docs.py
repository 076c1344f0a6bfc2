"""Corpus documents as spaCy ``Doc`` objects with gold spans, and back.

spaCy components (the linker, the evaluation scorer, ``spacy train``) work on
``Doc`` objects; these two functions let any corpus xlink reads feed them, and
let annotated Docs be saved in any corpus format.

Gold entities go to ``doc.spans["xlink_gold"]`` (all of them, overlaps
included) and to ``doc.ents`` (those that do not overlap a longer one).
``span.kb_id_`` holds the first gold id; a composite mention holds all its
parts, formatted with :func:`format_id_groups`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from xlink.corpus._common import gold_id_groups, normalized_from_groups
from xlink.corpus.model import Corpus, Document, Entity, Passage, format_id_groups, parse_id_groups

logger = logging.getLogger(__name__)

#: The span group that holds every gold entity.
GOLD_SPANS_KEY = "xlink_gold"
#: ``doc.user_data`` keys that carry the document ids and passages through spaCy.
DOCUMENT_ID_KEY = "xlink_document_id"
ID_KEY = "xlink_id"
PASSAGES_KEY = "xlink_passages"
#: The label of a span whose entity has no type (spaCy needs one for ``doc.ents``).
DEFAULT_LABEL = "ENTITY"

_TOKEN = re.compile(r"\w+|[^\w\s]")


def kb_id_for(entity: Entity) -> str:
    """The ``kb_id_`` for an entity: its first gold id, all parts for a composite, "" if NIL."""
    groups = gold_id_groups(entity)
    if not groups:
        return ""
    if len(groups) == 1:
        return groups[0][0]
    return format_id_groups(groups)


def corpus_to_docs(
    nlp_or_vocab: Language | Vocab, corpus: Corpus | Iterable[Document]
) -> list[Doc]:
    """One ``Doc`` per document, with gold entities as spans.

    With a ``Language`` the text is tokenized by ``nlp.make_doc`` (no pipeline
    components run); with a bare ``Vocab`` it is split into words and
    punctuation. Entity offsets are widened to token boundaries
    (``alignment_mode="expand"``); an entity that still cannot be aligned (it
    lies outside the text, or covers only whitespace) is left out, counted and
    logged. A discontinuous entity becomes one span from
    its first to its last character.
    """
    docs = []
    unaligned = 0
    left_out_of_ents = 0
    for document in corpus:
        text = document.text
        doc = (
            nlp_or_vocab.make_doc(text)
            if isinstance(nlp_or_vocab, Language)
            else _whitespace_doc(nlp_or_vocab, text)
        )
        doc.user_data[DOCUMENT_ID_KEY] = document.document_id
        doc.user_data[ID_KEY] = document.id
        doc.user_data[PASSAGES_KEY] = [
            {
                "id": p.id,
                "type": p.type,
                "text": list(p.text),
                "offsets": [list(o) for o in p.offsets],
            }
            for p in document.passages
        ]
        spans: list[Span] = []
        for entity in document.entities:
            span = doc.char_span(
                entity.start,
                entity.end,
                label=entity.type or DEFAULT_LABEL,
                kb_id=kb_id_for(entity),
                alignment_mode="expand",
                span_id=entity.id,
            )
            if span is None or not span.text.strip():
                unaligned += 1
                logger.warning(
                    "Document %s: entity %s (%r at %d-%d) cannot be aligned to tokens; left out",
                    document.document_id,
                    entity.id,
                    entity.surface,
                    entity.start,
                    entity.end,
                )
                continue
            spans.append(span)
        doc.spans[GOLD_SPANS_KEY] = spans
        ents = filter_spans(spans)
        left_out_of_ents += len(spans) - len(ents)
        doc.ents = ents
        docs.append(doc)
    if unaligned or left_out_of_ents:
        logger.info(
            "%d entities could not be aligned to tokens; %d overlapping ones are only in "
            "doc.spans[%r], not doc.ents",
            unaligned,
            left_out_of_ents,
            GOLD_SPANS_KEY,
        )
    return docs


def _whitespace_doc(vocab: Vocab, text: str) -> Doc:
    """A ``Doc`` of words and punctuation whose text is exactly ``text``.

    spaCy rebuilds the text from words and their trailing-space flags, so any
    whitespace beyond one space becomes a whitespace token of its own.
    """
    words: list[str] = []
    spaces: list[bool] = []
    position = 0

    def add_gap(gap: str) -> None:
        if not gap:
            return
        if words and not spaces[-1] and gap.startswith(" "):
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)

    for match in _TOKEN.finditer(text):
        add_gap(text[position : match.start()])
        words.append(match.group())
        spaces.append(False)
        position = match.end()
    add_gap(text[position:])
    return Doc(vocab, words=words, spaces=spaces)


def docs_to_corpus(
    docs: Iterable[Doc], spans_key: str | None = None, name: str = "corpus"
) -> Corpus:
    """A :class:`Corpus` from ``Doc`` objects, their entities taken from ``doc.ents`` or ``doc.spans[spans_key]``.

    ``kb_id_`` is parsed back with :func:`parse_id_groups`; an empty one means
    NIL. Document ids and passages saved by :func:`corpus_to_docs` are
    restored; other Docs get ids ``doc<n>`` and one passage holding their text.
    """
    documents = []
    for index, doc in enumerate(docs):
        doc_id = str(doc.user_data.get(DOCUMENT_ID_KEY, f"doc{index}"))
        unique_id = str(doc.user_data.get(ID_KEY, doc_id))
        spans = (
            list(doc.ents)
            if spans_key is None
            else list(doc.spans[spans_key])
            if spans_key in doc.spans
            else []
        )
        entities = []
        for number, span in enumerate(spans, start=1):
            groups = parse_id_groups(span.kb_id_)
            entities.append(
                Entity(
                    id=span.id_ or f"{unique_id}_T{number}",
                    type=span.label_,
                    text=[span.text],
                    offsets=[(span.start_char, span.end_char)],
                    normalized=normalized_from_groups(groups),
                    id_groups=groups,
                )
            )
        documents.append(
            Document(
                id=unique_id,
                document_id=doc_id,
                passages=_passages(doc, unique_id),
                entities=entities,
            )
        )
    return Corpus(documents=documents, name=name)


def _passages(doc: Doc, doc_id: str) -> list[Passage]:
    """The passages saved in ``doc.user_data``, when they still fit the text; else one passage."""
    saved = doc.user_data.get(PASSAGES_KEY)
    if saved:
        passages = [
            Passage(
                id=str(p["id"]),
                type=str(p["type"]),
                text=list(p["text"]),
                offsets=[(int(s), int(e)) for s, e in p["offsets"]],
            )
            for p in saved
        ]
        if Document(id=doc_id, document_id=doc_id, passages=passages).text == doc.text:
            return passages
        logger.warning(
            "Document %s: saved passages no longer match its text; using one passage", doc_id
        )
    return [
        Passage(id=f"{doc_id}_text", type="text", text=[doc.text], offsets=[(0, len(doc.text))])
    ]
