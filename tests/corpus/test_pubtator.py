from __future__ import annotations

import logging
from pathlib import Path

import pytest

from xlink.corpus.model import Corpus, DbRef, Document, Entity, Passage
from xlink.corpus.pubtator import PubTatorStats, read_pubtator, write_pubtator
from xlink.errors import FormatError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
NCBI = FIXTURES / "ncbi_sample.txt"
BC5CDR = FIXTURES / "bc5cdr_sample.txt"

HEADER = "1|t|Wilson disease.\n1|a|It is rare.\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_ncbi_style_documents_passages_and_ids() -> None:
    corpus = read_pubtator(NCBI)
    assert corpus.name == "ncbi_sample"
    assert [doc.document_id for doc in corpus] == ["1000001", "1000002"]
    first = corpus.documents[0]
    title = "Hereditary breast and ovarian cancer in a Dutch family."
    assert first.passages[0] == Passage("1000001_title", "title", [title], [(0, len(title))])
    assert first.passages[1].offsets[0][0] == len(title) + 1
    assert first.text.startswith(title + " Germline")

    single, composite, alternatives, nil = first.entities
    assert single.id_groups == [["D061325"]]
    assert composite.id_groups == [["D001943"], ["D010051"]]
    assert composite.normalized == [DbRef("MESH", "D001943"), DbRef("MESH", "D010051")]
    assert composite.type == "CompositeMention"
    assert alternatives.id_groups == [["D015179", "D000236"]]
    assert nil.is_nil and nil.normalized == []
    omim = corpus.documents[1].entities[1]
    assert omim.id_groups == [["OMIM:215600"]]
    assert omim.normalized == [DbRef("OMIM", "215600")]
    for doc in corpus:
        for entity in doc.entities:
            assert doc.text[entity.start : entity.end] == entity.text[0]


def test_mentions_keep_composite_gold() -> None:
    mentions = read_pubtator(NCBI).mentions(context_chars=10)
    assert len(mentions) == 9
    assert mentions[1].gold == (("D001943",), ("D010051",))
    assert mentions[1].key == ("1000001", "1000001_T2")
    assert mentions[1].left_context == "RCA1 cause "[-10:]


def test_bc5cdr_relations_are_kept_and_seventh_field_tolerated() -> None:
    stats = PubTatorStats()
    corpus = read_pubtator(BC5CDR, stats=stats)
    (doc,) = corpus.documents
    assert doc.relations == [
        {"type": "CID", "arg1": "D009270", "arg2": "D007022"},
        {"type": "CID", "arg1": "D009270", "arg2": "D001919"},
    ]
    assert stats.relations == 2
    assert stats.part_text_fields == 1
    assert stats.documents == 1 and stats.mentions == 7
    assert doc.entities[-1].id_groups == [["D008545"], ["D002277"]]


@pytest.mark.parametrize("fixture", [NCBI, BC5CDR])
def test_round_trip(fixture: Path, tmp_path: Path) -> None:
    corpus = read_pubtator(fixture)
    out = tmp_path / "out.txt"
    write_pubtator(corpus, out)
    again = read_pubtator(out)
    assert again.documents == corpus.documents
    if fixture == NCBI:
        assert out.read_text(encoding="utf-8") == fixture.read_text(encoding="utf-8")


def test_writer_handles_documents_from_other_formats(tmp_path: Path) -> None:
    text = "One passage\nwith a line break."
    doc = Document(
        id="x",
        document_id="x",
        passages=[Passage("x_text", "text", [text], [(0, len(text))])],
        entities=[
            Entity("e1", "Disease", ["line"], [(19, 23)], id_groups=[["D1"]]),
            Entity("e2", "Disease", ["One", "break"], [(0, 3), (24, 29)]),
        ],
    )
    out = tmp_path / "out.txt"
    write_pubtator(Corpus([doc]), out)
    (back,) = read_pubtator(out).documents
    assert back.text == text.replace("\n", " ")
    assert [(e.start, e.end, e.id_groups) for e in back.entities] == [
        (19, 23, [["D1"]]),
        (0, 29, []),
    ]


