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
    A line whose ids are not those of its first id's first line, nor a part
    of them (``D010051|D001943||breast cancer ovarian cancer``, a composite
    training mention in BioSyn's test dictionaries, after ``D010051||ovarian
    cancer``) is an entry of its own, ``D010051+D001943``, credited for any of
    its ids as BioSyn's ``check_label`` credits it: merged into ``D010051``, it
    would make every ``D010051`` name count for ``D001943`` too.
    Names after ``||`` are joined by ``|``; the first is the canonical name.
    Lines sharing a first id are merged into one concept: in BioSyn's
    dictionaries that is the rule, not a mistake, so it is logged once.
    Ids are kept as written (BioSyn writes OMIM ids without ``OMIM:``).
    HTML entities in names (``Wilson&apos;s Disease`` in BioSyn's MEDIC) are
    decoded.
    """
    path = Path(path)
    cleaner = NameCleaner()

    first_ids: dict[str, frozenset[str]] = {}  # a first id -> the ids of its first line

    def concepts() -> Iterator[Concept]:
        for lineno, line in numbered_lines(path, _EXPECTED):
            if not line.strip():
                continue
            ids_field, sep, names_field = line.partition("||")
            if not sep:
                raise FormatError(path, lineno, "no '||' between ids and names", _EXPECTED)
            ids = [i.strip() for i in ids_field.split("|")]
            if not all(ids):
                raise FormatError(path, lineno, f"empty id in {ids_field!r}", _EXPECTED)
            query_context = names_field.count("||") >= 2 and "START" in names_field and "END" in names_field
            if query_context or any(len(i.split()) > 1 for i in ids):
                raise FormatError(
                    path, lineno, f"{ids_field[:60]!r} is not an id field: this looks like a BioSyn query line "
                    "(mention||ids||...); give a query file as the corpus (--corpus), not as the terminology",
                    _EXPECTED,
                )
            names = cleaner.clean(
                html.unescape(n) if "&" in n else n for n in names_field.split("|")
            )
            if not names:
                continue
            main = first_ids.setdefault(ids[0], frozenset(ids))
            if not set(ids) <= main:
                unique = tuple(dict.fromkeys(ids))
                yield Concept(
                    concept_id="+".join(unique), canonical_name=names[0], aliases=names[1:], source=SOURCE, alt_ids=unique
                )
                continue
            yield Concept(
                concept_id=ids[0],
                canonical_name=names[0],
                aliases=names[1:],
                source=SOURCE,
                alt_ids=tuple(i for i in dict.fromkeys(ids[1:]) if i != ids[0]),
            )

    records = list(concepts())
    return Terminology.from_concepts(
        records,
        name=name or terminology_name(path),
        n_skipped_empty_names=cleaner.n_skipped,
        duplicates_expected=True,
    ).require_nonempty(path)
