"""Inputs that users get wrong, each of which was a traceback, a misleading message or silent loss.

Every case names the file (and the line, where there is one) and what to do instead.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import stat
import threading
import zipfile
from pathlib import Path

import pytest

from xlink.corpus.bigbio import read_bigbio_jsonl
from xlink.corpus.biosyn_queries import read_biosyn_queries
from xlink.errors import FormatError, XlinkError
from xlink.files import atomic_write_text, numbered_lines
from xlink.terminology import load_umls
from xlink.terminology.biosyn import load_biosyn
from xlink.terminology.icd10cm import load_icd10cm
from xlink.terminology.model import Terminology

FIXTURES = Path(__file__).resolve().parent / "fixtures"
QUERY_LINE = "breast carcinomas||D001943||carcinomas breast||the START breast carcinomas END were\n"


def test_writing_to_a_named_pipe_streams_into_it_and_leaves_it_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    atomic_write_text(fifo, "hello\n")
    reader.join(timeout=10)
    assert received == ["hello\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    atomic_write_text(os.devnull, "discarded")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_a_query_file_given_as_a_biosyn_dictionary_is_refused(tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text(QUERY_LINE, encoding="utf-8")
    with pytest.raises(FormatError, match=r"queries.txt:1: .*BioSyn query line.*--corpus"):
        load_biosyn(queries)
    assert len(load_biosyn(FIXTURES / "terminology" / "biosyn_dictionary.txt")) > 0


def test_a_dictionary_given_as_a_query_file_is_refused(tmp_path: Path) -> None:
    dictionary = tmp_path / "dictionary.txt"
    dictionary.write_text("D001943||breast carcinoma\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"dictionary.txt:1: .*dictionary line.*-t"):
        read_biosyn_queries(dictionary)
    ok = tmp_path / "ok.txt"
    ok.write_text(QUERY_LINE + "tumor||D009369|D001943\n", encoding="utf-8")
    assert len(read_biosyn_queries(ok).documents) == 2


def test_jsonl_fields_under_other_names_are_refused_and_unknown_ones_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    typo = tmp_path / "typo.jsonl"
    typo.write_text(json.dumps({"concept_id": "X1", "canonical_name": "Foo", "synonyms": ["Bar"]}) + "\n")
    with pytest.raises(FormatError, match=r"typo.jsonl:1: field 'synonyms' is not read: name it 'aliases'"):
        Terminology.from_jsonl(typo)
    extra = tmp_path / "extra.jsonl"
    rows = [{"concept_id": f"X{i}", "canonical_name": f"Foo {i}", "url": "u"} for i in range(3)]
    extra.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with caplog.at_level(logging.WARNING):
        assert len(Terminology.from_jsonl(extra)) == 3
    assert caplog.text.count("field 'url' is not read") == 1 and "extra.jsonl:1" in caplog.text


def test_a_truncated_gzipped_icd10cm_file_names_the_file(tmp_path: Path) -> None:
    data = gzip.compress((FIXTURES / "terminology" / "icd10cm_tabular.xml").read_bytes())
    broken = tmp_path / "icd.xml.gz"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match=r"icd.xml.gz:\d+: broken gzip data"):
        load_icd10cm(broken)


def test_archives_other_than_gzip_say_what_they_are(tmp_path: Path) -> None:
    archive = tmp_path / "terms.jsonl.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("terms.jsonl", '{"concept_id": "X"}\n')
    with pytest.raises(FormatError, match="terms.jsonl.zip: is a zip archive.*unzip it"):
        list(numbered_lines(archive, "text"))
    xz = tmp_path / "t.xz"
    xz.write_bytes(b"\xfd7zXZ\x00rest")
    with pytest.raises(FormatError, match="is xz-compressed"):
        list(numbered_lines(xz, "text"))


def test_bigbio_relations_that_are_not_a_list_name_the_document(tmp_path: Path) -> None:
    record = {"id": "d1", "document_id": "d1", "passages": [], "entities": [], "relations": {"a": 1}}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(FormatError, match=r"c.jsonl:1: .*document d1.*relations"):
        read_bigbio_jsonl(path)


def test_umls_filters_that_keep_nothing_list_what_the_file_has() -> None:
    mrconso = FIXTURES / "terminology" / "umls" / "MRCONSO.RRF"
    assert [c.concept_id for c in load_umls(mrconso, languages=["eng"])] == [
        c.concept_id for c in load_umls(mrconso, languages=["ENG"])
    ]
    with pytest.raises(XlinkError, match=r"no row has a language in \['DEU'\].*ENG"):
        load_umls(mrconso, languages=["DEU"])
    with pytest.raises(XlinkError, match=r"has a source in \['NOPE'\].*MSH"):
        load_umls(mrconso, sources=["NOPE"])


def test_bigbio_offsets_that_run_backwards_are_refused(tmp_path: Path) -> None:
    entity = {"id": "e1", "type": "Disease", "text": ["ab"], "offsets": [[5, 2]], "normalized": []}
    record = {"id": "d1", "document_id": "d1", "passages": [{"id": "p", "type": "abstract", "text": ["0123456789"],
                                                              "offsets": [[0, 10]]}], "entities": [entity]}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(FormatError, match=r"c.jsonl:1: .*document d1.*\[5, 2\].*not after its end"):
        read_bigbio_jsonl(path)


def test_a_predictions_file_read_as_a_bigbio_corpus_says_so(tmp_path: Path) -> None:
    path = tmp_path / "predictions.jsonl"
    path.write_text(json.dumps({"document_id": "1", "mention_id": "1_T1", "predictions": []}) + "\n")
    with pytest.raises(FormatError, match=r"predictions.jsonl:1: document 1 has neither 'passages' nor 'entities'.*PREDICTIONS"):
        read_bigbio_jsonl(path)


def test_biosyn_queries_that_join_mentions_are_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "q.concept"
    path.write_text("123||5|20||Disease||breast cancer|ovarian cancer||D001943|D010051\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert len(read_biosyn_queries(path).documents) == 1
    assert "1 queries join several mentions" in caplog.text
