"""The BigBIO knowledge-base schema as dataclasses, plus the flat `Mention`.

BigBIO (Fries et al., 2022) is the common schema of biomedical corpora:
documents hold passages and entities with character offsets and
``normalized`` ids. xlink reads every corpus format into these records.

Gold ids may be *composite* (one mention names several concepts, "breast and
ovarian cancer" → D001943|D010051) and each part may have *alternatives*
(D012345+D067890: either is right). ``Entity.id_groups`` keeps that structure
as parts × alternatives; ``normalized`` keeps BigBIO's flat list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

#: The id that PubTator corpora use for a mention linked to no concept.
NIL_ID = "-1"
#: An id that carries its namespace: ``HP:0000107``, ``MESH:D003920``, ``NCBITaxon:9606``.
_PREFIXED_ID = re.compile(r"[A-Za-z][\w.-]*:\S")


@dataclass(frozen=True)
class DbRef:
    """A normalized id: the database and the id within it."""

    db_name: str
    db_id: str

    @property
    def curie(self) -> str:
        """``db_name:db_id``; an id that already carries a prefix is kept as it is.

        ``MESH`` + ``MESH:D003920`` (as some BigBIO loaders write it) is not prefixed twice, and
        ``HPO`` + ``HP:0000107`` stays ``HP:0000107``, the id HPO itself uses.
        """
        db_id = self.db_id.strip()
        if not self.db_name or _PREFIXED_ID.match(db_id):
            return db_id
        return f"{self.db_name}:{db_id}"

    @property
    def is_nil(self) -> bool:
        """Whether the ref names no concept: an empty ``db_id`` or PubTator's ``-1``."""
        return self.db_id.strip() in ("", NIL_ID)


@dataclass
class Passage:
    """A span of document text (title, abstract, paragraph)."""

    id: str
    type: str
    text: list[str]
    offsets: list[tuple[int, int]]


@dataclass
class Entity:
    """An annotated mention with its offsets and normalized ids.

    ``id_groups`` holds the gold ids as written in the source, parts ×
    alternatives; it is empty for an unlinked (NIL) mention.
    """

    id: str
    type: str
    text: list[str]
    offsets: list[tuple[int, int]]
    normalized: list[DbRef] = field(default_factory=list)
    id_groups: list[list[str]] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.offsets[0][0]

    @property
    def end(self) -> int:
        return self.offsets[-1][1]

    @property
    def surface(self) -> str:
        return " ".join(self.text)

    @property
    def is_nil(self) -> bool:
        return not self.id_groups


@dataclass
class Document:
    """A document of the BigBIO KB schema (events and coreferences are kept opaque)."""

    id: str
    document_id: str
    passages: list[Passage] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    relations: list[dict[str, object]] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    coreferences: list[dict[str, object]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The document text, with passages placed at their offsets.

        Gaps between passages are filled with spaces, so entity offsets index
        this string directly.
        """
        end = max((o[1] for p in self.passages for o in p.offsets), default=0)
        chars = [" "] * end
        for passage in self.passages:
            for piece, (start, stop) in zip(passage.text, passage.offsets, strict=False):
                chars[start:stop] = list(piece[: stop - start].ljust(stop - start))
        return "".join(chars)

    def mentions(self, context_chars: int = 0) -> list[Mention]:
        """The document's entities as flat :class:`Mention`\\ s, each with ``context_chars`` of text each side."""
        text = self.text if context_chars else ""
        result: list[Mention] = []
        for entity in self.entities:
            left = text[max(0, entity.start - context_chars) : entity.start] if text else ""
            right = text[entity.end : entity.end + context_chars] if text else ""
            result.append(
                Mention(
                    document_id=self.document_id,
                    mention_id=entity.id,
                    text=entity.surface,
                    start=entity.start,
                    end=entity.end,
                    type=entity.type,
                    gold=tuple(tuple(part) for part in entity.id_groups),
                    left_context=left,
                    right_context=right,
                )
            )
        return result


@dataclass
class Corpus:
    """A named list of documents."""

    documents: list[Document]
    name: str = "corpus"

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    def mentions(self, context_chars: int = 0) -> list[Mention]:
        """Every entity as a flat :class:`Mention`, in document order."""
        return [mention for doc in self.documents for mention in doc.mentions(context_chars)]


@dataclass(frozen=True)
class Mention:
    """One mention to link: its text, where it is, and its gold ids if known.

    ``gold`` is parts × alternatives (see the module docstring); empty means
    NIL or unknown.
    """

    document_id: str
    mention_id: str
    text: str
    start: int = 0
    end: int = 0
    type: str = ""
    gold: tuple[tuple[str, ...], ...] = ()
    left_context: str = ""
    right_context: str = ""
    #: The long form of the mention when it is an abbreviation defined in its document.
    expansion: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.document_id, self.mention_id)


def parse_id_groups(ids: str) -> list[list[str]]:
    """Split a PubTator id field: ``|`` joins parts, ``+`` joins alternatives.

    ``-1`` (or an empty field) means unlinked and gives an empty list.

    >>> parse_id_groups("D001943|D010051")
    [['D001943'], ['D010051']]
    >>> parse_id_groups("D012345+D067890")
    [['D012345', 'D067890']]
    """
    ids = ids.strip()
    if not ids or ids == NIL_ID:
        return []
    groups = []
    for part in ids.split("|"):
        alternatives = [a.strip() for a in part.split("+") if a.strip() and a.strip() != NIL_ID]
        if alternatives:
            groups.append(alternatives)
    return groups


def format_id_groups(groups: list[list[str]]) -> str:
    """The inverse of :func:`parse_id_groups`."""
    if not groups:
        return NIL_ID
    return "|".join("+".join(part) for part in groups)


def split_curie(identifier: str) -> DbRef:
    """``MESH:D001943`` → DbRef("MESH", "D001943"); a bare MeSH-like id gets db "MESH"."""
    if ":" in identifier:
        db, local = identifier.split(":", 1)
        return DbRef(db, local)
    if identifier[:1] in ("C", "D") and identifier[1:].isdigit():
        return DbRef("MESH", identifier)
    if identifier.isdigit():
        return DbRef("OMIM", identifier)
    return DbRef("", identifier)
