"""One entry point for every terminology format, with format detection.

The CLI and the spaCy components take a path and an optional format name;
this module maps the name to its loader, or guesses it from the file name
and first lines, so that callers need not know the loader modules.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path

from xlink.errors import XlinkError, missing_file
from xlink.files import numbered_lines, require_file
from xlink.terminology.biosyn import load_biosyn
from xlink.terminology.ctd import load_ctd
from xlink.terminology.do import load_do
from xlink.terminology.icd10cm import load_icd10cm
from xlink.terminology.model import Terminology
from xlink.terminology.obo import load_obo
from xlink.terminology.umls import load_umls

FORMATS = ("ctd", "biosyn", "obo", "icd10cm", "do", "umls", "jsonl")
#: What a terminology path must name, for the error when it names a directory.
_TERMINOLOGY_FILE = f"a terminology file ({', '.join(FORMATS)})"
# CUI|LAT|TS|LUI|STT|SUI|ISPREF|... as in "C0011849|ENG|P|L0011849|PF|S0011849|Y|..."
_MRCONSO_ROW = re.compile(r"^C\d{7}\|[A-Z]{3}\|[PS]\|L\d+\|[A-Z]+\|S\d+\|[YN]\|")


def _load_jsonl(path: str | Path, *, name: str | None = None) -> Terminology:
    """Load a terminology saved by :meth:`Terminology.to_jsonl`, scispaCy or xMEN."""
    return Terminology.from_jsonl(path, name=name).require_nonempty(path)


LOADERS: dict[str, Callable[..., Terminology]] = {
    "ctd": load_ctd,
    "biosyn": load_biosyn,
    "obo": load_obo,
    "icd10cm": load_icd10cm,
    "do": load_do,
    "umls": load_umls,
    "jsonl": _load_jsonl,
}


def _check_format(format: str) -> str:
    fmt = format.strip().lower()
    if fmt not in LOADERS:
        raise XlinkError(f"unknown terminology format {format!r}; use one of: {', '.join(FORMATS)}")
    return fmt


def _head(path: Path, n: int = 40) -> list[str]:
    lines: list[str] = []
    for _, line in numbered_lines(path, "a terminology file"):
        lines.append(line)
        if len(lines) >= n:
            break
    return lines


def detect_format(path: str | Path) -> str:
    """Guess the format of a terminology file from its name, then its first lines.

    Raises :class:`XlinkError` when neither tells, asking for an explicit format.
    """
    path = Path(path)
    require_file(path, _TERMINOLOGY_FILE)
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[: -len(".gz")]
    if name.endswith(".jsonl"):
        return "jsonl"
    if name.endswith(".obo"):
        return "obo"
    if name.endswith(".xml"):
        return "icd10cm"
    if name == "mrconso.rrf":
        return "umls"
    if name.startswith("humando") and name.endswith(".tsv"):
        return "do"
    head = _head(path)
    content = [line for line in head if line.strip()]
    if any(
        line.startswith("#") and ("ctdbase.org" in line or "DiseaseName\t" in line) for line in head
    ):
        return "ctd"
    data = [line for line in content if not line.startswith("#")]
    if data:
        first = data[0]
        if first.startswith("{"):
            return "jsonl"
        if first.startswith("format-version:") or first.strip() == "[Term]":
            return "obo"
        if first.startswith("<?xml") and any("ICD10CM" in line for line in data[:3]):
            return "icd10cm"
        if first.replace('"', "").split("\t")[:2] == ["id", "label"]:
            return "do"
        if _MRCONSO_ROW.match(first):
            return "umls"
        if all("||" in line for line in data[:10]):
            return "biosyn"
        if all(len(line.split("\t")) in (8, 9) for line in data[:10]):
            return "ctd"
    raise XlinkError(
        f"{path}: cannot tell the terminology format; pass one of: {', '.join(FORMATS)}"
    )


def load_terminology(path: str | Path, format: str | None = None, **options: object) -> Terminology:
    """Load a terminology file in ``format`` (detected when None).

    ``options`` are passed to the format's loader (``include_obsolete`` for
    obo, ``languages`` for umls, ...); an option the loader does not take is
    an :class:`XlinkError` that lists the ones it does. A directory is a
    :class:`~xlink.errors.DirectoryGivenError` (an
    :class:`XlinkError` and an :class:`IsADirectoryError`) that asks for a file.
    """
    path = Path(path)
    if not path.exists():
        raise missing_file(path)
    require_file(path, _TERMINOLOGY_FILE)
    fmt = _check_format(format) if format is not None else detect_format(path)
    loader = LOADERS[fmt]
    accepted = [
        p.name for p in inspect.signature(loader).parameters.values() if p.kind is p.KEYWORD_ONLY
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise XlinkError(
            f"format {fmt!r} takes no option {', '.join(unknown)}; "
            f"it takes: {', '.join(accepted) or 'none'}"
        )
    return loader(path, **options)
