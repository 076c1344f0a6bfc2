"""BigBIO KB documents as JSON Lines, to and from the BigBIO records.

BigBIO (Fries et al., 2022) converts hundreds of biomedical corpora to one
schema; a JSONL dump of a split (one document per line) is the easiest way to
bring any of them to xlink, and the lossless way to store what xlink read
from another format.

BigBIO's ``normalized`` list is flat, so it cannot say whether two ids are
two parts of a composite mention or two acceptable alternatives. xlink keeps
that structure in an extra entity key, ``xlink_id_groups``; files without it
read each normalized entry as one part.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xlink.corpus._common import atomic_write_lines, gold_id_groups
from xlink.corpus.model import Corpus, DbRef, Document, Entity, Passage
from xlink.errors import FormatError

logger = logging.getLogger(__name__)

#: The entity key in which xlink stores gold ids as parts × alternatives.
ID_GROUPS_KEY = "xlink_id_groups"

_EXPECTED_DOCUMENT = (
    "a JSON object with 'id' or 'document_id', and lists 'passages' and 'entities' whose "
    "items have 'id', 'type', 'text' (list of strings) and 'offsets' (list of [start, end])"
)


def read_bigbio_jsonl(path: str | Path) -> Corpus:
    """Read BigBIO KB documents from a JSONL file (or a ``.json`` file holding a list).

    Entities whose text differs from the passage text at their offsets are
    kept but logged: some published BigBIO conversions contain such slips,
    and refusing them would make whole corpora unreadable.

    Raises:
        FormatError: a line that is not JSON or not a BigBIO KB document.
    """
    path = Path(path)
    documents = [_document(record, path, lineno) for lineno, record in _records(path)]
    mismatches = sum(_count_text_mismatches(doc, path) for doc in documents)
    if mismatches:
        logger.warning(
            "%s: %d entities differ from the document text at their offsets", path, mismatches
        )
    logger.info(
        "Read %d documents and %d entities from %s",
        len(documents),
        sum(len(doc.entities) for doc in documents),
        path,
    )
    return Corpus(documents=documents, name=path.name.split(".")[0])


def _records(path: Path) -> Iterator[tuple[int | None, Any]]:
    """The JSON records of the file, each with its line number (None inside a JSON array)."""
    with path.open(encoding="utf-8") as handle:
        text = handle.read()
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise FormatError(
                path, error.lineno, f"invalid JSON: {error.msg}", "a JSON list of documents"
            ) from None
        for record in records:
            yield None, record
        return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(
                path, lineno, f"invalid JSON: {error.msg}", "one JSON document per line"
            ) from None


def _document(record: Any, path: Path, lineno: int | None) -> Document:
    """One BigBIO record as a :class:`Document`; every shape error names the line."""

    def fail(message: str) -> FormatError:
        return FormatError(path, lineno, message, _EXPECTED_DOCUMENT)

    if not isinstance(record, dict):
        raise fail(f"a JSON {type(record).__name__}, not an object")
    doc_id = record.get("id", record.get("document_id"))
    if doc_id is None:
        raise fail("document without 'id' or 'document_id'")
    doc_id = str(doc_id)
    try:
        passages = [
            Passage(
                id=str(p["id"]),
                type=str(p.get("type", "")),
                text=_strings(p["text"]),
                offsets=_offsets(p["offsets"]),
            )
            for p in _list(record, "passages")
        ]
        entities = [_entity(e) for e in _list(record, "entities")]
    except (KeyError, TypeError, ValueError) as error:
        detail = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        raise fail(f"document {doc_id}: {detail}") from None
    return Document(
        id=doc_id,
        document_id=str(record.get("document_id", doc_id)),
        passages=passages,
        entities=entities,
        relations=_list(record, "relations"),
        events=_list(record, "events"),
        coreferences=_list(record, "coreferences"),
    )


def _entity(record: dict[str, Any]) -> Entity:
    normalized = [DbRef(str(n["db_name"]), str(n["db_id"])) for n in record.get("normalized") or []]
    if ID_GROUPS_KEY in record:
        groups = record[ID_GROUPS_KEY]
        if not isinstance(groups, list) or not all(
            isinstance(part, list) and all(isinstance(i, str) for i in part) for part in groups
        ):
            raise ValueError(
                f"entity {record.get('id')}: {ID_GROUPS_KEY} must be a list of lists of strings"
            )
        id_groups = [list(part) for part in groups]
    else:
        id_groups = [[ref.curie] for ref in normalized]
    return Entity(
        id=str(record["id"]),
        type=str(record.get("type", "")),
        text=_strings(record["text"]),
        offsets=_offsets(record["offsets"]),
        normalized=normalized,
        id_groups=id_groups,
    )


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key) or []
    if not isinstance(value, list):
        raise TypeError(f"'{key}' is a {type(value).__name__}, not a list")
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"'text' must be a list of strings, not {value!r:.80}")
    return list(value)


def _offsets(value: Any) -> list[tuple[int, int]]:
    if not isinstance(value, list) or not all(
        isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, int) for x in pair)
        for pair in value
    ):
        raise TypeError(
            f"'offsets' must be a list of [start, end] integer pairs, not {value!r:.80}"
        )
    return [(int(start), int(end)) for start, end in value]


def _count_text_mismatches(doc: Document, path: Path) -> int:
    """How many entities of ``doc`` differ from its text at their offsets (the first few are logged)."""
    text = doc.text
    count = 0
    for entity in doc.entities:
        found = [text[start:end] for start, end in entity.offsets]
        if found != entity.text and " ".join(found) != " ".join(entity.text):
            count += 1
            if count <= 3:
                logger.warning(
                    "%s: document %s, entity %s: text %r differs from the document text %r",
                    path,
                    doc.id,
                    entity.id,
                    entity.text,
                    found,
                )
    return count


def document_to_bigbio(doc: Document) -> dict[str, Any]:
    """A :class:`Document` as a BigBIO KB record, with ``xlink_id_groups`` on each entity."""
    return {
        "id": doc.id,
        "document_id": doc.document_id,
        "passages": [
            {
                "id": p.id,
                "type": p.type,
                "text": list(p.text),
                "offsets": [[start, end] for start, end in p.offsets],
            }
            for p in doc.passages
        ],
        "entities": [
            {
                "id": e.id,
                "type": e.type,
                "text": list(e.text),
                "offsets": [[start, end] for start, end in e.offsets],
                "normalized": [{"db_name": n.db_name, "db_id": n.db_id} for n in e.normalized],
                ID_GROUPS_KEY: [list(part) for part in gold_id_groups(e)],
            }
            for e in doc.entities
        ],
        "events": doc.events,
        "coreferences": doc.coreferences,
        "relations": doc.relations,
    }


def write_bigbio_jsonl(corpus: Corpus, path: str | Path) -> None:
    """Write ``corpus`` as BigBIO KB JSONL, atomically (temporary file, then rename)."""
    atomic_write_lines(
        path, (json.dumps(document_to_bigbio(doc), ensure_ascii=False) for doc in corpus)
    )
    logger.info("Wrote %d documents to %s", len(corpus), path)
