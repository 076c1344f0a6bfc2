"""Corpora: BigBIO dataclasses and readers/writers for PubTator, BigBIO JSONL and BioSyn queries."""

from __future__ import annotations

from xlink.corpus.model import Corpus, DbRef, Document, Entity, Mention, Passage

__all__ = ["Corpus", "DbRef", "Document", "Entity", "Mention", "Passage"]
