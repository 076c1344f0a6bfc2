"""Text pairs for cross-encoders: tokenize once, batch by token length, pad each batch to its own width.

The reranker (mention, candidate), the NLI model (premise, hypothesis) and NLI training all
score text pairs with one transformer pass per pair. Most of that cost is proportional to
the padded batch width, so pairs are tokenized once without padding, ordered by their real
token count and padded per batch. Ordering by character count instead, which needs no
tokenizer pass, pads Banking77's zero-shot pairs by 16-18% more tokens than they hold;
ordering by token count leaves 0.5-2%.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


@dataclass
class EncodedPairs:
    """Tokenized pairs, unpadded: token ids and segment ids per pair.

    ``truncated`` counts the pairs cut to the tokenizer's ``max_length``.
    """

    input_ids: list[list[int]]
    token_type_ids: list[list[int]] | None
    truncated: int = 0

    def __len__(self) -> int:
        return len(self.input_ids)

    def lengths(self) -> list[int]:
        """Token count of each pair, special tokens included."""
        return [len(ids) for ids in self.input_ids]


def encode_pairs(tokenizer: object, first: Sequence[str], second: Sequence[str], max_length: int) -> EncodedPairs:
    """Tokenize ``(first[i], second[i])`` pairs once, cutting the longer side first to ``max_length``."""
    if len(first) != len(second):
        raise ValueError(f"{len(first)} first texts but {len(second)} second texts")
    if not first:
        return EncodedPairs([], None)
    enc = tokenizer(  # type: ignore[operator]
        list(first), list(second), truncation="longest_first", max_length=max_length, padding=False
    )
    ids = [list(x) for x in enc["input_ids"]]
    types = [list(x) for x in enc["token_type_ids"]] if "token_type_ids" in enc else None
    return EncodedPairs(ids, types, sum(1 for x in ids if len(x) >= max_length))


def length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Row indices in batches of similar token count, shortest first (stable for ties)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    for lo in range(0, len(order), batch_size):
        yield order[lo : lo + batch_size]


def collate(encoded: EncodedPairs, rows: Sequence[int] | np.ndarray, pad_id: int, device: torch.device | str | None = None) -> dict[str, torch.Tensor]:
    """Pad the chosen pairs to the longest of them: ``input_ids``, ``attention_mask`` (and ``token_type_ids``)."""
    import torch

    width = max(len(encoded.input_ids[i]) for i in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    types = torch.zeros((len(rows), width), dtype=torch.long) if encoded.token_type_ids is not None else None
    for r, i in enumerate(rows):
        ids = encoded.input_ids[i]
        input_ids[r, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        mask[r, : len(ids)] = 1
        if types is not None and encoded.token_type_ids is not None:
            types[r, : len(ids)] = torch.tensor(encoded.token_type_ids[i], dtype=torch.long)
    batch = {"input_ids": input_ids, "attention_mask": mask}
    if types is not None:
        batch["token_type_ids"] = types
    if device is not None:
        batch = {k: v.to(device) for k, v in batch.items()}
    return batch


def pad_id(tokenizer: object) -> int:
    """The tokenizer's padding id (0 for tokenizers without one)."""
    value = getattr(tokenizer, "pad_token_id", None)
    return int(value) if value is not None else 0
