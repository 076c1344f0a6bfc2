from __future__ import annotations

from pathlib import Path

import pytest

from xlink.candidates.base import CandidateGenerator
from xlink.candidates.tfidf import TfidfConfig, TfidfGenerator
from xlink.errors import EmptyTerminologyError, IndexMismatchError, XlinkError
from xlink.terminology.model import Concept, Terminology


@pytest.fixture()
def tiny() -> Terminology:
    return Terminology.from_concepts(
        [
            Concept("D006527", "Hepatolenticular Degeneration", ("Wilson Disease", "Wilson's disease")),
            Concept("D001943", "Breast Neoplasms", ("breast cancer", "breast carcinoma", "Breast Tumors")),
            Concept("D010051", "Ovarian Neoplasms", ("ovarian cancer",)),
            Concept("D003110", "Colonic Neoplasms", ("colon cancer",)),
            Concept("D015179", "Colorectal Neoplasms", ("colorectal cancer",)),
            Concept("D003920", "Diabetes Mellitus"),
            Concept("D006973", "Hypertension", ("high blood pressure",)),
            Concept("D000544", "Alzheimer Disease", ("Alzheimer's disease",)),
            Concept("D003550", "Cystic Fibrosis"),
            Concept("D011125", "Adenomatous Polyposis Coli", ("familial adenomatous polyposis",)),
        ],
        name="tiny",
    )


def test_protocol_and_top1(tiny: Terminology) -> None:
    gen = TfidfGenerator(tiny).build()
    assert isinstance(gen, CandidateGenerator)
    results = gen.generate(["Wilson disease", "breast carcinomas", "colorectal cancers"], k=3)
    assert [r[0].concept_id for r in results] == ["D006527", "D001943", "D015179"]
    assert results[0][0].alias == "Wilson Disease"
    for r in results:
        assert [c.score for c in r] == sorted((c.score for c in r), reverse=True)


def test_candidates_are_deduplicated_by_concept(tiny: Terminology) -> None:
    gen = TfidfGenerator(tiny).build()
    (cands,) = gen.generate(["breast cancer"], k=10)
    ids = [c.concept_id for c in cands]
    assert len(ids) == len(set(ids))
    assert ids[0] == "D001943"


def test_k_larger_than_terminology_and_zero(tiny: Terminology) -> None:
    gen = TfidfGenerator(tiny).build()
    (cands,) = gen.generate(["neoplasms"], k=1000)
    assert 0 < len(cands) <= len(tiny)
    assert gen.generate(["neoplasms"], k=0) == [[]]


@pytest.mark.parametrize("mention", ["", "   ", "!!!", "()-"])
def test_empty_and_punctuation_mentions_get_nothing(tiny: Terminology, mention: str) -> None:
    gen = TfidfGenerator(tiny).build()
    assert gen.generate([mention, "cystic fibrosis"], k=5)[0] == []


def test_small_terminology_keeps_every_name() -> None:
    """min_df=10 (scispaCy, xMEN) would leave a 3-name terminology with no vocabulary."""
    term = Terminology.from_concepts([Concept("A", "alpha"), Concept("B", "beta"), Concept("C", "gamma")])
    gen = TfidfGenerator(term).build()
    assert [r[0].concept_id for r in gen.generate(["alpha", "beta", "gamma"], 1)] == ["A", "B", "C"]


def test_empty_terminology_is_refused() -> None:
    with pytest.raises(EmptyTerminologyError):
        TfidfGenerator(Terminology.from_concepts([])).build()


def test_save_load_round_trip(tiny: Terminology, tmp_path: Path) -> None:
    gen = TfidfGenerator(tiny).build()
    gen.save(tmp_path / "idx")
    loaded = TfidfGenerator.load(tmp_path / "idx", tiny)
    queries = ["Wilson disease", "ovarian carcinoma", "high BP"]
    assert loaded.generate(queries, 5) == gen.generate(queries, 5)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary leftovers


def test_index_for_other_terminology_is_refused(tiny: Terminology, tmp_path: Path) -> None:
    TfidfGenerator(tiny).build().save(tmp_path / "idx")
    other = Terminology.from_concepts([Concept("X", "something else")], name="other")
    with pytest.raises(IndexMismatchError, match="built for terminology 'tiny'"):
        TfidfGenerator.load(tmp_path / "idx", other)


def test_index_with_other_config_is_refused(tiny: Terminology, tmp_path: Path) -> None:
    TfidfGenerator(tiny).build().save(tmp_path / "idx")
    with pytest.raises(IndexMismatchError, match="config"):
        TfidfGenerator.load(tmp_path / "idx", tiny, TfidfConfig(ngram_max=4))


def test_not_an_index(tiny: Terminology, tmp_path: Path) -> None:
    with pytest.raises(XlinkError, match="not an xlink index"):
        TfidfGenerator.load(tmp_path, tiny)


def test_failed_save_leaves_previous_index(tiny: Terminology, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = TfidfGenerator(tiny).build()
    gen.save(tmp_path / "idx")
    before = sorted(p.name for p in (tmp_path / "idx").iterdir())

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("xlink.candidates.tfidf.sp.save_npz", boom)
    with pytest.raises(OSError):
        gen.save(tmp_path / "idx")
    assert sorted(p.name for p in (tmp_path / "idx").iterdir()) == before
    assert TfidfGenerator.load(tmp_path / "idx", tiny).generate(["cystic fibrosis"], 1)[0][0].concept_id == "D003550"
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]


def test_small_blocks_give_same_results(tiny: Terminology) -> None:
    """Chunking the score matrix (as for 1M names) must not change the answer."""
    queries = ["Wilson disease", "breast", "colon cancer", "diabetes", ""]
    full = TfidfGenerator(tiny).build().generate(queries, 4)
    chunked = TfidfGenerator(tiny, TfidfConfig(max_block_cells=1)).build().generate(queries, 4)
    assert chunked == full
