"""The three trainers read their configs the same way and raise one error type."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlink.candidates.biencoder_training import BiencoderTrainingConfig
from xlink.classify.train_nli import NLITrainingConfig
from xlink.errors import TrainingConfigError, XlinkError
from xlink.rerank.train import RerankerTrainingConfig

TRAINERS = [NLITrainingConfig, BiencoderTrainingConfig, RerankerTrainingConfig]


@pytest.mark.parametrize("config_class", TRAINERS)
def test_missing_and_unparsable_configs(config_class: type, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        config_class.from_file(tmp_path / "absent.cfg")
    broken = tmp_path / "broken.cfg"
    broken.write_text("[training]\nepochs = ${paths.nowhere}\n", encoding="utf-8")
    with pytest.raises(TrainingConfigError, match=r"broken\.cfg: unreadable config") as caught:
        config_class.from_file(broken)
    assert isinstance(caught.value, XlinkError)  # the CLI prints it as one line, exit code 2


def test_one_error_type_for_every_trainer() -> None:
    from xlink.candidates import biencoder_training
    from xlink.classify import train_nli
    from xlink.rerank import train

    assert biencoder_training.TrainingConfigError is train_nli.TrainingConfigError is train.TrainingConfigError


REPO = Path(__file__).resolve().parents[1]
SHIPPED = {
    NLITrainingConfig: "configs/train_nli.cfg",
    BiencoderTrainingConfig: "configs/train_biencoder.cfg",
    RerankerTrainingConfig: "configs/train_reranker.cfg",
}


@pytest.mark.parametrize("config_class", TRAINERS)
def test_a_misspelt_section_is_refused_not_trained_on_defaults(config_class: type, tmp_path: Path) -> None:
    text = (REPO / SHIPPED[config_class]).read_text(encoding="utf-8").replace("[training]", "[trainig]")
    path = tmp_path / "typo.cfg"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TrainingConfigError, match=r"typo\.cfg: unknown sections \['\[trainig\]'\]"):
        config_class.from_file(path)


@pytest.mark.parametrize(
    ("config_class", "override", "message"),
    [
        (RerankerTrainingConfig, {"training.epochs": 0}, "epochs = 0: give a whole number of at least 1"),
        (RerankerTrainingConfig, {"training.learning_rate": -1e-5}, "learning_rate = -1e-05: give a number above 0"),
        (RerankerTrainingConfig, {"training.batch_mentions": "8"}, "batch_mentions = '8': give a whole number"),
        (RerankerTrainingConfig, {"training.log_every": 0}, "log_every = 0"),
        (BiencoderTrainingConfig, {"training.batch_size": 1}, "batch_size = 1: give at least 2"),
        (BiencoderTrainingConfig, {"training.epochs": 0}, "epochs = 0"),
        (NLITrainingConfig, {"training.epochs": 0}, "epochs = 0: give a number above 0"),
        (NLITrainingConfig, {"training.max_steps": 0}, "max_steps = 0"),
        (NLITrainingConfig, {"training.threads": -1}, "threads = -1"),
        (NLITrainingConfig, {"training.seed": 1.5}, "seed = 1.5: give a whole number"),
        (NLITrainingConfig, {"data.eval_limt": 5}, r"unknown keys in \[data\]: \['eval_limt'\]"),
        (NLITrainingConfig, {"data.eval_limit": 0}, "eval_limit = 0"),
        (NLITrainingConfig, {"data.train.snli.limit": 0}, r"\[data.train.snli\] limit = 0; give a whole number"),
        (NLITrainingConfig, {"data.train.snli.limit": -1}, r"limit = -1"),
        (BiencoderTrainingConfig, {"sources.do.merge": "xrefs"}, r"\[sources.do\] merge = 'xrefs'; give null or \"xref\""),
        (BiencoderTrainingConfig, {"sources.medic.max_pairs": -1}, r"\[sources.medic\] max_pairs = -1"),
        (BiencoderTrainingConfig, {"sources.medic.repeats": 0}, r"repeats = 0"),
        (RerankerTrainingConfig, {"training.device": "gpu"}, r"device = 'gpu'"),
    ],
)
def test_bad_values_are_refused_before_any_work(config_class: type, override: dict[str, object], message: str) -> None:
    with pytest.raises(TrainingConfigError, match=message):
        config_class.from_file(REPO / SHIPPED[config_class], override)


def test_an_unread_paths_key_is_warned_about_not_refused(caplog: pytest.LogCaptureFixture) -> None:
    """[paths] also holds variables for ${paths.x}; a misspelt setting there is named in a warning."""
    import logging

    with caplog.at_level(logging.WARNING):
        BiencoderTrainingConfig.from_file(REPO / SHIPPED[BiencoderTrainingConfig], {"paths.ouput": "x"})
    assert any("[paths] ouput: not read by this trainer" in r.getMessage() for r in caplog.records)


def test_the_reranker_refuses_its_training_corpus_as_dev() -> None:
    train = RerankerTrainingConfig.from_file(REPO / SHIPPED[RerankerTrainingConfig]).train
    with pytest.raises(TrainingConfigError, match="paths.dev is the training corpus"):
        RerankerTrainingConfig.from_file(REPO / SHIPPED[RerankerTrainingConfig], {"paths.dev": train})


def test_the_nli_data_root_set_wins_over_the_environment_which_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XLINK_NLI_DATA", raising=False)
    shipped = REPO / SHIPPED[NLITrainingConfig]
    assert NLITrainingConfig.from_file(shipped).data_root == "../shared/data/nli"  # the working folder's, as spaCy
    monkeypatch.setenv("XLINK_NLI_DATA", "/data/nli")
    assert NLITrainingConfig.from_file(shipped).data_root == "/data/nli"
    assert NLITrainingConfig.from_file(shipped, {"data.root": "mine/nli"}).data_root == "mine/nli"
