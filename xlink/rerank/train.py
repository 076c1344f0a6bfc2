"""``xlink train reranker``: fit a cross-encoder on a corpus's training split, select on dev acc@1.

The recipe, and why:

- **Hard negatives from the generator.** The training mentions are linked by
  the same generator the reranker will sit behind (TF-IDF, dense or the
  ensemble, from a linking config); its top-``k`` are what the model must
  learn to tell apart. A gold concept the generator missed is injected (or
  sent to NIL, or skipped) and *counted* (:class:`~xlink.rerank.data.ListStats`).
- **Listwise loss with rank regularization** (:class:`RankRegularizedLoss`,
  xMEN): softmax over a mention's ``k`` candidates, plus λ‖z − s‖₂.
- **AdamW, linear warm-up then linear decay, gradient clipping**, one seed for
  Python, NumPy and torch: two runs with the same config and thread count
  give the same model. ``max_minutes`` stops a run early (then reproducibility
  holds only up to where it stopped) so that it fits on a 2-core machine.
- **Cheap on CPU.** Pairs are tokenized once; batches hold mentions of similar
  length (sorted, then the batch order shuffled) and are padded only to their
  longest pair; ``k`` and ``max_length`` are modest; repeated (text, gold)
  mentions are kept once (``dedupe``).
- **Model selection on dev acc@1** (strict rule), measured every
  ``eval_every`` steps and at each epoch's end; only the best is saved.
  Test files are refused.
"""

from __future__ import annotations

import functools
import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from xlink.corpus.io import names_split
from xlink.errors import TrainingConfigError
from xlink.files import looks_like_local_path
from xlink.linker import LinkedMention
from xlink.rerank.cross_encoder import CrossEncoderReranker, EncodedPairs, RerankerConfig
from xlink.rerank.data import MISSING_GOLD, ListStats, TrainingList, build_training_lists
from xlink.rerank.inputs import InputFormat
from xlink.rerank.loss import SCORE_NORMS, RankRegularizedLoss, normalize_scores
from xlink.terminology.model import Terminology
from xlink.training_config import check_values, read_training_config

logger = logging.getLogger(__name__)


