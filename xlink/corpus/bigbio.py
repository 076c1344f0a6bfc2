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

from xlink.corpus._common import gold_id_groups
from xlink.corpus.model import Corpus, DbRef, Document, Entity, Passage
from xlink.errors import FormatError
from xlink.files import atomic_write_lines, numbered_lines

logger = logging.getLogger(__name__)

#: The entity key in which xlink stores gold ids as parts × alternatives.
ID_GROUPS_KEY = "xlink_id_groups"
#: How many offset slips per file are logged one by one before the summary.
_DETAILED_WARNINGS = 5

_EXPECTED_DOCUMENT = (
    "a JSON object with 'id' or 'document_id', and lists 'passages' and 'entities' whose "
    "items have 'id', 'type', 'text' (list of strings) and 'offsets' (list of [start, end])"
)


def read_bigbio_jsonl(path: str | Path) -> Corpus:
    """Read BigBIO KB documents from a JSONL file (or a ``.json`` file holding a list).

    Entities whose text differs from the passage text at their offsets (or
    whose offsets lie beyond it), and passages whose text does not fit their
    offsets, are kept but logged: some published BigBIO conversions contain
    such slips, and refusing them would make whole corpora unreadable. The
    first few are logged with their ``file:line``, then one summary per file
    says how many there are.

    Raises:
        FormatError: a line that is not JSON or not a BigBIO KB document, or a
            file that is not UTF-8.
    """
    path = Path(path)
    located = [(lineno, _document(record, path, lineno)) for lineno, record in _records(path)]
    _refuse_repeated_entity_ids(located, path)
    _warn_offset_slips(located, path)
    documents = [doc for _, doc in located]
    logger.info(
        "Read %d documents and %d entities from %s",
        len(documents),
        sum(len(doc.entities) for doc in documents),
        path,
    )
    return Corpus(documents=documents, name=path.name.split(".")[0])


def _records(path: Path) -> Iterator[tuple[int | None, Any]]:
    """The JSON records of the file, each with its line number (None inside a JSON array).

    Lines are split at ``\\n`` only: xlink writes JSONL with
    ``ensure_ascii=False``, so a text may hold U+2028 or U+0085 unescaped,
    which ``str.splitlines`` would take for line ends. A UTF-8 byte order mark
    is dropped.
    """
    lines = list(numbered_lines(path, _EXPECTED_DOCUMENT, keep_lone_cr=True))
    first = next((line for _, line in lines if line.strip()), "")
    if first.lstrip().startswith("["):
        try:
            records = json.loads("\n".join(line for _, line in lines))
        except json.JSONDecodeError as error:
            raise FormatError(
                path, error.lineno, f"invalid JSON: {error.msg}", "a JSON list of documents"
            ) from None
        for record in records:
            yield None, record
        return
    for lineno, line in lines:
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
    if "passages" not in record and "entities" not in record:
        hint = " (an 'xlink link' predictions file? give it as PREDICTIONS, the corpus as GOLD)" if "predictions" in record else ""
        raise fail(f"document {doc_id} has neither 'passages' nor 'entities'{hint}")
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
        relations, events = _list(record, "relations"), _list(record, "events")
        coreferences = _list(record, "coreferences")
    except (KeyError, TypeError, ValueError) as error:
        detail = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        raise fail(f"document {doc_id}: {detail}") from None
    return Document(
        id=doc_id,
        document_id=str(record.get("document_id", doc_id)),
        passages=passages,
        entities=entities,
        relations=relations,
        events=events,
        coreferences=coreferences,
    )


