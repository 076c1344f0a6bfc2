"""CTD MEDIC, the disease vocabulary of the Comparative Toxicogenomics Database.

MEDIC merges MeSH diseases with OMIM; it is the terminology of the NCBI
Disease and BC5CDR corpora. CTD publishes it as ``CTD_diseases.tsv(.gz)``:
``#`` header lines, then one disease per line with the tab-separated fields
of :data:`CTD_FIELDS`. See http://ctdbase.org/downloads/ and CTD's terms of
use (cite CTD and link back) at http://ctdbase.org/about/legal.jsp.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xlink.errors import FormatError
from xlink.files import numbered_lines
from xlink.terminology._reading import NameCleaner, split_field, terminology_name
from xlink.terminology.model import Concept, Terminology

SOURCE = "CTD_MEDIC"
CTD_FIELDS = (
    "DiseaseName",
    "DiseaseID",
    "AltDiseaseIDs",
    "Definition",
    "ParentIDs",
    "TreeNumbers",
    "ParentTreeNumbers",
    "Synonyms",
    "SlimMappings",
)
_EXPECTED = "CTD MEDIC TSV: " + ", ".join(CTD_FIELDS) + " separated by tabs"
# Older CTD releases end before SlimMappings.
_MIN_FIELDS = CTD_FIELDS.index("Synonyms") + 1


@dataclass(frozen=True)
class CtdDisease:
    """One line of a CTD diseases file, fields split but otherwise as written."""

    lineno: int
    name: str
    disease_id: str
    alt_ids: tuple[str, ...]
    definition: str
    parent_ids: tuple[str, ...]
    tree_numbers: tuple[str, ...]
    synonyms: tuple[str, ...]
    slim_mappings: tuple[str, ...]


@dataclass(frozen=True)
class _Row:
    fields: list[str]
    columns: dict[str, int]

    def get(self, column: str) -> str:
        i = self.columns.get(column)
        return self.fields[i].strip() if i is not None and i < len(self.fields) else ""


def _strip_mesh(identifier: str) -> str:
    return identifier.removeprefix("MESH:")


#: the columns that hold only prefixed ids ("MESH:D001943|OMIM:114480")
_ID_COLUMNS = ("DiseaseID", "AltDiseaseIDs", "ParentIDs")
_PREFIXED_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*:\S+")


def _check_id_columns(row: _Row, path: Path, lineno: int, short: bool) -> None:
    """Refuse a row whose id columns hold something else than prefixed ids.

    A row with a column left out (not just trailing empty ones) would otherwise be read
    shifted: its definition as AltDiseaseIDs, its SlimMappings as synonyms, and a
    concept would gain names such as "Cancer" that link every cancer mention to it.
    """
    for column in _ID_COLUMNS:
        value = row.get(column)
        bad = next((part for part in split_field(value) if not _PREFIXED_ID.fullmatch(part.strip())), None)
        if bad is not None:
            why = "; the row has fewer fields than the header, so a column is probably missing" if short else ""
            raise FormatError(
                path, lineno, f"{column} is {bad[:40]!r}, not a prefixed id such as MESH:D001943{why}", _EXPECTED
            )


def iter_ctd_diseases(path: str | Path) -> Iterator[CtdDisease]:
    """Yield the diseases of a CTD diseases file, with line numbers.

    The ``# DiseaseName ...`` header line, when present, decides the column
    order, so that a release that reorders columns is still read correctly.
    """
    path = Path(path)
    columns = {field: i for i, field in enumerate(CTD_FIELDS)}
    n_fields = len(CTD_FIELDS)
    for lineno, line in numbered_lines(path, _EXPECTED):
        if line.startswith("#"):
            header = line.lstrip("#").strip().split("\t")
            if header[:2] == list(CTD_FIELDS[:2]):
                unknown = set(CTD_FIELDS[:_MIN_FIELDS]) - set(header)
                if unknown:
                    raise FormatError(path, lineno, f"header lacks {sorted(unknown)}", _EXPECTED)
                columns = {field: i for i, field in enumerate(header)}
                n_fields = len(header)
            continue
        if not line.strip():
            continue
        fields = line.split("\t")
        if not _MIN_FIELDS <= len(fields) <= n_fields:
            raise FormatError(
                path, lineno, f"{len(fields)} tab-separated fields", f"{n_fields} ({_EXPECTED})"
            )
        row = _Row(fields, columns)
        disease_id = row.get("DiseaseID")
        if not disease_id:
            raise FormatError(path, lineno, "empty DiseaseID", _EXPECTED)
        _check_id_columns(row, path, lineno, len(fields) < n_fields)
        yield CtdDisease(
            lineno=lineno,
            name=row.get("DiseaseName"),
            disease_id=disease_id,
            alt_ids=tuple(split_field(row.get("AltDiseaseIDs"))),
            definition=row.get("Definition"),
            parent_ids=tuple(split_field(row.get("ParentIDs"))),
            tree_numbers=tuple(split_field(row.get("TreeNumbers"))),
            synonyms=tuple(split_field(row.get("Synonyms"))),
            slim_mappings=tuple(split_field(row.get("SlimMappings"))),
        )


def ctd_concept(
    disease: CtdDisease, cleaner: NameCleaner, strip_mesh_prefix: bool = True
) -> Concept | None:
    """The concept of one CTD disease; ``None`` when it has no usable name."""
    names = cleaner.clean((disease.name, *disease.synonyms))
    if not names:
        return None
    fix = _strip_mesh if strip_mesh_prefix else str
    concept_id = fix(disease.disease_id)
    alt_ids = tuple(dict.fromkeys(fix(i.strip()) for i in disease.alt_ids if i.strip()))
    return Concept(
        concept_id=concept_id,
        canonical_name=names[0],
        aliases=names[1:],
        types=disease.slim_mappings,
        definition=disease.definition or None,
        source=SOURCE,
        alt_ids=tuple(i for i in alt_ids if i != concept_id),
    )


def load_ctd(
    path: str | Path,
    *,
    strip_mesh_prefix: bool = True,
    name: str | None = None,
) -> Terminology:
    """Load CTD MEDIC (``CTD_diseases.tsv`` or ``.tsv.gz``) as a terminology.

    Synonyms become aliases, AltDiseaseIDs (OMIM, DO, other MeSH ids of the
    merged disease) become ``alt_ids`` and SlimMappings ("Metabolic
    disease") become ``types``.

    ``strip_mesh_prefix`` turns CTD's ``MESH:D003924`` into ``D003924``, the
    form of the gold ids of NCBI Disease and BC5CDR; other prefixes
    (``OMIM:``, ``DO:``) are kept.
    """
    path = Path(path)
    cleaner = NameCleaner()

    def concepts() -> Iterator[Concept]:
        for disease in iter_ctd_diseases(path):
            concept = ctd_concept(disease, cleaner, strip_mesh_prefix)
            if concept is not None:
                yield concept

    records = list(concepts())
    return Terminology.from_concepts(
        records,
        name=name or terminology_name(path),
        n_skipped_empty_names=cleaner.n_skipped,
    ).require_nonempty(path)
