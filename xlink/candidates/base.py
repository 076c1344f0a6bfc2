"""What every candidate generator takes and returns.

A generator maps mention strings to at most ``k`` :class:`Candidate` records
each, best first, with at most one candidate per concept. Generators differ in
how they score (character n-grams, dense embeddings, an ensemble), not in this
contract, so the linker, the reranker and the evaluation accept any of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Candidate:
    """A concept proposed for a mention.

    ``alias`` is the terminology name that matched best; ``score`` is the
    generator's similarity (higher is better, comparable within a generator).
    ``source`` names the generator(s) that found it when an ensemble fused
    several ("tfidf", "dense", "dense+tfidf"); single generators leave it empty.
    ``match`` is set by an ensemble: the best similarity any member gave the
    concept, on the members' own scale, because a fused score (a reciprocal
    rank, a weighted sum) no longer says how well the mention matched a name.
    The linker's composite test reads it (``None``: ``score`` says it).
    """

    concept_id: str
    alias: str
    score: float
    source: str = ""
    match: float | None = None

    @property
    def similarity(self) -> float:
        """How well the mention matched the concept's best name: ``match``, else ``score``."""
        return self.score if self.match is None else self.match

    def to_json(self) -> dict[str, object]:
        record: dict[str, object] = {"concept_id": self.concept_id, "alias": self.alias, "score": round(float(self.score), 6)}
        if self.source:
            record["source"] = self.source
        return record


@runtime_checkable
class CandidateGenerator(Protocol):
    """Mentions in, top-k candidates per mention out, deduplicated by concept."""

    def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
        """Return, for each mention, up to ``k`` candidates sorted by descending score.

        An empty or punctuation-only mention gets an empty list.
        """
        ...
