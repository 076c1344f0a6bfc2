"""Read texts (and optional labels) from CSV, TSV, JSONL or JSON files by column name.

``xlink evaluate-zeroshot`` and ``xlink calibrate`` are called by scripts on data sets xlink
has never seen, so nothing here knows a particular data set: the caller names the text and
label columns. A column may also be given as a 0-based index for header-less files
(``--text-column 2``); the first row is then data, not a header.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xlink.errors import DirectoryGivenError, FormatError, XlinkError, missing_file
from xlink.files import format_suffix, numbered_lines, require_file

logger = logging.getLogger(__name__)


@dataclass
class LabelledTexts:
    """Texts with their gold labels (``labels`` is None when no label column was asked for).

    ``lines`` holds, per text, the line of the file where its row ends (empty when the texts
    did not come from a file), so that warnings about skipped rows can point at them.
    """

    texts: list[str]
    labels: list[str] | None
    lines: list[int] = field(default_factory=list)


#: a quoted text over this many lines that holds delimiters is warned about (a quote left open swallows rows)
_SWALLOW_LINES = 10

#: what a text file of xlink's must be (for numbered_lines' messages)
_EXPECTED = "UTF-8 text"


def _is_index(column: str) -> bool:
    return column.isdigit()


def read_texts(
    path: str | Path,
    text_column: str,
    label_column: str | None = None,
    *,
    label_option: str = "--label-column",
    label_name: str = "label",
) -> LabelledTexts:
    """Read one text (and label) per row; rows with an empty label are an error.

    ``label_option`` and ``label_name`` are how error messages speak of the label column, for
    callers that read another column there (``xlink annotate`` reads document ids).
    """
    path = Path(path)
    if not path.exists():
        raise missing_file(path)
    require_file(path, "a CSV, TSV, JSONL or JSON file")
    suffix = format_suffix(path)  # "notes.jsonl.gz" reads as .jsonl, gunzipped
    if suffix in (".jsonl", ".json"):
        return _read_json(path, text_column, label_column, label_name)
    if suffix in (".csv", ".tsv", ".txt"):
        delimiter = "\t" if suffix in (".tsv", ".txt") else ","
        return _read_delimited(path, text_column, label_column, delimiter, label_option, label_name)
    raise FormatError(path, None, "unknown file type", ".csv, .tsv, .jsonl or .json")


def text_lines(path: Path) -> Iterator[str]:
    """The file's lines, each ending in ``\\n``, decoded by :func:`numbered_lines`.

    Non-UTF-8 bytes become a :class:`FormatError` with file:line and the ``iconv`` fix
    instead of a ``UnicodeDecodeError`` traceback; the ``\\n`` endings let :mod:`csv` see
    quoted newlines and count physical lines as before.
    """
    for _, line in numbered_lines(path, _EXPECTED, keep_lone_cr=True):
        yield line + "\n"


class MissingColumnError(FormatError):
    """A text or label column (a JSON field) that the file lacks; ``column`` names it."""

    def __init__(self, path: str | Path, line: int | None, message: str, expected: str, column: str) -> None:
        super().__init__(path, line, message, expected)
        self.column = column


def _missing_column(path: Path, column: str, option: str, names: list[str]) -> MissingColumnError:
    """The error for a column the header lacks, with the option that fixes it."""
    return MissingColumnError(
        path, 1, f"no column {column!r} in header {names}; use {option} with one of {names}",
        f"a column named {column!r}", column,
    )


def _no_rows(path: Path) -> XlinkError:
    """The error for a file with a header and nothing under it."""
    return XlinkError(f"{path} has a header but no data rows; add rows of texts below the header")


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
    first = next(text_lines(path), "")
    return header_delimiter(first, default, lambda names: all(column in names for column in wanted))


def _unquote(cell: str) -> str:
    """``"a ""b"" c"`` → ``a "b" c``; anything not wrapped in quotes stays as it is."""
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"')
    return cell


def _read_delimited(
    path: Path,
    text_column: str,
    label_column: str | None,
    delimiter: str,
    label_option: str = "--label-column",
    label_name: str = "label",
) -> LabelledTexts:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    texts: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    indexed = _is_index(text_column) and (label_column is None or _is_index(label_column))
    if not indexed:
        delimiter = _header_delimiter(path, [c for c in (text_column, label_column) if c is not None], delimiter)
    # Tab-separated files seldom quote, but their texts often start with a bare quote; read as
    # quoting, such a quote swallows the following lines into one text without a word. So tabs
    # are read verbatim, and a field wrapped in quotes ("...", pandas-style) is unwrapped.
    tabs = delimiter == "\t"
    reader = csv.reader(text_lines(path), delimiter=delimiter, quoting=csv.QUOTE_NONE if tabs else csv.QUOTE_MINIMAL)
    cell = _unquote if tabs else str
    if indexed:
        t_idx, l_idx = int(text_column), int(label_column) if label_column is not None else None
    else:
        header = next(reader, None)
        if header is None:
            raise FormatError(path, 1, "empty file", "a header row naming the columns")
        names = [cell(h).strip() for h in header]
        for column, option in ((text_column, "--text-column"), (label_column, label_option)):
            if column is not None and column not in names:
                raise _missing_column(path, column, option, names)
        t_idx = names.index(text_column)
        l_idx = names.index(label_column) if label_column is not None else None
    previous_end = reader.line_num
    for row in reader:
        number = reader.line_num  # the physical line where the record ends (quoted newlines count)
        start, previous_end = previous_end + 1, number
        if not row or all(not cell.strip() for cell in row):
            continue
        swallowed = next((cell for cell in row if "\n" in cell), "")  # the quoted field, whichever column it is
        if not tabs and number - start >= _SWALLOW_LINES and any(delimiter in line for line in swallowed.split("\n")[1:]):
            logger.warning(
                "%s:%d: the row that starts here runs to line %d and its text holds lines with %r: a quote that "
                "opens a field without closing it may have swallowed the rows in between; check line %d",
                path, start, number, delimiter, start,
            )
        width = max(t_idx, l_idx or 0) + 1
        if len(row) < width:
            raise FormatError(path, number, f"{len(row)} fields", f"at least {width} fields")
        texts.append(cell(row[t_idx]))
        lines.append(number)
        if l_idx is not None:
            label = cell(row[l_idx]).strip()
            if not label:
                raise FormatError(path, number, f"empty {label_name}", f"a non-empty {label_name}")
            labels.append(label)
    if not texts and not indexed:
        raise _no_rows(path)
    return LabelledTexts(texts, labels if label_column is not None else None, lines)


def _json_rows(path: Path) -> list[tuple[int, object]]:
    """``(line, value)`` per row of a JSON array or a JSONL file; an array row's line is where it starts."""
    every = list(numbered_lines(path, _EXPECTED, keep_lone_cr=True))
    numbered = [(number, line) for number, line in every if line.strip()]
    if numbered and numbered[0][1].lstrip().startswith("["):
        return _json_array_rows(path, "\n".join(line for _, line in every))
    rows: list[tuple[int, object]] = []
    for number, line in numbered:
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as err:
            raise FormatError(path, number, f"invalid JSON ({err.msg})", "one JSON object per line") from err
    return rows


