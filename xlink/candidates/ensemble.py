"""Fusing several candidate generators into one ranking, as xMEN's default ensemble does.

Character n-grams and dense embeddings fail on different mentions: TF-IDF
misses synonyms that share no spelling ("tumour" / "neoplasm"), a bi-encoder
misses rare spellings and abbreviations its training never saw. Each member
proposes ``k_per_generator`` candidates; the union is re-scored by

- ``max``: the weighted maximum of the members' scores,
- ``sum``: the weighted sum of the members' scores (a missing score counts 0),
- ``rrf``: reciprocal-rank fusion, Σ wᵢ / (c + rankᵢ) (Cormack et al., SIGIR 2009),
  which needs no score calibration between members.

The fusion rule and the weights are chosen on a dev split (benchmarks/generators.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xlink.candidates.base import Candidate, CandidateGenerator
from xlink.errors import XlinkError, is_count, is_finite_number

FUSIONS = ("max", "sum", "rrf")


@dataclass
class _Entry:
    score: float
    alias: str
    best: float  # the best weighted member contribution, to pick the alias
    match: float  # the best unweighted member similarity (Candidate.match)
    sources: set[str] = field(default_factory=set)


def member_name(generator: CandidateGenerator) -> str:
    """A short name for a member generator: ``TfidfGenerator`` → ``"tfidf"``."""
    name = type(generator).__name__
    return (name[: -len("Generator")] if name.endswith("Generator") and name != "Generator" else name).lower()


class EnsembleGenerator:
    """Candidates of several generators, fused into one list per mention."""

    def __init__(
        self,
        generators: Sequence[CandidateGenerator],
        weights: Sequence[float] | None = None,
        fusion: str = "max",
        k_per_generator: int = 64,
        rrf_c: float = 60.0,
    ) -> None:
        if not generators:
            raise ValueError("an ensemble needs at least one generator")
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, not {fusion!r}")
        weights = list(weights) if weights is not None else [1.0] * len(generators)
        if len(weights) != len(generators):
            raise ValueError(f"{len(weights)} weights for {len(generators)} generators")
        for weight in weights:
            if not is_finite_number(weight):
                raise XlinkError(f"ensemble weight = {weight!r}; give a finite number of at least 0")
        if not is_count(k_per_generator):
            raise XlinkError(f"ensemble k_per_generator = {k_per_generator!r}; give a whole number of at least 1")
        if not is_finite_number(rrf_c):
            raise XlinkError(f"ensemble rrf_c = {rrf_c!r}; give a finite number of at least 0")
        self.generators = list(generators)
        self.weights = [float(w) for w in weights]
        self.fusion = fusion
        self.k_per_generator = k_per_generator
        self.rrf_c = rrf_c

    def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
        """Top-``k`` fused candidates per mention, one per concept."""
        if k <= 0:
            return [[] for _ in mentions]
        per_generator = max(k, self.k_per_generator)
        lists = [g.generate(mentions, per_generator) for g in self.generators]
        return [self.fuse([found[i] for found in lists], k) for i in range(len(mentions))]

    def fuse(self, member_lists: Sequence[Sequence[Candidate]], k: int) -> list[Candidate]:
        """One mention's member candidate lists (in generator order) → the fused top-k."""
        fused: dict[str, _Entry] = {}
        names = [member_name(g) for g in self.generators]
        for name, weight, candidates in zip(names, self.weights, member_lists, strict=True):
            for rank, c in enumerate(candidates, start=1):
                if self.fusion == "rrf":
                    part = weight / (self.rrf_c + rank)
                else:
                    part = weight * c.score
                similarity = c.similarity if weight > 0 else float("-inf")  # a silenced member decides nothing
                entry = fused.get(c.concept_id)
                if entry is None:
                    fused[c.concept_id] = _Entry(part, c.alias, part, similarity, {name})
                    continue
                entry.sources.add(name)
                entry.match = max(entry.match, similarity)
                if self.fusion == "max":
                    entry.score = max(entry.score, part)
                else:
                    entry.score += part
                if part > entry.best:
                    entry.best, entry.alias = part, c.alias
        # Sort by score; among ties the first generator's order is kept (dicts are ordered).
        ranked = sorted(fused.items(), key=lambda item: -item[1].score)
        return [
            Candidate(concept_id, e.alias, e.score, "+".join(sorted(e.sources)), max(e.match, 0.0))
            for concept_id, e in ranked[:k]
        ]
