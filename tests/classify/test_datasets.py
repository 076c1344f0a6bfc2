"""Reading labelled texts from files xlink has never seen: CSV dialects, TSV, JSONL, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlink.classify.datasets import read_texts
from xlink.errors import FormatError


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_with_bom_quotes_and_an_embedded_newline(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", b'\xef\xbb\xbftext,label\n"lost card, help",card\n"two\nlines",weather\n\n')
    got = read_texts(path, "text", "label")
    assert got.texts == ["lost card, help", "two\nlines"] and got.labels == ["card", "weather"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_a_csv_with_another_delimiter_is_read_by_its_header(tmp_path: Path, delimiter: str) -> None:
    body = f"id{delimiter}text{delimiter}label\n1{delimiter}will it rain, today{delimiter}weather\n"
    got = read_texts(_write(tmp_path, "d.csv", body.encode()), "text", "label")
    assert got.texts == ["will it rain, today"] and got.labels == ["weather"]


def test_tsv_and_header_less_columns_by_index(tmp_path: Path) -> None:
    got = read_texts(_write(tmp_path, "d.tsv", b"text\tlabel\nhello\tgreet\n"), "text", "label")
    assert got.texts == ["hello"] and got.labels == ["greet"]
    got = read_texts(_write(tmp_path, "n.csv", b"greet,hello there\nfarewell,bye\n"), "1", "0")
    assert got.texts == ["hello there", "bye"] and got.labels == ["greet", "farewell"]


def test_jsonl(tmp_path: Path) -> None:
    got = read_texts(_write(tmp_path, "d.jsonl", b'{"sentence": "hi", "intent": "greet"}\n'), "sentence", "intent")
    assert got.texts == ["hi"] and got.labels == ["greet"]


def test_errors_name_the_file_the_line_and_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, "d.csv", b"text,label\nhello,greet\nbye,\n")
    with pytest.raises(FormatError, match=r"d\.csv:3: empty label"):
        read_texts(path, "text", "label")
    with pytest.raises(FormatError, match=r"d\.csv:1: no column 'utterance'.*expected a column named 'utterance'"):
        read_texts(path, "utterance", "label")
    quoted = _write(tmp_path, "q.csv", b'text,label\n"a\nb\nc",x\nd,\n')
    with pytest.raises(FormatError, match=r"q\.csv:5: empty label"):  # physical lines, not records
        read_texts(quoted, "text", "label")
    short = _write(tmp_path, "s.csv", b"text,label\nonly-one-field\n")
    with pytest.raises(FormatError, match=r"s\.csv:2: 1 fields"):
        read_texts(short, "text", "label")
    with pytest.raises(FormatError, match="unknown file type"):
        read_texts(_write(tmp_path, "d.xlsx", b"x"), "text", "label")


def test_tsv_texts_that_start_with_a_quote_keep_every_row(tmp_path: Path) -> None:
    path = tmp_path / "data.tsv"
    path.write_text(
        'text\tlabel\nhello there\ta\n"quoted start of a text\tb\nnormal\ta\n"wrapped, with ""inner"" quotes"\tb\n',
        encoding="utf-8",
    )
    table = read_texts(path, "text", "label")
    assert table.texts == ["hello there", '"quoted start of a text', "normal", 'wrapped, with "inner" quotes']
    assert table.labels == ["a", "b", "a", "b"]
    assert table.lines == [2, 3, 4, 5]


def test_json_array_errors_name_the_line_where_the_row_starts(tmp_path: Path) -> None:
    spread = tmp_path / "spread.json"
    spread.write_text('\n[\n  {"text": "a"},\n\n  {"text": null}\n]\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"spread.json:5: field 'text' is null"):
        read_texts(spread, "text")
    one_line = tmp_path / "one.json"
    one_line.write_text('[{"text": "a"}, {"text": 3}]', encoding="utf-8")
    with pytest.raises(FormatError, match=r"one.json:1: field 'text' is 3"):
        read_texts(one_line, "text")
    ok = tmp_path / "ok.json"
    ok.write_text('[\n{"text": "a", "label": "x"},\n{"text": "b", "label": "y"}\n]', encoding="utf-8")
    table = read_texts(ok, "text", "label")
    assert table.texts == ["a", "b"] and table.labels == ["x", "y"] and table.lines == [2, 3]
    not_array = tmp_path / "obj.json"
    not_array.write_text('{"text": "a"}', encoding="utf-8")
    assert read_texts(not_array, "text").texts == ["a"]  # one object: read as a one-line JSONL file


def test_json_numbers_and_booleans_keep_their_json_spelling_and_lists_are_refused(tmp_path: Path) -> None:
    """An id or label 7, 2.5 or true reads as "7", "2.5", "true" (as written), never Python's "True"."""
    rows = b'{"t": "a", "y": 7}\n{"t": "b", "y": 2.5}\n{"t": "c", "y": true}\n{"t": "d", "y": " x "}\n'
    assert read_texts(_write(tmp_path, "d.jsonl", rows), "t", "y").labels == ["7", "2.5", "true", "x"]
    bad = _write(tmp_path, "b.jsonl", b'{"t": "a", "y": "ok"}\n{"t": "b", "y": ["p", "q"]}\n')
    with pytest.raises(FormatError, match=r'b\.jsonl:2: field \'y\' is \["p", "q"\].*a label that is a string or a number'):
        read_texts(bad, "t", "y")
    with pytest.raises(FormatError, match=r"n\.jsonl:1: no or empty field 'y'"):
        read_texts(_write(tmp_path, "n.jsonl", b'{"t": "a", "y": null}\n'), "t", "y")
    with pytest.raises(FormatError, match=r"an id that is a string or a number"):
        read_texts(bad, "t", "y", label_option="--id-column", label_name="id")


def test_a_quote_left_open_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """csv reads to the end of the file for the closing quote; the rows in between become one text."""
    import logging

    rows = "".join(f"text {i},b\n" for i in range(15))
    path = _write(tmp_path, "d.csv", f'text,label\nfine,a\n"an open quote,a\n{rows}'.encode())
    with caplog.at_level(logging.WARNING):
        got = read_texts(path, "text")
    assert len(got.texts) == 2  # what csv reads; the warning says why
    assert any("d.csv:3: the row that starts here runs to line 18" in r.getMessage() for r in caplog.records)
    caplog.clear()
    long_text = "\n".join(f"line {i}" for i in range(20))
    with caplog.at_level(logging.WARNING):
        read_texts(_write(tmp_path, "ok.csv", f'text,label\n"{long_text}",a\n'.encode()), "text", "label")
    assert not caplog.records  # a long quoted text without delimiters is just a long text


def test_a_quote_left_open_before_the_text_column_is_still_a_format_error(tmp_path: Path) -> None:
    rows = "".join(f"b,row {i}\n" for i in range(12))
    path = _write(tmp_path, "d.csv", f'label,text\n"a,first text\n{rows}'.encode())
    with pytest.raises(FormatError, match=r"d\.csv:14: 1 fields"):
        read_texts(path, "text", "label")
