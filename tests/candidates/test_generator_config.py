from __future__ import annotations

from pathlib import Path

import pytest

from xlink.candidates.dense import DenseGenerator
from xlink.candidates.ensemble import EnsembleGenerator
from xlink.candidates.tfidf import TfidfGenerator
from xlink.errors import XlinkError
from xlink.linking_config import BEST_GENERATOR, LinkingConfig, build_generator
from xlink.terminology.model import Terminology


def test_dense_index_is_cached_by_fingerprint(
    tiny_model: Path, tiny_terminology: Terminology, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = {"kind": "dense", "model": str(tiny_model), "max_length": 12}
    first = build_generator(tiny_terminology, options, cache_dir=tmp_path)
    assert isinstance(first, DenseGenerator)
    folders = list((tmp_path / "indexes").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("dense-")
    with caplog.at_level("INFO"):
        second = build_generator(tiny_terminology, options, cache_dir=tmp_path)
    assert "loading cached index" in caplog.text
    assert second.generate(["colon cancer"], 3) == first.generate(["colon cancer"], 3)
    build_generator(tiny_terminology, {**options, "pooling": "cls"}, cache_dir=tmp_path)
    assert len(list((tmp_path / "indexes").iterdir())) == 2


def test_ensemble_from_config_file(tiny_model: Path, tiny_terminology: Terminology, tmp_path: Path) -> None:
    cfg = tmp_path / "ensemble.cfg"
    cfg.write_text(
        '[linker]\nk = 8\n\n[generator]\nkind = "ensemble"\nfusion = "rrf"\nk_per_generator = 16\n\n'
        '[generator.members]\n\n[generator.members.tfidf]\nkind = "tfidf"\nweight = 1.0\n\n'
        f'[generator.members.dense]\nkind = "dense"\nweight = 0.5\nmodel = "{tiny_model}"\nmax_length = 12\n'
    )
    config = LinkingConfig.from_disk(cfg)
    generator = build_generator(tiny_terminology, config.generator, cache_dir=tmp_path)
    assert isinstance(generator, EnsembleGenerator)
    assert isinstance(generator.generators[0], TfidfGenerator)
    assert generator.weights == [1.0, 0.5] and generator.fusion == "rrf" and generator.k_per_generator == 16
    assert generator.generate(["breast carcinoma"], 2)[0][0].concept_id == "D001943"


def test_bad_generator_options(tiny_terminology: Terminology, tmp_path: Path) -> None:
    with pytest.raises(XlinkError, match="unknown generator kind"):
        build_generator(tiny_terminology, {"kind": "bm25"}, cache_dir=tmp_path)
    with pytest.raises(XlinkError, match="unknown dense generator options"):
        build_generator(tiny_terminology, {"kind": "dense", "ef": 3}, cache_dir=tmp_path)
    with pytest.raises(XlinkError, match="members"):
        build_generator(tiny_terminology, {"kind": "ensemble"}, cache_dir=tmp_path)
    with pytest.raises(XlinkError, match="pip install"):
        build_generator(tiny_terminology, {"kind": "dense", "model": str(tmp_path / "missing")}, cache_dir=tmp_path)


def test_best_generator_falls_back_to_tfidf_when_not_installed(
    tiny_terminology: Terminology, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    default = dict(BEST_GENERATOR)
    assert default["kind"] == "dense" and default["model"] == "xlink-biencoder-minilm"
    with caplog.at_level("WARNING"):
        generator = build_generator(
            tiny_terminology, {**default, "model": str(tmp_path / "not-installed")}, cache_dir=tmp_path
        )
    assert isinstance(generator, TfidfGenerator)
    assert "pip install" in caplog.text


def test_built_in_defaults_are_the_written_out_config() -> None:
    """``configs/linking/ensemble_rerank.cfg`` says in a file what ``LinkingConfig()`` does."""
    from xlink.linking_config import DEFAULT_GENERATOR, DEFAULT_RERANKER

    written = LinkingConfig.from_disk(Path(__file__).resolve().parents[2] / "configs" / "linking" / "ensemble_rerank.cfg")
    built_in = LinkingConfig()
    dense = dict(built_in.generator["members"]["dense"])
    assert dense.pop("fallback") == "tfidf"  # the built-in one degrades when the bi-encoder is missing
    assert written.generator == {**DEFAULT_GENERATOR, "members": {**DEFAULT_GENERATOR["members"], "dense": dense}}
    assert written.reranker["model"] == DEFAULT_RERANKER["model"] == built_in.reranker["model"]
    assert written.k == built_in.k and written.split_composites == built_in.split_composites
