"""The UMLS Metathesaurus from its Rich Release Format files.

``MRCONSO.RRF`` holds one row per atom (a name of a concept in one source
vocabulary); ``MRSTY.RRF`` holds the semantic types of each concept (CUI).
Both are ``|``-separated with a trailing ``|``. The UMLS is licensed by the
NLM: users bring their own copy, and xlink never downloads or ships it.
Column reference: https://www.ncbi.nlm.nih.gov/books/NBK9685/
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from xlink.errors import FormatError, XlinkError
from xlink.files import numbered_lines
from xlink.terminology._reading import NameCleaner, terminology_name
from xlink.terminology.model import Concept, Terminology

SOURCE = "UMLS"
MRCONSO_COLUMNS = (
    "CUI", "LAT", "TS", "LUI", "STT", "SUI", "ISPREF", "AUI", "SAUI", "SCUI",
    "SDUI", "SAB", "TTY", "CODE", "STR", "SRL", "SUPPRESS", "CVF",
)  # fmt: skip
MRSTY_COLUMNS = ("CUI", "TUI", "STN", "STY", "ATUI", "CVF")
#: SUPPRESS values of atoms left out by default: obsolete (O), suppressed by
#: the editors (E) or by the source (Y).
SUPPRESSED = frozenset({"O", "E", "Y"})
MRSTY_FILE = "MRSTY.RRF"

_C = {name: i for i, name in enumerate(MRCONSO_COLUMNS)}
_S = {name: i for i, name in enumerate(MRSTY_COLUMNS)}


def _fields(path: Path, lineno: int, line: str, columns: tuple[str, ...]) -> list[str]:
    """The row's fields. RRF ends every field with ``|``; a row without the last ``|`` is read too
    when its last field is not empty. A row one ``|`` short that ends in ``|`` is refused: it
    lacks a column, and reading it would shift every field after the gap (a name read as "0")."""
    fields = line.split("|")
    standard = line.endswith("|") and len(fields) == len(columns) + 1
    stripped = not line.endswith("|") and len(fields) == len(columns)
    if not (standard or stripped):
        found = len(fields) - (fields[-1] == "")
        raise FormatError(
            path,
            lineno,
            f"{found} '|'-separated fields",
            f"{len(columns)}, each ended by '|' ({'|'.join(columns)}|)",
        )
    return fields[:-1] if standard else fields


@dataclass
class _Atoms:
    """The names of one CUI seen so far, and its preferred name if seen."""

    names: list[str] = field(default_factory=list)
    preferred: str | None = None


def read_semantic_types(
    path: str | Path, include_names: bool = False
) -> dict[str, tuple[str, ...]]:
    """CUI → its semantic type ids (``T047``), and names (``Disease or Syndrome``) if asked."""
    path = Path(path)
    types: dict[str, dict[str, None]] = {}
    for lineno, line in numbered_lines(path, "MRSTY.RRF rows"):
        if not line.strip():
            continue
        fields = _fields(path, lineno, line, MRSTY_COLUMNS)
        cui, tui = fields[_S["CUI"]], fields[_S["TUI"]]
        if not cui or not tui:
            raise FormatError(path, lineno, "empty CUI or TUI", "|".join(MRSTY_COLUMNS))
        entry = types.setdefault(cui, {})
        entry[tui] = None
        if include_names and fields[_S["STY"]]:
            entry[fields[_S["STY"]]] = None
    return {cui: tuple(v) for cui, v in types.items()}


def load_umls(
    path: str | Path,
    *,
    mrsty: str | Path | None = None,
    languages: Collection[str] | None = ("ENG",),
    sources: Collection[str] | None = None,
    include_suppressed: bool = False,
    include_type_names: bool = False,
    name: str | None = None,
) -> Terminology:
    """Load ``MRCONSO.RRF`` as a terminology of CUIs.

    Only atoms in ``languages`` (LAT; all when None) and from ``sources``
    (SAB, e.g. ``("MSH", "OMIM")``; all when None) are read; suppressible
    atoms (SUPPRESS O, E or Y) are left out unless ``include_suppressed``.
    A concept's canonical name is its first atom with ISPREF=Y, TS=P and
    STT=PF (the UMLS preferred name), else its first atom. Semantic types
    come from ``mrsty``, or from ``MRSTY.RRF`` beside ``path`` when present:
    type ids (``T047``), plus type names when ``include_type_names``.
    """
    path = Path(path)
    if mrsty is None and (path.parent / MRSTY_FILE).is_file():
        mrsty = path.parent / MRSTY_FILE
    types = read_semantic_types(mrsty, include_type_names) if mrsty is not None else {}
    langs = None if languages is None else {lang.upper() for lang in languages}  # UMLS writes them upper case
    sabs = None if sources is None else {sab.upper() for sab in sources}
    seen_langs: set[str] = set()
    seen_sabs: set[str] = set()
    kept_rows = 0
    cleaner = NameCleaner()
    atoms: dict[str, _Atoms] = {}
    for lineno, line in numbered_lines(path, "MRCONSO.RRF rows"):
        if not line.strip():
            continue
        fields = _fields(path, lineno, line, MRCONSO_COLUMNS)
        cui = fields[_C["CUI"]]
        if not cui:
            raise FormatError(path, lineno, "empty CUI", "|".join(MRCONSO_COLUMNS))
        seen_langs.add(fields[_C["LAT"]])
        if langs is not None and fields[_C["LAT"]] not in langs:
            continue
        seen_sabs.add(fields[_C["SAB"]])
        if sabs is not None and fields[_C["SAB"]] not in sabs:
            continue
        kept_rows += 1
        if not include_suppressed and fields[_C["SUPPRESS"]] in SUPPRESSED:
            continue
        names = cleaner.clean((fields[_C["STR"]],))
        if not names:
            continue
        entry = atoms.setdefault(cui, _Atoms())
        entry.names.append(names[0])
        if (
            entry.preferred is None
            and fields[_C["ISPREF"]] == "Y"
            and fields[_C["TS"]] == "P"
            and fields[_C["STT"]] == "PF"
        ):
            entry.preferred = names[0]

    def concept(cui: str, entry: _Atoms) -> Concept:
        canonical = entry.preferred or entry.names[0]
        aliases = tuple(n for n in dict.fromkeys(entry.names) if n != canonical)
        return Concept(
            concept_id=cui,
            canonical_name=canonical,
            aliases=aliases,
            types=types.get(cui, ()),
            source=SOURCE,
        )

    if not kept_rows and seen_langs:  # every row was there, and the filters left none
        if langs is not None and not langs & seen_langs:
            raise XlinkError(
                f"{path}: no row has a language in {sorted(langs)}; the file's languages (LAT): "
                f"{', '.join(sorted(seen_langs)[:20])}"
            )
        raise XlinkError(
            f"{path}: no row of the languages {sorted(langs or seen_langs)} has a source in {sorted(sabs or [])}; "
            f"the sources (SAB) of those rows: {', '.join(sorted(seen_sabs)[:20])}"
        )
    return Terminology.from_concepts(
        [concept(cui, entry) for cui, entry in atoms.items()],
        name=name or terminology_name(path),
        n_skipped_empty_names=cleaner.n_skipped,
    ).require_nonempty(path)
