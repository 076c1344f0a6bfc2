"""BioSyn dictionaries: ``ids||name`` lines, as released with BioSyn and SapBERT.

BioSyn (Sung et al., ACL 2020) evaluates NCBI Disease and BC5CDR against
dictionaries of one ``ids||name`` line per name, where ``ids`` may join a
MeSH and an OMIM id (``C567755|613097||tooth agenesis selective 6``). Its
copy of MEDIC (``medic_06Jul2012.txt``) puts all names of a concept on one
line: ``MeSH|OMIM||name|synonym|synonym``. Loading these files lets xlink be
compared with published results under the same protocol.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from xlink.errors import FormatError
from xlink.files import numbered_lines
from xlink.terminology._reading import NameCleaner, terminology_name
from xlink.terminology.model import Concept, Terminology

SOURCE = "BioSyn"
_EXPECTED = "'ids||name' or 'ids||name|synonym|...', ids joined by '|'"


def load_biosyn(path: str | Path, *, name: str | None = None) -> Terminology:
    """Load a BioSyn dictionary as a terminology.

    The first id of a line is the concept id; the other ids (the OMIM half
    of ``MeSH|OMIM``, further ids of a merged MEDIC entry) are ``alt_ids``.
    A line whose ids are not its first id's own ids (those of the first id's
    plainest line, see :func:`_own_ids`), such as
    ``D010051|D001943||breast cancer ovarian cancer`` (a composite training
    mention in BioSyn's test dictionaries) beside ``D010051||ovarian cancer``,
    is an entry of its own, ``D010051+D001943``, credited for any of its ids
    as BioSyn's ``check_label`` credits it: merged into ``D010051``, it would
    make every ``D010051`` name count for ``D001943`` too. The own ids do not
    depend on the order of the lines: the composite line may come first.
    Names after ``||`` are joined by ``|``; the first is the canonical name.
    Lines sharing a first id are merged into one concept: in BioSyn's
    dictionaries that is the rule, not a mistake, so it is logged once.
    Ids are kept as written (BioSyn writes OMIM ids without ``OMIM:``).
    HTML entities in names (``Wilson&apos;s Disease`` in BioSyn's MEDIC) are
    decoded.
    """
    path = Path(path)
    cleaner = NameCleaner()
    lines = list(_read_lines(path, cleaner))
    own = _own_ids(lines)
    records = [_concept(ids, names, own[ids[0]]) for _, ids, names in lines]
    return Terminology.from_concepts(
        records,
        name=name or terminology_name(path),
        n_skipped_empty_names=cleaner.n_skipped,
        duplicates_expected=True,
    ).require_nonempty(path)


def _read_lines(path: Path, cleaner: NameCleaner) -> Iterator[tuple[int, tuple[str, ...], tuple[str, ...]]]:
    """Each line with names as (line number, ids, cleaned names); a malformed line is a :class:`FormatError`."""
    for lineno, line in numbered_lines(path, _EXPECTED):
        if not line.strip():
            continue
        ids_field, sep, names_field = line.partition("||")
        if not sep:
            raise FormatError(path, lineno, "no '||' between ids and names", _EXPECTED)
        ids = tuple(i.strip() for i in ids_field.split("|"))
        if not all(ids):
            raise FormatError(path, lineno, f"empty id in {ids_field!r}", _EXPECTED)
        query_context = names_field.count("||") >= 2 and "START" in names_field and "END" in names_field
        if query_context or any(len(i.split()) > 1 for i in ids):
            raise FormatError(
                path, lineno, f"{ids_field[:60]!r} is not an id field: this looks like a BioSyn query line "
                "(mention||ids||...); give a query file as the corpus (--corpus), not as the terminology",
                _EXPECTED,
            )
        names = cleaner.clean(html.unescape(n) if "&" in n else n for n in names_field.split("|"))
        if names:
            yield lineno, ids, names


def _own_ids(lines: list[tuple[int, tuple[str, ...], tuple[str, ...]]]) -> dict[str, frozenset[str]]:
    """Each first id's own ids: those of its plainest line, whatever the order of the lines.

    The plainest line has the fewest ids (``D010051||...`` before the composite
    ``D010051|D001943||...``); among lines with as few, the id set written on the most
    lines wins, then the first in sorted order. The result is what reading the file with
    its plainest lines first would give, so reordering a dictionary changes nothing.
    """
    counts: dict[str, Counter[frozenset[str]]] = defaultdict(Counter)
    for _, ids, _ in lines:
        counts[ids[0]][frozenset(ids)] += 1
    return {
        first: min(sets, key=lambda ids: (len(ids), -sets[ids], sorted(ids))) for first, sets in counts.items()
    }


def _concept(ids: tuple[str, ...], names: tuple[str, ...], own: frozenset[str]) -> Concept:
    """The concept of one line: its first id's, or an entry of its own when it names other ids."""
    if not set(ids) <= own:
        unique = tuple(dict.fromkeys(ids))
        return Concept(
            concept_id="+".join(unique), canonical_name=names[0], aliases=tuple(names[1:]), source=SOURCE,
            alt_ids=unique,
        )
    return Concept(
        concept_id=ids[0],
        canonical_name=names[0],
        aliases=tuple(names[1:]),
        source=SOURCE,
        alt_ids=tuple(i for i in dict.fromkeys(ids[1:]) if i != ids[0]),
    )
