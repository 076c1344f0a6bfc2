"""Tests of ``xlink annotate`` and :mod:`xlink.components.annotation` on a tiny saved pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from xlink.cli import app
from xlink.components.annotation import TSV_COLUMNS, annotate_corpus, read_input, text_document
from xlink.corpus.model import Corpus
from xlink.errors import XlinkError
from xlink.terminology.model import Concept, Terminology

CONCEPTS = [
    Concept("D014883", "Wilson disease", ("hepatolenticular degeneration",)),
    Concept("D001943", "breast cancer", ("breast carcinoma",)),
]
TEXT = "Wilson disease and breast carcinoma were seen."


@pytest.fixture
def pipeline_path(tmp_path: Path) -> Path:
    """Dictionary NER → abbreviations → linker over two concepts, saved to disk."""
    terminology = tmp_path / "tiny.jsonl"
    Terminology.from_concepts(CONCEPTS, name="tiny").to_jsonl(terminology)
    nlp = spacy.blank("en")
    nlp.add_pipe("xlink_terminology_matcher", config={"terminology": str(terminology), "label": "DISEASE"})
    nlp.add_pipe("xlink_abbreviations", config={"make_serializable": True})
    nlp.add_pipe("xlink_linker", config={"terminology": str(terminology), "cache_dir": str(tmp_path)})
    nlp.to_disk(tmp_path / "pipeline")
    return tmp_path / "pipeline"


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, ["annotate", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_annotate_texts_as_tsv(pipeline_path: Path) -> None:
    lines = _run(TEXT, "nothing to see here", "--pipeline", str(pipeline_path)).splitlines()
    assert lines[0].split("\t") == list(TSV_COLUMNS)
    rows = [line.split("\t") for line in lines[1:]]
    assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in rows] == [
        ("1", "0", "14", "Wilson disease", "D014883", "Wilson disease"),
        ("1", "19", "35", "breast carcinoma", "D001943", "breast cancer"),
    ]
    assert all(float(r[7]) > 0.9 for r in rows)


def test_annotate_json_lines_with_candidates(pipeline_path: Path) -> None:
    out = _run(TEXT, "", "--pipeline", str(pipeline_path), "--json", "--candidates", "2")
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["1", "2"]
    assert records[1]["mentions"] == []  # an empty text is kept, with no mentions
    first = records[0]["mentions"][0]
    assert TEXT[first["start"] : first["end"]] == first["text"] == "Wilson disease"
    assert first["concept_id"] == "D014883"
    assert [c["concept_id"] for c in first["candidates"]][0] == "D014883"
    assert len(first["candidates"]) == 2


def test_annotate_table_with_ids_and_pubtator_output(pipeline_path: Path, tmp_path: Path) -> None:
    from xlink.corpus.io import load_corpus

    table = tmp_path / "notes.csv"
    table.write_text(f"note_id,body\nn1,{TEXT}\nn2,No disease here.\n", encoding="utf-8")
    out = tmp_path / "annotated.pubtator"
    _run("-i", str(table), "--text-column", "body", "--id-column", "note_id", "-p", str(pipeline_path), "-o", str(out))
    corpus = load_corpus(out)
    assert [d.document_id for d in corpus.documents] == ["n1", "n2"]
    entities = corpus.documents[0].entities
    assert [(e.surface, e.id_groups) for e in entities] == [
        ("Wilson disease", [["D014883"]]),
        ("breast carcinoma", [["D001943"]]),
    ]


def test_annotate_corpus_ignores_gold_and_keeps_offsets(pipeline_path: Path, tmp_path: Path) -> None:
    title, abstract = "Wilson disease in a family.", "Breast carcinoma was seen."
    gold = tmp_path / "gold.txt"
    # the mention line is broken (its text is not the text at 0-6): only the text is read, so no error
    gold.write_text(f"7|t|{title}\n7|a|{abstract}\n7\t0\t6\tWilsun\tDisease\tD999999\n\n", encoding="utf-8")
    inputs = read_input(gold)
    assert inputs.documents[0].entities == []  # gold annotations are not carried into the output
    nlp = spacy.load(pipeline_path)
    annotated, _ = annotate_corpus(nlp, Corpus(inputs.documents))
    text = f"{title} {abstract}"
    assert [(m.text, text[m.start : m.end]) for m in annotated[0].mentions] == [
        ("Wilson disease", "Wilson disease"),
        ("Breast carcinoma", "Breast carcinoma"),
    ]


def test_annotate_text_files(pipeline_path: Path, tmp_path: Path) -> None:
    note = tmp_path / "note 1.txt"
    note.write_text("History:\n\nWilson disease.\n", encoding="utf-8")
    rows = _run("--file", str(note), "-p", str(pipeline_path)).splitlines()[1:]
    assert [row.split("\t")[:4] for row in rows] == [["note 1", "10", "24", "Wilson disease"]]


def test_annotate_long_text_is_chunked(pipeline_path: Path) -> None:
    nlp = spacy.load(pipeline_path)
    text = ("Nothing here at all. " * 200) + TEXT
    annotated, _ = annotate_corpus(nlp, Corpus([text_document("long", text)]), max_chars=500)
    assert [(m.text, text[m.start : m.end]) for m in annotated[0].mentions] == [
        ("Wilson disease", "Wilson disease"),
        ("breast carcinoma", "breast carcinoma"),
    ]


def test_annotate_bad_input(pipeline_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["annotate", "-p", str(pipeline_path)])
    assert result.exit_code != 0 and "no texts" in str(result.exception)
    plain = tmp_path / "note.txt"
    plain.write_text("Wilson disease.\n", encoding="utf-8")
    with pytest.raises(XlinkError, match="not a PubTator corpus.*--file"):
        read_input(plain)
    table = tmp_path / "dup.csv"
    table.write_text("id,text\na,x\na,y\n", encoding="utf-8")
    with pytest.raises(XlinkError, match=r"id 'a' of .*dup.csv:3 is also the id of .*dup.csv:2"):
        read_input(table, id_column="id").check()
    with pytest.raises(XlinkError, match="--json"):
        runner.invoke(app, ["annotate", TEXT, "-p", str(pipeline_path), "--candidates", "3"], catch_exceptions=False)
    with pytest.raises(XlinkError, match="extension"):
        runner.invoke(
            app, ["annotate", TEXT, "-p", str(pipeline_path), "-o", str(tmp_path / "x.csv")], catch_exceptions=False
        )
    with pytest.raises(XlinkError, match="UTF-8"):  # a non-UTF-8 corpus is named as such
        (tmp_path / "latin_corpus.txt").write_bytes("1|t|Sjögren\n".encode("latin-1"))
        read_input(tmp_path / "latin_corpus.txt")


def test_annotate_offsets_index_the_file_with_crlf(pipeline_path: Path, tmp_path: Path) -> None:
    note = tmp_path / "crlf.txt"
    note.write_bytes(b"Seen today.\r\nWilson disease and breast carcinoma.\r\n")
    out = _run("--file", str(note), "-p", str(pipeline_path), "--json")
    text = note.read_bytes().decode("utf-8")
    mentions = json.loads(out)["mentions"]
    assert [text[m["start"] : m["end"]] for m in mentions] == ["Wilson disease", "breast carcinoma"]


def test_annotate_max_chars_above_spacy_limit(pipeline_path: Path) -> None:
    nlp = spacy.load(pipeline_path)
    nlp.max_length = 300  # spaCy refuses longer texts; chunks must stay under it whatever --max-chars says
    text = ("Nothing here at all. " * 40) + TEXT
    annotated, _ = annotate_corpus(nlp, Corpus([text_document("t", text)]), max_chars=10_000)
    assert [m.text for m in annotated[0].mentions] == ["Wilson disease", "breast carcinoma"]


def test_annotate_input_errors_name_source_and_fix(pipeline_path: Path, tmp_path: Path) -> None:
    from xlink.components.annotation import from_texts, read_text_files

    table = tmp_path / "t.csv"
    table.write_text("id,text\n1,Wilson disease\n", encoding="utf-8")
    with pytest.raises(XlinkError, match=r"id '1' of .*t.csv:2 is also the id of TEXT argument 1.*--id-column"):
        (from_texts(["x"]) + read_input(table)).check()
    with pytest.raises(XlinkError, match=r"no column 'nope'.*--id-column"):
        read_input(table, id_column="nope")
    empty_id = tmp_path / "e.csv"
    empty_id.write_text("id,text\n,Wilson disease\n", encoding="utf-8")
    with pytest.raises(XlinkError, match=r"e.csv:2: empty id"):
        read_input(empty_id, id_column="id")
    spaced = tmp_path / "s.tsv"
    spaced.write_text("id\ttext\nA 1\tWilson disease\n", encoding="utf-8")
    with pytest.raises(XlinkError, match=r"s.tsv:2: id 'A 1' cannot be written as PubTator.*jsonl"):
        read_input(spaced, id_column="id").check(pubtator_ids=True)
    read_input(spaced, id_column="id").check()  # fine for BigBIO output
    with pytest.raises(XlinkError, match=r"TEXT argument 1: the text is not valid Unicode"):
        from_texts(["Wilson \ud800 disease"]).check()
    utf16 = tmp_path / "u.txt"
    utf16.write_text("Wilson disease", encoding="utf-16")
    with pytest.raises(XlinkError, match="UTF-16.*iconv -f utf-16"):
        read_text_files([utf16])
    latin_table = tmp_path / "l.jsonl"
    latin_table.write_bytes('{"text": "Sj\u00f6gren"}\n'.encode("latin-1"))
    with pytest.raises(XlinkError, match=r"l.jsonl:1: not UTF-8 text: byte 0xf6"):
        read_input(latin_table)
    latin = tmp_path / "l.txt"
    latin.write_bytes("line one\nSj\u00f6gren".encode("latin-1"))
    with pytest.raises(XlinkError, match=r"l.txt:2: not UTF-8 text: byte 0xf6"):
        read_text_files([latin])
    with pytest.raises(XlinkError, match="extension"):
        CliRunner().invoke(
            app, ["annotate", TEXT, "-p", str(pipeline_path), "-o", str(tmp_path / "x.json")], catch_exceptions=False
        )


def test_iter_annotations_streams_what_annotate_corpus_returns(pipeline_path: Path) -> None:
    from xlink.components.annotation import iter_annotations

    nlp = spacy.load(pipeline_path)
    corpus = Corpus([text_document("a", TEXT), text_document("b", ""), text_document("c", "breast cancer")])
    stream = iter_annotations(nlp, corpus)
    first = next(stream)  # one at a time: nothing waits for the whole input
    assert first.text.id == "a" and [m.concept_id for m in first.text.mentions] == ["D014883", "D001943"]
    from xlink.components.pipelines import predicted_corpus

    predicted = predicted_corpus([first.doc], Corpus([corpus.documents[0]])).documents[0]
    assert [e.id_groups for e in predicted.entities] == [[["D014883"]], [["D001943"]]]
    rest = list(stream)
    listed, _ = annotate_corpus(nlp, corpus)
    assert [a.text for a in [first, *rest]] == listed
