"""The concept model shared by every terminology loader.

A :class:`Terminology` is a set of :class:`Concept` records plus an index from
each normalized alias to the concepts that carry it. It is saved as JSONL with
the field names that scispaCy and xMEN use (``concept_id``, ``canonical_name``,
``aliases``, ``types``, ``definition``), so their files load here and ours load
there.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xlink.errors import EmptyTerminologyError, FormatError
from xlink.files import atomic_write_lines, numbered_lines
from xlink.text.normalize import normalize_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Concept:
    """One entry of a terminology.

    ``alt_ids`` are other identifiers of the *same* concept (CTD's
    AltDiseaseIDs, OBO ``alt_id``, the OMIM half of a BioSyn ``MeSH|OMIM``
    entry); a prediction of the concept matches a gold id equal to any of them.
    ``xrefs`` point to related entries of other vocabularies (HPO → UMLS) and
    are kept for users, not used in matching.
    """

    concept_id: str
    canonical_name: str
    aliases: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    definition: str | None = None
    source: str | None = None
    alt_ids: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """The concept id followed by its alternative ids."""
        return (self.concept_id, *self.alt_ids)

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical name then aliases, without duplicates, in order."""
        seen: dict[str, None] = {}
        for name in (self.canonical_name, *self.aliases):
            if name and name.strip():
                seen.setdefault(name, None)
        return tuple(seen)

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "concept_id": self.concept_id,
            "canonical_name": self.canonical_name,
            "aliases": list(self.aliases),
            "types": list(self.types),
            "definition": self.definition,
        }
        if self.source:
            record["source"] = self.source
        if self.alt_ids:
            record["alt_ids"] = list(self.alt_ids)
        if self.xrefs:
            record["xrefs"] = list(self.xrefs)
        return record

    @classmethod
    def from_json(cls, record: dict[str, object]) -> Concept:
        """A concept from one JSONL record; a field under another tool's name is refused with the name to use."""
        for key, meant in _MEANT_KEYS.items():
            if key in record and meant not in record:
                raise ValueError(f"field {key!r} is not read: name it {meant!r}")

        def strings(key: str) -> tuple[str, ...]:
            value = record.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"field {key!r} must be a list of strings")
            return tuple(value)

        concept_id = record.get("concept_id")
        if not isinstance(concept_id, str) or not concept_id:
            raise ValueError("field 'concept_id' must be a non-empty string")
        name = record.get("canonical_name")
        if name is not None and not isinstance(name, str):
            raise ValueError("field 'canonical_name' must be a string")
        definition = record.get("definition")
        source = record.get("source")
        return cls(
            concept_id=concept_id,
            canonical_name=name or "",
            aliases=strings("aliases"),
            types=strings("types"),
            definition=definition if isinstance(definition, str) else None,
            source=source if isinstance(source, str) else None,
            alt_ids=strings("alt_ids"),
            xrefs=strings("xrefs"),
        )


#: the fields :meth:`Concept.from_json` reads
CONCEPT_KEYS = frozenset(("concept_id", "canonical_name", "aliases", "types", "definition", "source", "alt_ids", "xrefs"))
#: fields that other tools' files use for one of xlink's, and that would otherwise be lost unread
_MEANT_KEYS = {
    "id": "concept_id", "cui": "concept_id", "name": "canonical_name", "preferred_name": "canonical_name",
    "names": "aliases", "synonyms": "aliases", "synonym": "aliases", "alias": "aliases",
    "type": "types", "semantic_types": "types",
}


def _merge(a: Concept, b: Concept) -> Concept:
    """Merge two records of one concept id: names, types and ids are unioned."""

    def union(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*x, *y)))

    name = a.canonical_name or b.canonical_name
    aliases = tuple(n for n in union(a.names, b.names) if n != name)
    return Concept(
        concept_id=a.concept_id,
        canonical_name=name,
        aliases=aliases,
        types=union(a.types, b.types),
        definition=a.definition or b.definition,
        source=a.source or b.source,
        alt_ids=tuple(i for i in union(a.alt_ids, b.alt_ids) if i != a.concept_id),
        xrefs=union(a.xrefs, b.xrefs),
    )


