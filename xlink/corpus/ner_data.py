"""Corpora as spaCy NER training data (``DocBin`` files for ``spacy train``).

``spacy train`` reads ``.spacy`` files of Docs whose ``doc.ents`` are the gold
entities. :func:`ner_docs` makes them from any corpus xlink reads, tokenized
by the same tokenizer the trained pipeline will use, so that gold spans and
predicted spans live on the same token boundaries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from xlink.corpus.model import Corpus, Document
from xlink.corpus.spacy_docs import corpus_to_docs
from xlink.files import atomic_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NerDataStats:
    """What went into one ``.spacy`` file."""

    path: str
    n_docs: int
    n_entities: int
    n_tokens: int


def ner_docs(nlp: Language, corpus: Corpus | Iterable[Document], label: str | None = "DISEASE") -> list[Doc]:
    """Docs with the corpus's gold entities as ``doc.ents``, relabelled to ``label``.

    ``label=None`` keeps each entity's own type. Overlapping entities keep the
    longest (spaCy's ``doc.ents`` cannot overlap); only ``doc.ents`` is kept,
    the gold span group and user data are dropped to keep the files small.
    """
    docs = corpus_to_docs(nlp, corpus)
    out = []
    for doc in docs:
        ents = [
            Span(doc, e.start, e.end, label=label or e.label_, kb_id=e.kb_id_) for e in doc.ents
        ]
        fresh = nlp.make_doc(doc.text)
        fresh.ents = [Span(fresh, e.start, e.end, label=e.label_, kb_id=e.kb_id_) for e in ents]
        out.append(fresh)
    return out


def write_docbin(docs: Iterable[Doc], path: str | Path) -> NerDataStats:
    """Write Docs to a ``.spacy`` file and say how much it holds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin = DocBin(store_user_data=False)
    n_docs = n_ents = n_tokens = 0
    for doc in docs:
        docbin.add(doc)
        n_docs += 1
        n_ents += len(doc.ents)
        n_tokens += len(doc)
    with atomic_file(path, "wb") as handle:  # as DocBin.to_disk writes it, but never half-written
        handle.write(docbin.to_bytes())
    logger.info("%s: %d docs, %d entities, %d tokens", path, n_docs, n_ents, n_tokens)
    return NerDataStats(str(path), n_docs, n_ents, n_tokens)
