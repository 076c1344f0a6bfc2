"""A thin, batched wrapper over any Hugging Face NLI cross-encoder.

Used by the zero-shot classifier, by ``xlink evaluate-nli`` and by NLI training for its
evaluations. Pairs are tokenized once, batched by token count and padded per batch only to
the longest pair in that batch (:mod:`xlink.pairs`), which matters on CPU where padding
tokens cost as much as real ones.

The model is loaded in float32 whatever dtype its weights are stored in (xlink ships fp16
weights to keep the package small; fp16 matmuls are slow or unsupported on many CPUs).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from xlink.errors import XlinkError
from xlink.pairs import collate, encode_pairs, length_batches, pad_id, position_limit
from xlink.parallel import one_thread_in_forked_child

logger = logging.getLogger(__name__)


class NLIModelError(XlinkError):
    """The model cannot be used as an NLI classifier."""


TOKENIZE_CHUNK = 16384  # pairs tokenized at once by NLIModel.logits

PACKAGED_NLI_NAMES: tuple[str, ...] = ("xlink-nli-minilm", "xlink_nli_minilm")


def default_nli_model() -> str:
    """Path of the NLI model shipped as the ``xlink_nli_minilm`` package.

    Raises :class:`NLIModelError` with the install command when the package is absent.
    """
    try:
        import xlink_nli_minilm
    except ImportError as err:
        raise NLIModelError(
            "no NLI model given and the default model package is not installed; "
            "pass --model PATH_OR_HUB_ID or run `pip install ./pipelines/xlink_nli_minilm`"
        ) from err
    try:
        return str(xlink_nli_minilm.get_model_path())
    except FileNotFoundError as err:
        raise NLIModelError(f"the default model package is installed without weights: {err}") from err


@dataclass(frozen=True)
class LabelIndices:
    """Where the entailment, neutral and contradiction logits sit in the model's output."""

    entailment: int
    contradiction: int
    neutral: int | None


