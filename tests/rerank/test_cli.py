"""``xlink train reranker`` through the CLI app, on the tiny model and corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.mark.slow
def test_train_reranker_command(tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path) -> None:
    from xlink.cli import app

    cfg = tmp_path / "train.cfg"
    cfg.write_text(
        f"[paths]\nbase_model = \"{tiny_cross_encoder}\"\noutput = \"unused\"\ndata_root = \".\"\n"
        f"train = \"{tiny_corpora['train'].name}\"\ndev = \"{tiny_corpora['dev'].name}\"\n"
        f"terminology = \"{tiny_corpora['terminology'].name}\"\n\n[model]\nmax_length = 40\n\n"
        "[training]\nk = 4\neval_k = 4\nepochs = 1\nmax_minutes = 0\nthreads = 1\n",
        encoding="utf-8",
    )
    out = tmp_path / "model"
    result = CliRunner().invoke(
        app, ["train", "reranker", "--config", str(cfg), "--output", str(out), "--json", "--quiet",
              "--set", "training.lam=0.5"], catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["steps"] == 2 and report["config"]["lam"] == 0.5
    assert (out / "xlink_reranker.json").exists() and (out / "model.safetensors").exists()
    quiet = CliRunner().invoke(
        app, ["train", "reranker", "--config", str(cfg), "--output", str(tmp_path / "model2"), "--quiet"],
        catch_exceptions=False,
    )
    assert quiet.exit_code == 0 and quiet.stdout.startswith(f"saved {tmp_path / 'model2'}: 2 steps")
