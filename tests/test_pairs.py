"""xlink.pairs: pairs tokenized once, batched by token count, padded per batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import xlink.classify.nli_model as nli_model
from xlink.classify.nli_model import NLIModel
from xlink.pairs import EncodedPairs, collate, encode_pairs, length_batches, pad_id


@pytest.fixture(scope="module")
def tokenizer(tiny_nli_dir: Path) -> object:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_nli_dir))


@pytest.fixture(scope="module")
def tiny_nli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xlink.classify.tiny import make_tiny_nli_model

    return make_tiny_nli_model(tmp_path_factory.mktemp("pairs_nli"))


def test_encode_matches_the_tokenizer_and_counts_truncation(tokenizer: object) -> None:
    first = ["a b c d e f g h i j k l m n o p", "a"]
    second = ["x", "y z"]
    encoded = encode_pairs(tokenizer, first, second, max_length=8)
    reference = tokenizer(first, second, truncation=True, max_length=8)["input_ids"]  # type: ignore[operator]
    assert encoded.input_ids == [list(x) for x in reference]
    assert encoded.lengths() == [8, len(reference[1])]
    assert encoded.truncated == 1
    assert encoded.token_type_ids is not None and len(encoded.token_type_ids[1]) == len(reference[1])
    exact = len(tokenizer("a b c", "x")["input_ids"])  # type: ignore[operator]
    assert encode_pairs(tokenizer, ["a b c"], ["x"], max_length=exact).truncated == 0  # fits: not cut
    assert encode_pairs(tokenizer, ["a b c"], ["x"], max_length=exact - 1).truncated == 1


def test_encode_rejects_unequal_sides_and_accepts_nothing(tokenizer: object) -> None:
    with pytest.raises(ValueError, match="2 first texts but 1 second"):
        encode_pairs(tokenizer, ["a", "b"], ["c"], 8)
    assert len(encode_pairs(tokenizer, [], [], 8)) == 0


def test_length_batches_sort_by_tokens_and_cover_every_row() -> None:
    lengths = [5, 2, 9, 2, 7]
    batches = list(length_batches(lengths, 2))
    assert [b.tolist() for b in batches] == [[1, 3], [0, 4], [2]]
    with pytest.raises(ValueError):
        list(length_batches(lengths, 0))


def test_collate_pads_to_the_longest_pair_of_the_batch() -> None:
    encoded = EncodedPairs([[1, 5, 2], [1, 6, 7, 8, 2], [1, 2]], [[0, 0, 0], [0, 0, 1, 1, 1], [0, 0]])
    batch = collate(encoded, [0, 2], 9)
    assert batch["input_ids"].tolist() == [[1, 5, 2], [1, 2, 9]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert batch["token_type_ids"].tolist() == [[0, 0, 0], [0, 0, 0]]
    wide = collate(encoded, [1], 0, torch.device("cpu"))
    assert wide["token_type_ids"].tolist() == [[0, 0, 1, 1, 1]]
    assert "token_type_ids" not in collate(EncodedPairs([[1, 2]], None), [0], 0)


def test_pad_id_defaults_to_zero() -> None:
    class NoPad:
        pad_token_id = None

    assert pad_id(NoPad()) == 0


def test_nli_logits_keep_input_order_across_tokenization_chunks(tiny_nli_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = NLIModel(str(tiny_nli_dir), batch_size=3)
    premises = ["the team plays a long game tonight", "a", "vote", "my card is lost and I need a new one", "rain"] * 3
    hypotheses = ["This is about sports.", "This is about music.", "x", "This is about banking.", "y"] * 3
    one_by_one = np.concatenate([model.logits([p], [h]) for p, h in zip(premises, hypotheses, strict=True)])
    whole = model.logits(premises, hypotheses)
    monkeypatch.setattr(nli_model, "TOKENIZE_CHUNK", 4)
    chunked = model.logits(premises, hypotheses)
    assert np.allclose(whole, one_by_one, atol=1e-5)
    assert np.allclose(chunked, one_by_one, atol=1e-5)