def find_label_indices(id2label: dict[int, str] | dict[str, str]) -> LabelIndices:
    """Read the entailment/contradiction/neutral positions from ``config.id2label``.

    Accepts the spellings used on the Hub (``ENTAILMENT``, ``entailment``, ``entails``...).
    Raises :class:`NLIModelError` when there is no entailment label, because the indices
    would otherwise be guessed -- a silent and common source of wrong zero-shot results.
    """
    found: dict[str, int] = {}
    for raw_id, raw_name in id2label.items():
        name = str(raw_name).strip().lower()
        if name.startswith("entail"):
            found.setdefault("entailment", int(raw_id))
        elif name.startswith("contradict"):
            found.setdefault("contradiction", int(raw_id))
        elif name.startswith("neutral"):
            found.setdefault("neutral", int(raw_id))
        elif name.startswith("not") and "entail" in name:
            found.setdefault("not_entailment", int(raw_id))
    if "entailment" not in found:
        raise NLIModelError(f"the model's config.id2label {dict(id2label)} has no entailment label")
    contradiction = found.get("contradiction", found.get("not_entailment"))
    if contradiction is None:
        raise NLIModelError(
            f"the model's config.id2label {dict(id2label)} has no contradiction or not_entailment label"
        )
    return LabelIndices(found["entailment"], contradiction, found.get("neutral"))


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Dynamic int8 quantization of the Linear layers (CPU only; about 1.5-2x faster).

    Caveat, measured: dynamic quantization scales activations per batch, so a pair's
    scores depend on the other pairs in its batch. Pruned and full-label runs then batch
    differently and disagree on the top label far more often than pruning explains
    (SNIPS: 84% agreement at alpha=0.01 with int8 against the conformal 99%). Use float32
    where pruned and full results must agree.

    Uses ``torch.ao.quantization.quantize_dynamic``, deprecated in recent torch releases
    but still present in torch 2.13; when it is missing the float model is returned.
    """
    import warnings

    quantize = getattr(getattr(getattr(torch, "ao", None), "quantization", None), "quantize_dynamic", None)
    if quantize is None:
        logger.warning("torch.ao.quantization.quantize_dynamic is unavailable; using the float32 model")
        return model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize(model, {torch.nn.Linear}, dtype=torch.qint8)


class NLIModel:
    """An NLI cross-encoder that scores (premise, hypothesis) pairs in length-sorted batches."""

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        max_length: int = 128,
        batch_size: int = 64,
        device: str | None = None,
        int8: bool = False,
        bf16: bool = False,
    ) -> None:
        """``bf16=True`` runs the forward pass under bfloat16 autocast: on CPUs with AMX or
        AVX512-BF16 (and on GPUs) about 2-3x faster than float32. Unlike dynamic int8, no
        scale is computed from the batch, so a pair's logits move only by rounding when its
        batch-mates (and so its padding) change: about 0.02-0.04 logits here, against int8's
        top-label flips. On CPUs without bf16 instructions it is slower than float32.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        # the shipped package answers to its distribution and module names, as other xlink models do
        packaged = model is None or str(model) in PACKAGED_NLI_NAMES
        self.name = default_nli_model() if packaged else str(model)
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        try:
            self.tokenizer: Any = AutoTokenizer.from_pretrained(self.name)
            self.model = AutoModelForSequenceClassification.from_pretrained(self.name, dtype=torch.float32)
        except OSError as err:
            raise NLIModelError(f"cannot load NLI model {self.name!r}: {err}") from err
        self.model.to(self.device).eval()
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise NLIModelError(f"max_length = {max_length!r}; give at least 1 token (the default is 128)")
        limit = position_limit(
            getattr(self.model.config, "max_position_embeddings", None), getattr(self.tokenizer, "model_max_length", None)
        )
        if limit is not None and max_length > limit:  # beyond it the forward pass fails on long texts
            logger.warning("max_length = %d is more than NLI model %r takes; using %d", max_length, self.name, limit)
            self.max_length = limit
        self.int8 = int8 and self.device.type == "cpu"
        if self.int8:
            self.model = quantize_int8(self.model)
        if bf16 and self.int8:
            raise NLIModelError("choose int8 or bf16, not both")
        self.bf16 = bf16
        self.labels = find_label_indices(self.model.config.id2label)

    @classmethod
    def from_objects(cls, model: torch.nn.Module, tokenizer: object, *, max_length: int = 128, batch_size: int = 64) -> NLIModel:
        """Wrap an already loaded model and tokenizer (used during training)."""
        self = cls.__new__(cls)
        self.name = getattr(getattr(model, "config", None), "name_or_path", "<in memory>")
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = next(model.parameters()).device
        self.tokenizer = tokenizer
        self.model = model
        self.int8 = False
        self.bf16 = False
        self.labels = find_label_indices(self.model.config.id2label)
        return self

    @property
    def num_labels(self) -> int:
        return int(self.model.config.num_labels)

    def logits(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        """Return the raw logits, shape ``(n_pairs, num_labels)``, in input order."""
        if len(premises) != len(hypotheses):
            raise ValueError("premises and hypotheses differ in length")
        n = len(premises)
        out = np.zeros((n, self.num_labels), dtype=np.float32)
        if n == 0:
            return out
        one_thread_in_forked_child()
        # Pairs are tokenized a chunk at a time (bounded memory on long inputs); chunks follow
        # a character-length order, and inside a chunk batches follow the real token count.
        by_chars = sorted(range(n), key=lambda i: len(premises[i]) + len(hypotheses[i]))
        pad = pad_id(self.tokenizer)
        was_training = self.model.training
        self.model.eval()
        truncated = 0
        try:
            with torch.inference_mode():
                for lo in range(0, n, TOKENIZE_CHUNK):
                    chunk = np.asarray(by_chars[lo : lo + TOKENIZE_CHUNK])
                    encoded = encode_pairs(
                        self.tokenizer, [premises[i] for i in chunk], [hypotheses[i] for i in chunk], self.max_length
                    )
                    truncated += encoded.truncated
                    for rows in length_batches(encoded.lengths(), self.batch_size):
                        batch = collate(encoded, rows, pad, self.device)
                        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                            out[chunk[rows]] = self.model(**batch).logits.float().cpu().numpy()
        finally:
            self.model.train(was_training)
        self._note_truncation(truncated, n)
        return out

    def _note_truncation(self, truncated: int, n: int) -> None:
        """Warn once per model when pairs reach ``max_length``: the model then reads only a text's start."""
        if truncated and not getattr(self, "_warned_truncation", False):
            self._warned_truncation = True
            logger.warning(
                "%d of %d (text, hypothesis) pairs reach max_length = %d tokens and were cut: the NLI model reads "
                "only the start of long texts; raise max_length (--max-length) up to the model's limit, or split "
                "long texts", truncated, n, self.max_length,
            )

    def predict_labels(self, premises: Sequence[str], hypotheses: Sequence[str]) -> list[str]:
        """Predict ``entailment``/``neutral``/``contradiction`` (per ``id2label``) for each pair."""
        logits = self.logits(premises, hypotheses)
        names = {int(k): str(v).lower() for k, v in self.model.config.id2label.items()}
        return [names[int(i)] for i in logits.argmax(axis=1)]
