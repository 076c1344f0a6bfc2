"""Annotate raw texts with a linking pipeline: mentions, concept ids, names, scores.

This is what ``xlink annotate`` runs. A user with notes, abstracts or a table of texts gets each
predicted mention with its offsets, the concept it was linked to (empty when it was left unlinked,
NIL), the concept's name and score, and optionally the other candidates, without writing Python.

Inputs are read into one list of :class:`~xlink.corpus.model.Document` so that every input kind
(texts given directly, a table with a text column, a PubTator or BigBIO corpus, whole text files)
is run and written the same way. Outputs are JSON lines (:meth:`AnnotatedText.to_json`), a tab-
separated listing, or a corpus file (BigBIO or PubTator) that other tools and
``xlink evaluate`` read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from xlink.corpus.model import Corpus, Document, Passage
from xlink.errors import FormatError, XlinkError
from xlink.files import format_suffix, numbered_lines, read_text, require_file

#: The columns of :func:`tsv_lines`, in order.
TSV_COLUMNS = ("doc_id", "start", "end", "text", "label", "concept_id", "name", "score")


@dataclass
class AnnotatedMention:
    """One predicted span. ``concept_id`` is ``""`` when the linker left it unlinked (NIL)."""

    start: int
    end: int
    text: str
    label: str
    concept_id: str
    name: str = ""
    score: float | None = None
    #: (concept id, name, score) of the linker's candidates, best first
    candidates: list[tuple[str, str, float]] = field(default_factory=list)

    def to_json(self, n_candidates: int = 0) -> dict[str, Any]:
        record: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "concept_id": self.concept_id,
            "name": self.name,
            "score": self.score,
        }
        if n_candidates > 0:
            record["candidates"] = [
                {"concept_id": cid, "name": name, "score": score}
                for cid, name, score in self.candidates[:n_candidates]
            ]
        return record


@dataclass
class AnnotatedText:
    """One input document with the mentions the pipeline found in it, in text order."""

    id: str
    text: str
    mentions: list[AnnotatedMention]

    def to_json(self, n_candidates: int = 0, with_text: bool = True) -> dict[str, Any]:
        record: dict[str, Any] = {"id": self.id}
        if with_text:
            record["text"] = self.text
        record["mentions"] = [m.to_json(n_candidates) for m in self.mentions]
        return record


@dataclass
class AnnotationInput:
    """Documents to annotate, with where each came from (for error messages)."""

    documents: list[Document]
    #: per document: "TEXT argument 2", "notes.csv:14", "corpus.txt, document 123", "note.txt"
    sources: list[str]
    #: whether a --text-column / --id-column could apply (a table was read)
    from_table: bool = False

    def __add__(self, other: AnnotationInput) -> AnnotationInput:
        return AnnotationInput(
            self.documents + other.documents, self.sources + other.sources, self.from_table or other.from_table
        )

    def check(self, pubtator_ids: bool = False) -> None:
        """Refuse repeated ids, texts that are not valid Unicode and, for PubTator output, bad ids."""
        first: dict[str, int] = {}
        for index, (document, source) in enumerate(zip(self.documents, self.sources, strict=True)):
            if document.id in first:
                raise XlinkError(
                    f"document id {document.id!r} of {source} is also the id of {self.sources[first[document.id]]}; "
                    "give the table an --id-column with other ids, or annotate the inputs one at a time"
                )
            first[document.id] = index
            try:
                document.text.encode("utf-8")
            except UnicodeEncodeError as err:
                raise XlinkError(
                    f"{source}: the text is not valid Unicode at character {err.start} "
                    f"({err.object[err.start:err.end]!r}, e.g. a lone surrogate from a broken \\u escape); "
                    "fix or remove that character"
                ) from None
            if pubtator_ids and (not document.id or any(c in document.id for c in "|\t\n\r ")):
                raise XlinkError(
                    f"{source}: id {document.id!r} cannot be written as PubTator (it must be non-empty, with no "
                    "'|', tab, space or line break); write BigBIO JSONL (-o FILE.jsonl) or choose other ids "
                    "(--id-column, or rename the file)"
                )


def from_texts(texts: Sequence[str]) -> AnnotationInput:
    """TEXT arguments: ids 1, 2, ..."""
    documents = [text_document(str(i), text) for i, text in enumerate(texts, start=1)]
    return AnnotationInput(documents, [f"TEXT argument {i}" for i in range(1, len(texts) + 1)])


def text_document(doc_id: str, text: str) -> Document:
    """A :class:`Document` with ``text`` as its one passage (for texts that are not a corpus)."""
    return Document(
        id=doc_id,
        document_id=doc_id,
        passages=[Passage(id=f"{doc_id}_text", type="text", text=[text], offsets=[(0, len(text))])],
    )


def read_input(path: Path, text_column: str = "text", id_column: str | None = None) -> AnnotationInput:
    """Read the documents to annotate from ``path``; gold annotations in it are not read.

    * a PubTator corpus (``.txt`` / ``.pubtator`` with ``PMID|t|`` lines) or a BigBIO KB file
      (``.jsonl`` whose rows have ``passages``): its documents, with their ids and passages;
    * a CSV, TSV, JSONL or JSON table: one document per row, the text in ``text_column``, the id
      in ``id_column`` (default: the row number, from 1).
    """
    from xlink.corpus.io import load_corpus
    from xlink.corpus.pubtator import read_pubtator

    require_file(path, "a corpus (PubTator, BigBIO) or a CSV/TSV/JSONL/JSON table of texts")
    suffix = format_suffix(path)  # "notes.jsonl.gz" reads as .jsonl, gunzipped
    corpus = None
    if suffix in (".pubtator", ".txt") and _detected(path) == "pubtator":
        corpus = read_pubtator(path, text_only=True)
    elif suffix == ".jsonl" and _first_json_row_has(path, "passages"):
        corpus = load_corpus(path, "bigbio")
    if corpus is not None:
        documents = [Document(id=d.id, document_id=d.document_id, passages=d.passages) for d in corpus.documents]
        return AnnotationInput(documents, [f"{path}, document {d.id}" for d in documents])
    if suffix in (".txt", ".pubtator"):
        raise XlinkError(
            f"{path}: not a PubTator corpus (no 'PMID|t|' line at the start); give a plain text file with "
            "--file (one document per file), or a table as .csv/.tsv/.jsonl with --text-column"
        )
    from xlink.classify.datasets import read_texts

    table = read_texts(path, text_column, id_column, label_option="--id-column", label_name="id")
    ids = table.labels if table.labels is not None else [str(i) for i in range(1, len(table.texts) + 1)]
    lines = table.lines or list(range(1, len(table.texts) + 1))
    documents = [text_document(doc_id, text) for doc_id, text in zip(ids, table.texts, strict=True)]
    return AnnotationInput(documents, [f"{path}:{line}" for line in lines], from_table=True)


def read_text_files(paths: Sequence[Path]) -> AnnotationInput:
    """One document per plain UTF-8 text file, its id the file name without its extension.

    The text is the file's own, line ends included (``\\r\\n`` stays), so that offsets index
    the file; only a UTF-8 byte order mark is dropped.
    """
    documents = []
    sources = []
    names: set[str] = set()
    for path in paths:
        text = read_text(path, "a UTF-8 text file")
        doc_id = path.stem if path.stem not in names else str(path)
        names.add(doc_id)
        documents.append(text_document(doc_id, text))
        sources.append(str(path))
    return AnnotationInput(documents, sources)


def _detected(path: Path) -> str | None:
    """The corpus format of ``path``, or None where it is not one of the corpus formats."""
    from xlink.corpus.io import detect_corpus_format

    try:
        return detect_corpus_format(path)
    except FormatError:  # not UTF-8, UTF-16, lone CRs: the reader's own message is the useful one
        raise
    except XlinkError:
        return None


def _first_json_row_has(path: Path, key: str) -> bool:
    """Whether the first JSON row of ``path`` is an object with ``key`` (a file that is not UTF-8 is refused)."""
    for _, line in numbered_lines(path, "JSON lines", keep_lone_cr=True):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                return False
            return isinstance(row, dict) and key in row
    return False


@dataclass
class Annotation:
    """What :func:`iter_annotations` yields per input document."""

    #: mentions with ids, names, scores and candidates
    text: AnnotatedText
    #: the processed Doc (let it go to keep memory flat on large inputs)
    doc: Doc


def iter_annotations(
    nlp: Language,
    corpus: Corpus,
    spans_key: str | None = None,
    n_process: int = 1,
    batch_size: int = 32,
    max_chars: int = 100_000,
) -> Iterator[Annotation]:
    """Run ``nlp`` on each document's text and yield its annotation, in input order, as it comes.

    Nothing here keeps the Docs, so a caller that drops each one keeps memory flat however many
    texts there are. Texts longer than ``max_chars`` are processed in chunks and joined back
    (:func:`xlink.components.chunking.pipe_texts`), so offsets are those of the input text.
    """
    from xlink.components.chunking import pipe_texts
    from xlink.components.pipelines import (
        candidates_attribute,
        doc_spans,
        linked_id,
        nil_ids_of,
        require_components,
    )

    require_components(nlp)
    attr = candidates_attribute(nlp)
    nil_ids = nil_ids_of(nlp)  # a linker's "NIL" or "-1" is written as no id
    texts = (document.text for document in corpus.documents)
    docs = pipe_texts(nlp, texts, max_chars=max_chars, batch_size=batch_size, n_process=n_process)
    for document, doc in zip(corpus.documents, docs, strict=True):
        mentions = []
        for span in doc_spans(doc, spans_key):
            candidates = _candidates(span, attr)
            concept_id = linked_id(span, nil_ids)
            best = next((c for c in candidates if c[0] == concept_id), None) if concept_id else None
            mentions.append(
                AnnotatedMention(
                    start=span.start_char,
                    end=span.end_char,
                    text=span.text,
                    label=span.label_,
                    concept_id=concept_id,
                    name=best[1] if best else "",
                    score=best[2] if best else None,
                    candidates=candidates,
                )
            )
        yield Annotation(AnnotatedText(id=document.id, text=doc.text, mentions=mentions), doc)


def annotate_corpus(
    nlp: Language,
    corpus: Corpus,
    spans_key: str | None = None,
    n_process: int = 1,
    batch_size: int = 32,
    max_chars: int = 100_000,
) -> tuple[list[AnnotatedText], list[Doc]]:
    """The annotations and the processed Docs, in input order (for small inputs; see :func:`iter_annotations`)."""
    annotations = list(iter_annotations(nlp, corpus, spans_key, n_process, batch_size, max_chars))
    return [a.text for a in annotations], [a.doc for a in annotations]


def _candidates(span: Any, attr: str | None) -> list[tuple[str, str, float]]:
    if attr is None or not span.has_extension(attr):
        return []
    found = getattr(span._, attr) or []
    return [(str(c[0]), str(c[1]), float(c[2])) for c in found]


def tsv_lines(annotated: Iterable[AnnotatedText], header: bool = True) -> Iterator[str]:
    """A header and one tab-separated line per mention (tabs and line breaks in texts become spaces)."""
    if header:
        yield "\t".join(TSV_COLUMNS)
    for item in annotated:
        for m in item.mentions:
            score = "" if m.score is None else f"{m.score:.4f}"
            cells = [item.id, str(m.start), str(m.end), m.text, m.label, m.concept_id, m.name, score]
            yield "\t".join(" ".join(cell.split()) if cell else "" for cell in cells)
