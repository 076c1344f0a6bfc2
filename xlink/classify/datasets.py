"""Read texts (and optional labels) from CSV, TSV, JSONL or JSON files by column name.

``xlink evaluate-zeroshot`` and ``xlink calibrate`` are called by scripts on data sets xlink
has never seen, so nothing here knows a particular data set: the caller names the text and
label columns. A column may also be given as a 0-based index for header-less files
(``--text-column 2``); the first row is then data, not a header.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xlink.errors import FormatError


@dataclass
class LabelledTexts:
    """Texts with their gold labels (``labels`` is None when no label column was asked for)."""

    texts: list[str]
    labels: list[str] | None


def _is_index(column: str) -> bool:
    return column.isdigit()


def read_texts(path: str | Path, text_column: str, label_column: str | None = None) -> LabelledTexts:
    """Read one text (and label) per row; rows with an empty label are an error."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return _read_json(path, text_column, label_column)
    if suffix in (".csv", ".tsv", ".txt"):
        return _read_delimited(path, text_column, label_column, "\t" if suffix in (".tsv", ".txt") else ",")
    raise FormatError(path, None, "unknown file type", ".csv, .tsv, .jsonl or .json")


DELIMITERS = (",", "\t", ";", "|")


def header_delimiter(first_line: str, default: str, explains: Callable[[list[str]], bool]) -> str:
    """``default``, unless only one other of :data:`DELIMITERS` splits the header into names that ``explains`` accepts.

    A ``.csv`` written with semicolons (common where the decimal mark is a comma) or tabs
    would otherwise fail on its header; the switch happens only when ``default`` does not
    explain the header and exactly one other delimiter does, so no file that reads today
    reads differently. ``explains`` gets the header's stripped names.
    """

    def names(delimiter: str) -> list[str]:
        return [h.strip() for h in next(csv.reader([first_line], delimiter=delimiter), [])]

    if explains(names(default)):
        return default
    found = [d for d in DELIMITERS if d != default and explains(names(d))]
    return found[0] if len(found) == 1 else default


def _header_delimiter(path: Path, wanted: list[str], default: str) -> str:
    """:func:`header_delimiter` for a header that must name the ``wanted`` columns."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
    return header_delimiter(first, default, lambda names: all(column in names for column in wanted))


def _read_delimited(path: Path, text_column: str, label_column: str | None, delimiter: str) -> LabelledTexts:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    texts: list[str] = []
    labels: list[str] = []
    indexed = _is_index(text_column) and (label_column is None or _is_index(label_column))
    if not indexed:
        delimiter = _header_delimiter(path, [c for c in (text_column, label_column) if c is not None], delimiter)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        if indexed:
            t_idx, l_idx = int(text_column), int(label_column) if label_column is not None else None
        else:
            header = next(reader, None)
            if header is None:
                raise FormatError(path, 1, "empty file", "a header row naming the columns")
            names = [h.strip() for h in header]
            for column in (text_column, label_column):
                if column is not None and column not in names:
                    raise FormatError(path, 1, f"no column {column!r} in header {names}", f"a column named {column!r}")
            t_idx = names.index(text_column)
            l_idx = names.index(label_column) if label_column is not None else None
        for row in reader:
            number = reader.line_num  # the physical line where the record ends (quoted newlines count)
            if not row or all(not cell.strip() for cell in row):
                continue
            width = max(t_idx, l_idx or 0) + 1
            if len(row) < width:
                raise FormatError(path, number, f"{len(row)} fields", f"at least {width} fields")
            texts.append(row[t_idx])
            if l_idx is not None:
                label = row[l_idx].strip()
                if not label:
                    raise FormatError(path, number, "empty label", "a non-empty label")
                labels.append(label)
    return LabelledTexts(texts, labels if label_column is not None else None)


def _read_json(path: Path, text_column: str, label_column: str | None) -> LabelledTexts:
    text = path.read_text(encoding="utf-8")
    rows: list[tuple[int, object]]
    if text.lstrip().startswith("["):
        rows = list(enumerate(json.loads(text), start=1))
    else:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except json.JSONDecodeError as err:
                    raise FormatError(path, number, f"invalid JSON ({err.msg})", "one JSON object per line") from err
    texts: list[str] = []
    labels: list[str] = []
    for number, row in rows:
        if not isinstance(row, dict) or text_column not in row:
            raise FormatError(path, number, f"no field {text_column!r}", f"an object with {text_column!r}")
        texts.append(str(row[text_column]))
        if label_column is not None:
            value = row.get(label_column)
            if value is None or not str(value).strip():
                raise FormatError(path, number, f"no or empty field {label_column!r}", "a non-empty label")
            labels.append(str(value).strip())
    return LabelledTexts(texts, labels if label_column is not None else None)


def read_label_map(value: str | None) -> dict[str, str]:
    """A ``--label-map``: a JSON object ``{label: description}``, inline or in a file."""
    if not value:
        return {}
    candidate = Path(value)
    raw = candidate.read_text(encoding="utf-8") if not value.lstrip().startswith("{") and candidate.exists() else value
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError as err:
        raise FormatError(value if raw is not value else "--label-map", err.lineno, f"invalid JSON ({err.msg})", "a JSON object {label: description}") from err
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise FormatError("--label-map", None, "not an object of strings", "a JSON object {label: description}")
    return {str(k): v for k, v in mapping.items()}
