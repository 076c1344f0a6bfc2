from __future__ import annotations

from collections.abc import Sequence

import pytest

from xlink.candidates.base import Candidate, CandidateGenerator
from xlink.candidates.ensemble import EnsembleGenerator


class Fixed:
    """A generator that returns hand-made candidates for every mention."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        self.asked: list[int] = []

    def generate(self, mentions: Sequence[str], k: int) -> list[list[Candidate]]:
        self.asked.append(k)
        return [[] if not m.strip() else self.candidates[:k] for m in mentions]


TFIDF = Fixed([Candidate("A", "a1", 0.9), Candidate("B", "b1", 0.8), Candidate("C", "c1", 0.3)])
DENSE = Fixed([Candidate("C", "c2", 0.95), Candidate("A", "a2", 0.7), Candidate("D", "d1", 0.6)])


def ids(found: list[Candidate]) -> list[str]:
    return [c.concept_id for c in found]


def test_weighted_max() -> None:
    ens = EnsembleGenerator([TFIDF, DENSE], weights=[1.0, 1.0], fusion="max")
    assert isinstance(ens, CandidateGenerator)
    found = ens.generate(["m"], k=4)[0]
    assert ids(found) == ["C", "A", "B", "D"]
    assert found[0].alias == "c2" and found[0].score == pytest.approx(0.95)
    assert ids(EnsembleGenerator([TFIDF, DENSE], weights=[1.0, 0.5], fusion="max").generate(["m"], 2)[0]) == ["A", "B"]


def test_weighted_sum() -> None:
    found = EnsembleGenerator([TFIDF, DENSE], fusion="sum").generate(["m"], k=4)[0]
    assert ids(found) == ["A", "C", "B", "D"]  # A: 1.6, C: 1.25, B: 0.8, D: 0.6
    assert found[0].score == pytest.approx(1.6)
    assert found[0].alias == "a1"  # the member that contributed most names the alias


def test_reciprocal_rank_fusion() -> None:
    found = EnsembleGenerator([TFIDF, DENSE], fusion="rrf", rrf_c=0).generate(["m"], k=4)[0]
    # A: 1/1 + 1/2, C: 1/3 + 1/1, B: 1/2, D: 1/3
    assert ids(found) == ["A", "C", "B", "D"]
    assert found[0].score == pytest.approx(1.5)


def test_k_per_generator_and_k() -> None:
    a, b = Fixed(TFIDF.candidates), Fixed(DENSE.candidates)
    found = EnsembleGenerator([a, b], k_per_generator=2).generate(["m", ""], k=1)
    assert a.asked == [2] and b.asked == [2]
    assert len(found[0]) == 1 and found[1] == []
    assert EnsembleGenerator([a, b]).generate(["m"], k=0) == [[]]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="fusion"):
        EnsembleGenerator([TFIDF], fusion="mean")
    with pytest.raises(ValueError, match="weights"):
        EnsembleGenerator([TFIDF, DENSE], weights=[1.0])
    with pytest.raises(ValueError, match="at least one"):
        EnsembleGenerator([])
