"""The readers on the real NCBI Disease files (skipped where ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlink.corpus import (
    PubTatorStats,
    detect_corpus_format,
    load_corpus,
    read_pubtator,
    write_pubtator,
)

pytestmark = pytest.mark.data


@pytest.mark.parametrize(
    ("split", "documents", "mentions"),
    [("train", 593, 5145), ("develop", 100, 787), ("test", 100, 960)],
)
def test_ncbi_disease_counts(shared_data: Path, split: str, documents: int, mentions: int) -> None:
    path = shared_data / "el" / "ncbi_disease" / f"NCBI{split}set_corpus.txt"
    assert detect_corpus_format(path) == "pubtator"
    stats = PubTatorStats()
    corpus = read_pubtator(path, stats=stats)
    assert len(corpus) == documents
    assert len(corpus.mentions()) == mentions
    assert stats.relations == 0
    assert not any(entity.is_nil for doc in corpus for entity in doc.entities)
    if split == "train":
        # PMID 8528200 is repeated; one mention text carries trailing spaces.
        assert stats.duplicate_documents == 1
        assert stats.trimmed_mention_texts == 1
        assert len(read_pubtator(path, drop_duplicate_documents=True)) == documents - 1


def test_ncbi_disease_test_set_round_trip(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "el" / "ncbi_disease" / "NCBItestset_corpus.txt"
    corpus = read_pubtator(path)
    out = tmp_path / "test.txt"
    write_pubtator(corpus, out)
    assert read_pubtator(out).documents == corpus.documents


@pytest.mark.parametrize(("name", "queries"), [("test_queries.txt", 960), ("dev_queries.txt", 787)])
def test_biosyn_query_counts(shared_data: Path, name: str, queries: int) -> None:
    path = shared_data / "el" / "ncbi_disease_biosyn" / name
    corpus = load_corpus(path)
    assert len(corpus) == queries
    mentions = corpus.mentions()
    assert len(mentions) == queries
    # Every context carried its START ... END markers.
    assert all(doc.passages[0].type == "context" for doc in corpus)
    assert all(m.gold for m in mentions)
