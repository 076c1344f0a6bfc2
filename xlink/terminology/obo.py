"""OBO flat-file ontologies (format 1.2 and 1.4): HPO, MONDO, DO and the like.

Many biomedical ontologies ship as ``.obo``: ``[Term]`` stanzas of ``tag:
value`` lines. A term's ``name`` and ``synonym`` lines are the names a
linker needs; ``alt_id`` lines are merged-away ids that gold annotations may
still use; ``xref`` lines map to other vocabularies (HPO → UMLS).
Specification: https://owlcollab.github.io/oboformat/doc/obo-syntax.html
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xlink.errors import EmptyTerminologyError, FormatError, XlinkError
from xlink.files import numbered_lines
from xlink.terminology._reading import NameCleaner, terminology_name
from xlink.terminology.model import Concept, Terminology

SYNONYM_SCOPES = ("EXACT", "RELATED", "NARROW", "BROAD")
#: Synonym types left out by default: names the ontology itself has retired.
DEFAULT_EXCLUDED_SYNONYM_TYPES = ("obsolete_synonym",)
# OBO 1.0/1.2 spelled the scope in the tag.
_SCOPED_SYNONYM_TAGS = {
    "exact_synonym": "EXACT",
    "related_synonym": "RELATED",
    "narrow_synonym": "NARROW",
    "broad_synonym": "BROAD",
}
_EXPECTED = "an OBO 1.2/1.4 file: [Term] stanzas of 'tag: value' lines"


@dataclass
class OboTerm:
    """The parts of a ``[Term]`` stanza that a terminology needs."""

    lineno: int
    id: str = ""
    name: str = ""
    namespace: str = ""
    definition: str = ""
    synonyms: list[tuple[str, str, str]] = field(default_factory=list)  # text, scope, type
    alt_ids: list[str] = field(default_factory=list)
    xrefs: list[str] = field(default_factory=list)
    is_obsolete: bool = False
    replaced_by: list[str] = field(default_factory=list)


def _unquote(value: str) -> tuple[str, str] | None:
    """Split ``"quoted text" rest`` into the unescaped text and the rest; None if unquoted."""
    if not value.startswith('"'):
        return None
    out: list[str] = []
    i = 1
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
            continue
        if ch == '"':
            return "".join(out), value[i + 1 :].strip()
        out.append(ch)
        i += 1
    return None


#: One ``key=value`` of an OBO 1.4 trailing qualifier block; the value bare or quoted.
_QUALIFIER = r'[^\s=,{}"]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^\s,{}"]+)'
#: A trailing qualifier block, ``{source="PMID:1", comment="x"}`` (keys may be IRIs, as ROBOT
#: writes them): a name that merely ends in ``}`` (``tris{2-[(2-hydroxyethyl)amino]ethyl}``)
#: holds no ``key=value`` pair and is no block.
_QUALIFIER_BLOCK = re.compile(rf"\s*\{{\s*{_QUALIFIER}(?:\s*,\s*{_QUALIFIER})*\s*\}}$")


def _strip_comment(value: str) -> str:
    """Drop a trailing ``! comment`` and an OBO 1.4 ``{key=value, ...}`` qualifier block outside quotes.

    Only a block holding ``key=value`` pairs is a qualifier block, so a chemical name whose last
    character is ``}`` is kept whole.
    """
    if "!" not in value and "}" not in value:
        return value.strip()
    in_quotes = False
    escaped = False
    for i, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == "!" and not in_quotes and (i == 0 or value[i - 1].isspace()):
            value = value[:i]
            break
    value = value.strip()
    block = _QUALIFIER_BLOCK.search(value)
    if block is not None and value[: block.start()].count('"') % 2 == 0:
        value = value[: block.start()].strip()
    return value


def iter_obo_terms(path: str | Path) -> Iterator[OboTerm]:
    """Yield the ``[Term]`` stanzas of an OBO file (other stanzas are skipped)."""
    path = Path(path)
    default_namespace = ""
    term: OboTerm | None = None
    in_header = True
    for lineno, line in numbered_lines(path, _EXPECTED):
        stripped = line.strip()
        if not stripped or stripped.startswith("!"):
            continue
        if stripped.startswith("["):
            if term is not None:
                yield _finish(path, term, default_namespace)
            in_header = False
            if not stripped.endswith("]"):
                raise FormatError(path, lineno, f"stanza header {stripped!r} lacks ']'", _EXPECTED)
            term = OboTerm(lineno=lineno) if stripped == "[Term]" else None
            continue
        tag, colon, raw = stripped.partition(":")
        if not colon or not tag or " " in tag:
            raise FormatError(
                path, lineno, f"{stripped[:60]!r} is not a 'tag: value' line", _EXPECTED
            )
        if in_header:
            if tag == "default-namespace":
                default_namespace = _strip_comment(raw)
            continue
        if term is None:
            continue
        _read_tag(path, lineno, term, tag, raw)
    if term is not None:
        yield _finish(path, term, default_namespace)


def _read_tag(path: Path, lineno: int, term: OboTerm, tag: str, raw: str) -> None:
    value = _strip_comment(raw)
    if tag == "id":
        if term.id:
            raise FormatError(
                path, lineno, f"second id {value!r} in the stanza of {term.id}", _EXPECTED
            )
        term.id = value
    elif tag == "name":
        if term.name:  # OBO allows one name per stanza; a second would silently replace the first
            raise FormatError(
                path, lineno, f"second name {value!r} in the stanza of {term.id or 'a term'} (first: {term.name!r})",
                f"one name: line per stanza (other names go in synonym: lines); {_EXPECTED}",
            )
        term.name = value
    elif tag == "namespace":
        term.namespace = value
    elif tag == "def":
        quoted = _unquote(value)
        if quoted is None:
            raise FormatError(path, lineno, "def is not quoted", 'def: "text" [refs]')
        term.definition = quoted[0]
    elif tag == "synonym" or tag in _SCOPED_SYNONYM_TAGS:
        quoted = _unquote(value)
        if quoted is None:
            raise FormatError(path, lineno, "synonym is not quoted", 'synonym: "text" SCOPE [refs]')
        text, rest = quoted
        words = rest.split("[", 1)[0].split()
        scope = _SCOPED_SYNONYM_TAGS.get(tag, "RELATED")
        if tag == "synonym" and words and words[0] in SYNONYM_SCOPES:
            scope = words.pop(0)
        elif tag == "synonym" and words:
            raise FormatError(
                path, lineno, f"unknown synonym scope {words[0]!r}", " or ".join(SYNONYM_SCOPES)
            )
        synonym_type = words[0] if words else ""
        term.synonyms.append((text, scope, synonym_type))
    elif tag == "alt_id":
        term.alt_ids.append(value)
    elif tag == "xref":
        xref = value.split()[0] if value.split() else ""
        if xref:
            term.xrefs.append(xref)
    elif tag == "is_obsolete":
        term.is_obsolete = value.lower() == "true"
    elif tag == "replaced_by":
        replacement = value.split()[0] if value.split() else ""
        if replacement:
            term.replaced_by.append(replacement)


def _finish(path: Path, term: OboTerm, default_namespace: str) -> OboTerm:
    if not term.id:
        raise FormatError(path, term.lineno, "[Term] stanza without an id", "an 'id:' line")
    if not term.namespace:
        term.namespace = default_namespace
    return term


def load_obo(
    path: str | Path,
    *,
    synonym_scopes: Collection[str] | None = None,
    include_obsolete: bool = False,
    exclude_synonym_types: Collection[str] = DEFAULT_EXCLUDED_SYNONYM_TYPES,
    name: str | None = None,
) -> Terminology:
    """Load the terms of an OBO file as a terminology.

    ``synonym_scopes`` keeps only synonyms of those scopes (``EXACT``,
    ``RELATED``, ``NARROW``, ``BROAD``; default all): BROAD and NARROW
    synonyms name a wider or narrower idea, which some uses must not treat as
    the term itself. Obsolete terms are left out unless ``include_obsolete``; the id of one
    that names a single ``replaced_by`` term becomes an alternative id of that term, so that
    gold annotated with the old id (HPO's ``HP:0000003``) credits its replacement. A term's
    namespace becomes its type.
    """
    path = Path(path)
    scopes = set(SYNONYM_SCOPES if synonym_scopes is None else (s.upper() for s in synonym_scopes))
    unknown = scopes - set(SYNONYM_SCOPES)
    if unknown:
        raise XlinkError(
            f"unknown synonym scope(s) {sorted(unknown)}; use {', '.join(SYNONYM_SCOPES)}"
        )
    excluded_types = set(exclude_synonym_types)
    cleaner = NameCleaner()

    n_obsolete = 0
    terms = list(iter_obo_terms(path))
    replaced: dict[str, list[str]] = {}  # a kept term → the obsolete ids it replaces
    if not include_obsolete:
        for term in terms:
            if term.is_obsolete and len(term.replaced_by) == 1:
                replaced.setdefault(term.replaced_by[0], []).append(term.id)

    def concepts() -> Iterator[Concept]:
        nonlocal n_obsolete
        for term in terms:
            if term.is_obsolete and not include_obsolete:
                n_obsolete += 1
                continue
            synonyms = [
                text
                for text, scope, synonym_type in term.synonyms
                if scope in scopes and synonym_type not in excluded_types
            ]
            names = cleaner.clean((term.name, *synonyms))
            if not names:
                continue
            yield Concept(
                concept_id=term.id,
                canonical_name=names[0],
                aliases=names[1:],
                types=(term.namespace,) if term.namespace else (),
                definition=term.definition or None,
                source=terminology_name(path),
                alt_ids=tuple(i for i in dict.fromkeys((*term.alt_ids, *replaced.get(term.id, ()))) if i != term.id),
                xrefs=tuple(dict.fromkeys(term.xrefs)),
            )

    records = list(concepts())
    if not records and n_obsolete and not include_obsolete:
        raise EmptyTerminologyError(
            f"{path}: all {n_obsolete} named terms are obsolete; load them with include_obsolete=True "
            "(--include-obsolete for 'xlink terminology build')"
        )
    return Terminology.from_concepts(
        records, name=name or terminology_name(path), n_skipped_empty_names=cleaner.n_skipped
    ).require_nonempty(path)
