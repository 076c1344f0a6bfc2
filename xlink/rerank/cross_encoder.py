"""A cross-encoder that reranks a generator's candidates with a listwise softmax.

The model is any Hugging Face encoder with a one-logit sequence-classification
head: it reads (mention in context, candidate concept) and returns one score.
A mention's ``k`` candidates are scored together and compared through a
softmax over those ``k`` (plus, optionally, a NIL slot meaning "none of these").

**NIL.** xMEN adds a NIL candidate to every list; its training code also puts
the *gold label* into the generator-score vector ``s`` at the NIL slot, so the
rank regularizer leaks the answer. Here the NIL slot has no generator score at
all: it is excluded from the regularizer (``reg_mask``) and trained by the
cross-entropy alone, on mentions whose gold is NIL (and, with
``missing_gold = "nil"``, on mentions whose gold concept the generator missed).
At inference the concepts that score *above* the NIL slot are the predictions,
best first; when NIL scores highest the mention gets no prediction, which is
how xlink marks NIL. The generator's list (``candidates``) is never changed.

Inference is batched over mentions × candidates: all pairs are tokenized once,
sorted by length and padded per batch to the batch's longest pair ("dynamic
padding"), so short names do not pay for long contexts.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlink.errors import XlinkError, is_count
from xlink.files import FolderKind, atomic_folder
from xlink.linker import LinkedMention, PredictedConcept
from xlink.pairs import (
    EncodedPairs,
    check_tokenizer_fits,
    collate,
    encode_pairs,
    length_batches,
    pad_id,
    position_limit,
)
from xlink.rerank.inputs import InputFormat
from xlink.terminology.model import Terminology

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

CONFIG_FILE = "xlink_reranker.json"
#: a reranker folder, as xlink.files.atomic_folder writes and checks it
RERANKER_FOLDER = FolderKind(CONFIG_FILE, "an xlink reranker")
FORMAT_VERSION = 1
#: Packaged rerankers: name → (module with get_model_path(), install hint).
PACKAGED_RERANKERS: dict[str, tuple[str, str]] = {
    "xlink-reranker-minilm": (
        "xlink_reranker_minilm",
        "pip install ./pipelines/xlink_reranker_minilm (from the xlink repository)",
    ),
}


@dataclass
class RerankerConfig:
    """Everything besides the weights that decides a reranker's scores, saved beside them.

    ``k`` is how many of a mention's predictions are reranked (the rest keep
    their order after them); ``max_length`` caps a (mention, candidate) pair
    in word pieces; ``skip_margin``, when set, leaves a mention in the
    generator's order if its first candidate leads the second by at least
    that much generator score (a confident generator saves the model's time).
    ``exact_match_guard``, when true, leaves a mention in the generator's
    order if the alias of its first candidate *is* the mention (or its
    abbreviation's long form) after :func:`~xlink.text.normalize.normalize_text`
    and no other of its top-``k`` candidates has such an alias: a dictionary
    hit that context alone should not overturn (on NCBI Disease dev the
    reranker moved 7 of 472 such mentions off a correct name and fixed none).
    Not applied with ``nil``, where every mention must beat the NIL slot.

    ``prior_weight`` α makes the model *residual*: a candidate's logit is
    ``f(mention, candidate) + α · norm(s)``, the network's output plus the
    generator's score on the ``score_norm`` scale, in training and at
    inference. With α = 1 an untrained head (f ≈ 0) already ranks as the
    generator does, and the rank regularizer ‖z − norm(s)‖ becomes a penalty
    on the size of the network's correction. α = 0 is xMEN's plain form.
    """

    base_model: str = "all-MiniLM-L6-v2"
    inputs: InputFormat = field(default_factory=InputFormat)
    max_length: int = 80
    k: int = 32
    nil: bool = False
    batch_size: int = 128
    skip_margin: float | None = None
    exact_match_guard: bool = False
    prior_weight: float = 0.0
    score_norm: str = "zscore"

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["format_version"] = FORMAT_VERSION
        return record

    @classmethod
    def from_json(cls, record: dict[str, Any], source: str = CONFIG_FILE) -> RerankerConfig:
        """Read the settings a reranker was saved with, refusing ones this xlink cannot honour."""
        from xlink.rerank.loss import SCORE_NORMS

        record = dict(record)
        version = record.pop("format_version", None)
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise XlinkError(
                f"{source}: reranker format {version}, newer than this xlink reads ({FORMAT_VERSION}); upgrade xlink"
            )
        raw_inputs = record.pop("inputs", {})
        input_fields = {f.name for f in fields(InputFormat)}
        if not isinstance(raw_inputs, dict) or set(raw_inputs) - input_fields:
            extra = sorted(set(raw_inputs) - input_fields) if isinstance(raw_inputs, dict) else raw_inputs
            raise XlinkError(f"{source}: unknown 'inputs' settings {extra!r}; allowed: {sorted(input_fields)}")
        inputs = InputFormat(**raw_inputs)
        known = {f.name for f in fields(cls)}
        unknown = set(record) - known
        if unknown:
            raise XlinkError(f"{source}: unknown reranker settings {sorted(unknown)}; allowed: {sorted(known)}")
        config = cls(inputs=inputs, **record)
        for key in ("max_length", "k", "batch_size"):
            value = getattr(config, key)
            if not is_count(value):
                raise XlinkError(f"{source}: {key} = {value!r}; it must be a whole number of at least 1")
        if config.score_norm not in SCORE_NORMS:
            raise XlinkError(f"{source}: score_norm = {config.score_norm!r}; choose one of {SCORE_NORMS}")
        return config


def resolve_reranker(model: str | Path) -> str:
    """The folder (or hub id) that ``model`` names; packaged names first, then paths, then hub ids."""
    name = str(model)
    if name in PACKAGED_RERANKERS:
        module_name, install = PACKAGED_RERANKERS[name]
        try:
            module = importlib.import_module(module_name)
            return str(module.get_model_path())
        except (ImportError, FileNotFoundError) as err:
            raise XlinkError(f"reranker {name!r} is not installed ({err}); {install}") from None
    from xlink.candidates.encoder import resolve_model

    return resolve_model(
        name, hint="give 'xlink-reranker-minilm', a folder written by 'xlink train reranker', or a hub id"
    )


def marker_ids(tokenizer: Any, inputs: InputFormat) -> tuple[int, int] | None:
    """The token ids of the mention markers, when the tokenizer holds both as added tokens."""
    added = tokenizer.get_added_vocab()
    if inputs.start_marker in added and inputs.end_marker in added:
        return int(added[inputs.start_marker]), int(added[inputs.end_marker])
    return None


def _device(name: str | None) -> torch.device:
    """``name`` as a torch device (default: CUDA when there is one), refused early when unusable."""
    import torch

    if not name:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as err:
        raise XlinkError(f"reranker device {name!r}: {err}; give cpu, cuda, cuda:1 or leave it out") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise XlinkError(f"reranker device {name!r}, but this torch sees no CUDA device; use cpu or leave it out")
    return device


@dataclass
class ScoreStats:
    """What the last scoring call did, for throughput reports."""

    pairs: int = 0
    mentions: int = 0
    skipped: int = 0
    seconds: float = 0.0
    truncated: int = 0

    @property
    def pairs_per_s(self) -> float:
        return self.pairs / self.seconds if self.seconds > 0 else 0.0

    def add(self, other: ScoreStats) -> None:
        """Accumulate another call's counts (for totals over a whole corpus)."""
        self.pairs += other.pairs
        self.mentions += other.mentions
        self.skipped += other.skipped
        self.seconds += other.seconds
        self.truncated += other.truncated


class CrossEncoderReranker:
    """Scores (mention, candidate) pairs and reorders each mention's predictions.

    Build a new one from a base encoder with :meth:`from_base` (the head is
    initialised randomly, so it must be trained: ``xlink train reranker``),
    or load a trained one with :meth:`load`. ``terminology``, when given,
    supplies the synonyms and types of the candidate texts.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        config: RerankerConfig,
        terminology: Terminology | None = None,
        device: str | None = None,
        source: str = "",
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        limit = position_limit(
            getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)
        )
        if limit is not None and config.max_length > limit:  # beyond it the forward pass fails on long pairs
            logger.warning("reranker max_length = %d is more than its model takes; using %d", config.max_length, limit)
            config = replace(config, max_length=limit)
        self.config = config
        self.terminology = terminology
        self.device = _device(device)
        self.model.to(self.device)
        self.model.eval()
        self.source = source
        self.stats = ScoreStats()
        #: Counts summed over every :meth:`rerank` call since construction (or a reset).
        self.totals = ScoreStats()
        self._pad_id = pad_id(tokenizer)
        self._markers = marker_ids(tokenizer, config.inputs)  # kept whole when pairs are cut
        self._last_truncated = 0  # pairs cut to max_length by the last score_pairs call
        #: An alternative scorer for inference (e.g. ONNX Runtime, see xlink.rerank.onnx):
        #: padded batch as int64 numpy arrays → one float per pair.
        self.runner: Any = None

    # -- construction ----------------------------------------------------------------
    @classmethod
    def from_base(
        cls,
        base_model: str | Path | None = None,
        config: RerankerConfig | None = None,
        terminology: Terminology | None = None,
        device: str | None = None,
    ) -> CrossEncoderReranker:
        """A reranker with a new one-logit head on ``base_model`` (default: packaged all-MiniLM-L6-v2).

        The mention markers are added to the vocabulary as special tokens, so
        they are never split into word pieces; each takes the space before it.
        """
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        config = replace(config) if config is not None else RerankerConfig()
        name = str(base_model) if base_model else config.base_model
        path = resolve_reranker(name)
        config.base_model = name
        try:
            from transformers import AutoConfig

            from xlink.training_config import head_labels

            n_labels = head_labels(AutoConfig.from_pretrained(path))
            mismatched = n_labels not in (None, 1)
            if mismatched:  # an NLI model as the base, say: its encoder is kept, its head is not
                logger.warning("base model %s has a %d-label head; a new one-logit head replaces it", path, n_labels)
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModelForSequenceClassification.from_pretrained(
                path, num_labels=1, dtype=torch.float32, ignore_mismatched_sizes=mismatched
            )
        except OSError as err:
            raise XlinkError(f"cannot load base model {path!r} for the reranker ({err})") from None
        from tokenizers import AddedToken

        # lstrip: the marker takes the space before it, so a SentencePiece tokenizer (XLM-R, e5)
        # does not spend a lone "▁" piece on it; WordPiece ids are the same either way. A base that
        # already has the markers (a reranker trained further) keeps them as they are.
        names = (config.inputs.start_marker, config.inputs.end_marker)
        if not all(m in tokenizer.get_added_vocab() for m in names):
            markers = [AddedToken(m, lstrip=True, special=True) for m in names]
            if tokenizer.add_special_tokens({"additional_special_tokens": markers}):
                model.resize_token_embeddings(len(tokenizer))
        if tokenizer.pad_token_id is None:
            raise XlinkError(f"base model {path!r}: its tokenizer has no padding token")
        return cls(model, tokenizer, config, terminology, device, source=path)

    @classmethod
    def load(
        cls, path: str | Path, terminology: Terminology | None = None, device: str | None = None
    ) -> CrossEncoderReranker:
        """Load a reranker saved by :meth:`save` (a folder, a packaged name or a hub id)."""
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        _device(device)  # an unusable device is refused before the weights are read
        folder = resolve_reranker(path)
        config_path = Path(folder) / CONFIG_FILE
        if Path(folder).is_dir():
            if not config_path.exists():
                raise XlinkError(
                    f"{folder} holds no {CONFIG_FILE}, so it is not an xlink reranker; "
                    "train one with 'xlink train reranker --config configs/train_reranker.cfg'"
                )
        else:  # a hub id
            from transformers.utils import cached_file

            config_path = Path(str(cached_file(folder, CONFIG_FILE)))
        try:
            record = json.loads(config_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise XlinkError(
                f"{config_path}: not valid JSON ({err}); restore the file from the reranker's package or retrain"
            ) from None
        if not isinstance(record, dict):
            raise XlinkError(f"{config_path}: expected a JSON object of reranker settings")
        config = RerankerConfig.from_json(record, source=str(config_path))
        try:
            tokenizer = AutoTokenizer.from_pretrained(folder)
            model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32)
        except OSError as err:
            raise XlinkError(f"cannot load reranker {folder!r} ({err})") from None
        if int(model.config.num_labels) != 1:
            raise XlinkError(f"reranker {folder!r} has {model.config.num_labels} labels; a reranker has 1")
        check_tokenizer_fits(tokenizer, model, str(folder))
        if marker_ids(tokenizer, config.inputs) is None:
            markers = [config.inputs.start_marker, config.inputs.end_marker]
            raise XlinkError(
                f"reranker {folder!r}: its tokenizer lacks the mention markers {markers} that {CONFIG_FILE} "
                "names, so they would be split into word pieces; the tokenizer files belong to another model"
            )
        _warn_if_incomplete(Path(folder))
        return cls(model, tokenizer, config, terminology, device, source=str(folder))

    def save(self, path: str | Path, extra: dict[str, Any] | None = None, config: RerankerConfig | None = None) -> Path:
        """Write fp16 safetensors, the HF config, the tokenizer and ``xlink_reranker.json``, atomically.

        ``extra`` (e.g. a training report) is stored as ``xlink_training.json``; ``config``, when
        given, is written instead of the reranker's own (e.g. with inference settings training
        does not use).
        """
        from safetensors.torch import save_file

        path = Path(path)
        with atomic_folder(path, RERANKER_FOLDER) as tmp:
            state = {k: v.detach().to("cpu").half().contiguous() for k, v in self.model.state_dict().items()}
            save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
            self.model.config.save_pretrained(tmp)
            self.tokenizer.save_pretrained(tmp)
            (tmp / CONFIG_FILE).write_text(json.dumps((config or self.config).to_json(), indent=1), encoding="utf-8")
            if extra is not None:
                (tmp / "xlink_training.json").write_text(json.dumps(extra, indent=1, default=str), encoding="utf-8")
        logger.info("saved reranker %s (%.1f MB)", path, (path / "model.safetensors").stat().st_size / 1e6)
        return path

    # -- tokenization and batching ------------------------------------------------
    def encode_pairs(self, mention_texts: Sequence[str], candidate_texts: Sequence[str]) -> EncodedPairs:
        """Tokenize pairs once, without padding, cut to ``max_length`` (longest side first).

        The marked mention is kept whole where it fits: a long mention side loses its right
        context, then its left context, before any of the mention itself, and its markers last.
        """
        return encode_pairs(self.tokenizer, mention_texts, candidate_texts, self.config.max_length, markers=self._markers)

    def collate(self, encoded: EncodedPairs, rows: Sequence[int] | np.ndarray) -> dict[str, torch.Tensor]:
        """Pad the chosen pairs to their longest member; tensors on the model's device."""
        return collate(encoded, rows, self._pad_id, self.device)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """One logit per pair, shape ``(pairs,)``; differentiable (training uses it)."""
        return self.model(**batch).logits.view(-1)

    def length_batches(self, encoded: EncodedPairs, batch_size: int | None = None) -> Iterator[np.ndarray]:
        """Row indices in batches of similar length (shortest first)."""
        return length_batches(encoded.lengths(), batch_size or self.config.batch_size)

    def score_pairs(self, mention_texts: Sequence[str], candidate_texts: Sequence[str]) -> np.ndarray:
        """One float32 score per (mention text, candidate text) pair, in input order."""
        import torch

        from xlink.parallel import one_thread_in_forked_child

        one_thread_in_forked_child()

        encoded = self.encode_pairs(mention_texts, candidate_texts)
        out = np.zeros(len(encoded), dtype=np.float32)
        self._last_truncated = 0
        if not len(encoded):
            return out
        if self.runner is not None:
            for rows in self.length_batches(encoded):
                batch = self.collate(encoded, rows)
                out[rows] = self.runner({k: v.cpu().numpy() for k, v in batch.items()})
            self._last_truncated = encoded.truncated
            return out
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                for rows in self.length_batches(encoded):
                    out[rows] = self.forward(self.collate(encoded, rows)).float().cpu().numpy()
        finally:
            self.model.train(was_training)
        self._last_truncated = encoded.truncated
        return out

    # -- listwise scoring -------------------------------------------------------
    def list_texts(
        self, linked: LinkedMention, terminology: Terminology | None = None
    ) -> tuple[str, list[str], list[PredictedConcept]]:
        """The mention text, its top-``k`` candidate texts (plus NIL's) and those predictions."""
        top = linked.predictions[: self.config.k]
        texts = self.config.inputs.candidate_texts(top, terminology if terminology is not None else self.terminology)
        if self.config.nil:
            texts.append(self.config.inputs.nil_text)
        return self.config.inputs.mention_text(linked.mention), texts, top

    def would_skip(self, predictions: Sequence[PredictedConcept]) -> bool:
        """Whether the generator's ranking stands without the model."""
        if self.config.nil:
            return False  # even one candidate must beat "none of these"
        if len(predictions) < 2:
            return True
        margin = self.config.skip_margin
        return margin is not None and predictions[0].score - predictions[1].score >= margin

    def exact_hit(self, linked: LinkedMention) -> bool:
        """Whether ``linked``'s first prediction is its only top-``k`` exact alias match."""
        from xlink.text.normalize import normalize_text

        mention = linked.mention
        forms = {normalize_text(mention.text)}
        if mention.expansion:
            forms.add(normalize_text(mention.expansion))
        forms.discard("")
        top = linked.predictions[: self.config.k]
        hits = [i for i, p in enumerate(top) if p.alias and normalize_text(p.alias) in forms]
        return hits == [0]

    def rerank(
        self,
        linked: list[LinkedMention],
        terminology: Terminology | None = None,
        keep: Sequence[np.ndarray | None] | None = None,
    ) -> list[LinkedMention]:
        """Reorder each mention's ``predictions`` by the model; ``candidates`` stay as generated.

        The top ``k`` predictions are scored and sorted; their scores become the
        listwise softmax probabilities. Predictions beyond ``k`` follow in
        their old order with score 0. A mention with no predictions is left
        alone (with NIL enabled it stays NIL). A mention that ``skip_margin`` or
        the exact-match guard leaves in generator order is decided by rule: its
        first prediction gets score 1.0 and the others 0.0, so that scores keep
        one scale (a probability-like confidence) whichever way a mention went.

        ``keep`` (one boolean mask over each mention's top-``k`` slots, or None
        for all) restricts scoring to a subset, e.g. a conformal candidate set
        (:mod:`xlink.conformal.candidates`). Slots left out are not scored; they
        follow the scored ones in generator order with score 0. The generator
        prior is still normalized over the whole top-``k``, so a candidate that
        is kept gets exactly the logit it gets when every slot is scored.
        """
        start = time.perf_counter()
        mention_texts: list[str] = []
        candidate_texts: list[str] = []
        # (index in linked, offset in pairs, slots in the list, scored slot positions)
        spans: list[tuple[int, int, int, np.ndarray]] = []
        decided: list[int] = []  # left in generator order by skip_margin or the exact-match guard
        for i, lm in enumerate(linked):
            if not lm.predictions:
                continue
            if self.would_skip(lm.predictions) or (
                self.config.exact_match_guard and not self.config.nil and self.exact_hit(lm)
            ):
                decided.append(i)
                continue
            mention_text, texts, top = self.list_texts(lm, terminology)
            slots = np.arange(len(texts))
            mask = keep[i] if keep is not None else None
            if mask is not None:
                mask = np.asarray(mask, dtype=bool)[: len(top)]
                if not mask.any():
                    mask = np.zeros(len(top), dtype=bool)
                    mask[0] = True  # never score nothing
                slots = np.concatenate([np.flatnonzero(mask), np.arange(len(top), len(texts))])  # NIL always
            spans.append((i, len(candidate_texts), len(texts), slots))
            mention_texts.extend([mention_text] * len(slots))
            candidate_texts.extend(texts[j] for j in slots)
        scores = self.score_pairs(mention_texts, candidate_texts)
        out = list(linked)
        for i, lo, n, slots in spans:
            logits = np.full(n, -np.inf, dtype=np.float32)
            logits[slots] = scores[lo : lo + len(slots)]
            out[i] = self._reordered(linked[i], logits)
        for i in decided:  # decided by rule: the same scale as a reranked list (first 1.0, the rest 0.0)
            first, *rest = linked[i].predictions
            out[i] = replace(linked[i], predictions=[replace(first, score=1.0), *(replace(p, score=0.0) for p in rest)])
        self.stats = ScoreStats(
            pairs=len(candidate_texts),
            mentions=len(spans),
            skipped=sum(1 for lm in linked if lm.predictions) - len(spans),
            seconds=time.perf_counter() - start,
            truncated=self._last_truncated,
        )
        self.totals.add(self.stats)
        return out

    def with_prior(self, logits: np.ndarray, predictions: Sequence[PredictedConcept]) -> np.ndarray:
        """``logits`` plus α times the normalized generator scores of the top-k (NIL's prior is 0)."""
        if not self.config.prior_weight:
            return logits
        import torch

        from xlink.rerank.loss import normalize_scores

        k = min(self.config.k, len(predictions))
        scores = torch.zeros((1, len(logits)))
        scores[0, :k] = torch.tensor([float(p.score) for p in predictions[:k]])
        mask = torch.zeros((1, len(logits)), dtype=torch.bool)
        mask[0, :k] = True
        prior = normalize_scores(scores, mask, self.config.score_norm)[0].numpy()
        return logits + self.config.prior_weight * prior.astype(logits.dtype)

    def _reordered(self, lm: LinkedMention, logits: np.ndarray) -> LinkedMention:
        k = min(self.config.k, len(lm.predictions))
        logits = self.with_prior(logits, lm.predictions)
        shifted = np.exp(logits - logits.max())
        probs = shifted / shifted.sum()
        order = np.argsort(-logits[:k], kind="stable")
        if self.config.nil:
            nil_logit = logits[k]
            order = np.array([j for j in order if logits[j] > nil_logit], dtype=int)
            tail: list[PredictedConcept] = []
        else:
            tail = [replace(p, score=0.0) for p in lm.predictions[k:]]
        ranked = [replace(lm.predictions[j], score=float(probs[j])) for j in order]  # unscored slots: -inf → 0.0
        return LinkedMention(mention=lm.mention, candidates=lm.candidates, predictions=[*ranked, *tail], set_size=lm.set_size)


def _check_overrides(options: dict[str, Any]) -> None:
    """Refuse inference overrides of the wrong type or range before the model is loaded."""
    for key in ("k", "batch_size"):
        value = options.get(key)
        if value is not None and not is_count(value):
            raise XlinkError(f"[reranker] {key} = {value!r}; give a whole number of at least 1")
    margin = options.get("skip_margin")
    if margin is not None and (isinstance(margin, bool) or not isinstance(margin, int | float) or margin < 0):
        raise XlinkError(f"[reranker] skip_margin = {margin!r}; give a score margin of at least 0, or leave it out")
    guard = options.get("exact_match_guard")
    if guard is not None and not isinstance(guard, bool):
        raise XlinkError(f"[reranker] exact_match_guard = {guard!r}; give true or false")


def load_reranker(options: dict[str, Any], terminology: Terminology | None = None) -> CrossEncoderReranker:
    """A reranker from a linking config's ``[reranker]`` section: ``model`` plus inference overrides.

    ``k``, ``batch_size``, ``skip_margin`` and ``exact_match_guard`` may be overridden at inference;
    everything else is fixed by training.
    """
    options = dict(options)
    model = options.pop("model", None)
    if not model:
        raise XlinkError("the [reranker] section needs 'model' (a folder, 'xlink-reranker-minilm' or a hub id)")
    device = options.pop("device", None)
    allowed = {"k", "batch_size", "skip_margin", "exact_match_guard"}
    unknown = set(options) - allowed
    if unknown:
        raise XlinkError(
            f"unknown [reranker] options {sorted(unknown)}; allowed: model, device, {sorted(allowed)} "
            "(and, in a linking config, conformal_alpha, calibration, optional)"
        )
    _check_overrides(options)
    reranker = CrossEncoderReranker.load(model, terminology=terminology, device=device)
    for key, value in options.items():
        if value is not None or key == "skip_margin":
            setattr(reranker.config, key, value)
    return reranker


def _warn_if_incomplete(folder: Path) -> None:
    """Warn when the folder holds the checkpoint of a training run that did not finish.

    Training saves its best dev model as it goes, and marks the report ``complete`` only at
    the end; a run that was stopped leaves a usable but partly trained model.
    """
    report_path = folder / "xlink_training.json"
    if not report_path.is_file():
        return
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(report, dict) and report.get("complete") is False:
        logger.warning(
            "reranker %s is the checkpoint of a training run that did not finish (step %s of its run); "
            "train it again to the end for the selected model", folder, report.get("steps", "?"),
        )
