from __future__ import annotations

from pathlib import Path

import pytest

from xlink.corpus.biosyn_queries import read_biosyn_queries, write_biosyn_queries
from xlink.corpus.model import DbRef
from xlink.errors import FormatError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
QUERIES = FIXTURES / "biosyn_queries.txt"
CONCEPT = FIXTURES / "biosyn_sample.concept"


def test_each_query_is_one_document_with_its_mention_in_context() -> None:
    corpus = read_biosyn_queries(QUERIES)
    assert [doc.document_id for doc in corpus] == ["q1", "q2", "q3", "q4"]
    for doc in corpus:
        (entity,) = doc.entities
        assert "START" not in doc.text and " END" not in doc.text
        assert doc.text[entity.start : entity.end] == entity.text[0]
    first = corpus.documents[0]
    assert first.text == (
        "loss of brca1 in high-grade, non inherited breast carcinomas . "
        "the link with hereditary cancer is unclear."
    )
    assert first.entities[0].text == ["non inherited breast carcinomas"]
    assert first.entities[0].normalized == [DbRef("MESH", "D001943")]


def test_ids_and_forms() -> None:
    second, third, fourth = read_biosyn_queries(QUERIES).documents[1:]
    assert second.entities[0].id_groups == [["D001943"], ["D010051"]]
    assert second.entities[0].start == 0
    assert third.entities[0].id_groups == [["300322", "308000"]]
    assert third.entities[0].normalized == [DbRef("OMIM", "300322"), DbRef("OMIM", "308000")]
    assert third.text.endswith("hprt deficiency")
    assert fourth.passages[0].type == "mention"
    assert fourth.text == "colorectal adenomas"
    assert fourth.entities[0].offsets == [(0, 19)]


def test_concept_files() -> None:
    corpus = read_biosyn_queries(CONCEPT)
    assert [e.id for doc in corpus for e in doc.entities] == [
        "1000001_11_36",
        "1000001_90_115",
        "1000001_183_199",
    ]
    assert corpus.documents[0].entities[0].type == "SpecificDisease"
    assert corpus.documents[1].entities[0].id_groups == [["D001943"], ["D010051"]]
    assert corpus.documents[2].entities[0].is_nil


def test_round_trip(tmp_path: Path) -> None:
    corpus = read_biosyn_queries(QUERIES)
    out = tmp_path / "out.txt"
    write_biosyn_queries(corpus, out)
    assert read_biosyn_queries(out).documents == corpus.documents
    written = out.read_text(encoding="utf-8").splitlines()
    assert written[3] == "colorectal adenomas||D015179"
    assert (
        written[2]
        == "hprt deficiency||300322+308000||hprt deficiency||mice with START hprt deficiency END"
    )


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("a||b||c", "3 '||'-separated field(s)"),
        ("just a mention", "1 '||'-separated field(s)"),
        ("1||x|y||Disease||gout||D006073", "not 'start|end'"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, fragment: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("gout||D006073\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        read_biosyn_queries(path)
    assert "bad.txt:3:" in str(caught.value)
    assert fragment in str(caught.value)
