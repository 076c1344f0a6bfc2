"""What the trainers write, and where they refuse to write it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from xlink.cli import app
from xlink.errors import TrainingConfigError
from xlink.rerank.train import RerankerTrainingConfig

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, str(result.exception or "") + result.output


def test_an_output_over_the_base_model_or_around_a_candidate_cache_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text = _run("train", "reranker", "--config", str(REPO / "configs/train_reranker.cfg"), "-o", str(out),
                      "--set", f'paths.train_candidates="{out / "train.jsonl"}"')
    assert code != 0 and "would replace train_candidates" in text and not out.exists()
    base = tmp_path / "base"
    base.mkdir()
    code, text = _run("train", "biencoder", "--config", str(REPO / "configs/train_biencoder.cfg"), "-o", str(base / "m"),
                      "--set", f'paths.base_model="{base}"')
    assert code != 0 and "would replace base_model" in text


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_a_cuda_device_without_cuda_is_refused_before_any_work() -> None:
    with pytest.raises(TrainingConfigError, match="sees no CUDA device"):
        RerankerTrainingConfig.from_file(REPO / "configs/train_reranker.cfg", {"training.device": "cuda"})


def test_loading_the_checkpoint_of_an_unfinished_run_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from xlink.rerank.cross_encoder import _warn_if_incomplete

    (tmp_path / "xlink_training.json").write_text(json.dumps({"complete": False, "steps": 40}), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        _warn_if_incomplete(tmp_path)
    assert "did not finish (step 40" in caplog.text
    caplog.clear()
    (tmp_path / "xlink_training.json").write_text(json.dumps({"complete": True, "steps": 40}), encoding="utf-8")
    _warn_if_incomplete(tmp_path)
    assert "did not finish" not in caplog.text
