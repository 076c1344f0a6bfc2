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