@dataclass
class RerankerTrainingConfig:
    """``configs/train_reranker.cfg`` as a dataclass; see that file for what each setting does."""

    train: str = ""
    dev: str | None = None
    terminology: str = ""
    output: str = "runs/reranker_minilm"
    base_model: str | None = None
    train_format: str | None = None
    dev_format: str | None = None
    terminology_format: str | None = None
    linking_config: str | None = None
    # the generator's output for the train / dev mentions (JSONL of xlink.linker.write_predictions):
    # read when the file exists, written after linking when it does not (delete it after changing the generator)
    train_candidates: str | None = None
    dev_candidates: str | None = None
    # model inputs
    context_words: int = 8
    n_synonyms: int = 3
    use_types: bool = False
    max_length: int = 80
    nil: bool = False
    # written into the saved model's config (inference keeps a unique exact alias hit of the
    # generator's top candidate); the dev scores that select the model during training do not use it
    exact_match_guard: bool = False
    # training
    k: int = 16
    eval_k: int = 32
    lam: float = 1.0
    score_norm: str = "zscore"
    prior_weight: float = 0.0
    epochs: int = 2
    batch_mentions: int = 8
    learning_rate: float = 3e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 13
    max_minutes: float = 55.0
    max_steps: int = 0
    eval_every: int = 0
    dedupe: bool = True
    missing_gold: str = "inject"
    max_train_mentions: int = 0
    max_dev_mentions: int = 0
    context_chars: int = 256
    threads: int = 0
    log_every: int = 20
    device: str | None = None

    def __post_init__(self) -> None:
        check_values(
            self,
            at_least_one=("epochs", "batch_mentions", "eval_k", "max_length", "log_every"),
            positive=("learning_rate", "max_grad_norm"),
            non_negative=(
                "weight_decay", "max_minutes", "max_steps", "eval_every", "max_train_mentions", "max_dev_mentions",
                "context_chars", "context_words", "n_synonyms", "threads", "lam", "prior_weight",
            ),
            fractions=("warmup_ratio",),
        )
        if self.dev and Path(self.dev).resolve() == Path(self.train).resolve():
            raise TrainingConfigError(
                f"paths.dev is the training corpus {self.train}: the model would be selected on what it learned from; "
                "give the dev split"
            )
        if self.score_norm not in SCORE_NORMS:
            raise TrainingConfigError(f"score_norm must be one of {SCORE_NORMS}, not {self.score_norm!r}")
        if self.missing_gold not in MISSING_GOLD:
            raise TrainingConfigError(f"missing_gold must be one of {MISSING_GOLD}, not {self.missing_gold!r}")
        if self.prior_weight and self.score_norm != "raw" and self.k != self.eval_k:
            logger.warning(
                "prior_weight = %s with score_norm = %r normalizes the generator scores over the %d candidates "
                "of a training list but over eval_k = %d at inference, so the prior the model learns to correct "
                "is not the one it meets; set k = eval_k for the same scale", self.prior_weight, self.score_norm,
                self.k, self.eval_k,
            )
        if self.missing_gold == "nil" and not self.nil:
            raise TrainingConfigError("missing_gold = 'nil' needs nil = true")
        if self.k < 2:
            raise TrainingConfigError(f"k must be at least 2, not {self.k}")
        if self.lam < 0:
            raise TrainingConfigError(f"lam must be >= 0, not {self.lam}")
        if self.device is not None:  # checked before minutes of linking, not at the first batch
            import torch

            try:
                device = torch.device(self.device)
            except (RuntimeError, TypeError) as err:
                raise TrainingConfigError(f"device = {self.device!r}: {err}; give cpu, cuda, cuda:1 or null") from None
            if device.type == "cuda" and not torch.cuda.is_available():
                raise TrainingConfigError(f"device = {self.device!r}, but this torch sees no CUDA device; use cpu or null")

    @classmethod
    def from_file(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> RerankerTrainingConfig:
        """Read ``[paths]``, ``[model]`` and ``[training]``; relative paths are resolved.

        Data paths are relative to ``paths.data_root`` (itself relative to the
        config file); ``linking_config`` is relative to the config file.
        """
        sections = ("paths", "model", "training")
        return cls.from_dict(read_training_config(path, overrides, sections), base=Path(path).parent)

    @classmethod
    def from_dict(cls, cfg: dict[str, Any], base: Path | None = None) -> RerankerTrainingConfig:
        paths = dict(cfg.get("paths", {}))
        values: dict[str, Any] = {}
        for section in ("model", "training"):
            values.update(dict(cfg.get(section, {})))
        known = {f.name for f in fields(cls)}
        root = Path(paths.pop("data_root", None) or ".")
        if not root.is_absolute() and base is not None:
            root = (base / root).resolve()
        for key in ("train", "dev", "terminology"):
            value = paths.get(key)
            if value:
                p = Path(value)
                paths[key] = str(p if p.is_absolute() else root / p)
        if paths.get("linking_config") and base is not None and not Path(paths["linking_config"]).is_absolute():
            paths["linking_config"] = str((base / paths["linking_config"]).resolve())
        values.update(paths)
        unknown = set(values) - known
        if unknown:
            raise TrainingConfigError(f"unknown settings {sorted(unknown)}; allowed: {sorted(known)}")
        if not values.get("train"):
            raise TrainingConfigError("paths.train is required: the training split of a corpus")
        if not values.get("terminology"):
            raise TrainingConfigError("paths.terminology is required")
        settings: dict[str, Any] = {k: (v if v != "" else None) for k, v in values.items()}
        return cls(**settings)

    def reranker_config(self) -> RerankerConfig:
        inputs = InputFormat(context_words=self.context_words, n_synonyms=self.n_synonyms, use_types=self.use_types)
        return RerankerConfig(
            base_model=self.base_model or "all-MiniLM-L6-v2",
            inputs=inputs,
            max_length=self.max_length,
            k=self.eval_k,
            nil=self.nil,
            prior_weight=self.prior_weight,
            score_norm=self.score_norm,
        )


@dataclass
class TrainingReport:
    """What a training run did and reached; saved beside the model as ``xlink_training.json``."""

    steps: int = 0
    epochs_done: float = 0.0
    seconds: float = 0.0
    stopped_early: bool = False
    #: false in the report of a checkpoint saved during the run (an interrupted run leaves one)
    complete: bool = False
    first_loss: float = float("nan")
    last_loss: float = float("nan")
    losses: list[float] = field(default_factory=list)
    evaluations: list[dict[str, float]] = field(default_factory=list)
    generator_dev: dict[str, float] = field(default_factory=dict)
    best_dev_acc1: float = float("nan")
    best_step: int = -1
    train_lists: dict[str, object] = field(default_factory=dict)
    train_pairs: int = 0
    truncated_pairs: int = 0
    config: dict[str, object] = field(default_factory=dict)


def _refuse_split(path: str, role: str, forbidden: tuple[str, ...]) -> None:
    for word in forbidden:
        if names_split(Path(path).name, word):
            raise TrainingConfigError(
                f"{path}: looks like a {word} split (file name), refused as the {role} corpus; "
                "the reranker trains on a training split and is selected on dev only"
            )


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def link_corpus(
    corpus_path: str, fmt: str | None, linker: Any, context_chars: int, limit: int = 0, role: str = "training"
) -> list[LinkedMention]:
    """Link a corpus's gold mentions (with context) through the generator; a clear error if it has none."""
    from xlink.corpus.io import load_corpus
    from xlink.linker import corpus_mentions

    corpus = load_corpus(corpus_path, fmt)
    mentions = corpus_mentions(corpus, expand_abbreviations=linker.use_abbreviations, context_chars=context_chars)
    if not any(m.gold for m in mentions):
        raise _no_gold(corpus_path, role, " (a reranker needs a corpus split whose mentions are linked to concepts)")
    if limit:
        mentions = mentions[:limit]
    return list(linker.link(mentions))


def candidates_stamp(cfg: RerankerTrainingConfig, terminology: Terminology, corpus: str, k: int) -> dict[str, object]:
    """What a split's cached candidates depend on: terminology, generator config, k and corpus name.

    Stored beside the cache as ``<cache>.meta.json``; a cache whose stamp differs is refused.
    The corpus is named by its file name only, so a cache made on one machine serves another.
    """
    import hashlib

    if cfg.linking_config:
        generator = hashlib.sha256(Path(cfg.linking_config).read_bytes()).hexdigest()[:16]
    else:
        from xlink.linking_config import DEFAULT_GENERATOR

        generator = "built-in:" + repr(sorted(DEFAULT_GENERATOR.items()))
    return {
        "terminology": terminology.fingerprint,
        "linking_config": generator,
        "k": k,
        "corpus": Path(corpus).name,
        "context_chars": cfg.context_chars,
    }


def _no_gold(source: str, role: str, fix: str) -> TrainingConfigError:
    return TrainingConfigError(f"{source}: no mention with a gold id, so it cannot serve as the {role} split{fix}")


def _cached_or_linked(
    cache: str | None, link: Any, role: str, limit: int, k: int, stamp: dict[str, object]
) -> list[LinkedMention]:
    """The split's generator output: read from ``cache`` when it exists, else linked (and saved there).

    ``stamp`` (see :func:`candidates_stamp`) is saved as ``<cache>.meta.json``; a cache made
    for another terminology, generator, k or corpus is refused, one without a stamp is read
    with a warning.
    """
    import json

    from xlink.files import atomic_write_lines
    from xlink.linker import read_predictions, write_predictions

    if not cache:
        linked = link()
        return linked[:limit] if limit else linked
    meta = Path(f"{cache}.meta.json")
    if Path(cache).is_file():
        if meta.is_file():
            try:
                saved = json.loads(meta.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise TrainingConfigError(
                    f"{meta}:{err.lineno}: not valid JSON ({err.msg}); delete it and {cache} to link the corpus again"
                ) from None
            differ = sorted(key for key in stamp if saved.get(key) != stamp[key])
            if differ:
                raise TrainingConfigError(
                    f"{cache}: these candidates were made with another {', '.join(differ)} "
                    f"(saved {[saved.get(key) for key in differ]}, now {[stamp[key] for key in differ]}); "
                    "delete the file (and its .meta.json) to link the corpus again"
                )
        else:
            logger.warning("%s has no %s, so it cannot be checked against this terminology and generator",
                           cache, meta.name)
        linked = read_predictions(cache)
        if not any(m.mention.gold for m in linked):
            raise _no_gold(cache, role, "; delete it to link the corpus again")
        short = sum(1 for m in linked if len(m.candidates) < k)
        logger.info("read %d %s mentions with their candidates from %s (%d with fewer than %d candidates)",
                    len(linked), role, cache, short, k)
    else:
        linked = link()
        # the stamp first: a crash between the two writes leaves no cache, so the next run relinks
        atomic_write_lines(meta, [json.dumps(stamp, indent=1)])
        write_predictions(linked, cache)
        logger.info("wrote the %s split's candidates to %s", role, cache)
        # trained on as a later run reads them (scores rounded to 6 decimals), so that a rerun
        # from the cache reproduces this run
        linked = read_predictions(cache)
    return linked[:limit] if limit else linked


def _build_linker(cfg: RerankerTrainingConfig, terminology: Terminology, k: int) -> Any:
    from xlink.linking_config import LinkingConfig, build_linker

    lc = LinkingConfig.from_disk(cfg.linking_config) if cfg.linking_config else LinkingConfig()
    lc.reranker = {}  # the generator alone: its candidates are what the reranker learns to reorder
    lc.k = max(lc.k, k)
    if lc.train_corpus:
        logger.warning(
            "the linking config adds training mentions as aliases (train_corpus); the generator then finds "
            "every training mention's gold by its own text, which makes weak hard negatives"
        )
    return build_linker(terminology, lc)


def _batches(lengths: list[int], batch_mentions: int, rng: random.Random) -> list[list[int]]:
    """Mentions of similar total length together; the order of the batches shuffled."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[lo : lo + batch_mentions] for lo in range(0, len(order), batch_mentions)]
    rng.shuffle(batches)
    return batches


class _Encoded:
    """All training pairs tokenized once, with each list's row range."""

    def __init__(self, reranker: CrossEncoderReranker, lists: list[TrainingList]) -> None:
        mentions = [x.mention_text for x in lists for _ in x.candidate_texts]
        candidates = [t for x in lists for t in x.candidate_texts]
        self.pairs: EncodedPairs = reranker.encode_pairs(mentions, candidates)
        self.offsets: list[tuple[int, int]] = []
        lo = 0
        for x in lists:
            self.offsets.append((lo, len(x.candidate_texts)))
            lo += len(x.candidate_texts)
        self.lengths = [sum(len(self.pairs.input_ids[r]) for r in range(o, o + n)) for o, n in self.offsets]


def _loss_for_batch(
    reranker: CrossEncoderReranker,
    encoded: _Encoded,
    lists: list[TrainingList],
    batch: list[int],
    loss_fn: RankRegularizedLoss,
) -> Any:
    import torch

    rows = [r for i in batch for r in range(encoded.offsets[i][0], sum(encoded.offsets[i]))]
    logits_flat = reranker.forward(reranker.collate(encoded.pairs, rows))
    width = max(encoded.offsets[i][1] for i in batch)
    m = len(batch)
    logits = logits_flat.new_zeros((m, width))
    mask = torch.zeros((m, width), dtype=torch.bool)
    labels = torch.zeros((m, width), dtype=torch.bool)
    scores = torch.zeros((m, width))
    reg_mask = torch.zeros((m, width), dtype=torch.bool)
    index_rows: list[int] = []
    index_cols: list[int] = []
    for b, i in enumerate(batch):
        n = encoded.offsets[i][1]
        x = lists[i]
        index_rows.extend([b] * n)
        index_cols.extend(range(n))
        mask[b, :n] = True
        labels[b, :n] = torch.tensor(x.labels)
        scores[b, :n] = torch.tensor(x.scores)
        n_real = n - 1 if x.nil_slot else n
        reg_mask[b, :n_real] = True
    logits = logits.index_put((torch.tensor(index_rows), torch.tensor(index_cols)), logits_flat)
    device = logits.device
    if reranker.config.prior_weight:
        prior = normalize_scores(scores, reg_mask, reranker.config.score_norm)
        logits = logits + reranker.config.prior_weight * prior.to(device)
    return loss_fn(logits, labels.to(device), scores.to(device), mask.to(device), reg_mask.to(device))


def evaluate_dev(reranker: CrossEncoderReranker, dev: list[LinkedMention], terminology: Terminology) -> dict[str, float]:
    """acc@1 and acc@5 (strict rule) of the reranked dev mentions, and pairs/s."""
    from xlink.evaluation.linking import evaluate_linking

    start = time.perf_counter()
    reranked = reranker.rerank(dev, terminology)
    seconds = time.perf_counter() - start
    report = evaluate_linking(reranked, ks=(1, 5), rule="strict")
    return {
        "acc@1": round(report.acc[1], 2),
        "acc@5": round(report.acc[5], 2),
        "seconds": round(seconds, 1),
        "pairs_per_s": round(reranker.stats.pairs / max(seconds, 1e-9), 1),
    }


def train_reranker(cfg: RerankerTrainingConfig) -> TrainingReport:
    """Train, select on dev, save the best model to ``cfg.output``; return the report."""
    import torch

    from xlink.evaluation.linking import evaluate_linking
    from xlink.terminology.loaders import load_terminology

    started = time.perf_counter()
    _refuse_split(cfg.train, "training", ("test", "dev"))
    if cfg.dev:
        _refuse_split(cfg.dev, "dev", ("test",))
    if Path(cfg.train).is_dir():
        raise TrainingConfigError(f"paths.train {cfg.train} is a folder; give the training corpus file")
    if not Path(cfg.train).is_file() and not (cfg.train_candidates and Path(cfg.train_candidates).is_file()):
        raise TrainingConfigError(f"training corpus {cfg.train} does not exist; set paths.train")
    # every other input, before the minutes of linking the training split
    if cfg.dev and not Path(cfg.dev).is_file() and not (cfg.dev_candidates and Path(cfg.dev_candidates).is_file()):
        raise TrainingConfigError(f"dev corpus {cfg.dev} does not exist; set paths.dev, or leave it empty to train without selection")
    for key in ("terminology", "linking_config"):
        value = getattr(cfg, key)
        if value and not Path(value).is_file():
            raise TrainingConfigError(f"paths.{key} {value} does not exist")
    if cfg.base_model and looks_like_local_path(cfg.base_model) and not Path(cfg.base_model).expanduser().exists():
        raise TrainingConfigError(f"base_model {cfg.base_model} does not exist; give a model folder, a hub id or leave it unset")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    _seed_everything(cfg.seed)
    report = TrainingReport(config=asdict(cfg))
    terminology = load_terminology(cfg.terminology, cfg.terminology_format).require_nonempty(cfg.terminology)
    @functools.cache
    def linker() -> Any:  # built only when some split is not read from a candidates file
        return _build_linker(cfg, terminology, max(cfg.k, cfg.eval_k))

    t0 = time.perf_counter()
    train_linked = _cached_or_linked(
        cfg.train_candidates,
        lambda: link_corpus(cfg.train, cfg.train_format, linker(), cfg.context_chars),
        "training", cfg.max_train_mentions, max(cfg.k, cfg.eval_k),
        candidates_stamp(cfg, terminology, cfg.train, max(cfg.k, cfg.eval_k)),
    )
    dev_linked: list[LinkedMention] = []
    if cfg.dev:
        dev_linked = _cached_or_linked(
            cfg.dev_candidates,
            lambda: link_corpus(cfg.dev, cfg.dev_format, linker(), cfg.context_chars, role="dev"),
            "dev", cfg.max_dev_mentions, max(cfg.k, cfg.eval_k),
            candidates_stamp(cfg, terminology, cfg.dev, max(cfg.k, cfg.eval_k)),
        )
        gen = evaluate_linking(dev_linked, ks=(1, 5, cfg.eval_k), rule="strict")
        report.generator_dev = {"acc@1": round(gen.acc[1], 2), "acc@5": round(gen.acc[5], 2),
                                f"recall@{cfg.eval_k}": round(gen.recall[cfg.eval_k], 2)}
        logger.info("generator alone on dev: %s", report.generator_dev)
    logger.info("linked %d training and %d dev mentions in %.1f s", len(train_linked), len(dev_linked),
                time.perf_counter() - t0)

    _seed_everything(cfg.seed)
    reranker = CrossEncoderReranker.from_base(cfg.base_model, cfg.reranker_config(), terminology, cfg.device)
    lists, stats = build_training_lists(
        train_linked, terminology, reranker.config.inputs, cfg.k, cfg.missing_gold, cfg.nil, cfg.dedupe
    )
    _log_list_stats(stats)
    report.train_lists = stats.to_json()
    if not lists:
        raise TrainingConfigError(f"{cfg.train}: no training list could be made (see the counts above)")
    encoded = _Encoded(reranker, lists)
    report.train_pairs = len(encoded.pairs)
    report.truncated_pairs = encoded.pairs.truncated
    logger.info("%d lists, %d pairs (%d cut to max_length %d)", len(lists), len(encoded.pairs),
                encoded.pairs.truncated, cfg.max_length)

    loss_fn = RankRegularizedLoss(cfg.lam, cfg.score_norm)
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    params = list(reranker.model.named_parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": [p for n, p in params if not any(x in n for x in no_decay)], "weight_decay": cfg.weight_decay},
            {"params": [p for n, p in params if any(x in n for x in no_decay)], "weight_decay": 0.0},
        ],
        lr=cfg.learning_rate,
    )
    steps_per_epoch = math.ceil(len(lists) / cfg.batch_mentions)
    total = max(1, steps_per_epoch * cfg.epochs)
    warmup = int(cfg.warmup_ratio * total)

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    rng = random.Random(cfg.seed)
    deadline = started + 60 * cfg.max_minutes if cfg.max_minutes > 0 else float("inf")
    window: list[float] = []
    step = 0

    def evaluate(epoch: float) -> None:
        if not dev_linked:
            return
        result = evaluate_dev(reranker, dev_linked, terminology)
        result.update(step=step, epoch=round(epoch, 2), minutes=round((time.perf_counter() - started) / 60, 1))
        report.evaluations.append(result)
        better = math.isnan(report.best_dev_acc1) or result["acc@1"] > report.best_dev_acc1
        logger.info("dev after step %d: acc@1 %.2f acc@5 %.2f (%.0f pairs/s)%s", step, result["acc@1"],
                    result["acc@5"], result["pairs_per_s"], "  best so far, saved" if better else "")
        if better:
            report.best_dev_acc1 = result["acc@1"]
            report.best_step = step
            report.steps, report.epochs_done = step, epoch  # a checkpoint's report says how far the run was
            report.last_loss = report.losses[-1] if report.losses else float("nan")
            _save(reranker, cfg, report, started)
        reranker.model.train()

    reranker.model.train()
    logger.info("training: %d epochs × %d steps of %d mentions, warm-up %d steps, λ=%g (%s)",
                cfg.epochs, steps_per_epoch, cfg.batch_mentions, warmup, cfg.lam, cfg.score_norm)
    for _epoch in range(cfg.epochs):
        for batch in _batches(encoded.lengths, cfg.batch_mentions, rng):
            loss = _loss_for_batch(reranker, encoded, lists, batch, loss_fn)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(reranker.model.parameters(), cfg.max_grad_norm)
            optimizer.step()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            window.append(value)
            report.losses.append(round(value, 5))
            if step == 1:
                report.first_loss = value
            if step % cfg.log_every == 0:
                rate = step / (time.perf_counter() - started)
                logger.info("step %d/%d loss %.4f (mean of last %d) lr %.2e, %.2f steps/s", step, total,
                            sum(window) / len(window), len(window), scheduler.get_last_lr()[0], rate)
                window.clear()
            if cfg.eval_every and step % cfg.eval_every == 0 and step % steps_per_epoch:
                evaluate(step / steps_per_epoch)
            if time.perf_counter() > deadline or (cfg.max_steps and step >= cfg.max_steps):
                report.stopped_early = True
                break
        report.epochs_done = step / steps_per_epoch
        if not report.evaluations or report.evaluations[-1]["step"] != step:
            evaluate(report.epochs_done)
        if report.stopped_early:
            logger.warning("stopped early at step %d of %d (max_minutes %g, max_steps %d); the learning-rate "
                           "schedule was planned for all steps", step, total, cfg.max_minutes, cfg.max_steps)
            break
    report.steps = step
    report.last_loss = report.losses[-1] if report.losses else float("nan")
    report.seconds = round(time.perf_counter() - started, 1)
    report.complete = True
    if not dev_linked:
        _save(reranker, cfg, report, started)
    else:
        _save_report_only(cfg, report)
    return report


def _save(reranker: CrossEncoderReranker, cfg: RerankerTrainingConfig, report: TrainingReport, started: float) -> None:
    report.seconds = round(time.perf_counter() - started, 1)
    saved = replace(reranker.config, exact_match_guard=cfg.exact_match_guard)  # saved, not used for selection
    reranker.save(cfg.output, extra={k: v for k, v in asdict(report).items() if k != "losses"}, config=saved)


def _save_report_only(cfg: RerankerTrainingConfig, report: TrainingReport) -> None:
    """Update the saved model's training report with the whole run (the weights stay the best ones)."""
    import json

    from xlink.files import atomic_write_text

    folder = Path(cfg.output)
    if not folder.is_dir():
        return
    report_json = json.dumps({k: v for k, v in asdict(report).items() if k != "losses"}, indent=1, default=str)
    atomic_write_text(folder / "xlink_training.json", report_json)


def _log_list_stats(stats: ListStats) -> None:
    logger.info(
        "training lists: %d mentions, %d duplicates dropped, %d lists (mean length %.1f); gold in list %d, "
        "partial (composite) %d, MISSING %d → injected %d, to NIL %d, skipped %d, not in terminology %d; "
        "NIL gold %d (skipped %d); no candidates %d",
        stats.n_mentions, stats.n_duplicates_dropped, stats.n_lists, stats.mean_list_length, stats.n_gold_in_list,
        stats.n_gold_partial, stats.n_gold_missing, stats.n_gold_injected, stats.n_gold_missing_to_nil,
        stats.n_gold_missing_skipped, stats.n_gold_not_in_terminology, stats.n_nil_gold, stats.n_nil_gold_skipped,
        stats.n_no_candidates,
    )
