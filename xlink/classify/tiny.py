"""A tiny random NLI model, for tests and examples that must not need a real model.

It has the shape of a real one (a BERT sequence classifier with ``id2label`` and a WordPiece
tokenizer) so every loading path of xlink can be exercised in milliseconds. Its predictions
are meaningless.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

_SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_WORDS = (
    "this example is about the a of to and in it my card money account transfer sports politics "
    "weather music cooking news world business science tech game team vote rain song recipe good bad "
    "man woman dog cat plays runs is not no yes entailment neutral contradiction".split()
)


def make_tiny_nli_model(
    directory: str | Path,
    words: Iterable[str] = (),
    seed: int = 0,
    id2label: dict[int, str] | None = None,
) -> Path:
    """Save a random 1-layer BERT NLI classifier and its tokenizer to ``directory``."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast  # type: ignore[attr-defined]  # a runtime-only alias in transformers 5

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = list(dict.fromkeys([*_SPECIAL, *_WORDS, *(w.lower() for w in words), *"abcdefghijklmnopqrstuvwxyz0123456789.,?!'"]))
    vocab += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(directory / "vocab.txt"), do_lower_case=True, model_max_length=128)
    labels = id2label or {0: "entailment", 1: "neutral", 2: "contradiction"}
    torch.manual_seed(seed)
    config = BertConfig(  # type: ignore[call-arg]  # num_labels goes through **kwargs, untyped in transformers 5
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=128,
        num_labels=len(labels),
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    model = BertForSequenceClassification(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