@dataclass
class TerminologyStats:
    """Counts that tell whether a terminology was read as intended."""

    n_concepts: int
    n_names: int
    n_unique_normalized_names: int
    n_ambiguous_names: int
    n_merged_duplicates: int
    n_skipped_empty_names: int
    types: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


class Terminology:
    """Concepts by id, and concept ids by normalized alias.

    Build one with :meth:`from_concepts` (which merges duplicate ids) or
    :meth:`from_jsonl`. A terminology is immutable once built; its
    :attr:`fingerprint` identifies its content, so that an index built for
    one terminology is never used with another.
    """

    def __init__(
        self,
        concepts: dict[str, Concept],
        name: str = "terminology",
        n_merged_duplicates: int = 0,
        n_skipped_empty_names: int = 0,
    ) -> None:
        self.name = name
        self._concepts = concepts
        self.n_merged_duplicates = n_merged_duplicates
        self.n_skipped_empty_names = n_skipped_empty_names
        self._alias_index: dict[str, tuple[str, ...]] | None = None
        self._fingerprint: str | None = None

    # -- construction -----------------------------------------------------
    @classmethod
    def from_concepts(
        cls,
        concepts: Iterable[Concept],
        name: str = "terminology",
        n_skipped_empty_names: int = 0,
        duplicates_expected: bool = False,
    ) -> Terminology:
        """Collect concepts, merging records that share an id.

        Empty names are dropped and counted; a concept left with no name at
        all is dropped too. Merges are counted and reported once as a warning,
        or at INFO level when ``duplicates_expected`` (formats such as BioSyn's
        that write one line per name).
        """
        by_id: dict[str, Concept] = {}
        merged = 0
        examples: list[str] = []
        skipped = n_skipped_empty_names
        for concept in concepts:
            clean = [n for n in (concept.canonical_name, *concept.aliases) if n and n.strip()]
            skipped += len([n for n in (concept.canonical_name, *concept.aliases) if not (n and n.strip())])
            if not clean:
                continue
            if not concept.canonical_name.strip() or len(clean) != 1 + len(concept.aliases):
                concept = Concept(
                    concept_id=concept.concept_id,
                    canonical_name=clean[0],
                    aliases=tuple(n for n in dict.fromkeys(clean[1:]) if n != clean[0]),
                    types=concept.types,
                    definition=concept.definition,
                    source=concept.source,
                    alt_ids=concept.alt_ids,
                    xrefs=concept.xrefs,
                )
            previous = by_id.get(concept.concept_id)
            if previous is None:
                by_id[concept.concept_id] = concept
            else:
                merged += 1
                if len(examples) < 3 and concept.concept_id not in examples:
                    examples.append(concept.concept_id)
                by_id[concept.concept_id] = _merge(previous, concept)
        if merged:
            level = logging.INFO if duplicates_expected else logging.WARNING
            logger.log(
                level,
                "%s: merged %d records with duplicate concept ids (e.g. %s): the names of each id's records are now "
                "names of one concept; if they are different concepts, give them their own ids in the file",
                name, merged, ", ".join(examples),
            )
        return cls(by_id, name=name, n_merged_duplicates=merged, n_skipped_empty_names=skipped)

    # -- access -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self._concepts.values())

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._concepts

    def __getitem__(self, concept_id: str) -> Concept:
        return self._concepts[concept_id]

    def get(self, concept_id: str) -> Concept | None:
        return self._concepts.get(concept_id)

    @property
    def alias_index(self) -> dict[str, tuple[str, ...]]:
        """Normalized alias → ids of the concepts that carry it."""
        if self._alias_index is None:
            index: dict[str, dict[str, None]] = {}
            for concept in self._concepts.values():
                for alias in concept.names:
                    key = normalize_text(alias)
                    if key:
                        index.setdefault(key, {})[concept.concept_id] = None
            self._alias_index = {k: tuple(v) for k, v in index.items()}
        return self._alias_index

    def lookup(self, text: str) -> tuple[str, ...]:
        """Ids of the concepts with an alias equal to ``text`` after normalization."""
        return self.alias_index.get(normalize_text(text), ())

    def names(self) -> Iterator[tuple[str, str]]:
        """Every (concept_id, name) pair, canonical names first within a concept."""
        for concept in self._concepts.values():
            for alias in concept.names:
                yield concept.concept_id, alias

    @property
    def fingerprint(self) -> str:
        """A sha256 of the content (ids, names, alt ids), stable across saves."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            for concept in sorted(self._concepts.values(), key=lambda c: c.concept_id):
                digest.update(
                    json.dumps([concept.concept_id, concept.names, concept.alt_ids]).encode("utf-8")
                )
                digest.update(b"\n")
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def stats(self) -> TerminologyStats:
        names = sum(len(c.names) for c in self._concepts.values())
        index = self.alias_index
        types: dict[str, int] = {}
        for concept in self._concepts.values():
            for t in concept.types:
                types[t] = types.get(t, 0) + 1
        return TerminologyStats(
            n_concepts=len(self._concepts),
            n_names=names,
            n_unique_normalized_names=len(index),
            n_ambiguous_names=sum(1 for ids in index.values() if len(ids) > 1),
            n_merged_duplicates=self.n_merged_duplicates,
            n_skipped_empty_names=self.n_skipped_empty_names,
            types=dict(sorted(types.items(), key=lambda kv: -kv[1])[:20]),
        )

    def require_nonempty(self, path: str | Path | None = None) -> Terminology:
        """Raise :class:`EmptyTerminologyError` if no concept has a name.

        The message names both ways to give the format, the API argument and
        the CLI flag, because either may have loaded the file.
        """
        if not self._concepts:
            where = f"{path}: " if path else ""
            raise EmptyTerminologyError(
                f"{where}the terminology holds no concept with a name; check that the file is "
                "not empty and pass its format explicitly (terminology_format / "
                "--terminology-format; --format for 'xlink terminology')"
            )
        return self

    # -- persistence --------------------------------------------------------
    def to_jsonl(self, path: str | Path) -> None:
        """Write one concept per line, atomically (temporary file, then rename)."""
        atomic_write_lines(path, (json.dumps(concept.to_json(), ensure_ascii=False) for concept in self._concepts.values()))

    @classmethod
    def from_jsonl(cls, path: str | Path, name: str | None = None) -> Terminology:
        """Read a terminology saved by :meth:`to_jsonl`, scispaCy or xMEN."""
        path = Path(path)
        expected = 'a JSON object with "concept_id", "canonical_name" and "aliases"'
        unread: set[str] = set()  # each unknown field is told once

        def records() -> Iterator[Concept]:
            # numbered_lines: a BOM, CRLF, non-UTF-8 bytes and names holding U+2028
            # (to_jsonl writes them unescaped) are handled as in every other format.
            for lineno, line in numbered_lines(path, expected):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise FormatError(path, lineno, f"invalid JSON ({err.msg})", expected) from None
                if not isinstance(record, dict):
                    raise FormatError(path, lineno, "not a JSON object", expected)
                try:
                    yield Concept.from_json(record)
                except ValueError as err:
                    raise FormatError(path, lineno, str(err), expected) from None
                for key in record.keys() - CONCEPT_KEYS - unread:
                    unread.add(key)
                    logger.warning(
                        "%s:%d: field %r is not read (xlink reads %s)", path, lineno, key, ", ".join(sorted(CONCEPT_KEYS))
                    )

        return cls.from_concepts(records(), name=name or path.stem)
