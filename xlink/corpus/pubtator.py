"""PubTator files (NCBI Disease, BC5CDR) to and from the BigBIO records.

PubTator is the format in which the NCBI Disease and BC5CDR corpora are
distributed::

    PMID|t|title
    PMID|a|abstract
    PMID<TAB>start<TAB>end<TAB>text<TAB>type<TAB>ids[<TAB>part texts]
    PMID<TAB>CID<TAB>chemical<TAB>disease          (BC5CDR relations)
    <blank line between documents>

Offsets count characters in ``title + " " + abstract``, so the title passage
sits at offset 0 and the abstract at ``len(title) + 1``. Every mention is
checked against the text at its offsets: a wrong offset caught here would
otherwise show up much later as a silently wrong context or evaluation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xlink.corpus._common import (
    gold_id_groups,
    normalized_from_groups,
    one_line,
)
from xlink.corpus.model import (
    Corpus,
    Document,
    Entity,
    Passage,
    format_id_groups,
    parse_id_groups,
)
from xlink.errors import FormatError, XlinkError
from xlink.files import atomic_write_lines, mixed_line_ends, numbered_lines

logger = logging.getLogger(__name__)

_PASSAGE_LINE = re.compile(r"([^\t|]+)\|([ta])\|")
_MENTION_FIELDS = "PMID, start, end, text, type, ids"
#: the start of a mention line ("PMID<tab>start<tab>end<tab>") or of a relation line ("PMID<tab>CID<tab>")
_MENTION_START = re.compile(r"[^\t|\s]+\t(\d+\t\d+\t|[A-Za-z_]+\t)")
#: The type of a relation line (``CID``), as :data:`_MENTION_START` reads it.
_RELATION_TYPE = re.compile(r"[^\s\d][^\s]*")  # CID, CPR:4, DDI-effect; not a mention's words
#: An argument of a relation line: an id, with a digit in it and no space (``D009270``, ``MESH:D006973``).
_RELATION_ARG = re.compile(r"\S*\d\S*")
_EXPECTED_LINE = (
    f"'PMID|t|title', 'PMID|a|abstract', a mention line of 6 tab-separated fields "
    f"({_MENTION_FIELDS}; a 7th with the part texts of a composite mention is allowed), "
    "a relation line 'PMID<TAB>type<TAB>id<TAB>id', or a blank line between documents"
)


@dataclass
class PubTatorStats:
    """What a read met besides plain mentions, so that nothing is skipped silently."""

    documents: int = 0
    mentions: int = 0
    #: Relation lines (BC5CDR's CID); they are kept in ``Document.relations``.
    relations: int = 0
    #: Mention lines with a 7th field (BC5CDR's part texts of composite mentions), which are not kept.
    part_text_fields: int = 0
    #: Repeated ``|t|`` or ``|a|`` lines within one document; the first is kept.
    duplicate_passage_lines: int = 0
    #: Mention texts with surrounding whitespace that their offsets leave out; trimmed.
    trimmed_mention_texts: int = 0
    #: Documents whose PMID an earlier document already had.
    duplicate_documents: int = 0
    #: Of those, the ones left out because ``drop_duplicate_documents`` was set.
    dropped_documents: int = 0


@dataclass
class _PendingDocument:
    """A document while its lines are being read."""

    pmid: str
    first_line: int
    title: str | None = None
    abstract: str | None = None
    mentions: list[tuple[int, list[str]]] = field(default_factory=list)
    relations: list[dict[str, object]] = field(default_factory=list)


def read_pubtator(
    path: str | Path,
    *,
    drop_duplicate_documents: bool = False,
    stats: PubTatorStats | None = None,
    text_only: bool = False,
) -> Corpus:
    """Read a PubTator file into a :class:`Corpus`.

    Gold ids are parsed with :func:`parse_id_groups` (``|`` parts, ``+``
    alternatives, ``-1`` unlinked). A document whose PMID appeared before (the
    NCBI train set repeats PMID 8528200) is kept by default, so that counts
    match the published ones; its ``Document.id`` gets a ``_2`` suffix while
    ``document_id`` stays the PMID. ``drop_duplicate_documents`` leaves it out.

    Pass ``stats`` to learn how many relation lines, part-text fields and
    duplicates were met; they are also logged. ``text_only`` skips mention and
    relation lines unread, for callers that need only the text (``xlink
    annotate``): a broken annotation line then cannot stop them.

    Raises:
        FormatError: a line that is malformed, a mention of another PMID, a
            mention whose start is after its end or whose text differs from the
            document text at its offsets, or a file that is not UTF-8.
    """
    path = Path(path)
    stats = stats if stats is not None else PubTatorStats()
    # Lines end at "\n" (or "\r\n") only: a U+2028 or U+0085 inside an abstract is
    # text, and a UTF-8 byte order mark is not part of the first PMID.
    lines = (line for _, line in numbered_lines(path, _EXPECTED_LINE, keep_lone_cr=True))
    documents = list(_parse(lines, path, stats, drop_duplicate_documents, text_only))
    logger.info(
        "Read %d documents and %d mentions from %s (%d relation lines kept as relations, "
        "%d part-text fields ignored, %d mention texts trimmed, %d duplicate passage lines, "
        "%d duplicate documents, %d dropped)",
        stats.documents,
        stats.mentions,
        path,
        stats.relations,
        stats.part_text_fields,
        stats.trimmed_mention_texts,
        stats.duplicate_passage_lines,
        stats.duplicate_documents,
        stats.dropped_documents,
    )
    return Corpus(documents=documents, name=path.stem)


def _parse(
    lines: Iterable[str], path: Path, stats: PubTatorStats, drop_duplicates: bool, text_only: bool = False
) -> Iterator[Document]:
    """The documents of a PubTator file, checked line by line."""
    seen: dict[str, int] = {}
    pending: _PendingDocument | None = None

    def finish(doc: _PendingDocument) -> Document | None:
        occurrence = seen.get(doc.pmid, 0) + 1
        seen[doc.pmid] = occurrence
        document = _build_document(doc, path, occurrence, stats)
        if occurrence > 1:
            stats.duplicate_documents += 1
            logger.warning(
                "%s:%d: PMID %s appears again (occurrence %d)%s",
                path,
                doc.first_line,
                doc.pmid,
                occurrence,
                "; dropped" if drop_duplicates else f"; kept as document {document.id}",
            )
            if drop_duplicates:
                stats.dropped_documents += 1
                return None
        stats.documents += 1
        stats.mentions += len(document.entities)
        stats.relations += len(document.relations)
        return document

    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            if pending is not None:
                done = finish(pending)
                if done is not None:
                    yield done
                pending = None
            continue

        if "\r" in line:
            _refuse_line_in_line(line, path, lineno)
        match = _PASSAGE_LINE.match(line)
        if match:
            pmid, kind = match.group(1), match.group(2)
            text = line[match.end() :]
            if pending is not None and (
                pending.pmid != pmid or (kind == "t" and (pending.mentions or pending.relations))
            ):
                # A new document without a blank line before it: tolerated.
                done = finish(pending)
                if done is not None:
                    yield done
                pending = None
            if pending is None:
                if kind == "a":
                    raise FormatError(
                        path,
                        lineno,
                        f"abstract of PMID {pmid} before its title",
                        expected=f"a '{pmid}|t|title' line first",
                    )
                pending = _PendingDocument(pmid=pmid, first_line=lineno)
            current = pending.title if kind == "t" else pending.abstract
            if current is not None:
                stats.duplicate_passage_lines += 1
                logger.warning(
                    "%s:%d: repeated %s line for PMID %s; keeping the first",
                    path,
                    lineno,
                    "title" if kind == "t" else "abstract",
                    pmid,
                )
                continue
            if kind == "t":
                pending.title = text
            else:
                pending.abstract = text
            continue
        if text_only:
            continue

        fields = line.split("\t")
        pmid = fields[0]
        if len(fields) == 4 and not _is_int(fields[1]):
            _check_relation(fields, path, lineno)
            _check_pmid(pending, pmid, path, lineno, "relation")
            assert pending is not None
            pending.relations.append({"type": fields[1], "arg1": fields[2], "arg2": fields[3]})
            continue
        if len(fields) not in (6, 7):
            raise FormatError(
                path, lineno, f"{len(fields)} tab-separated field(s)", expected=_EXPECTED_LINE
            )
        _check_pmid(pending, pmid, path, lineno, "mention")
        assert pending is not None
        if len(fields) == 7:
            stats.part_text_fields += 1
        pending.mentions.append((lineno, fields))

    if pending is not None:
        done = finish(pending)
        if done is not None:
            yield done


def _refuse_line_in_line(line: str, path: Path, lineno: int) -> None:
    """Raise the mixed-line-ends error when a ``\\r`` inside ``line`` ends what should be its own line.

    A lone ``\\r`` inside an abstract is text (it keeps its offset), but one after which a
    passage or mention line follows is a line end: reading on would drop that line silently.
    A mention or relation line holds no free text, so any ``\\r`` in it is a line end.
    """
    if not _PASSAGE_LINE.match(line) or any(
        _PASSAGE_LINE.match(rest) or _MENTION_START.match(rest) for rest in line.split("\r")[1:]
    ):
        raise mixed_line_ends(path, lineno)


def _check_relation(fields: list[str], path: Path, lineno: int) -> None:
    """Refuse a 4-field line that is no relation: a mention line without its offsets, most likely.

    A relation line (BC5CDR's ``PMID<TAB>CID<TAB>D009270<TAB>D006973``, ChemProt's ``CPR:4``) has a
    one-word type and two ids; ``PMID<TAB>Breast cancer<TAB>Disease<TAB>D001943`` has neither, and read as a relation
    its mention would be lost without a word.
    """
    _, kind, arg1, arg2 = fields
    if _RELATION_TYPE.fullmatch(kind) and all(_RELATION_ARG.fullmatch(arg) for arg in (arg1, arg2)):
        return
    raise FormatError(
        path,
        lineno,
        f"4 tab-separated fields {fields[1:]!r} are no relation (a one-word type and two ids); "
        "if this is a mention line, its start and end offsets are missing",
        expected=_EXPECTED_LINE,
    )


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _check_pmid(
    pending: _PendingDocument | None, pmid: str, path: Path, lineno: int, what: str
) -> None:
    """Refuse an annotation line that does not belong to the document being read."""
    if pending is None:
        raise FormatError(
            path,
            lineno,
            f"{what} for PMID {pmid}, which has no title line before it",
            expected=f"'{pmid}|t|title' and '{pmid}|a|abstract' lines before its annotations",
        )
    if pending.pmid != pmid:
        raise FormatError(
            path,
            lineno,
            f"{what} for PMID {pmid} inside the document of PMID {pending.pmid}",
            expected=f"annotations of PMID {pending.pmid}, or a blank line and a new title line",
        )


def _build_document(
    doc: _PendingDocument, path: Path, occurrence: int, stats: PubTatorStats
) -> Document:
    """Turn the collected lines of one document into a checked :class:`Document`."""
    doc_id = doc.pmid if occurrence == 1 else f"{doc.pmid}_{occurrence}"
    title = doc.title or ""
    passages = [
        Passage(id=f"{doc_id}_title", type="title", text=[title], offsets=[(0, len(title))])
    ]
    text = title
    if doc.abstract is not None:
        start = len(title) + 1
        passages.append(
            Passage(
                id=f"{doc_id}_abstract",
                type="abstract",
                text=[doc.abstract],
                offsets=[(start, start + len(doc.abstract))],
            )
        )
        text = f"{title} {doc.abstract}"

    entities = []
    for index, (lineno, fields) in enumerate(doc.mentions, start=1):
        _, start_text, end_text, mention, entity_type, ids = fields[:6]
        try:
            start, end = int(start_text), int(end_text)
        except ValueError:
            raise FormatError(
                path,
                lineno,
                f"offsets {start_text!r} and {end_text!r} are not both integers",
                expected=f"6 tab-separated fields ({_MENTION_FIELDS}) with integer offsets",
            ) from None
        if start > end:
            raise FormatError(
                path,
                lineno,
                f"start {start} is after end {end} for {mention!r}",
                expected=f"6 tab-separated fields ({_MENTION_FIELDS}) with start <= end",
            )
        if not 0 <= start <= end <= len(text):
            raise FormatError(
                path,
                lineno,
                f"offsets {start}-{end} of {mention!r} lie outside the document text "
                f"(length {len(text)}, title + space + abstract)",
                expected="0 <= start <= end <= text length",
            )
        if text[start:end] != mention and text[start:end] == mention.strip():
            # NCBI train, PMID 10923035: the text field carries two trailing spaces.
            logger.warning(
                "%s:%d: mention text %r has surrounding whitespace that its offsets %d-%d "
                "leave out; using %r",
                path,
                lineno,
                mention,
                start,
                end,
                text[start:end],
            )
            stats.trimmed_mention_texts += 1
            mention = text[start:end]
        if text[start:end] != mention:
            raise FormatError(
                path,
                lineno,
                f"mention text {mention!r} differs from the document text "
                f"{text[start:end]!r} at offsets {start}-{end}",
                expected="offsets into title + one space + abstract that select the mention text",
            )
        groups = parse_id_groups(ids)
        entities.append(
            Entity(
                id=f"{doc_id}_T{index}",
                type=entity_type,
                text=[mention],
                offsets=[(start, end)],
                normalized=normalized_from_groups(groups),
                id_groups=groups,
            )
        )
    return Document(
        id=doc_id,
        document_id=doc.pmid,
        passages=passages,
        entities=entities,
        relations=doc.relations,
    )


def write_pubtator(corpus: Corpus, path: str | Path) -> None:
    """Write ``corpus`` as a PubTator file that :func:`read_pubtator` reads back equal.

    Documents that did not come from PubTator are written as well as the format
    allows: the first passage (when it starts at offset 0) becomes the title
    and the rest of the text the abstract; line breaks and tabs become spaces
    (offsets stay valid); a discontinuous entity is written as the span from
    its first to its last character. Such changes are logged.
    """
    atomic_write_lines(path, _corpus_lines(corpus))
    logger.info("Wrote %d documents to %s", len(corpus), path)


def _corpus_lines(corpus: Corpus) -> Iterator[str]:
    for index, doc in enumerate(corpus):
        if index:
            yield ""
        yield from _document_lines(doc)


def _document_lines(doc: Document) -> Iterator[str]:
    pmid = doc.document_id
    if not pmid or any(c in pmid for c in "|\t\n\r "):
        raise XlinkError(
            f"cannot write document {pmid!r} as PubTator: its id must be non-empty and "
            "hold no '|', tab, space or line break"
        )
    text = doc.text
    title, abstract = _title_and_abstract(doc, text)
    if "\n" in text or "\t" in text or "\r" in text:
        logger.warning("Document %s: line breaks and tabs written as spaces", pmid)
    yield f"{pmid}|t|{one_line(title)}"
    if abstract is not None:
        yield f"{pmid}|a|{one_line(abstract)}"
    for entity in doc.entities:
        start, end = entity.start, entity.end
        if len(entity.offsets) == 1:
            mention = entity.text[0] if len(entity.text) == 1 else entity.surface
        else:
            logger.warning(
                "Document %s: discontinuous entity %s written as one span %d-%d",
                pmid,
                entity.id,
                start,
                end,
            )
            mention = text[start:end]
        ids = format_id_groups(gold_id_groups(entity))
        yield "\t".join([pmid, str(start), str(end), one_line(mention), entity.type, ids])
    for relation in doc.relations:
        arg1 = relation.get("arg1", relation.get("arg1_id"))
        arg2 = relation.get("arg2", relation.get("arg2_id"))
        if arg1 is None or arg2 is None or not relation.get("type"):
            logger.warning(
                "Document %s: relation %r has no type or arguments; not written", pmid, relation
            )
            continue
        yield "\t".join([pmid, str(relation["type"]), str(arg1), str(arg2)])


def _title_and_abstract(doc: Document, text: str) -> tuple[str, str | None]:
    """Split the document text the way PubTator offsets expect it: title, space, abstract."""
    starts = sorted(
        (passage.offsets[0][0], passage.offsets[0][1])
        for passage in doc.passages
        if passage.offsets
    )
    if not starts or starts[0][0] != 0:
        return text, None
    title_end = starts[0][1]
    if title_end >= len(text):
        return text, None
    if not text[title_end].isspace():
        logger.warning(
            "Document %s: no separator after the first passage; written as one title",
            doc.document_id,
        )
        return text, None
    return text[:title_end], text[title_end + 1 :]