def test_duplicate_title_line_keeps_the_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(
        tmp_path,
        "1|t|Wilson disease.\n1|t|Other title.\n1|a|It is rare.\n1\t0\t14\tWilson disease\tDisease\tD006527\n",
    )
    stats = PubTatorStats()
    with caplog.at_level(logging.WARNING, logger="xlink.corpus.pubtator"):
        (doc,) = read_pubtator(path, stats=stats).documents
    assert doc.passages[0].text == ["Wilson disease."]
    assert stats.duplicate_passage_lines == 1
    assert "corpus.txt:2" in caplog.text


def test_duplicate_document_is_kept_or_dropped(tmp_path: Path) -> None:
    block = HEADER + "1\t0\t14\tWilson disease\tDisease\tD006527\n"
    path = write(tmp_path, block + "\n" + block)
    stats = PubTatorStats()
    corpus = read_pubtator(path, stats=stats)
    assert [doc.id for doc in corpus] == ["1", "1_2"]
    assert [doc.document_id for doc in corpus] == ["1", "1"]
    assert stats.duplicate_documents == 1
    assert len(read_pubtator(path, drop_duplicate_documents=True)) == 1


def test_trailing_whitespace_in_mention_text_is_trimmed(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "1\t0\t14\tWilson disease  \tDisease\tD006527\n")
    stats = PubTatorStats()
    (doc,) = read_pubtator(path, stats=stats).documents
    assert doc.entities[0].text == ["Wilson disease"]
    assert stats.trimmed_mention_texts == 1


def test_missing_blank_line_between_documents_is_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "2|t|Gout.\n2|a|\n2\t0\t4\tGout\tDisease\tD006073\n")
    corpus = read_pubtator(path)
    assert [doc.document_id for doc in corpus] == ["1", "2"]
    assert corpus.documents[1].passages[1].text == [""]


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("1\t0\t14\tWilson disease\tDisease\n", 3, "5 tab-separated field(s)"),
        ("1\tzero\t14\tWilson disease\tDisease\tD006527\n", 3, "not both integers"),
        ("2\t0\t14\tWilson disease\tDisease\tD006527\n", 3, "PMID 2 inside the document of PMID 1"),
        ("1\t0\t13\tWilson disease\tDisease\tD006527\n", 3, "'Wilson diseas'"),
        ("1\t20\t90\tWilson disease\tDisease\tD006527\n", 3, "outside the document text"),
        ("just some text\n", 3, "tab-separated"),
        # a mention line without its offsets was read as a relation and the mention lost
        ("1\tWilson disease\tDisease\tD006527\n", 3, "start and end offsets are missing"),
        ("1\tWilson\tDisease\tD006527\n", 3, "start and end offsets are missing"),
        ("1\tCID\tD006527\tcopper\n", 3, "are no relation"),
    ],
)
def test_malformed_lines_name_file_and_line(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = write(tmp_path, HEADER + body)
    with pytest.raises(FormatError) as caught:
        read_pubtator(path)
    assert f"corpus.txt:{line}:" in str(caught.value)
    assert fragment in str(caught.value)
    assert caught.value.line == line
    assert caught.value.expected


def test_mention_before_any_title_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "7\t0\t4\tGout\tDisease\tD006073\n")
    with pytest.raises(FormatError, match=r"corpus.txt:1: mention for PMID 7, which has no title"):
        read_pubtator(path)


def test_relation_types_with_punctuation_are_relations(tmp_path: Path) -> None:
    """ChemProt's CPR:4 and DDI's DDI-effect are relation types like BC5CDR's CID."""
    from xlink.corpus.pubtator import read_pubtator

    path = tmp_path / "rel.pubtator"
    path.write_text("1|t|Wilson disease.\n1|a|x\n1\tCPR:4\tD001241\tD014456\n1\tDDI-effect\tDB001\tDB002\n\n")
    (document,) = read_pubtator(path).documents
    assert [r["type"] for r in document.relations] == ["CPR:4", "DDI-effect"]
