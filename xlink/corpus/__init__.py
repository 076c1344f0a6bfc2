"""Corpora: BigBIO dataclasses and readers/writers for PubTator, BigBIO JSONL and BioSyn queries."""

from __future__ import annotations

from xlink.corpus.bigbio import read_bigbio_jsonl, write_bigbio_jsonl
from xlink.corpus.biosyn_queries import read_biosyn_queries, write_biosyn_queries
from xlink.corpus.io import CORPUS_FORMATS, detect_corpus_format, load_corpus, save_corpus
from xlink.corpus.model import Corpus, DbRef, Document, Entity, Mention, Passage
from xlink.corpus.pubtator import PubTatorStats, read_pubtator, write_pubtator

__all__ = [
    "CORPUS_FORMATS",
    "Corpus",
    "DbRef",
    "Document",
    "Entity",
    "Mention",
    "Passage",
    "PubTatorStats",
    "detect_corpus_format",
    "load_corpus",
    "read_bigbio_jsonl",
    "read_biosyn_queries",
    "read_pubtator",
    "save_corpus",
    "write_bigbio_jsonl",
    "write_biosyn_queries",
    "write_pubtator",
]
