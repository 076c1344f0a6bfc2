"""ONNX export of a tiny reranker: fp32 matches torch, int8 stays close, variable shapes work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xlink.rerank.cross_encoder import CrossEncoderReranker, RerankerConfig

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


@pytest.mark.slow
def test_onnx_scores_match_torch(tiny_cross_encoder: Path, tmp_path: Path) -> None:
    from xlink.rerank.onnx import attach_onnx, export_onnx

    reranker = CrossEncoderReranker.from_base(tiny_cross_encoder, RerankerConfig(batch_size=3), device="cpu")
    mentions = ["we found [START] colon cancer [END] in a"] * 4 + ["[START] wilson disease [END]"]
    candidates = ["Colonic Neoplasms ; colon cancer", "Breast Neoplasms", "x", "diabetes mellitus type 2 ; a ; b", "Wilson"]
    expected = reranker.score_pairs(mentions, candidates)
    int8 = export_onnx(reranker, tmp_path / "onnx", quantize=True)
    attach_onnx(reranker, tmp_path / "onnx" / "model.onnx")
    np.testing.assert_allclose(reranker.score_pairs(mentions, candidates), expected, atol=1e-4)
    attach_onnx(reranker, int8)
    np.testing.assert_allclose(reranker.score_pairs(mentions, candidates), expected, atol=0.1)


def test_export_replaces_both_files_and_restores_the_model(tiny_cross_encoder: Path, tmp_path: Path) -> None:
    from xlink.rerank.onnx import export_onnx

    reranker = CrossEncoderReranker.from_base(tiny_cross_encoder, RerankerConfig(), device="cpu")
    folder = tmp_path / "onnx"
    export_onnx(reranker, folder, quantize=True)
    assert (folder / "model.int8.onnx").exists()
    reranker.model.train()
    export_onnx(reranker, folder, quantize=False)  # another export: no stale int8 copy stays beside it
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx"]
    assert reranker.model.training  # the mode it had before the export
