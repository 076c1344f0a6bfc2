"""Training on a tiny random model: the loss goes down, the best dev model is saved, bad input is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xlink.rerank.cross_encoder import CrossEncoderReranker
from xlink.rerank.train import RerankerTrainingConfig, TrainingConfigError, train_reranker


def _config(tiny_cross_encoder: Path, corpora: dict[str, Path], tmp_path: Path, **overrides: object) -> RerankerTrainingConfig:
    values: dict[str, object] = dict(
        train=str(corpora["train"]), dev=str(corpora["dev"]), terminology=str(corpora["terminology"]),
        output=str(tmp_path / "model"), base_model=str(tiny_cross_encoder), k=4, eval_k=4, epochs=12,
        batch_mentions=4, learning_rate=3e-3, warmup_ratio=0.1, max_length=48, seed=3, max_minutes=0,
        eval_every=0, log_every=1000, threads=1, device="cpu",
    )
    values.update(overrides)
    return RerankerTrainingConfig(**values)  # type: ignore[arg-type]


def test_loss_decreases_and_best_dev_model_is_saved(
    tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path
) -> None:
    cfg = _config(tiny_cross_encoder, tiny_corpora, tmp_path, lam=1.0)
    report = train_reranker(cfg)
    n = len(report.losses)
    assert report.steps == n == 12 * 3  # 10 lists / 4 per batch = 3 steps per epoch
    first, last = sum(report.losses[:6]) / 6, sum(report.losses[-6:]) / 6
    assert last < first
    assert report.train_lists["n_lists"] == 10
    assert len(report.evaluations) == 12 and report.best_step >= 0
    saved = json.loads((tmp_path / "model" / "xlink_training.json").read_text())
    assert saved["best_dev_acc1"] == report.best_dev_acc1 and saved["steps"] == report.steps
    assert saved["complete"] is True and report.complete
    model = CrossEncoderReranker.load(tmp_path / "model", device="cpu")
    assert model.config.k == 4 and model.config.max_length == 48


def test_training_is_reproducible(tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path) -> None:
    a = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "a", epochs=2, lam=0.0))
    b = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "b", epochs=2, lam=0.0))
    assert a.losses == b.losses


def test_config_file_and_refusals(tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path) -> None:
    cfg_path = tmp_path / "train.cfg"
    cfg_path.write_text(
        "[paths]\nbase_model = null\noutput = \"out\"\ndata_root = \".\"\n"
        f"train = \"{tiny_corpora['train'].name}\"\ndev = \"{tiny_corpora['dev'].name}\"\n"
        f"terminology = \"{tiny_corpora['terminology'].name}\"\n\n[model]\nmax_length = 40\n\n"
        "[training]\nk = 4\nlam = 0.5\n",
        encoding="utf-8",
    )
    cfg = RerankerTrainingConfig.from_file(cfg_path, {"training.epochs": 3})
    assert cfg.train == str(tiny_corpora["train"]) and cfg.epochs == 3 and cfg.lam == 0.5 and cfg.max_length == 40
    with pytest.raises(TrainingConfigError, match="unknown settings"):
        RerankerTrainingConfig.from_file(cfg_path, {"training.lamda": 1})
    with pytest.raises(TrainingConfigError, match="test split"):
        train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path, train=str(tmp_path / "NCBItestset.txt")))
    with pytest.raises(TrainingConfigError, match="nil = true"):
        _config(tiny_cross_encoder, tiny_corpora, tmp_path, missing_gold="nil")


def test_corpus_without_gold_is_a_clear_error(
    tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path
) -> None:
    unlinked = tmp_path / "unlinked_train.txt"
    unlinked.write_text("1|t|Wilson disease.\n1|a|\n1\t0\t14\tWilson disease\tDisease\t-1\n\n", encoding="utf-8")
    with pytest.raises(TrainingConfigError, match="no mention with a gold id"):
        train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path, train=str(unlinked)))


def test_nil_training_runs(tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path) -> None:
    report = train_reranker(
        _config(tiny_cross_encoder, tiny_corpora, tmp_path, epochs=1, nil=True, missing_gold="nil", k=2)
    )
    assert report.steps == 3 and report.train_lists["mean_list_length"] == 3.0  # 2 candidates + NIL
    assert CrossEncoderReranker.load(tmp_path / "model", device="cpu").config.nil


def test_residual_training_runs_and_is_saved(tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path) -> None:
    report = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path, epochs=2, prior_weight=1.0, max_steps=4))
    assert report.steps == 4 and report.stopped_early and [e["step"] for e in report.evaluations] == [3, 4]
    assert CrossEncoderReranker.load(tmp_path / "model", device="cpu").config.prior_weight == 1.0


def test_exact_match_guard_is_saved_but_not_used_for_selection(
    tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path
) -> None:
    plain = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "a", epochs=2, lam=0.0))
    guarded = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "b", epochs=2, lam=0.0,
                                     exact_match_guard=True))
    assert plain.evaluations == [dict(e, seconds=p["seconds"], pairs_per_s=p["pairs_per_s"], minutes=p["minutes"])
                                 for e, p in zip(guarded.evaluations, plain.evaluations, strict=True)]
    assert not CrossEncoderReranker.load(tmp_path / "a" / "model", device="cpu").config.exact_match_guard
    assert CrossEncoderReranker.load(tmp_path / "b" / "model", device="cpu").config.exact_match_guard


def test_candidates_are_cached_and_reused(tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path) -> None:
    """The first run links and writes each split's candidates; a second run reads them (no corpus needed)."""
    cache = {"train_candidates": str(tmp_path / "train.jsonl"), "dev_candidates": str(tmp_path / "dev.jsonl")}
    a = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "a", epochs=2, lam=0.0, **cache))
    assert Path(cache["train_candidates"]).is_file() and Path(cache["dev_candidates"]).is_file()
    assert Path(cache["train_candidates"] + ".meta.json").is_file()
    elsewhere = tmp_path / "elsewhere"  # the corpus files are not needed, only their names must match
    missing = {"train": str(elsewhere / tiny_corpora["train"].name), "dev": str(elsewhere / tiny_corpora["dev"].name)}
    b = train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "b", epochs=2, lam=0.0, **cache, **missing))
    assert a.losses == b.losses and a.generator_dev == b.generator_dev
    with pytest.raises(TrainingConfigError, match="another k"):  # made for k = 4, asked for k = 6
        train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "c", epochs=1, k=6, eval_k=6, **cache))
    Path(cache["train_candidates"] + ".meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TrainingConfigError, match=r"train.jsonl.meta.json:1: not valid JSON"):
        train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path / "d", epochs=1, **cache))


