"""BioSyn-style query files, to and from the BigBIO records.

BioSyn (Sung et al., 2020), SapBERT and kNN-BioEL evaluate on preprocessed
queries rather than on the raw corpus; reading the same files lets xlink
report numbers under their protocol. Three line forms exist, fields joined by
``||``:

* ``mention||ids||normalized form||context with START mention END`` (kNN-BioEL),
* ``mention||ids``,
* ``pmid||start|end||type||mention||ids`` (BioSyn's ``.concept`` files).

Each query becomes one :class:`Document` holding one :class:`Entity`, with
``document_id`` ``q<line number>``. The context, with its START/END markers
removed, is the passage; without context the passage is the mention itself.
The normalized form is not kept: xlink normalizes names itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

from xlink.corpus._common import (
    gold_id_groups,
    normalized_from_groups,
    one_line,
)
from xlink.corpus.model import Corpus, Document, Entity, Passage, format_id_groups, parse_id_groups
from xlink.errors import FormatError
from xlink.files import atomic_write_lines, numbered_lines

logger = logging.getLogger(__name__)

_SEPARATOR = "||"
_MARKED_MENTION = re.compile(r"\bSTART (.*?) END\b")
_EXPECTED_LINE = (
    "'mention||ids||normalized form||context with START mention END', 'mention||ids', "
    "or 'pmid||start|end||type||mention||ids'"
)


def read_biosyn_queries(path: str | Path) -> Corpus:
    """Read a BioSyn / kNN-BioEL query file: one document with one entity per query.

    Blank lines are skipped (line numbers still count them, so ``q<n>`` is
    the line of the query in the file). Lines end at ``\\n`` only and a UTF-8
    byte order mark is dropped, as in every xlink reader.

    Raises:
        FormatError: a line with another number of fields, bad offsets in
            the ``.concept`` form, or a file that is not UTF-8.
    """
    path = Path(path)
    documents = [
        _query(line, path, lineno)
        for lineno, line in numbered_lines(path, _EXPECTED_LINE)
        if line.strip()
    ]
    logger.info("Read %d queries from %s", len(documents), path)
    joined = sum(1 for d in documents if "|" in d.entities[0].text[0])
    if joined:
        logger.warning(
            "%s: %d queries join several mentions with '|'; BioSyn links each part and needs every one right, "
            "while xlink links the joined string as one mention, so their acc@k is not BioSyn's", path, joined,
        )
    return Corpus(documents=documents, name=path.stem)


def _query(line: str, path: Path, lineno: int) -> Document:
    """One query line as a document with one entity."""
    fields = line.split(_SEPARATOR)
    doc_id = f"q{lineno}"
    entity_id = f"{doc_id}_T1"
    entity_type = ""
    context: str | None = None
    if len(fields) == 4:
        mention, ids, _normalized_form, context = fields
    elif len(fields) == 2:
        mention, ids = fields
    elif len(fields) == 5:
        pmid, span, entity_type, mention, ids = fields
        start_end = span.split("|")
        if len(start_end) != 2 or not all(x.strip().isdigit() for x in start_end):
            raise FormatError(
                path,
                lineno,
                f"offsets {span!r} are not 'start|end'",
                expected="integer 'start|end'",
            )
        # The offsets point into the source abstract, which the file does not hold;
        # they survive in the entity id.
        entity_id = f"{pmid}_{start_end[0].strip()}_{start_end[1].strip()}"
    else:
        raise FormatError(
            path, lineno, f"{len(fields)} '||'-separated field(s)", expected=_EXPECTED_LINE
        )

    passage_type = "mention"
    text, start, end = mention, 0, len(mention)
    if context is not None:
        marked = _MARKED_MENTION.search(context)
        if marked is None:
            logger.warning(
                "%s:%d: context has no START ... END markers; using the mention alone", path, lineno
            )
        else:
            inside = marked.group(1)
            if inside != mention:
                logger.warning(
                    "%s:%d: mention %r differs from the marked context text %r; using the latter",
                    path,
                    lineno,
                    mention,
                    inside,
                )
            passage_type = "context"
            text = context[: marked.start()] + inside + context[marked.end() :]
            start, end = marked.start(), marked.start() + len(inside)
    if any(part.strip() and len(part.split()) > 1 for part in re.split(r"[|+,]", ids)):
        raise FormatError(
            path, lineno, f"the ids field {ids.strip()[:60]!r} holds words, not ids: this looks like a BioSyn "
            "dictionary line (ids||name); give a dictionary as the terminology (-t), not as the corpus",
            expected=_EXPECTED_LINE,
        )
    groups = parse_id_groups(ids)
    return Document(
        id=doc_id,
        document_id=doc_id,
        passages=[
            Passage(
                id=f"{doc_id}_{passage_type}",
                type=passage_type,
                text=[text],
                offsets=[(0, len(text))],
            )
        ],
        entities=[
            Entity(
                id=entity_id,
                type=entity_type,
                text=[text[start:end]],
                offsets=[(start, end)],
                normalized=normalized_from_groups(groups),
                id_groups=groups,
            )
        ],
    )


def write_biosyn_queries(corpus: Corpus, path: str | Path) -> None:
    """Write every entity of ``corpus`` as one query line.

    A document whose only passage is its mention is written as
    ``mention||ids``; any other entity as ``mention||ids||mention||context``,
    its document text with the mention marked START ... END (the mention
    stands in for the normalized form, which xlink does not keep). Unlinked
    entities get the id ``-1``.
    """
    atomic_write_lines(path, _lines(corpus))
    logger.info("Wrote %d queries to %s", sum(len(doc.entities) for doc in corpus), path)


def _lines(corpus: Corpus) -> Iterator[str]:
    for doc in corpus:
        text = _safe(doc.text)
        bare = len(doc.passages) == 1 and doc.passages[0].type == "mention"
        for entity in doc.entities:
            start, end = entity.start, entity.end
            mention = text[start:end]
            ids = format_id_groups(gold_id_groups(entity))
            if bare and mention == text:
                yield _SEPARATOR.join([mention, ids])
            else:
                marked = f"{text[:start]}START {mention} END{text[end:]}"
                yield _SEPARATOR.join([mention, ids, mention, marked])


def _safe(text: str) -> str:
    """``text`` without line breaks or ``||`` (which would split a query line), same length."""
    cleaned = one_line(text).replace(_SEPARATOR, "| ")
    if cleaned != text:
        logger.warning("Line breaks, tabs or '||' in %r written as spaces", text[:60])
    return cleaned
