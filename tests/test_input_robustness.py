"""Reading corpora and terminologies that are awkward but legitimate, or broken in ways a user can fix.

Each test pins one defect of an input audit: line separators inside texts,
non-UTF-8 and UTF-16 files, byte order marks, swapped offsets, BigBIO offset
slips, directories given as files, and the empty-terminology hint.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from xlink.corpus import (
    Corpus,
    Document,
    Entity,
    Passage,
    detect_corpus_format,
    load_corpus,
    read_bigbio_jsonl,
    read_biosyn_queries,
    read_pubtator,
    write_bigbio_jsonl,
    write_biosyn_queries,
    write_pubtator,
)
from xlink.errors import EmptyTerminologyError, FormatError, XlinkError
from xlink.terminology import Concept, Terminology, detect_format, load_terminology

#: Characters that ``str.splitlines`` takes for line ends but JSON and PubTator do not.
SEPARATORS = "\u2028\u2029\u0085\x1c\x1d\x1e\x0b\x0c"

TITLE = "Wilson disease."
ABSTRACT = "It is rare."
PUBTATOR = f"1|t|{TITLE}\n1|a|{ABSTRACT}\n1\t0\t14\tWilson disease\tDisease\tD006527\n"


def _document(title: str = TITLE, abstract: str = ABSTRACT) -> Document:
    """A two-passage document with one entity, "Wilson disease", at offsets 0-14."""
    start = len(title) + 1
    return Document(
        id="1",
        document_id="1",
        passages=[
            Passage("1_title", "title", [title], [(0, len(title))]),
            Passage("1_abstract", "abstract", [abstract], [(start, start + len(abstract))]),
        ],
        entities=[
            Entity("1_T1", "Disease", ["Wilson disease"], [(0, 14)], id_groups=[["D006527"]])
        ],
    )


def _bigbio_record(title: str = TITLE, entity_offsets: tuple[int, int] = (0, 14), doc_id: str = "1") -> str:
    """One BigBIO JSONL line with a title passage and one entity (records of one file need their own ``doc_id``)."""
    record = {
        "id": doc_id,
        "passages": [{"id": "p", "type": "title", "text": [title], "offsets": [[0, len(title)]]}],
        "entities": [
            {
                "id": "e",
                "type": "Disease",
                "text": ["Wilson disease"],
                "offsets": [list(entity_offsets)],
            }
        ],
    }
    return json.dumps(record, ensure_ascii=False)


# -- 1. line separators inside texts ----------------------------------------------------------


def test_bigbio_reads_back_texts_with_unicode_line_separators(tmp_path: Path) -> None:
    corpus = Corpus([_document(abstract=f"It{SEPARATORS} is rare.")])
    path = tmp_path / "corpus.jsonl"
    write_bigbio_jsonl(corpus, path)
    assert read_bigbio_jsonl(path).documents == corpus.documents


def test_bigbio_json_list_with_separators_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "corpus.json"
    path.write_bytes(
        ("[\r\n" + _bigbio_record(f"Wilson disease.\u2028{SEPARATORS}") + "\r\n]").encode()
    )
    (document,) = read_bigbio_jsonl(path).documents
    assert document.passages[0].text == [f"Wilson disease.\u2028{SEPARATORS}"]


def test_pubtator_line_separator_inside_abstract_is_text(tmp_path: Path) -> None:
    abstract = f"It is\u2028rare{SEPARATORS}."
    path = tmp_path / "corpus.txt"
    path.write_text(PUBTATOR.replace(ABSTRACT, abstract), encoding="utf-8")
    (document,) = read_pubtator(path).documents
    assert document.passages[1].text == [abstract]
    assert document.entities[0].text == ["Wilson disease"]
    out = tmp_path / "out.txt"
    write_pubtator(read_pubtator(path), out)
    assert read_pubtator(out).documents == read_pubtator(path).documents


def test_pubtator_crlf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(PUBTATOR.replace("\n", "\r\n").encode())
    (document,) = read_pubtator(path).documents
    assert document.passages[1].text == [ABSTRACT]
    assert document.entities[0].id_groups == [["D006527"]]


def test_pubtator_lone_carriage_return_is_text(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(PUBTATOR.replace("is rare", "is\rrare").encode())
    (document,) = read_pubtator(path).documents
    assert document.passages[1].text == ["It is\rrare."]


def test_biosyn_queries_read_back_line_separators(tmp_path: Path) -> None:
    corpus = Corpus([_document(abstract="It\u2028is\u0085rare.")])
    path = tmp_path / "queries.txt"
    write_biosyn_queries(corpus, path)
    (query,) = read_biosyn_queries(path).documents
    assert "\u2028" in query.text and "\u0085" in query.text
    assert query.entities[0].text == ["Wilson disease"]


def test_terminology_jsonl_reads_back_names_with_line_separators(tmp_path: Path) -> None:
    name = f"Wilson{SEPARATORS}disease"
    term = Terminology.from_concepts([Concept("D006527", name, aliases=("WD\u2029",))])
    path = tmp_path / "term.jsonl"
    term.to_jsonl(path)
    loaded = load_terminology(path)
    assert loaded["D006527"].canonical_name == name
    assert len(loaded) == 1


# -- 2. non-UTF-8 and UTF-16 files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("corpus.txt", PUBTATOR.replace("rare", "r\xe9re"), 2),
        ("corpus.jsonl", _bigbio_record() + "\n" + _bigbio_record("caf\xe9", doc_id="2"), 2),
        ("term.jsonl", '{"concept_id": "D1", "canonical_name": "caf\xe9"}\n', 1),
        ("dict.txt", "D1||Wilson disease\nD2||caf\xe9\n", 2),
    ],
)
def test_latin1_bytes_name_file_line_offset_and_fix(
    tmp_path: Path, name: str, content: str, line: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))
    load = load_terminology if name.startswith(("term", "dict")) else load_corpus
    with pytest.raises(FormatError) as caught:
        load(path)
    message = str(caught.value)
    offset = content.index("\xe9")  # every character before it is one byte
    assert message.startswith(f"{path}:{line}: not UTF-8 text: byte 0xe9 at byte offset {offset} ")
    assert "iconv -f latin1 -t utf-8" in message
    assert "\n" not in message


def test_utf16_corpus_is_reported_as_utf16(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(PUBTATOR.encode("utf-16"))  # with a byte order mark
    with pytest.raises(XlinkError) as caught:
        load_corpus(path)
    assert "UTF-16" in str(caught.value)
    assert "convert it to UTF-8" in str(caught.value)
    assert "matches no known format" not in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_terminology_is_reported_as_utf16(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "dict.txt"
    path.write_bytes("\ufeffD1||Wilson disease\n".encode(encoding))
    with pytest.raises(FormatError, match="UTF-16"):
        detect_format(path)
    with pytest.raises(FormatError, match="UTF-16"):
        load_terminology(path, "biosyn")


# -- 3. UTF-8 byte order marks ----------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_pubtator_with_bom(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(("\ufeff" + PUBTATOR.replace("\n", newline)).encode())
    assert detect_corpus_format(path) == "pubtator"
    (document,) = load_corpus(path).documents
    assert document.document_id == "1"
    assert len(document.entities) == 1


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.json", "corpus.txt"])
def test_bigbio_with_bom(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    body = f"[{_bigbio_record()}]" if name.endswith(".json") else _bigbio_record() + "\n"
    path.write_bytes(("\ufeff" + body).encode())
    (document,) = load_corpus(path).documents
    assert document.id == "1"


def test_biosyn_queries_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "queries.txt"
    path.write_bytes("\ufeffWilson disease||D006527\n".encode())
    assert detect_corpus_format(path) == "biosyn-queries"
    (query,) = load_corpus(path).documents
    assert query.entities[0].text == ["Wilson disease"]


def test_terminology_jsonl_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "term.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"concept_id": "D1", "canonical_name": "Wilson disease"}\r\n')
    assert load_terminology(path)["D1"].canonical_name == "Wilson disease"
    renamed = tmp_path / "term_noext"
    renamed.write_bytes(path.read_bytes())
    assert detect_format(renamed) == "jsonl"


# -- 4. PubTator start after end --------------------------------------------------------------


def test_pubtator_start_after_end(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text(PUBTATOR.replace("\t0\t14\t", "\t14\t0\t"), encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        read_pubtator(path)
    assert str(caught.value).startswith(f"{path}:3: start 14 is after end 0")
    assert "outside the document text" not in str(caught.value)


def test_pubtator_offsets_beyond_text_still_reported_as_outside(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_text(PUBTATOR.replace("\t0\t14\t", "\t20\t34\t"), encoding="utf-8")
    with pytest.raises(FormatError, match=r"corpus\.txt:3: offsets 20-34 .* lie outside"):
        read_pubtator(path)


# -- 5. BigBIO offset slips -------------------------------------------------------------------


def test_bigbio_offset_slips_warn_with_file_line_and_one_summary(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "corpus.jsonl"
    lines = [
        _bigbio_record(),  # fine
        "",
        _bigbio_record(entity_offsets=(1, 15), doc_id="2"),  # text differs at its offsets
        _bigbio_record(entity_offsets=(99, 113), doc_id="3"),  # beyond the text
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="xlink.corpus.bigbio"):
        corpus = read_bigbio_jsonl(path)
    assert len(corpus) == 3  # warnings, not errors: the documented BigBIO behaviour
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith(f"{path}:3: document 2, entity e: text") for m in messages)
    assert any(
        m.startswith(f"{path}:4: document 3, entity e: offsets 99-113 lie beyond") for m in messages
    )
    summaries = [m for m in messages if m.startswith(f"{path}: ")]
    assert len(summaries) == 1
    assert "2 entities" in summaries[0] and "in 2 of 3 documents" in summaries[0]


def test_bigbio_passage_text_longer_than_offsets_is_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record = json.loads(_bigbio_record())
    record["passages"][0]["offsets"] = [[0, 10]]
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="xlink.corpus.bigbio"):
        (document,) = read_bigbio_jsonl(path).documents
    assert document.text == TITLE[:10]
    assert f"{path}:1: document 1, passage p: text of 15 characters at offsets 0-10" in caplog.text
    assert "is cut" in caplog.text


def test_bigbio_many_slips_are_summarised_not_all_listed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        "\n".join(_bigbio_record(entity_offsets=(1, 15), doc_id=str(i)) for i in range(12)) + "\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="xlink.corpus.bigbio"):
        read_bigbio_jsonl(path)
    assert len(caplog.records) == 6  # five slips, then the summary
    assert "12 entities" in caplog.records[-1].getMessage()
    assert "first 5" in caplog.records[-1].getMessage()


# -- 6. a directory where a file is expected --------------------------------------------------


@pytest.mark.parametrize("call", [load_corpus, detect_corpus_format])
def test_corpus_directory(tmp_path: Path, call: object) -> None:
    with pytest.raises(XlinkError) as caught:
        call(tmp_path)  # type: ignore[operator]
    assert str(caught.value) == (
        f"{tmp_path} is a directory; give a corpus file (PubTator .txt, BigBIO .jsonl or BioSyn queries)"
    )


@pytest.mark.parametrize("call", [load_terminology, detect_format])
def test_terminology_directory(tmp_path: Path, call: object) -> None:
    with pytest.raises(XlinkError) as caught:
        call(tmp_path)  # type: ignore[operator]
    assert str(caught.value).startswith(f"{tmp_path} is a directory; give a terminology file (")
    assert isinstance(caught.value, IsADirectoryError)  # what callers caught before


# -- 7. the empty-terminology hint ------------------------------------------------------------


def test_empty_terminology_names_the_api_argument_and_the_cli_flag(tmp_path: Path) -> None:
    path = tmp_path / "term.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(EmptyTerminologyError) as caught:
        load_terminology(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: the terminology holds no concept with a name")
    assert "terminology_format" in message and "--terminology-format" in message
    assert "and --format" not in message


@pytest.mark.parametrize("load", [load_corpus, load_terminology])
def test_carriage_return_line_ends_are_named(tmp_path: Path, load: object) -> None:
    path = tmp_path / "corpus.txt"
    text = PUBTATOR if load is load_corpus else "D1||Wilson disease\nD2||cystic fibrosis\n"
    path.write_bytes(text.replace("\n", "\r").encode())
    with pytest.raises(XlinkError) as caught:
        load(path)  # type: ignore[operator]
    assert "carriage return" in str(caught.value) and "perl -pe" in str(caught.value)


@pytest.mark.parametrize("load", [load_corpus, load_terminology])
def test_a_lone_carriage_return_after_the_first_line_is_refused_not_merged(tmp_path: Path, load: object) -> None:
    """A file that mixes line ends: "gout\\rD3||asthma" used to become one concept named "gout\\rD3"."""
    path = tmp_path / "mixed.txt"
    if load is load_corpus:
        lines = PUBTATOR.split("\n")
        lines[1] = lines[1] + "\r" + lines[2]  # the abstract line swallows the next line
        del lines[2]
        text, where = "\n".join(lines), ":2:"
    else:
        text, where = "D1||breast cancer\r\nD2||gout\rD3||asthma\n", ":2:"
    path.write_bytes(text.encode())
    with pytest.raises(XlinkError, match="carriage return") as caught:
        load(path)  # type: ignore[operator]
    assert where in str(caught.value) and "perl -pe" in str(caught.value)


def test_a_carriage_return_inside_a_table_text_is_kept(tmp_path: Path) -> None:
    from xlink.classify.datasets import read_texts

    path = tmp_path / "t.csv"
    path.write_bytes(b"text,label\r\n\"one\rtwo\",a\r\n")
    assert read_texts(path, "text", "label").texts == ["one\rtwo"]


def test_doubled_carriage_returns_before_the_newline_end_the_line(tmp_path: Path) -> None:
    """'\\r\\r\\n' (a Windows newline translated twice) is a line end, not a record merged into another."""
    path = tmp_path / "dict.txt"
    path.write_bytes(b"D1||gout\r\r\nD2||asthma\r\r\n")
    assert [c.concept_id for c in load_terminology(path, "biosyn")] == ["D1", "D2"]


def test_doubled_carriage_returns_keep_pubtator_offsets(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    path.write_bytes(PUBTATOR.replace("\n", "\r\r\n").encode())
    (document,) = read_pubtator(path).documents
    assert document.passages[0].text == [TITLE] and document.entities[0].surface == "Wilson disease"
