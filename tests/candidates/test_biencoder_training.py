from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlink.candidates.biencoder_training import (
    BiencoderTrainingConfig,
    SourceSpec,
    TrainingConfigError,
    collect_groups,
    train_biencoder,
)
from xlink.candidates.encoder import TextEncoder
from xlink.candidates.losses import InBatchInfoNCELoss, MultiSimilarityLoss
from xlink.terminology.model import Terminology


def _write_terminology(terminology: Terminology, path: Path) -> Path:
    path.write_text(
        "".join(json.dumps(c.to_json()) + "\n" for c in terminology), encoding="utf-8"
    )
    return path


def _config(tiny_model: Path, terminology: Path, output: Path, loss: str = "ms") -> BiencoderTrainingConfig:
    return BiencoderTrainingConfig(
        base_model=str(tiny_model),
        output=str(output),
        sources=[SourceSpec(name="tiny", path=str(terminology), format="jsonl")],
        batch_size=16,
        learning_rate=3e-3,
        warmup_ratio=0.0,
        epochs=5,
        max_length=12,
        loss=loss,
        ms_beta=10.0,
        seed=1,
        log_every=1000,
    )


@pytest.mark.parametrize("loss", ["ms", pytest.param("infonce", marks=pytest.mark.slow)])
def test_a_few_steps_lower_the_loss_and_save_fp16(
    loss: str, tiny_model: Path, tiny_terminology: Terminology, tmp_path: Path
) -> None:
    terminology = _write_terminology(tiny_terminology, tmp_path / "tiny.jsonl")
    report = train_biencoder(_config(tiny_model, terminology, tmp_path / "out", loss))
    assert report.steps == report.planned_steps >= 8 and report.n_pairs > 0
    assert report.last_loss < report.first_loss
    from safetensors import safe_open

    with safe_open(str(tmp_path / "out" / "model.safetensors"), "pt") as handle:
        assert {str(handle.get_tensor(k).dtype) for k in handle.keys()} == {"torch.float16"}
    assert (tmp_path / "out" / "modules.json").exists()
    assert json.loads((tmp_path / "out" / "xlink_training.json").read_text())["steps"] == report.steps
    encoder = TextEncoder(tmp_path / "out", max_length=12)  # loads back, in float32
    assert encoder.encode(["colon cancer"]).dtype.name == "float32"


def test_dev_and_test_splits_are_refused(tmp_path: Path) -> None:
    for name in ("NCBItestset_corpus.txt", "NCBIdevelopset_corpus.txt", "dev_queries.txt"):
        path = tmp_path / name
        path.write_text("")
        with pytest.raises(TrainingConfigError, match="dev or test"):
            collect_groups([SourceSpec(name="c", path=str(path), kind="corpus", format="pubtator")])


def test_a_terminology_whose_name_merely_contains_test_is_not_a_split(tmp_path: Path) -> None:
    """"latest" holds "test": the bi-encoder refused CTD_diseases_latest.tsv before splits were read by name parts."""
    path = tmp_path / "CTD_diseases_latest.tsv"
    path.write_text("# DiseaseName\tDiseaseID\tAltDiseaseIDs\tDefinition\tParentIDs\tTreeNumbers\tParentTreeNumbers\tSynonyms\n"
                    "Colonic Neoplasms\tMESH:D003110\t\t\t\t\t\tColon Cancer\n", encoding="utf-8")
    groups = collect_groups([SourceSpec(name="medic", path=str(path), kind="terminology", format="ctd")])
    assert len(groups.by_id) >= 1
    dictionary = tmp_path / "test_dictionary.txt"
    dictionary.write_text("D003110||colon cancer\n", encoding="utf-8")
    with pytest.raises(TrainingConfigError, match="dev or test"):
        collect_groups([SourceSpec(name="d", path=str(dictionary), kind="terminology", format="biosyn")])


def test_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "train.cfg"
    cfg.write_text(
        '[paths]\nbase_model = null\noutput = "out"\ndata_root = "data"\n\n'
        '[sources]\n\n[sources.medic]\npath = "medic.tsv"\nformat = "ctd"\nmax_pairs = 10\n\n'
        "[training]\nbatch_size = 64\nloss = \"infonce\"\n"
    )
    config = BiencoderTrainingConfig.from_file(cfg)
    assert config.batch_size == 64 and config.loss == "infonce" and config.base_model is None
    assert config.sources[0].path == str(tmp_path / "data" / "medic.tsv")
    assert config.sources[0].max_pairs == 10
    cfg.write_text(cfg.read_text() + "bogus = 1\n")
    with pytest.raises(TrainingConfigError, match="bogus"):
        BiencoderTrainingConfig.from_file(cfg)


def test_losses_prefer_separated_groups() -> None:
    import torch

    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    good = torch.nn.functional.normalize(torch.eye(3).repeat(2, 1) + 0.05 * torch.randn(6, 3), dim=-1)
    bad = torch.nn.functional.normalize(torch.ones(6, 3) + 0.05 * torch.randn(6, 3), dim=-1)
    for loss in (MultiSimilarityLoss(), InBatchInfoNCELoss()):
        assert loss(good, labels) < loss(bad, labels)


def test_the_saved_pooling_is_the_trained_one_not_the_bases(
    tiny_model: Path, tiny_terminology: Terminology, tmp_path: Path
) -> None:
    import shutil

    base = tmp_path / "base"
    shutil.copytree(tiny_model, base)
    (base / "1_Pooling").mkdir(exist_ok=True)
    (base / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True}
    ))
    (base / "modules.json").write_text(json.dumps([{"idx": 1, "name": "1", "path": "1_Pooling",
                                                    "type": "sentence_transformers.models.Pooling"}]))
    terminology = _write_terminology(tiny_terminology, tmp_path / "tiny.jsonl")
    config = _config(base, terminology, tmp_path / "out")
    config.pooling, config.epochs = "cls", 1
    train_biencoder(config)
    saved = json.loads((tmp_path / "out" / "1_Pooling" / "config.json").read_text())
    assert (saved["pooling_mode_cls_token"], saved["pooling_mode_mean_tokens"]) == (True, False)