def _entity(record: dict[str, Any]) -> Entity:
    """One BigBIO entity; without ``xlink_id_groups``, each non-NIL normalized ref is one part of its gold.

    A ref with ``db_id`` ``-1`` (or empty) marks an unlinked mention, as ``-1`` does in PubTator:
    it is no gold id, so such a mention is NIL.
    """
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
        id_groups = [[ref.curie] for ref in normalized if not ref.is_nil]
    offsets = _offsets(record["offsets"])
    if not offsets:
        raise ValueError(f"entity {record.get('id')}: 'offsets' is empty; give its [start, end] in the text")
    return Entity(
        id=str(record["id"]),
        type=str(record.get("type", "")),
        text=_strings(record["text"]),
        offsets=offsets,
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
    backwards = next((pair for pair in value if pair[0] > pair[1] or pair[0] < 0), None)
    if backwards is not None:
        raise ValueError(f"offsets {list(backwards)}: a start must be at least 0 and not after its end")
    return [(int(start), int(end)) for start, end in value]


def _refuse_repeated_entity_ids(located: list[tuple[int | None, Document]], path: Path) -> None:
    """Raise a :class:`FormatError` when an entity id repeats within one ``document_id``.

    Predictions are matched to their gold by (document_id, entity id); a repeated pair would
    give one mention another's gold, and ``xlink evaluate`` would refuse the predictions
    that ``xlink link`` wrote for this very file.
    """
    seen: dict[tuple[str, str], int | None] = {}
    for lineno, doc in located:
        for entity in doc.entities:
            key = (doc.document_id, entity.id)
            if key in seen:
                first = f" (line {seen[key]})" if seen[key] is not None else ""
                raise FormatError(
                    path, lineno, f"entity id {entity.id!r} of document {doc.document_id} was used before{first}",
                    "entity ids that are unique within a document_id; give each entity its own id",
                )
            seen[key] = lineno


def _warn_offset_slips(located: list[tuple[int | None, Document]], path: Path) -> None:
    """Log the entities and passages whose offsets do not fit the text, then one summary.

    Each of the first :data:`_DETAILED_WARNINGS` slips is logged with the
    ``file:line`` of its record; the summary counts all of them, so a corpus
    with thousands of slips neither floods the log nor hides how many there are.
    """
    entities = passages = documents = logged = 0
    for lineno, doc in located:
        where = f"{path}:{lineno}" if lineno is not None else str(path)
        passage_slips, entity_slips = _passage_slips(doc), _entity_slips(doc)
        for slip in (passage_slips + entity_slips)[: _DETAILED_WARNINGS - logged]:
            logger.warning("%s: document %s, %s", where, doc.id, slip)
            logged += 1
        entities += len(entity_slips)
        passages += len(passage_slips)
        documents += bool(passage_slips or entity_slips)
    if entities or passages:
        what = " and ".join(
            _count(n, noun) for n, noun in ((entities, "entity"), (passages, "passage")) if n
        )
        shown = "each listed above" if logged == entities + passages else f"first {logged} above"
        logger.warning(
            "%s: the offsets of %s do not fit the document text, in %d of %d documents; "
            "kept as read (%s)",
            path,
            what,
            documents,
            len(located),
            shown,
        )


def _count(n: int, noun: str) -> str:
    """``1 entity``, ``3 entities``, ``2 passages``."""
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _passage_slips(doc: Document) -> list[str]:
    """What is wrong with the passages of ``doc``: a text that is cut or padded to its offsets."""
    slips = []
    for passage in doc.passages:
        if len(passage.text) != len(passage.offsets):
            slips.append(
                f"passage {passage.id}: {len(passage.text)} text pieces but "
                f"{len(passage.offsets)} offset pairs; the unpaired ones are ignored"
            )
        for piece, (start, end) in zip(passage.text, passage.offsets, strict=False):
            if len(piece) != end - start:
                fate = "cut" if len(piece) > end - start else "padded with spaces"
                slips.append(
                    f"passage {passage.id}: text of {len(piece)} characters at offsets "
                    f"{start}-{end} ({end - start} characters) is {fate} to fit them"
                )
    return slips


def _entity_slips(doc: Document) -> list[str]:
    """What is wrong with the entities of ``doc``: offsets beyond the text, or another text there."""
    text = doc.text
    slips = []
    for entity in doc.entities:
        if any(not 0 <= start <= end <= len(text) for start, end in entity.offsets):
            slips.append(
                f"entity {entity.id}: offsets {_spans(entity)} lie beyond the document text "
                f"(length {len(text)})"
            )
            continue
        found = [text[start:end] for start, end in entity.offsets]
        if found != entity.text and " ".join(found) != " ".join(entity.text):
            slips.append(
                f"entity {entity.id}: text {entity.text!r} differs from the document text "
                f"{found!r} at offsets {_spans(entity)}"
            )
    return slips


def _spans(entity: Entity) -> str:
    """The entity's offsets as ``start-end`` pairs, the way PubTator messages write them."""
    return ", ".join(f"{start}-{end}" for start, end in entity.offsets)


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
