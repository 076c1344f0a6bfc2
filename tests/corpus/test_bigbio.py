from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from xlink.corpus.bigbio import ID_GROUPS_KEY, read_bigbio_jsonl, write_bigbio_jsonl
from xlink.corpus.model import DbRef
from xlink.corpus.pubtator import read_pubtator
from xlink.errors import FormatError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
BIGBIO = FIXTURES / "bigbio_sample.jsonl"


def test_reads_passages_entities_and_relations() -> None:
    corpus = read_bigbio_jsonl(BIGBIO)
    assert [(doc.id, doc.document_id) for doc in corpus] == [("bb1", "9000001"), ("bb2", "9000002")]
    first, second = corpus.documents
    assert first.passages[1].offsets == [(26, 83)]
    discontinuous = first.entities[1]
    assert discontinuous.text == ["lung", "disease"]
    assert discontinuous.offsets == [(41, 45), (46, 53)]
    assert first.relations[0]["arg2_id"] == "bb1_e3"
    for doc in corpus:
        for entity in doc.entities:
            assert [doc.text[s:e] for s, e in entity.offsets] == entity.text


def test_without_xlink_key_each_normalized_entry_is_one_part() -> None:
    first, second = read_bigbio_jsonl(BIGBIO).documents
    assert first.entities[2].id_groups == [["MESH:D008171"], ["MESH:D010188"]]
    assert second.entities[0].id_groups == [["C537904", "OMIM:208920"]]
    assert second.entities[0].normalized == [DbRef("MESH", "C537904"), DbRef("OMIM", "208920")]
    assert second.entities[1].is_nil


def test_round_trip_keeps_id_groups(tmp_path: Path) -> None:
    corpus = read_bigbio_jsonl(BIGBIO)
    out = tmp_path / "out.jsonl"
    write_bigbio_jsonl(corpus, out)
    assert read_bigbio_jsonl(out).documents == corpus.documents
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(ID_GROUPS_KEY in e for r in records for e in r["entities"])
    assert set(records[0]) == {
        "id",
        "document_id",
        "passages",
        "entities",
        "events",
        "coreferences",
        "relations",
    }


def test_pubtator_through_bigbio_is_lossless(tmp_path: Path) -> None:
    corpus = read_pubtator(FIXTURES / "ncbi_sample.txt")
    out = tmp_path / "ncbi.jsonl"
    write_bigbio_jsonl(corpus, out)
    assert read_bigbio_jsonl(out).documents == corpus.documents


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_bigbio_jsonl(read_bigbio_jsonl(BIGBIO), out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_json_array_file(tmp_path: Path) -> None:
    lines = BIGBIO.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "docs.json"
    path.write_text("[" + ",\n".join(lines) + "]", encoding="utf-8")
    assert read_bigbio_jsonl(path).documents == read_bigbio_jsonl(BIGBIO).documents


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "a JSON list, not an object"),
        ('{"passages": []}', "without 'id'"),
        ('{"id": "d", "entities": [{"id": "e", "text": ["x"]}]}', "missing key 'offsets'"),
        ('{"id": "d", "passages": [{"id": "p", "text": ["x"], "offsets": [[0]]}]}', "[start, end]"),
        ('{"id": "d", "entities": [{"id": "e", "text": ["x"], "offsets": []}]}', "'offsets' is empty"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, fragment: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(BIGBIO.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        read_bigbio_jsonl(path)
    assert "bad.jsonl:4:" in str(caught.value)
    assert fragment in str(caught.value)


def test_an_id_that_carries_its_prefix_is_not_prefixed_twice() -> None:
    from xlink.corpus.model import DbRef

    assert DbRef("MESH", "D003920").curie == "MESH:D003920"
    assert DbRef("MESH", "MESH:D003920").curie == "MESH:D003920"
    assert DbRef("mesh", "MESH:D003920").curie == "MESH:D003920"
    assert DbRef("", "MESH:D003920").curie == "MESH:D003920"
    assert DbRef("OMIM", "OMIMX1").curie == "OMIM:OMIMX1"


def test_an_entity_id_repeated_within_a_document_id_is_refused(tmp_path: Path) -> None:
    """(document_id, entity id) keys predictions to gold: a repeat would give one mention another's gold."""
    record = {"id": "r{n}", "document_id": "7", "passages": [{"id": "p{n}", "type": "abstract", "text": ["WD here."],
              "offsets": [[0, 8]]}], "entities": [{"id": "T1", "type": "Disease", "text": ["WD"], "offsets": [[0, 2]],
              "normalized": []}]}
    path = tmp_path / "twice.jsonl"
    path.write_text("\n".join(json.dumps(record).replace("{n}", str(n)) for n in (1, 2)) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"twice\.jsonl:2: entity id 'T1' of document 7 was used before \(line 1\)"):
        read_bigbio_jsonl(path)


def _one_entity_file(tmp_path: Path, *normalized: dict[str, str], name: str = "one.jsonl") -> Path:
    record = {"id": "d1", "document_id": "d1", "passages": [{"id": "p", "type": "text", "text": ["Hydrocele here."],
              "offsets": [[0, 15]]}], "entities": [{"id": "e1", "type": "Disease", "text": ["Hydrocele"],
              "offsets": [[0, 9]], "normalized": list(normalized)}]}
    path = tmp_path / name
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_a_db_id_with_its_own_prefix_is_kept_as_it_is(tmp_path: Path) -> None:
    # HPO + HP:0000107 became HPO:HP:0000107, which no HPO id equals
    assert DbRef("HPO", "HP:0000107").curie == "HP:0000107"
    assert DbRef("NCBITaxon", "NCBITaxon:9606").curie == "NCBITaxon:9606"
    assert DbRef("CHEBI", "15377").curie == "CHEBI:15377"
    path = _one_entity_file(tmp_path, {"db_name": "HPO", "db_id": "HP:0000107"})
    assert read_bigbio_jsonl(path).mentions()[0].gold == (("HP:0000107",),)


@pytest.mark.parametrize("nil", ["-1", "", " "])
def test_a_nil_db_id_is_no_gold_id(tmp_path: Path, nil: str) -> None:
    # {"db_name": "MESH", "db_id": "-1"} became the gold id MESH:-1 instead of NIL, as PubTator's -1 is
    path = _one_entity_file(tmp_path, {"db_name": "MESH", "db_id": nil})
    corpus = read_bigbio_jsonl(path)
    assert corpus.mentions()[0].gold == ()
    assert corpus.documents[0].entities[0].is_nil
    both = _one_entity_file(tmp_path, {"db_name": "MESH", "db_id": "-1"}, {"db_name": "MESH", "db_id": "D006848"}, name="both.jsonl")
    assert read_bigbio_jsonl(both).mentions()[0].gold == (("MESH:D006848",),)
    # written back, the NIL ref stays in normalized but gives no gold part
    out = tmp_path / "back.jsonl"
    write_bigbio_jsonl(read_bigbio_jsonl(path), out)
    assert read_bigbio_jsonl(out).mentions()[0].gold == ()
