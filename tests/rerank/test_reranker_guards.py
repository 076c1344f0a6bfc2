"""The reranker keeps its marked mention under truncation, counts truncation per call, and refuses
folders it would misread: a lost tokenizer, settings it cannot honour, an unusable device."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from xlink.corpus.model import Mention
from xlink.errors import XlinkError
from xlink.linker import LinkedMention, PredictedConcept
from xlink.pairs import encode_pairs
from xlink.rerank.cross_encoder import CrossEncoderReranker, RerankerConfig
from xlink.terminology.model import Terminology


@pytest.fixture()
def reranker(tiny_cross_encoder: Path, tiny_terminology: Terminology) -> CrossEncoderReranker:
    return CrossEncoderReranker.from_base(
        tiny_cross_encoder, RerankerConfig(k=4, max_length=12), tiny_terminology, device="cpu"
    )


def _tokens(reranker: CrossEncoderReranker, ids: list[int]) -> list[str]:
    return list(reranker.tokenizer.convert_ids_to_tokens(ids))


def test_truncation_keeps_the_marked_mention_and_cuts_context_first(reranker: CrossEncoderReranker) -> None:
    mention = "we found the patients with a [START] colon cancer [END] in the breast cancer patients"
    encoded = reranker.encode_pairs([mention], ["colonic neoplasms"])
    tokens = _tokens(reranker, encoded.input_ids[0])
    assert len(tokens) == 12
    first = tokens[1 : tokens.index("[SEP]")]
    # 15 + 2 tokens and 3 special ones: the longer first text loses 8, its whole right context (5)
    # and then the start of its left context (3); the mention stays whole, the candidate too
    assert first == ["patients", "with", "a", "[START]", "colon", "cancer", "[END]"]
    assert tokens[tokens.index("[SEP]") + 1 :] == ["colonic", "neoplasms", "[SEP]"]
    assert encoded.truncated == 1
    # the tokenizer's own longest_first cuts the end: the end marker and the mention go
    plain = encode_pairs(reranker.tokenizer, [mention], ["colonic neoplasms"], 12)
    assert "[END]" not in _tokens(reranker, plain.input_ids[0])


def test_a_mention_longer_than_the_budget_keeps_both_markers(reranker: CrossEncoderReranker) -> None:
    mention = "[START] familial adenomatous polyposis coli of the colon and the breast cancer [END] found"
    tokens = _tokens(reranker, reranker.encode_pairs([mention], ["a"]).input_ids[0])
    assert len(tokens) == 12
    assert tokens[1] == "[START]" and tokens[tokens.index("[SEP]") - 1] == "[END]"
    assert tokens[2:5] == ["familial", "adenomatous", "polyposis"]  # the mention is cut from its end


def test_pairs_that_fit_are_not_cut_nor_counted(reranker: CrossEncoderReranker) -> None:
    mention = "[START] colon cancer [END] in a"
    encoded = reranker.encode_pairs([mention], ["colon"])
    full = reranker.tokenizer([mention], ["colon"])["input_ids"][0]
    assert encoded.input_ids[0] == list(full) and encoded.truncated == 0
    # exactly max_length tokens: not cut, not counted
    exact = encode_pairs(reranker.tokenizer, ["a b c d"], ["e f g h"], 11)
    assert len(exact.input_ids[0]) == 11 and exact.truncated == 0


def test_truncation_counts_are_per_call_and_sum_in_totals(
    reranker: CrossEncoderReranker, tiny_terminology: Terminology
) -> None:
    preds = [PredictedConcept(i, tiny_terminology[i].canonical_name, 1.0 - 0.1 * n, (i,)) for n, i in
             enumerate(["D001943", "D010051", "D003110"])]
    long_left = " ".join(["the patients with"] * 6)
    mention = Mention("d", "breast cancer", "breast cancer", left_context=long_left, right_context=long_left)
    linked = [LinkedMention(mention=mention, candidates=preds)]
    for _ in range(3):
        reranker.rerank(linked)
        assert reranker.stats.truncated == 3 and reranker.stats.pairs == 3
    assert reranker.totals.truncated == 9 and reranker.totals.pairs == 9


def _saved(reranker: CrossEncoderReranker, folder: Path) -> Path:
    reranker.save(folder)
    return folder


def test_load_refuses_a_folder_that_lost_its_tokenizer(reranker: CrossEncoderReranker, tmp_path: Path) -> None:
    folder = _saved(reranker, tmp_path / "r")
    CrossEncoderReranker.load(folder, device="cpu")  # complete: loads
    for name in ("tokenizer.json", "vocab.txt"):
        (folder / name).unlink(missing_ok=True)
    with pytest.raises(XlinkError, match="tokenizer has .* entries but the model has .* token embeddings"):
        CrossEncoderReranker.load(folder, device="cpu")


def _edit_settings(folder: Path, **changes: object) -> None:
    path = folder / "xlink_reranker.json"
    record = json.loads(path.read_text())
    for key, value in changes.items():
        if key.startswith("inputs."):
            record["inputs"][key.split(".", 1)[1]] = value
        else:
            record[key] = value
    path.write_text(json.dumps(record))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": 99}, "newer than this xlink reads"),
        ({"inputs.context_size": 4}, "unknown 'inputs' settings"),
        ({"score_norm": "minmax"}, "score_norm = 'minmax'"),
        ({"max_length": 0}, "max_length = 0"),
        ({"inputs.start_marker": "<m>"}, "lacks the mention markers"),
    ],
)
def test_load_refuses_settings_it_cannot_honour(
    reranker: CrossEncoderReranker, tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    folder = _saved(reranker, tmp_path / "r")
    _edit_settings(folder, **changes)
    with pytest.raises(XlinkError, match=message) as err:
        CrossEncoderReranker.load(folder, device="cpu")
    if "markers" not in message:
        assert "xlink_reranker.json" in str(err.value)  # the file is named


def test_load_refuses_malformed_settings_json(reranker: CrossEncoderReranker, tmp_path: Path) -> None:
    folder = _saved(reranker, tmp_path / "r")
    (folder / "xlink_reranker.json").write_text('{"k": 4,')
    with pytest.raises(XlinkError, match=r"xlink_reranker.json: not valid JSON"):
        CrossEncoderReranker.load(folder, device="cpu")


def test_an_unusable_device_is_refused_before_loading(reranker: CrossEncoderReranker, tmp_path: Path) -> None:
    import torch

    folder = _saved(reranker, tmp_path / "r")
    with pytest.raises(XlinkError, match="reranker device 'gpu'"):
        CrossEncoderReranker.load(folder, device="gpu")
    if not torch.cuda.is_available():
        with pytest.raises(XlinkError, match="sees no CUDA device"):
            CrossEncoderReranker.load(folder, device="cuda")


def test_training_warns_when_the_prior_is_normalized_over_other_list_lengths(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from xlink.rerank.train import RerankerTrainingConfig

    base = {"train": str(tmp_path / "t.txt"), "dev": str(tmp_path / "d.txt"), "terminology": str(tmp_path / "m.txt")}
    with caplog.at_level(logging.WARNING, logger="xlink.rerank.train"):
        RerankerTrainingConfig(**base, k=8, eval_k=16, prior_weight=1.0, score_norm="zscore")
    assert "normalizes the generator scores over the 8 candidates" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="xlink.rerank.train"):
        RerankerTrainingConfig(**base, k=16, eval_k=16, prior_weight=1.0, score_norm="zscore")
        RerankerTrainingConfig(**base, k=8, eval_k=16, prior_weight=0.0, score_norm="zscore")
    assert "normalizes" not in caplog.text


def test_a_copied_folder_with_its_tokenizer_still_loads(reranker: CrossEncoderReranker, tmp_path: Path) -> None:
    folder = _saved(reranker, tmp_path / "r")
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    loaded = CrossEncoderReranker.load(copy, device="cpu")
    assert loaded.encode_pairs(["[START] colon cancer [END]"], ["colon"]).input_ids == reranker.encode_pairs(
        ["[START] colon cancer [END]"], ["colon"]
    ).input_ids


def test_a_max_length_beyond_the_model_is_clamped(reranker: CrossEncoderReranker, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    folder = _saved(reranker, tmp_path / "r")
    _edit_settings(folder, max_length=100000)
    with caplog.at_level(logging.WARNING, logger="xlink.rerank.cross_encoder"):
        loaded = CrossEncoderReranker.load(folder, device="cpu")
    assert loaded.config.max_length == 128 and "more than its model takes; using 128" in caplog.text
