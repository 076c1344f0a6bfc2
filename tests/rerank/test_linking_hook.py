"""A [reranker] section in a linking config makes the linker rerank; no section, no reranker."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from xlink.corpus.model import Mention
from xlink.errors import XlinkError
from xlink.linking_config import LinkingConfig, build_linker
from xlink.rerank.cross_encoder import CrossEncoderReranker, RerankerConfig
from xlink.terminology.model import Terminology


@pytest.fixture()
def saved_reranker(tiny_cross_encoder: Path, tiny_terminology: Terminology, tmp_path: Path) -> Path:
    reranker = CrossEncoderReranker.from_base(tiny_cross_encoder, RerankerConfig(k=3), tiny_terminology, device="cpu")
    return reranker.save(tmp_path / "reranker")


def test_config_without_reranker_section_links_as_before(tmp_path: Path, tiny_terminology: Terminology) -> None:
    cfg = tmp_path / "plain.cfg"
    cfg.write_text("[linker]\nk = 5\n\n[generator]\nkind = \"tfidf\"\n", encoding="utf-8")
    config = LinkingConfig.from_disk(cfg)
    assert config.reranker == {}
    linker = build_linker(tiny_terminology, config, cache_dir=tmp_path / "cache")
    assert linker.reranker is None
    (lm,) = linker.link([Mention("d", "1", "colon cancer")])
    assert lm.predictions == lm.candidates


def test_reranker_section_reranks(saved_reranker: Path, tmp_path: Path, tiny_terminology: Terminology) -> None:
    cfg = tmp_path / "configs" / "rerank.cfg"
    cfg.parent.mkdir()
    cfg.write_text(
        "[linker]\nk = 5\n\n[generator]\nkind = \"tfidf\"\n\n"
        "[reranker]\nmodel = \"../reranker\"\nk = 3\nbatch_size = 16\ndevice = \"cpu\"\n",
        encoding="utf-8",
    )
    config = LinkingConfig.from_disk(cfg)
    assert config.reranker["model"] == str(saved_reranker.resolve())
    linker = build_linker(tiny_terminology, config, cache_dir=tmp_path / "cache")
    assert linker.reranker is not None and linker.reranker.config.batch_size == 16
    (lm,) = linker.link([Mention("d", "1", "colon cancer", left_context="we found")])
    assert lm.candidates and {p.concept_id for p in lm.predictions[:3]} == {c.concept_id for c in lm.candidates[:3]}
    assert abs(sum(p.score for p in lm.predictions[:3]) - 1.0) < 1e-4  # reranked: softmax probabilities


def test_missing_reranker_is_an_error_unless_optional(
    tmp_path: Path, tiny_terminology: Terminology, caplog: pytest.LogCaptureFixture
) -> None:
    config = LinkingConfig(reranker={"model": str(tmp_path / "nowhere")})
    with pytest.raises(XlinkError, match="does not exist"):
        build_linker(tiny_terminology, config, cache_dir=tmp_path / "cache")
    config.reranker["optional"] = True
    with caplog.at_level(logging.WARNING):
        linker = build_linker(tiny_terminology, config, cache_dir=tmp_path / "cache")
    assert linker.reranker is None and "without a reranker" in caplog.text
    with pytest.raises(XlinkError, match="unknown"):
        build_linker(tiny_terminology, LinkingConfig(reranker={"model": "x", "temperature": 2}), cache_dir=tmp_path)
