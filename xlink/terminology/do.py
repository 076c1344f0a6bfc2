"""The Human Disease Ontology (DO) from its TSV reports.

The DO project publishes tab-separated reports beside its OWL and OBO files:
``HumanDO.tsv`` (``id label subClassOf``, one line per parent, values in
double quotes) and ``allXREFinDO.tsv`` (``id label xref``, one line per
cross-reference). The reports hold one label per term and no synonyms; the
cross-references to MeSH, OMIM, ICD-10-CM and UMLS tie DO to the other
terminologies. See https://disease-ontology.org/ (CC0).
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from pathlib import Path

from xlink.errors import FormatError
from xlink.files import numbered_lines
from xlink.terminology._reading import NameCleaner, terminology_name
from xlink.terminology.model import Concept, Terminology

SOURCE = "DO"
XREF_FILE = "allXREFinDO.tsv"
#: The cross-reference prefixes kept by default (``MIM`` is DO's name for OMIM).
DEFAULT_XREF_PREFIXES = ("MESH", "MIM", "ICD10CM", "UMLS_CUI")
_EXPECTED = 'a DO TSV report: a header "id<TAB>label<TAB>...", then quoted values'


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, {column: value})`` for the data lines of a DO report."""
    header: list[str] | None = None
    for lineno, line in numbered_lines(path, _EXPECTED):
        if not line.strip():
            continue
        fields = [v.strip() for v in next(csv.reader([line], delimiter="\t", quotechar='"'))]
        if header is None:
            missing = [c for c in columns if c not in fields]
            if missing:
                raise FormatError(path, lineno, f"header lacks column(s) {missing}", _EXPECTED)
            header = fields
            continue
        if len(fields) != len(header):
            raise FormatError(
                path, lineno, f"{len(fields)} tab-separated fields", f"{len(header)} ({_EXPECTED})"
            )
        row = dict(zip(header, fields, strict=True))
        if not row["id"]:
            raise FormatError(path, lineno, "empty id", _EXPECTED)
        yield lineno, row


def read_do_xrefs(
    path: str | Path, prefixes: Collection[str] | None = DEFAULT_XREF_PREFIXES
) -> dict[str, list[str]]:
    """DO id → its cross-references with one of ``prefixes`` (all when None), in file order."""
    path = Path(path)
    keep = None if prefixes is None else set(prefixes)
    xrefs: dict[str, dict[str, None]] = {}
    for _, row in _rows(path, ("id", "xref")):
        xref = row["xref"]
        if xref and (keep is None or xref.partition(":")[0] in keep):
            xrefs.setdefault(row["id"], {})[xref] = None
    return {k: list(v) for k, v in xrefs.items()}


def load_do(
    path: str | Path,
    *,
    xref_path: str | Path | None = None,
    xref_prefixes: Collection[str] | None = DEFAULT_XREF_PREFIXES,
    name: str | None = None,
) -> Terminology:
    """Load ``HumanDO.tsv`` as a terminology of DO terms and their labels.

    A term listed once per parent becomes one concept. Cross-references come
    from ``xref_path``, or from ``allXREFinDO.tsv`` beside ``path`` when
    there is one; only those with a prefix in ``xref_prefixes`` are kept
    (all when None). They are ``xrefs``, not ``alt_ids``: a MeSH heading
    mapped to a DO term is a related entry, not another id of the term.
    """
    path = Path(path)
    if xref_path is None and (path.parent / XREF_FILE).is_file() and path.name != XREF_FILE:
        xref_path = path.parent / XREF_FILE
    xrefs = read_do_xrefs(xref_path, xref_prefixes) if xref_path is not None else {}
    cleaner = NameCleaner()

    def concepts() -> Iterator[Concept]:
        for _, row in _rows(path, ("id", "label")):
            names = cleaner.clean((row["label"],))
            if not names:
                continue
            yield Concept(
                concept_id=row["id"],
                canonical_name=names[0],
                source=SOURCE,
                xrefs=tuple(xrefs.get(row["id"], ())),
            )

    records = list(concepts())
    return Terminology.from_concepts(
        records,
        name=name or terminology_name(path),
        n_skipped_empty_names=cleaner.n_skipped,
        duplicates_expected=True,
    ).require_nonempty(path)
