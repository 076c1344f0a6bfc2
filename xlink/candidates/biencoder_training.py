"""SapBERT-style training of a bi-encoder on terminology synonym groups.

SapBERT (Liu et al., NAACL 2021) pulls the names of one UMLS concept
together and pushes other concepts' names away, with a multi-similarity loss
and online hard-pair mining over in-batch synonym pairs. Without UMLS, xlink
builds its synonym groups from the free terminologies: MEDIC (MeSH + OMIM
diseases), Disease Ontology names (merged into the MEDIC concept they cross-
reference), HPO synonyms and ICD-10-CM inclusion terms, and optionally the
mention texts of a corpus's *training* split with their gold concepts (and
their abbreviation long forms), the surface forms a terminology misses.

Hard negatives come from two places: the MS miner keeps only the hard pairs
of a batch, and "hard" batches are built from groups that share a head word
("breast carcinoma", "ovarian carcinoma", ...), so the hard pairs exist.

Dev and test splits are refused as training sources. The result is written
atomically as fp16 safetensors with its tokenizer and config, loadable by
transformers, sentence-transformers and :class:`~xlink.candidates.dense.DenseGenerator`.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from xlink.candidates.encoder import TextEncoder
from xlink.corpus.io import names_split
from xlink.errors import TrainingConfigError
from xlink.evaluation.ids import normalize_concept_id
from xlink.files import FolderKind, atomic_folder
from xlink.text.normalize import normalize_text
from xlink.training_config import check_keys, check_values, read_training_config

logger = logging.getLogger(__name__)

#: a bi-encoder folder written by xlink holds its training report, xlink_training.json
#: a reranker folder holds its own xlink_training.json, beside xlink_reranker.json (RERANKER_FOLDER's marker)
BIENCODER_FOLDER = FolderKind("xlink_training.json", "an xlink bi-encoder folder", excludes=("xlink_reranker.json",))

#: Training sources whose file names look like an evaluation split are refused.
_ST_FILES = ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json")


@dataclass
class SourceSpec:
    """One training source.

    ``kind="terminology"``: each concept's names form a group. ``merge`` =
    "xref" adds the names to an existing group whose id equals one of the
    concept's ids or cross-references (DO → MEDIC via MeSH), and drops
    concepts that match none. ``kind="corpus"``: each single-concept gold
    mention (and its long form, when it is a defined abbreviation) joins the
    group of its gold id.
    """

    name: str
    path: str
    kind: str = "terminology"
    format: str | None = None
    merge: str | None = None
    #: At most this many pairs from this source (0: no limit); sampled with the seed.
    max_pairs: int = 0
    #: Corpus sources: pairs made per mention (with different partner names).
    repeats: int = 1


def _check_source(source: SourceSpec) -> None:
    """Refuse a ``[sources.NAME]`` setting that would change the training data silently, or fail late."""
    for key, allowed, what in (("kind", ("terminology", "corpus"), '"terminology" or "corpus"'),
                               ("merge", (None, "xref"), 'null or "xref"')):
        if getattr(source, key) not in allowed:
            raise TrainingConfigError(f"[sources.{source.name}] {key} = {getattr(source, key)!r}; give {what}")
    try:
        check_values(source, non_negative=("max_pairs",), at_least_one=("repeats",))
    except TrainingConfigError as err:
        raise TrainingConfigError(f"[sources.{source.name}] {err}") from None


@dataclass
class BiencoderTrainingConfig:
    """Everything ``xlink train biencoder`` needs; read from an INI config."""

    base_model: str | None = None
    output: str = "runs/biencoder_minilm"
    sources: list[SourceSpec] = field(default_factory=list)
    pooling: str = "mean"
    max_length: int = 25
    batch_size: int = 128
    learning_rate: float = 2e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.05
    epochs: int = 1
    #: Total pairs per epoch after per-source caps (0: all).
    max_pairs: int = 0
    #: Pairs made from each terminology group: up to this many per group.
    max_pairs_per_group: int = 8
    loss: str = "ms"
    ms_alpha: float = 1.0
    ms_beta: float = 60.0
    ms_base: float = 0.5
    ms_epsilon: float = 0.1
    infonce_scale: float = 20.0
    #: Share of batches made of groups that share a head word (hard negatives).
    hard_batch_fraction: float = 0.5
    seed: int = 13
    #: Stop (and save) after this many minutes of training (0: no cap). The learning-rate
    #: schedule (warm-up, linear decay) then runs over steps or time, whichever ends first.
    max_minutes: float = 0.0
    #: torch threads (0: torch's default).
    threads: int = 0
    log_every: int = 20
    #: Sequences per length-sorted forward chunk (a batch of n pairs has 2n sequences).
    chunk_size: int = 64
    max_grad_norm: float = 1.0

    def __post_init__(self) -> None:
        check_values(
            self,
            at_least_one=("max_length", "epochs", "max_pairs_per_group", "log_every", "chunk_size"),
            positive=("learning_rate", "max_grad_norm"),
            non_negative=("weight_decay", "max_pairs", "max_minutes", "threads"),
            fractions=("warmup_ratio", "hard_batch_fraction"),
        )
        if self.batch_size < 2:  # in-batch negatives: a batch of one pair has none, and its loss is NaN
            raise TrainingConfigError(f"batch_size = {self.batch_size}: give at least 2 (the other pairs of a batch are the negatives)")

    @classmethod
    def from_file(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> BiencoderTrainingConfig:
        """Read ``[paths]``, ``[sources.*]`` and ``[training]`` sections."""
        config = read_training_config(path, overrides, ("paths", "sources", "training"))
        return cls.from_dict(config, base=Path(path).parent)

    @classmethod
    def from_dict(cls, cfg: dict[str, Any], base: Path | None = None) -> BiencoderTrainingConfig:
        paths = dict(cfg.get("paths", {}))
        check_keys(paths, "paths", ("base_model", "output", "data_root"), variables=True)
        training = dict(cfg.get("training", {}))
        known = {f.name for f in fields(cls)} - {"base_model", "output", "sources"}
        unknown = set(training) - known
        if unknown:
            raise TrainingConfigError(f"unknown [training] settings {sorted(unknown)}; allowed: {sorted(known)}")
        root = Path(paths.get("data_root") or ".")
        if not root.is_absolute() and base is not None:
            root = (base / root).resolve()
        spec_fields = {f.name for f in fields(SourceSpec)} - {"name"}
        sources = []
        for name, spec in (cfg.get("sources") or {}).items():
            spec = dict(spec)
            bad = set(spec) - spec_fields
            if bad or "path" not in spec:
                raise TrainingConfigError(f"[sources.{name}]: needs 'path'; unknown keys {sorted(bad)}")
            source_path = Path(spec["path"])
            spec["path"] = str(source_path if source_path.is_absolute() else root / source_path)
            sources.append(SourceSpec(name=name, **spec))
            _check_source(sources[-1])
        return cls(
            base_model=paths.get("base_model") or None,
            output=str(paths.get("output") or cls.output),
            sources=sources,
            **training,
        )


@dataclass
class TrainingReport:
    """What a run did; saved next to the model as ``xlink_training.json``."""

    n_groups: int
    n_pairs: int
    pairs_by_source: dict[str, int]
    steps: int
    planned_steps: int
    seconds: float
    pairs_per_s: float
    first_loss: float
    last_loss: float
    losses: list[float]
    stopped_early: bool
    config: dict[str, Any]


# -- synonym groups ---------------------------------------------------------------


@dataclass
class SynonymGroups:
    """Groups of names that denote one concept, keyed by ``source:id``."""

    names: dict[str, dict[str, None]] = field(default_factory=dict)
    #: normalized id → group key, for merging by id or cross-reference.
    by_id: dict[str, str] = field(default_factory=dict)
    #: group key → names that came from a corpus (paired specially).
    mentions: dict[str, list[str]] = field(default_factory=dict)
    source_of: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, names: Iterable[str], source: str) -> None:
        group = self.names.setdefault(key, {})
        self.source_of.setdefault(key, source)
        for name in names:
            text = normalize_text(name)
            if text:
                group.setdefault(text, None)


def _check_split(spec: SourceSpec) -> None:
    if any(names_split(Path(spec.path).name, split) for split in ("dev", "test")):
        raise TrainingConfigError(
            f"[sources.{spec.name}]: {spec.path} looks like a dev or test split; "
            "xlink trains only on training splits (dev is kept for model selection, test for reporting)"
        )


def _add_terminology(groups: SynonymGroups, spec: SourceSpec) -> None:
    from xlink.terminology.loaders import load_terminology

    terminology = load_terminology(spec.path, spec.format)
    merged = dropped = 0
    for concept in terminology:
        if spec.merge == "xref":
            ids = [normalize_concept_id(i) for i in (*concept.ids, *concept.xrefs)]
            target = next((groups.by_id[i] for i in ids if i in groups.by_id), None)
            if target is None:
                dropped += 1
                continue
            groups.add(target, concept.names, spec.name)
            merged += 1
            continue
        key = f"{spec.name}:{concept.concept_id}"
        groups.add(key, concept.names, spec.name)
        for identifier in concept.ids:
            groups.by_id.setdefault(normalize_concept_id(identifier), key)
    if spec.merge == "xref":
        logger.info("%s: %d concepts merged by cross-reference, %d without a match", spec.name, merged, dropped)
    else:
        logger.info("%s: %d concepts", spec.name, len(terminology))


def _add_corpus(groups: SynonymGroups, spec: SourceSpec) -> None:
    from xlink.corpus.io import load_corpus
    from xlink.linker import corpus_mentions

    _check_split(spec)
    corpus = load_corpus(spec.path, spec.format)
    used = skipped = 0
    for mention in corpus_mentions(corpus):
        if len(mention.gold) != 1:
            continue
        target = next((groups.by_id[normalize_concept_id(i)] for i in mention.gold[0]
                       if normalize_concept_id(i) in groups.by_id), None)
        if target is None:
            skipped += 1
            continue
        texts = [t for t in (mention.text, mention.expansion) if t]
        groups.add(target, texts, groups.source_of.get(target, spec.name))
        groups.mentions.setdefault(target, []).extend(normalize_text(t) for t in texts if normalize_text(t))
        used += 1
    logger.info("%s: %d mentions joined their concept's group, %d had no group", spec.name, used, skipped)


def collect_groups(sources: Iterable[SourceSpec]) -> SynonymGroups:
    """Read every source into synonym groups, in order (merging sources come after their targets)."""
    groups = SynonymGroups()
    for spec in sources:
        if spec.kind == "terminology":
            _check_split(spec)
            _add_terminology(groups, spec)
        elif spec.kind == "corpus":
            _add_corpus(groups, spec)
        else:
            raise TrainingConfigError(f"[sources.{spec.name}]: kind must be 'terminology' or 'corpus', not {spec.kind!r}")
    return groups


@dataclass(frozen=True)
class Pair:
    """Two names of one group; ``label`` numbers the group."""

    a: str
    b: str
    label: int
    source: str


def make_pairs(groups: SynonymGroups, config: BiencoderTrainingConfig, rng: random.Random) -> list[Pair]:
    """Synonym pairs: each name with another name of its group, mentions with the group's names.

    Per group at most ``max_pairs_per_group`` terminology pairs; each corpus
    mention makes ``repeats`` pairs. Per-source and total caps sample with ``rng``.
    """
    repeats = {s.name: s.repeats for s in config.sources}
    caps = {s.name: s.max_pairs for s in config.sources}
    by_source: dict[str, list[Pair]] = {}
    corpus_source = next((s.name for s in config.sources if s.kind == "corpus"), "corpus")
    for label, (key, names) in enumerate(groups.names.items()):
        mention_set = set(groups.mentions.get(key, ()))
        vocab = [n for n in names if n not in mention_set]
        if len(names) < 2:
            continue
        source = groups.source_of[key]
        pool = list(names)
        if len(vocab) >= 2:
            rng.shuffle(vocab)
            for i, name in enumerate(vocab[: config.max_pairs_per_group]):
                by_source.setdefault(source, []).append(Pair(name, vocab[(i + 1) % len(vocab)], label, source))
        for mention in dict.fromkeys(groups.mentions.get(key, ())):
            partners = [n for n in pool if n != mention]
            for _ in range(repeats.get(corpus_source, 1)):
                by_source.setdefault(corpus_source, []).append(Pair(mention, rng.choice(partners), label, corpus_source))
    pairs: list[Pair] = []
    for source, items in by_source.items():
        cap = caps.get(source, 0)
        if cap and len(items) > cap:
            items = rng.sample(items, cap)
        logger.info("pairs from %s: %d", source, len(items))
        pairs.extend(items)
    if config.max_pairs and len(pairs) > config.max_pairs:
        pairs = rng.sample(pairs, config.max_pairs)
    return pairs


def make_batches(pairs: list[Pair], config: BiencoderTrainingConfig, rng: random.Random) -> list[list[Pair]]:
    """Batches of pairs; a share of them made of groups that share a head word.

    "Hard" batches sort pairs by the last word of their first name (the head
    noun of most disease names), so a batch holds many "... carcinoma" or
    "... syndrome" concepts: the near misses a linker must tell apart.
    """
    pairs = list(pairs)
    rng.shuffle(pairs)
    n_hard = int(len(pairs) * config.hard_batch_fraction)
    hard, easy = pairs[:n_hard], pairs[n_hard:]
    hard.sort(key=lambda p: (p.a.rsplit(" ", 1)[-1], p.label))
    size = config.batch_size
    # Random batches are length-bucketed (within windows of 16 batches) to cut padding.
    window = size * 16
    easy = [p for lo in range(0, len(easy), window)
            for p in sorted(easy[lo : lo + window], key=lambda p: max(len(p.a), len(p.b)))]
    batches = [hard[i : i + size] for i in range(0, len(hard), size)]
    batches += [easy[i : i + size] for i in range(0, len(easy), size)]
    rng.shuffle(batches)
    return [b for b in batches if len(b) > 1]


# -- training -------------------------------------------------------------------------


def _loss(config: BiencoderTrainingConfig):
    from xlink.candidates.losses import InBatchInfoNCELoss, MultiSimilarityLoss

    if config.loss == "ms":
        return MultiSimilarityLoss(config.ms_alpha, config.ms_beta, config.ms_base, config.ms_epsilon)
    if config.loss == "infonce":
        return InBatchInfoNCELoss(config.infonce_scale)
    raise TrainingConfigError(f"loss must be 'ms' or 'infonce', not {config.loss!r}")


def embed_bucketed(encoder: TextEncoder, ids: list[list[int]], chunk_size: int):
    """Embed a batch in length-sorted chunks, each padded only to its own longest member.

    A hard batch mixes short and long names; padding all of them to the
    longest one wastes most of the compute. Chunks share one autograd graph,
    so the loss still sees the whole batch.
    """
    import torch

    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    parts = []
    for lo in range(0, len(order), max(1, chunk_size)):
        rows = order[lo : lo + chunk_size]
        input_ids, mask = encoder.collate([ids[i] for i in rows])
        parts.append(encoder.embed(input_ids, mask))
    embedded = torch.cat(parts)
    inverse = torch.empty(len(order), dtype=torch.long, device=embedded.device)
    inverse[torch.tensor(order, device=embedded.device)] = torch.arange(len(order), device=embedded.device)
    return embedded[inverse]


def train_biencoder(config: BiencoderTrainingConfig, encoder: TextEncoder | None = None) -> TrainingReport:
    """Fine-tune the encoder on synonym pairs and save it to ``config.output``."""
    import numpy as np
    import torch

    if not config.sources:
        raise TrainingConfigError("no [sources.*] to train on")
    if config.threads:
        torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    groups = collect_groups(config.sources)
    pairs = make_pairs(groups, config, rng)
    if not pairs:
        raise TrainingConfigError("the sources yield no synonym pairs (every group has a single name)")
    encoder = encoder or TextEncoder(config.base_model, config.pooling, config.max_length, normalize=True)
    model = encoder.model
    loss_fn = _loss(config)
    batches_per_epoch = len(make_batches(pairs, config, random.Random(config.seed)))
    planned = batches_per_epoch * config.epochs
    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
    params = [
        {"params": [p for n, p in model.named_parameters() if not any(s in n for s in no_decay)],
         "weight_decay": config.weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(s in n for s in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate)
    budget = config.max_minutes * 60

    def progress(step: int, elapsed: float) -> float:
        """Share of the run done: by steps, or by time when a time budget is the tighter limit."""
        done = step / planned
        return max(done, elapsed / budget) if budget else done

    def set_learning_rate(p: float) -> None:
        # Linear warm-up then linear decay to 0, over steps or time (so a time cap ends at lr 0).
        warm = max(config.warmup_ratio, 1e-6)
        factor = min(p / warm, (1 - p) / max(1e-6, 1 - warm))
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * max(0.0, min(1.0, factor))
    logger.info("training on %d pairs of %d groups: %d steps of %d pairs, loss %s",
                len(pairs), len(groups.names), planned, config.batch_size, config.loss)
    model.train()
    losses: list[float] = []
    start = time.perf_counter()
    step = 0
    stopped = False
    seen_pairs = 0
    for epoch in range(config.epochs):
        for batch in make_batches(pairs, config, random.Random(config.seed + epoch)):
            ids, _ = encoder.tokenize([p.a for p in batch] + [p.b for p in batch])
            labels = torch.tensor([p.label for p in batch] * 2, device=encoder.device)
            loss = loss_fn(embed_bucketed(encoder, ids, config.chunk_size), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            set_learning_rate(progress(step, time.perf_counter() - start) + 0.5 / planned)
            optimizer.step()
            step += 1
            seen_pairs += len(batch)
            losses.append(float(loss.detach()))
            elapsed = time.perf_counter() - start
            if step % config.log_every == 0 or step == planned:
                recent = losses[-config.log_every:]
                logger.info("step %d/%d loss %.4f, %.1f pairs/s, %.1f min, %.1f min left", step, planned,
                            sum(recent) / len(recent), seen_pairs / elapsed, elapsed / 60,
                            (planned - step) * elapsed / step / 60)
            if budget and elapsed > budget:
                logger.warning("max_minutes=%s reached after %d of %d steps; saving", config.max_minutes, step, planned)
                stopped = True
                break
        if stopped:
            break
    seconds = time.perf_counter() - start
    model.eval()
    window = max(1, min(20, len(losses) // 5))
    by_source: dict[str, int] = {}
    for p in pairs:
        by_source[p.source] = by_source.get(p.source, 0) + 1
    report = TrainingReport(
        n_groups=len(groups.names),
        n_pairs=len(pairs),
        pairs_by_source=by_source,
        steps=step,
        planned_steps=planned,
        seconds=round(seconds, 1),
        pairs_per_s=round(seen_pairs / max(seconds, 1e-9), 2),
        first_loss=float(np.mean(losses[:window])),
        last_loss=float(np.mean(losses[-window:])),
        losses=[round(x, 5) for x in losses[:: max(1, len(losses) // 200)]],
        stopped_early=stopped,
        config=asdict(config),
    )
    save_encoder(encoder, Path(config.output), report)
    return report


def save_encoder(encoder: TextEncoder, output: Path, report: TrainingReport) -> None:
    """Write fp16 safetensors, config, tokenizer and sentence-transformers files, atomically."""
    from safetensors.torch import save_file

    with atomic_folder(output, BIENCODER_FOLDER) as tmp:
        state = {k: v.detach().to("cpu").half().contiguous() for k, v in encoder.model.state_dict().items()}
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        encoder.model.config.save_pretrained(tmp)
        encoder.tokenizer.save_pretrained(tmp)
        source = Path(encoder.model_path)
        for name in _ST_FILES:
            if (source / name).exists():
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, tmp / name)
        if not (tmp / "modules.json").exists():
            _write_st_files(tmp, encoder)
        pooling_config = tmp / "1_Pooling" / "config.json"
        if pooling_config.is_file():  # copied from the base: say the pooling this model was trained with
            pooling = json.loads(pooling_config.read_text(encoding="utf-8"))
            pooling.update(
                {key: False for key in pooling if key.startswith("pooling_mode_")},
                pooling_mode_cls_token=encoder.pooling == "cls", pooling_mode_mean_tokens=encoder.pooling == "mean",
            )
            pooling_config.write_text(json.dumps(pooling, indent=2), encoding="utf-8")
        (tmp / BIENCODER_FOLDER.marker).write_text(json.dumps(asdict(report), indent=1), encoding="utf-8")
    logger.info("saved %s (%.1f MB)", output, (output / "model.safetensors").stat().st_size / 1e6)


def _write_st_files(folder: Path, encoder: TextEncoder) -> None:
    """Minimal sentence-transformers layout: transformer, pooling, normalize."""
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2), encoding="utf-8")
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": encoder.max_length, "do_lower_case": False}), encoding="utf-8"
    )
    (folder / "1_Pooling").mkdir(exist_ok=True)
    pooling = {
        "word_embedding_dimension": encoder.dimension,
        "pooling_mode_cls_token": encoder.pooling == "cls",
        "pooling_mode_mean_tokens": encoder.pooling == "mean",
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2), encoding="utf-8")
