"""Tiny random BERTs for tests: real HF loading, tokenizing and training paths, in milliseconds.

One layer, hidden size 32, two heads and a word-level vocabulary of the given words plus
single characters and ``##`` continuations; deterministic per seed. The dense-generator
tests use the bare encoder, the reranker tests a one-logit sequence classifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

_CHARS = "abcdefghijklmnopqrstuvwxyz"


def write_tiny_bert(
    folder: Path, words: Sequence[str], *, seed: int = 0, num_labels: int | None = None, max_positions: int = 64
) -> Path:
    """Save a random 1-layer BERT and its ``vocab.txt`` into ``folder``.

    ``num_labels`` None gives a bare ``BertModel``; a number gives a
    ``BertForSequenceClassification`` with that many logits.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, *(f"##{c}" for c in _CHARS), *(_CHARS + "0123456789")]
    (folder / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizer.from_pretrained(folder)  # reads vocab.txt (transformers 4 and 5)
    tokenizer.save_pretrained(folder)
    torch.manual_seed(seed)
    extra = {} if num_labels is None else {"num_labels": num_labels}
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=max_positions, **extra,
    )
    model = BertModel(config) if num_labels is None else BertForSequenceClassification(config)
    model.save_pretrained(folder)
    return folder