def _json_array_rows(path: Path, text: str) -> list[tuple[int, object]]:
    """The elements of the JSON array ``text``, each with the file line where it starts."""
    decoder = json.JSONDecoder()
    rows: list[tuple[int, object]] = []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise FormatError(path, err.lineno, f"invalid JSON ({err.msg})", "a JSON array of objects") from err
    if not isinstance(value, list):
        raise FormatError(path, 1, "not a JSON array", "a JSON array of objects, or one JSON object per line")
    position = text.index("[") + 1
    for _ in value:  # walk the elements again to learn where each starts
        while text[position] in " \t\r\n,":
            position += 1
        element, end = decoder.raw_decode(text, position)
        rows.append((text.count("\n", 0, position) + 1, element))
        position = end
    return rows


def _json_label(value: object) -> str | None:
    """A JSON label or id as text, spelled as in the file: ``7`` → "7", ``true`` → "true".

    Strings are stripped and a missing field or ``null`` gives ""; a list or an object gives
    None (an error for the caller), where ``str()`` would have made a Python spelling such as
    "['a']" or "True" that matches nothing the user wrote.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return None


def _read_json(path: Path, text_column: str, label_column: str | None, label_name: str = "label") -> LabelledTexts:
    texts: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    for number, row in _json_rows(path):
        if not isinstance(row, dict) or text_column not in row:
            names = sorted(row) if isinstance(row, dict) else []
            fix = f"; use --text-column with one of {names}" if names else ""
            raise MissingColumnError(
                path, number, f"no field {text_column!r}{fix}", f"an object with {text_column!r}", text_column
            )
        value = row[text_column]
        if not isinstance(value, str):  # null, a number or a list would be classified as its Python spelling
            raise FormatError(path, number, f"field {text_column!r} is {json.dumps(value)[:40]}, not a string", "a text string")
        texts.append(value)
        lines.append(number)
        if label_column is not None:
            label = _json_label(row.get(label_column))
            if label is None:
                raise FormatError(
                    path, number, f"field {label_column!r} is {json.dumps(row[label_column])[:40]}",
                    f"{'an' if label_name[0] in 'aeiou' else 'a'} {label_name} that is a string or a number",
                )
            if not label:
                raise FormatError(path, number, f"no or empty field {label_column!r}", f"a non-empty {label_name}")
            labels.append(label)
    return LabelledTexts(texts, labels if label_column is not None else None, lines)


def read_label_map(value: str | None) -> dict[str, str]:
    """A ``--label-map``: a JSON object ``{label: description}``, inline or in a file.

    A value that is neither inline JSON (starts with ``{``, ``[`` or ``"``) nor an existing
    file is reported as a missing file, not as invalid JSON.
    """
    if not value:
        return {}
    inline = value.lstrip().startswith(("{", "[", '"'))
    candidate = Path(value)
    if not inline and not candidate.exists():
        raise XlinkError(f"--label-map {value}: no such file; give a JSON file or an inline JSON object {{label: description}}")
    if not inline and candidate.is_dir():
        raise DirectoryGivenError(f"--label-map {value} is a directory; give a JSON file {{label: description}}")
    raw = value if inline else "\n".join(line for _, line in numbered_lines(candidate, "a JSON object"))
    where = "--label-map" if inline else value
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError as err:
        raise FormatError(where, err.lineno, f"invalid JSON ({err.msg})", "a JSON object {label: description}") from err
    if not isinstance(mapping, dict):
        raise FormatError(where, None, f"not a JSON object but a {type(mapping).__name__}", "a JSON object {label: description}")
    bad = [k for k, v in mapping.items() if not isinstance(v, str)]
    if bad:
        raise FormatError(
            where, None, f"the description of {bad[0]!r} is not a string ({mapping[bad[0]]!r})",
            "a JSON object {label: description} of strings",
        )
    return {str(k): v for k, v in mapping.items()}