def test_candidates_file_without_gold_is_refused(
    tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path
) -> None:
    empty = tmp_path / "train.jsonl"
    empty.write_text('{"document_id": "d", "mention_id": "1", "text": "x", "predictions": []}\n', encoding="utf-8")
    with pytest.raises(TrainingConfigError, match="no mention with a gold id"):
        train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path, train_candidates=str(empty)))


@pytest.mark.parametrize("name", ["train_reranker.cfg", "train_reranker_gpu.cfg", "train_reranker_fold.cfg"])
def test_shipped_configs_parse(name: str) -> None:
    cfg = RerankerTrainingConfig.from_file(Path(__file__).resolve().parents[2] / "configs" / name)
    assert cfg.train.endswith("NCBItrainset_corpus.txt") and cfg.dev and cfg.dev.endswith("NCBIdevelopset_corpus.txt")
    assert cfg.k >= 8 and cfg.eval_k >= 8


@pytest.mark.parametrize(
    ("file_name", "word", "expected"),
    [
        ("NCBItestset_corpus.txt", "test", True),
        ("NCBIdevelopset_corpus.txt", "dev", True),
        ("test.txt", "test", True),
        ("ncbi_test2.jsonl", "test", True),
        ("dev.jsonl", "dev", True),
        ("latest_train.pubtator", "test", False),  # a word that merely contains "test"
        ("device_notes_train.txt", "dev", False),
        ("train.txt", "test", False),
        ("validation.jsonl", "dev", True),
        ("test_dictionary.txt", "test", True),  # BioSyn's, which holds the test mentions
        ("CTD_diseases_latest.tsv", "test", False),
        ("valid_ids.txt", "dev", True),
        ("devel.tsv", "dev", True),
        ("CDR_DevelopmentSet.PubTator.txt", "dev", True),
        ("testing.txt", "test", True),
        ("train_dev.tsv", "dev", False),  # a merged training set
        ("test_constraints.txt", "test", True),  # "constraints" holds "train" but is no training split
        ("dev_strains.tsv", "dev", True),
        ("NCBItrain_dev.txt", "dev", False),
        ("pretrain_test.txt", "test", False),
        ("validset.txt", "dev", True),
    ],
)
def test_split_names_match_whole_name_parts(file_name: str, word: str, expected: bool) -> None:
    from xlink.corpus.io import names_split

    assert names_split(file_name, word) is expected


def test_a_checkpoint_saved_during_the_run_says_how_far_it_was(
    tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupted run leaves its best checkpoint; its report must not read as a finished run of 0 steps."""
    import xlink.rerank.train as train_module

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(train_module, "_save_report_only", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path, epochs=2, lam=0.0))
    saved = json.loads((tmp_path / "model" / "xlink_training.json").read_text())
    assert saved["complete"] is False and saved["steps"] == saved["best_step"] > 0
    assert saved["last_loss"] == saved["last_loss"]  # a number, not NaN


def test_every_input_is_checked_before_the_training_split_is_linked(
    tiny_cross_encoder: Path, tiny_corpora: dict[str, Path], tmp_path: Path
) -> None:
    for overrides, message in (
        ({"dev": str(tmp_path / "dev_missing.txt")}, "dev corpus .*dev_missing.txt does not exist"),
        ({"linking_config": str(tmp_path / "nope.cfg")}, "paths.linking_config .*nope.cfg does not exist"),
        ({"base_model": "./no_model_here"}, "base_model ./no_model_here does not exist"),
    ):
        with pytest.raises(TrainingConfigError, match=message):
            train_reranker(_config(tiny_cross_encoder, tiny_corpora, tmp_path, **overrides))
